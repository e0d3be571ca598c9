package nn

// Sequential applies its layers in order; Backward runs them in reverse.
//
// The gradients passed between its layers during Backward come from a pool
// (see gradPool) and are recycled as soon as the layer before has consumed
// them; only the gradient Backward returns is the Sequential's own.
type Sequential struct {
	Layers []Layer

	in    [][4]int // the shape of each layer's input in the latest Forward
	dx    *Tensor  // the buffer Backward returns
	grads gradPool
}

// NewSequential returns the composition of layers, first layer first.
func NewSequential(layers ...Layer) *Sequential { return &Sequential{Layers: layers} }

// Forward passes x through every layer and returns the last output. A
// BatchNorm2D followed by a ReLU Activation runs as one fused pass, with the
// same results and the same state in both layers (the BatchNorm2D's own
// output is recomputed on demand, see its Output). In inference mode a
// Conv2D followed by a BatchNorm2D (and a ReLU) runs as one pass, the
// batch norm applied to each image while it is in cache
// (Conv2D.forwardEpilogue), again with the same results.
func (s *Sequential) Forward(x *Tensor, train bool) *Tensor {
	return s.forwardHead(x, train, len(s.Layers), nil)
}

// epilogue is the part of a Residual after its body's head that an
// inference-mode Forward lets the head's last layer, a Conv2D, apply: the
// body's final BatchNorm2D, the addition of the shortcut's output and the
// ReLU.
type epilogue struct {
	bn     *BatchNorm2D
	act    *Activation
	addend *Tensor
}

// fuseInference turns the inference-mode fusion of Conv2D and BatchNorm2D
// on or off (for tests).
var fuseInference = true

// forwardHead passes x through the first k layers, as Forward does, and
// returns the output of layer k-1 (x if k is 0). It records the shape of
// the input of layers 0 to k (the output's as layer k's). If tail is not
// nil and layer k-1 is a Conv2D, that layer applies tail (see epilogue)
// and forwardHead returns tail's result.
func (s *Sequential) forwardHead(x *Tensor, train bool, k int, tail *epilogue) *Tensor {
	if len(s.in) != len(s.Layers) {
		s.in = make([][4]int, len(s.Layers))
	}
	for i := 0; i < k; i++ {
		s.in[i] = x.Shape()
		if conv, ok := s.Layers[i].(*Conv2D); ok && i == k-1 && tail != nil {
			y := conv.forwardEpilogue(x, tail.bn, tail.act, tail.addend)
			if k < len(s.Layers) {
				s.in[k] = conv.out.Shape()
			}
			return y
		}
		if conv, bn, act := s.convBN(i, k, train); conv != nil {
			y := conv.forwardEpilogue(x, bn, act, nil)
			s.in[i+1] = conv.out.Shape()
			i++
			if act != nil {
				s.in[i+1] = y.Shape()
				i++
			}
			x = y
			continue
		}
		if bn, act := s.fusedReLU(i, i+1); bn != nil && i+1 < k {
			s.in[i+1] = x.Shape()
			x = bn.forwardReLU(x, train, act)
			i++
			continue
		}
		x = s.Layers[i].Forward(x, train)
	}
	if k < len(s.Layers) {
		s.in[k] = x.Shape()
	}
	return x
}

// convBN returns, in inference mode, layer i and i+1 (< k) if they are a
// Conv2D and a BatchNorm2D, with layer i+2 if it is a ReLU Activation (and
// below k), else nil.
func (s *Sequential) convBN(i, k int, train bool) (*Conv2D, *BatchNorm2D, *Activation) {
	if train || !fuseInference || i+1 >= k {
		return nil, nil, nil
	}
	conv, ok := s.Layers[i].(*Conv2D)
	bn, ok2 := s.Layers[i+1].(*BatchNorm2D)
	if !ok || !ok2 {
		return nil, nil, nil
	}
	if act, ok := s.layer(i + 2).(*Activation); ok && i+2 < k && act.Kind == ReLU {
		return conv, bn, act
	}
	return conv, bn, nil
}

// layer returns layer i, or nil if there is none.
func (s *Sequential) layer(i int) Layer {
	if i >= 0 && i < len(s.Layers) {
		return s.Layers[i]
	}
	return nil
}

// fusedReLU returns layers i and j = i+1 if they are a BatchNorm2D and a
// ReLU Activation, which run as one fused pass, and nil otherwise.
func (s *Sequential) fusedReLU(i, j int) (*BatchNorm2D, *Activation) {
	if i < 0 || j >= len(s.Layers) {
		return nil, nil
	}
	bn, ok := s.Layers[i].(*BatchNorm2D)
	act, ok2 := s.Layers[j].(*Activation)
	if !ok || !ok2 || act.Kind != ReLU {
		return nil, nil
	}
	return bn, act
}

// Backward passes dout back through the layers, last layer first, and
// returns dLoss/dInput of the first, or nil if the first layer computes no
// input gradient (a Conv2D with NoInputGrad). The result is valid until the
// next Backward of s; the input gradients of the inner layers are not kept.
// A ReLU Activation preceded by a BatchNorm2D runs fused with it, as in
// Forward (the ReLU's own input gradient is then not materialised).
func (s *Sequential) Backward(dout *Tensor) *Tensor {
	if len(s.Layers) == 0 {
		return dout
	}
	if len(s.in) != len(s.Layers) {
		panic("nn: Sequential: Backward before Forward")
	}
	s.grads.reclaim()
	var dx *Tensor
	if !noInputGrad(s) {
		in := s.in[0]
		s.dx = ensure(s.dx, in[0], in[1], in[2], in[3])
		dx = s.dx
	}
	s.backwardInto(dx, dout, &s.grads)
	return dx
}

// backwardInto is Backward writing the first layer's input gradient to dx.
// Each layer's input gradient comes from grads and goes back to it once
// the layer before has consumed it.
func (s *Sequential) backwardInto(dx, dout *Tensor, grads *gradPool) {
	if len(s.Layers) == 0 {
		copy(dx.Data, dout.Data)
		return
	}
	pooled := false // dout came from grads
	for i := len(s.Layers) - 1; i >= 0; i-- {
		bn, act := s.fusedReLU(i-1, i)
		if bn != nil {
			i--
		}
		d := dx
		if i > 0 {
			d = grads.get(s.in[i])
		}
		if bn != nil {
			bn.backwardReLUInto(d, dout, act, grads)
		} else {
			backwardInto(s.Layers[i], d, dout, grads)
		}
		if pooled {
			grads.put(dout)
		}
		dout, pooled = d, true
	}
}

// Params returns the layers' parameters, concatenated in layer order.
func (s *Sequential) Params() []*Param {
	var ps []*Param
	for _, l := range s.Layers {
		ps = append(ps, l.Params()...)
	}
	return ps
}

// SetFuseInference turns the inference-mode fusion of a Conv2D with the
// BatchNorm2D after it on or off and returns the previous setting; it is
// on by default and exists for tests that compare the two.
func SetFuseInference(on bool) (was bool) {
	was, fuseInference = fuseInference, on
	return was
}
