package nn

// Param is a trainable tensor with its gradient. Name is stable across runs
// and follows the model's layer names, e.g. "stage2.block3.conv1.weight".
// Shape is the PyTorch layout: conv weights [OC, C, KH, KW], Linear weights
// [out, in], biases and BatchNorm scales [C].
type Param struct {
	Name  string
	Shape []int
	Data  []float32
	Grad  []float32
}

// NewParam returns a zeroed parameter of the given shape.
func NewParam(name string, shape ...int) *Param {
	n := 1
	for _, s := range shape {
		n *= s
	}
	return &Param{Name: name, Shape: shape, Data: make([]float32, n), Grad: make([]float32, n)}
}

// FanIn is the number of inputs per output unit: the product of Shape[1:].
func (p *Param) FanIn() int {
	n := 1
	for _, s := range p.Shape[1:] {
		n *= s
	}
	return n
}

// FanOut is Shape[0] times the product of Shape[2:] (OC*KH*KW for a conv).
func (p *Param) FanOut() int {
	n := p.Shape[0]
	for _, s := range p.Shape[2:] {
		n *= s
	}
	return n
}

// Layer is one step of a network.
//
// Forward computes the output for x; train selects training behaviour (batch
// statistics in BatchNorm). Backward takes dLoss/dOutput of the latest
// Forward and returns dLoss/dInput; it overwrites (does not add to) the Grad
// of every Param the layer owns. Params lists the layer's trainable
// parameters in a fixed order (none for parameter-free layers).
type Layer interface {
	Forward(x *Tensor, train bool) *Tensor
	Backward(dout *Tensor) *Tensor
	Params() []*Param
}

// intoBackward is implemented by every layer of this package: backwardInto
// is Backward with the input gradient written to dx, a tensor of the
// input's shape that the caller owns, instead of to a buffer of the
// layer's. Containers take the gradients passed between their children
// from grads (see gradPool). dx is nil only for a layer that computes no
// input gradient (see noInputGrad).
type intoBackward interface {
	backwardInto(dx, dout *Tensor, grads *gradPool)
}

// backwardInto runs l's backward pass with its input gradient written to
// dx. A Layer from outside this package runs Backward, and its result is
// copied to dx.
func backwardInto(l Layer, dx, dout *Tensor, grads *gradPool) {
	if b, ok := l.(intoBackward); ok {
		b.backwardInto(dx, dout, grads)
		return
	}
	g := l.Backward(dout)
	if dx == nil {
		return
	}
	if g == nil || !g.SameShape(dx) {
		panic("nn: Backward returned no input gradient or one of the wrong shape")
	}
	copy(dx.Data, g.Data)
}

// Panic messages of a layer's Backward; the stack names the layer.
const (
	errBackwardFirst = "nn: Backward before Forward"
	errBackwardShape = "nn: Backward: dout's shape differs from the output's, or dx's from the input's"
)

// backwardOwn is the Backward of a layer of this package whose latest
// Forward took an input of x's shape (x nil: no Forward yet): it runs the
// layer's backwardInto into *own, a buffer of the layer's sized like x, and
// returns it.
func backwardOwn(l intoBackward, own **Tensor, x, dout *Tensor) *Tensor {
	if x == nil {
		panic(errBackwardFirst)
	}
	*own = ensure(*own, x.N, x.C, x.H, x.W)
	l.backwardInto(*own, dout, nil)
	return *own
}

// checkBackward panics, as a layer's backwardInto must, unless a Forward
// has run (x, its input, is not nil), dout has the shape of out, its
// output, and dx, unless nil, that of x.
func checkBackward(x, out, dx, dout *Tensor) {
	if x == nil || out == nil {
		panic(errBackwardFirst)
	}
	if !dout.SameShape(out) || (dx != nil && !dx.SameShape(x)) {
		panic(errBackwardShape)
	}
}

// noInputGrad reports whether l computes no input gradient: a Conv2D with
// NoInputGrad, or a Sequential that starts with one.
func noInputGrad(l Layer) bool {
	switch l := l.(type) {
	case *Conv2D:
		return l.NoInputGrad
	case *Sequential:
		return len(l.Layers) > 0 && noInputGrad(l.Layers[0])
	}
	return false
}
