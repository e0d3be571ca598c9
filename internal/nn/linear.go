package nn

// Linear is a fully connected layer, as PyTorch's nn.Linear(In, Out):
// out[n, o] = Σ_i Weight[o, i] * x[n, i] + Bias[o]. The input [N, C, H, W]
// is read as [N, C*H*W] (C*H*W must equal In); the output is [N, Out, 1, 1].
// The layer is small, so it runs on the calling goroutine.
type Linear struct {
	Name         string
	In, Out      int
	Weight, Bias *Param

	x, out *Tensor
	ownDx  *Tensor // the buffer Backward returns
}

// NewLinear returns a Linear layer with a zero Weight [out, in] named
// name+".weight" and a zero Bias [out] named name+".bias".
func NewLinear(name string, in, out int) *Linear {
	if in < 1 || out < 1 {
		panic("nn: NewLinear: sizes must be positive")
	}
	return &Linear{Name: name, In: in, Out: out,
		Weight: NewParam(name+".weight", out, in), Bias: NewParam(name+".bias", out)}
}

// Params returns [Weight, Bias].
func (l *Linear) Params() []*Param { return []*Param{l.Weight, l.Bias} }

// Forward returns x·Weightᵀ + Bias as [N, Out, 1, 1].
func (l *Linear) Forward(x *Tensor, train bool) *Tensor {
	if x.Size() != l.In {
		panic("nn: Linear: input size C*H*W differs from In")
	}
	l.x = x
	l.out = ensure(l.out, x.N, l.Out, 1, 1)
	gemm(false, true, x.N, l.Out, l.In, 1, x.Data, l.In, l.Weight.Data, l.In, 0, l.out.Data, l.Out)
	for n := range x.N {
		row := l.out.Data[n*l.Out : (n+1)*l.Out]
		for o, b := range l.Bias.Data {
			row[o] += b
		}
	}
	return l.out
}

// Backward takes dout [N, Out, 1, 1], sets Weight.Grad = doutᵀ·x and
// Bias.Grad = Σ_n dout (in float64), and returns dx = dout·Weight, shaped
// like the input.
func (l *Linear) Backward(dout *Tensor) *Tensor {
	return backwardOwn(l, &l.ownDx, l.x, dout)
}

// backwardInto is Backward writing dx to the caller's tensor.
func (l *Linear) backwardInto(dx, dout *Tensor, _ *gradPool) {
	checkBackward(l.x, l.out, dx, dout)
	x := l.x
	gemm(true, false, l.Out, l.In, x.N, 1, dout.Data, l.Out, x.Data, l.In, 0, l.Weight.Grad, l.In)
	for o := range l.Out {
		var s float64
		for n := range x.N {
			s += float64(dout.Data[n*l.Out+o])
		}
		l.Bias.Grad[o] = float32(s)
	}
	gemm(false, false, x.N, l.In, l.Out, 1, dout.Data, l.Out, l.Weight.Data, l.In, 0, dx.Data, l.In)
}
