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
