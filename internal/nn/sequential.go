package nn

// Sequential applies its layers in order; Backward runs them in reverse.
type Sequential struct {
	Layers []Layer
}

// NewSequential returns the composition of layers, first layer first.
func NewSequential(layers ...Layer) *Sequential { return &Sequential{Layers: layers} }

// Forward passes x through every layer and returns the last output. A
// BatchNorm2D followed by a ReLU Activation runs as one fused pass, with the
// same results and the same state in both layers.
func (s *Sequential) Forward(x *Tensor, train bool) *Tensor {
	for i := 0; i < len(s.Layers); i++ {
		if bn, ok := s.Layers[i].(*BatchNorm2D); ok && i+1 < len(s.Layers) {
			if act, ok := s.Layers[i+1].(*Activation); ok && act.Kind == ReLU {
				x = bn.forwardReLU(x, train, act)
				i++
				continue
			}
		}
		x = s.Layers[i].Forward(x, train)
	}
	return x
}

// Backward passes dout back through the layers, last layer first, and
// returns dLoss/dInput of the first. A ReLU Activation preceded by a
// BatchNorm2D runs fused with it, as in Forward (the ReLU's own input
// gradient is then not materialised).
func (s *Sequential) Backward(dout *Tensor) *Tensor {
	for i := len(s.Layers) - 1; i >= 0; i-- {
		if act, ok := s.Layers[i].(*Activation); ok && act.Kind == ReLU && i > 0 {
			if bn, ok := s.Layers[i-1].(*BatchNorm2D); ok {
				dout = bn.backwardReLU(dout, act)
				i--
				continue
			}
		}
		dout = s.Layers[i].Backward(dout)
	}
	return dout
}

// Params returns the layers' parameters, concatenated in layer order.
func (s *Sequential) Params() []*Param {
	var ps []*Param
	for _, l := range s.Layers {
		ps = append(ps, l.Params()...)
	}
	return ps
}
