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

	sum, dx   *Tensor
	forwarded bool    // a Forward has run
	a, b      *Tensor // the summands of the running add
	dst       *Tensor
	addFn     func(c, lo, hi int)
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

// Forward returns Act(Body(x) + Shortcut(x)).
func (r *Residual) Forward(x *Tensor, train bool) *Tensor {
	b := r.Body.Forward(x, train)
	s := x
	if r.Shortcut != nil {
		s = r.Shortcut.Forward(x, train)
	}
	if !b.SameShape(s) {
		panic("nn: Residual: body and shortcut output shapes differ")
	}
	r.forwarded = true
	if act, ok := r.Act.(*Activation); ok && act.Kind == ReLU {
		return act.forwardSum(b, s) // fused: the sum itself is not needed
	}
	r.sum = ensure(r.sum, b.N, b.C, b.H, b.W)
	r.add(r.sum, b, s)
	if r.Act != nil {
		return r.Act.Forward(r.sum, train)
	}
	return r.sum
}

// Backward returns dx = Body.Backward(dsum) + Shortcut.Backward(dsum), with
// dsum = Act.Backward(dout) (or dout without Act, and dsum itself for the
// identity shortcut).
func (r *Residual) Backward(dout *Tensor) *Tensor {
	if !r.forwarded {
		panic("nn: Residual: Backward before Forward")
	}
	dsum := dout
	if r.Act != nil {
		dsum = r.Act.Backward(dout)
	}
	db := r.Body.Backward(dsum)
	ds := dsum
	if r.Shortcut != nil {
		ds = r.Shortcut.Backward(dsum)
	}
	if !db.SameShape(ds) {
		panic("nn: Residual: body and shortcut input gradients differ in shape")
	}
	r.dx = ensure(r.dx, db.N, db.C, db.H, db.W)
	r.add(r.dx, db, ds)
	return r.dx
}

// add sets dst = a + b elementwise, in parallel over the batch.
func (r *Residual) add(dst, a, b *Tensor) {
	if r.addFn == nil {
		r.addFn = r.addChunk
	}
	r.dst, r.a, r.b = dst, a, b
	parallelFor(dst.N, r.addFn)
}

func (r *Residual) addChunk(_, lo, hi int) {
	sz := r.dst.Size()
	d, a, b := r.dst.Data[lo*sz:hi*sz], r.a.Data[lo*sz:hi*sz], r.b.Data[lo*sz:hi*sz]
	kernels.Add(d, a, b, false)
}
