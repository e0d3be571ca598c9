package nn

// Sequential applies its layers in order; Backward runs them in reverse.
//
// The gradients passed between its layers during Backward come from a pool
// (see gradPool) and are recycled as soon as the layer before has consumed
// them; only the gradient Backward returns is the Sequential's own.
type Sequential struct {
	Layers []Layer

	in    [][4]int // the shape of each layer's input in the latest Forward
	chain []Layer  // Layers and a Residual's activation (see forward)
	dx    *Tensor  // the buffer Backward returns
	grads gradPool
}

// NewSequential returns the composition of layers, first layer first.
func NewSequential(layers ...Layer) *Sequential { return &Sequential{Layers: layers} }

// Forward passes x through every layer and returns the last output. A
// layer that can run the layers after it in the same pass (see
// forwardFuser) does so: a BatchNorm2D followed by a ReLU Activation, and
// a Conv2D followed by a BatchNorm2D (and a ReLU), the batch norm's part of
// each image (inference: the whole map; training: the image's share of the
// batch statistics) run while the image is in cache; in training, when
// another Conv2D follows such a group, it applies the batch norm's map to
// each image of its input just before reading it (see handOn). The results
// and the state of every layer are those of the layers run one by one, bit
// for bit (a fused BatchNorm2D's own output is recomputed on demand, see
// its Output).
func (s *Sequential) Forward(x *Tensor, train bool) *Tensor {
	return s.forward(x, train, nil, nil)
}

// forward passes x through the layers and then, if tail is not nil,
// through tail with addend added to its input: a Residual's ReLU and its
// shortcut's output (see Residual.fusedBody). Each layer runs the layers
// after it that it fuses. With a tail, the group that ends the chain must
// be fused, so that its fuser adds addend.
func (s *Sequential) forward(x *Tensor, train bool, tail Layer, addend *Tensor) *Tensor {
	if len(s.in) != len(s.Layers) {
		s.in = make([][4]int, len(s.Layers))
	}
	chain := s.Layers
	if tail != nil {
		s.chain = append(append(s.chain[:0], s.Layers...), tail)
		chain = s.chain
	}
	for i, n := 0, 0; i < len(chain); i += 1 + n {
		s.setIn(i, x)
		f, ok := chain[i].(forwardFuser)
		n = 0
		if ok {
			n = f.fuses(chain[i+1:], train)
		}
		end := i+n == len(chain)-1 // the group ends the chain
		if n == 0 {
			if end && tail != nil {
				panic("nn: Sequential: a Residual's fused tail ran unfused")
			}
			x = chain[i].Forward(x, train)
			continue
		}
		var add *Tensor
		if end {
			add = addend
		}
		c, later := s.handOn(chain, i, n, train)
		x = f.forwardFused(x, train, chain[i+1:i+1+n], add)
		if later {
			c.later = false
			chain[i+1+n].(*Conv2D).pro = chain[i+1].(*BatchNorm2D)
		}
		for j := i + 1; j <= i+n; j++ {
			s.setIn(j, x) // the fused layers keep the shape
		}
	}
	return x
}

// handOn reports whether the fused group of chain[i] and the n layers
// after it is a training-mode Conv2D with a BatchNorm2D followed by another
// Conv2D, and if so sets the first one's later: the batch norm's affine map
// (and ReLU) is then applied by the second convolution to each image of its
// input just before reading it, while it is in cache, instead of in a pass
// of its own (see Conv2D.pro); the bits are the same.
func (s *Sequential) handOn(chain []Layer, i, n int, train bool) (*Conv2D, bool) {
	c, ok := chain[i].(*Conv2D)
	if !ok || !train || i+1+n >= len(chain) {
		return nil, false
	}
	if _, ok := chain[i+1+n].(*Conv2D); !ok {
		return nil, false
	}
	c.later = true
	return c, true
}

// setIn records x's shape as the input shape of layer i, if i is one of
// the Sequential's layers (not a tail).
func (s *Sequential) setIn(i int, x *Tensor) {
	if i < len(s.in) {
		s.in[i] = x.Shape()
	}
}

// trainFusion turns on the training-mode fusions that keep the bits:
// Conv2D with the BatchNorm2D after it (forward and backward, see
// Conv2D.forwardFused, handOn and handBack), the ReLU mask recomputed in
// BatchNorm2D.backwardFusedInto and Residual.fusedBackwardBody. Only
// benchmarks and tests turn it off, to compare.
var trainFusion = true

// forwardFuser is implemented by a layer whose Forward can run the layers
// after it in a Sequential in the same pass over the data, with the
// results and layer state of running them one by one, bit for bit.
type forwardFuser interface {
	// fuses returns how many of next, the layers after it, a Forward in
	// mode train runs fused with it: 0 for none. A fuser that takes a
	// BatchNorm2D followed by a ReLU takes the ReLU too.
	fuses(next []Layer, train bool) int
	// forwardFused is Forward of x followed by next, the layers fuses
	// accepted, with addend (if not nil) added before the last of them, a
	// ReLU; it returns the last layer's output. The layers' inputs all have
	// the shape of that output.
	forwardFused(x *Tensor, train bool, next []Layer, addend *Tensor) *Tensor
}

// backwardFuser is implemented by a layer whose backward pass can include
// that of the layer after it in a Sequential, with the results of running
// them one by one, bit for bit.
type backwardFuser interface {
	// fusesBackward reports whether backwardFusedInto takes next.
	fusesBackward(next Layer) bool
	// backwardFusedInto is next's backward pass followed by the layer's
	// own, writing the layer's input gradient to dx; next's input gradient
	// is not materialised.
	backwardFusedInto(dx, dout *Tensor, next Layer, grads *gradPool)
}

// isReLU reports whether l is a ReLU Activation.
func isReLU(l Layer) bool {
	a, ok := l.(*Activation)
	return ok && a.Kind == ReLU
}

// Backward passes dout back through the layers, last layer first, and
// returns dLoss/dInput of the first, or nil if the first layer computes no
// input gradient (a Conv2D with NoInputGrad, such as a model's first
// convolution: that input gradient is then not computed at all; see
// BackwardInput). The result is valid until the next Backward of s; the
// input gradients of the inner layers are not kept. A layer whose backward
// pass can include that of the layer after it (see backwardFuser: a
// BatchNorm2D followed by a ReLU) runs both, as in Forward, and a Conv2D
// writes the input gradient of the BatchNorm2D after it image by image as
// it reads it (see handBack), with the same bits.
func (s *Sequential) Backward(dout *Tensor) *Tensor {
	return s.backward(dout, noInputGrad(s))
}

// BackwardInput is Backward that always returns the input gradient
// dLoss/dInput, [N, C, H, W] like the latest Forward's input, even when the
// first layer is a Conv2D with NoInputGrad: that layer then also runs the
// backward pass to its input (Weightᵀ·dout and col2im, or the flipped-kernel
// convolution), which Backward skips. Everything else is as after Backward
// (parameter gradients included), so a training step that does not need the
// input gradient calls Backward and pays nothing for this. dout chooses what
// is differentiated: the loss's gradient gives that of the loss; a dout
// that is one at one output element and zero elsewhere gives the gradient of
// that output. After an inference-mode Forward it is the gradient of the
// inference-mode net (BatchNorm2D with its running statistics). The result
// is valid until the next Backward or BackwardInput of s.
func (s *Sequential) BackwardInput(dout *Tensor) *Tensor {
	return s.backward(dout, false)
}

// backward is Backward, skipping the input gradient if skip.
func (s *Sequential) backward(dout *Tensor, skip bool) *Tensor {
	if len(s.Layers) == 0 {
		return dout
	}
	if len(s.in) != len(s.Layers) {
		panic("nn: Sequential: Backward before Forward")
	}
	s.grads.reclaim()
	var dx *Tensor
	if !skip {
		in := s.in[0]
		s.dx = ensure(s.dx, in[0], in[1], in[2], in[3])
		dx = s.dx
	}
	s.backwardInto(dx, dout, &s.grads)
	return dx
}

// backwardInto is Backward writing the first layer's input gradient to dx
// (none if dx is nil, which only a first layer that computes no input
// gradient takes). Each layer's input gradient comes from grads and goes
// back to it once the layer before has consumed it.
func (s *Sequential) backwardInto(dx, dout *Tensor, grads *gradPool) {
	s.backwardTail(dx, dout, nil, grads)
}

// backwardTail is backwardInto for the layers followed by tail, if not
// nil: a layer whose backward pass the last layer, a backwardFuser, runs
// with its own (a Residual's ReLU, see Residual.fusedBackwardBody). dout is
// then tail's output gradient, and tail's input gradient is never formed.
func (s *Sequential) backwardTail(dx, dout *Tensor, tail Layer, grads *gradPool) {
	if len(s.Layers) == 0 {
		copy(dx.Data, dout.Data)
		return
	}
	pooled := false  // dout came from grads
	var held *Tensor // a pooled dout a BatchNorm2D still reads (see handBack)
	for end := len(s.Layers); end > 0; {
		i, f, next := s.backwardGroup(end, tail)
		d := dx
		if i > 0 {
			d = grads.get(s.in[i])
		}
		bn := s.handBack(i)
		if f != nil {
			f.backwardFusedInto(d, dout, next, grads)
		} else {
			backwardInto(s.Layers[i], d, dout, grads)
		}
		if held != nil {
			grads.put(held) // the layer just run has written its batch norm's dx
			held = nil
		}
		switch {
		case bn != nil:
			s.Layers[i-1].(*Conv2D).dpro = bn
			if pooled {
				held = dout
			}
		case pooled:
			grads.put(dout)
		}
		dout, pooled = d, true
		end = i
	}
}

// handBack reports the BatchNorm2D at layer i if a Conv2D precedes it, and
// sets its laterDx: its Backward then computes the parameter gradients and
// dx's coefficients but leaves dx itself to the convolution's Backward,
// which writes each image of its dout with the batch norm's dxImage just
// before reading it, while it is in cache, instead of in a pass of its own
// (see Conv2D.dpro); the bits are the same. The batch norm's own dout must
// stay until then.
func (s *Sequential) handBack(i int) *BatchNorm2D {
	if i == 0 || !trainFusion {
		return nil
	}
	bn, ok := s.Layers[i].(*BatchNorm2D)
	if !ok {
		return nil
	}
	if _, ok := s.Layers[i-1].(*Conv2D); !ok {
		return nil
	}
	bn.laterDx = true
	return bn
}

// backwardGroup returns the first layer i of the group of layers that
// Backward runs as one before layer end: layer end-1 alone (f nil), or
// layer i = end-2 with f, its backwardFuser, taking next, layer end-1; or,
// with a tail and end the number of layers, the last layer as f taking
// next, the tail.
func (s *Sequential) backwardGroup(end int, tail Layer) (i int, f backwardFuser, next Layer) {
	i = end - 1
	if tail != nil && end == len(s.Layers) {
		return i, s.Layers[i].(backwardFuser), tail
	}
	if i == 0 {
		return i, nil, nil
	}
	if f, ok := s.Layers[i-1].(backwardFuser); ok && f.fusesBackward(s.Layers[i]) {
		return i - 1, f, s.Layers[i]
	}
	return i, nil, nil
}

// Params returns the layers' parameters, concatenated in layer order.
func (s *Sequential) Params() []*Param {
	var ps []*Param
	for _, l := range s.Layers {
		ps = append(ps, l.Params()...)
	}
	return ps
}

// SetInferenceFusion turns on or off, for every Conv2D in s (in nested
// Sequentials and Residuals too), the inference-mode fusion with the
// BatchNorm2D after it (see Conv2D.NoFusion). It is on by default; the
// results are the same bits either way, and tests compare the two.
func (s *Sequential) SetInferenceFusion(on bool) {
	eachLayer(s, func(l Layer) {
		if c, ok := l.(*Conv2D); ok {
			c.NoFusion = !on
		}
	})
}

// SetConvAlgo sets Algo of every Conv2D in s (in nested Sequentials and
// Residuals too): ConvWinograd runs its 3x3 stride-1 convolutions with
// Winograd, ConvDirect directly, ConvAuto as RESEXP_CONV says (unset: the
// faster method for each layer's shape).
func (s *Sequential) SetConvAlgo(a ConvAlgo) {
	eachLayer(s, func(l Layer) {
		if c, ok := l.(*Conv2D); ok {
			c.Algo = a
		}
	})
}

// eachLayer calls fn for l and then, depth first, for every layer inside
// it: a Sequential's Layers in order, a Residual's Body, Shortcut and Act.
func eachLayer(l Layer, fn func(Layer)) {
	fn(l)
	switch l := l.(type) {
	case *Sequential:
		for _, c := range l.Layers {
			eachLayer(c, fn)
		}
	case *Residual:
		for _, c := range []Layer{l.Body, l.Shortcut, l.Act} {
			if c != nil {
				eachLayer(c, fn)
			}
		}
	}
}
