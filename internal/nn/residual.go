package nn

import "github.com/resexp/resexp/internal/nn/kernels"

// Residual is the residual addition as a layer of its own:
//
//	out = Act(Body(x) + Shortcut(x))
//
// A nil Shortcut is the identity, a nil Act is none. Body(x) and Shortcut(x)
// must have the same shape. Backward computes dsum = Act'(dout) and returns
// dx = Body.Backward(dsum) + Shortcut.Backward(dsum).
type Residual struct {
	Body, Shortcut, Act Layer

	sum       *Tensor
	in        [4]int  // the shape of the latest Forward's input
	dx        *Tensor // the buffer Backward returns
	grads     gradPool
	forwarded bool    // a Forward has run
	a, b      *Tensor // the summands of the running add
	dst       *Tensor
	addFn     func(c, lo, hi int)
	addGradFn func(c, lo, hi int)
	tail      []Layer // [Act], for fusedBody
}

// NewResidual returns the block Act(body(x) + shortcut(x)); shortcut nil
// means identity and act nil means no activation.
func NewResidual(body, shortcut, act Layer) *Residual {
	if body == nil {
		panic("nn: NewResidual: nil body")
	}
	return &Residual{Body: body, Shortcut: shortcut, Act: act}
}

// Params returns Body's parameters, then Shortcut's.
func (r *Residual) Params() []*Param {
	ps := r.Body.Params()
	if r.Shortcut != nil {
		ps = append(ps, r.Shortcut.Params()...)
	}
	return ps
}

// Forward returns Act(Body(x) + Shortcut(x)). When Act is a ReLU and Body
// a Sequential whose last layer fuses it (a BatchNorm2D, see
// forwardFuser), that layer, the addition and the ReLU run as one pass, in
// inference mode applied by the Conv2D before it image by image, with the
// same results as one by one (the BatchNorm2D's output is recomputed on
// demand, see its Output).
func (r *Residual) Forward(x *Tensor, train bool) *Tensor {
	r.forwarded, r.in = true, x.Shape()
	if seq := r.fusedBody(train); seq != nil {
		return seq.forward(x, train, r.Act, r.shortcut(x, train))
	}
	b := r.Body.Forward(x, train)
	s := r.shortcut(x, train)
	if !b.SameShape(s) {
		panic("nn: Residual: body and shortcut output shapes differ")
	}
	if isReLU(r.Act) {
		return r.Act.(*Activation).forwardSum(b, s) // fused: the sum itself is not needed
	}
	r.sum = ensure(r.sum, b.N, b.C, b.H, b.W)
	r.add(r.sum, b, s)
	if r.Act != nil {
		return r.Act.Forward(r.sum, train)
	}
	return r.sum
}

// shortcut returns Shortcut(x), or x for the identity.
func (r *Residual) shortcut(x *Tensor, train bool) *Tensor {
	if r.Shortcut == nil {
		return x
	}
	return r.Shortcut.Forward(x, train)
}

// fusedBody returns Body if it is a Sequential whose last layer fuses Act,
// a ReLU, in mode train (see forwardFuser): Forward then runs Body with Act
// as its tail and the shortcut's output added before it. Else it returns
// nil.
func (r *Residual) fusedBody(train bool) *Sequential {
	seq, ok := r.Body.(*Sequential)
	if !ok || !isReLU(r.Act) || len(seq.Layers) == 0 {
		return nil
	}
	f, ok := seq.Layers[len(seq.Layers)-1].(forwardFuser)
	if len(r.tail) != 1 || r.tail[0] != r.Act {
		r.tail = []Layer{r.Act}
	}
	if !ok || f.fuses(r.tail, train) != 1 {
		return nil
	}
	return seq
}

// Backward returns dx = Body.Backward(dsum) + Shortcut.Backward(dsum), with
// dsum = Act.Backward(dout) (or dout without Act, and dsum itself for the
// identity shortcut). The result is valid until the next Backward of r.
func (r *Residual) Backward(dout *Tensor) *Tensor {
	if !r.forwarded {
		panic("nn: Residual: Backward before Forward")
	}
	r.grads.reclaim()
	r.dx = ensure(r.dx, r.in[0], r.in[1], r.in[2], r.in[3])
	r.backwardInto(r.dx, dout, &r.grads)
	return r.dx
}

// backwardInto is Backward writing dx to the caller's tensor: Body's input
// gradient goes straight into dx and the shortcut's is added to it; dsum and
// the shortcut's gradient come from grads.
//
// With an identity shortcut and a body that runs Act's backward pass with
// its own (see fusedBackwardBody), dsum is never formed: the body takes
// dout and Act's output, and the shortcut's gradient is added to dx on the
// fly (kernels.AddReLUBackward), with the same bits.
func (r *Residual) backwardInto(dx, dout *Tensor, grads *gradPool) {
	if !r.forwarded {
		panic("nn: Residual: Backward before Forward")
	}
	if seq := r.fusedBackwardBody(); seq != nil {
		y := r.Act.(*Activation).out
		seq.backwardTail(dx, dout, r.Act, grads) // checks dout's shape against y's
		r.dst, r.a, r.b = dx, y, dout
		parallelFor(dx.N, r.addGradFn)
		r.dst, r.a, r.b = nil, nil, nil
		return
	}
	dsum := dout
	if r.Act != nil {
		dsum = grads.get(dout.Shape())
		backwardInto(r.Act, dsum, dout, grads)
	}
	backwardInto(r.Body, dx, dsum, grads)
	ds := dsum
	if r.Shortcut != nil {
		ds = grads.get(dx.Shape())
		backwardInto(r.Shortcut, ds, dsum, grads)
	}
	r.add(dx, dx, ds)
	if r.Shortcut != nil {
		grads.put(ds)
	}
	if r.Act != nil {
		grads.put(dsum)
	}
}

// fusedBackwardBody returns Body if Shortcut is the identity, Act a ReLU
// and Body a Sequential whose last layer runs Act's backward pass with its
// own (a BatchNorm2D, see backwardFuser), else nil.
func (r *Residual) fusedBackwardBody() *Sequential {
	seq, ok := r.Body.(*Sequential)
	if !ok || r.Shortcut != nil || !isReLU(r.Act) || len(seq.Layers) == 0 || !trainFusion {
		return nil
	}
	if f, ok := seq.Layers[len(seq.Layers)-1].(backwardFuser); !ok || !f.fusesBackward(r.Act) {
		return nil
	}
	r.init()
	return seq
}

// init stores the chunk functions once, so parallelFor does not allocate.
func (r *Residual) init() {
	if r.addFn == nil {
		r.addFn, r.addGradFn = r.addChunk, r.addGradChunk
	}
}

// add sets dst = a + b elementwise, in parallel over the batch.
func (r *Residual) add(dst, a, b *Tensor) {
	r.init()
	r.dst, r.a, r.b = dst, a, b
	parallelFor(dst.N, r.addFn)
	r.dst, r.a, r.b = nil, nil, nil
}

// addGradChunk sets dst += ReLU'(a) * b, a the ReLU's output and b its
// output gradient, for images lo..hi.
func (r *Residual) addGradChunk(_, lo, hi int) {
	sz := r.dst.Size()
	d := r.dst.Data[lo*sz : hi*sz]
	kernels.AddReLUBackward(d, d, r.a.Data[lo*sz:hi*sz], r.b.Data[lo*sz:hi*sz])
}

func (r *Residual) addChunk(_, lo, hi int) {
	sz := r.dst.Size()
	d, a, b := r.dst.Data[lo*sz:hi*sz], r.a.Data[lo*sz:hi*sz], r.b.Data[lo*sz:hi*sz]
	kernels.Add(d, a, b, false)
}
