package nn

import (
	"fmt"

	"github.com/resexp/resexp/internal/nn/kernels"
)

// ActKind names an elementwise nonlinearity.
type ActKind int

// The nonlinearities: ReLU max(0, x), Tanh tanh(x), Sigmoid 1/(1+e^-x).
const (
	ReLU ActKind = iota
	Tanh
	Sigmoid
)

var actNames = [...]string{ReLU: "relu", Tanh: "tanh", Sigmoid: "sigmoid"}

// ParseActKind returns the kind named "relu", "tanh" or "sigmoid".
func ParseActKind(s string) (ActKind, error) {
	for k, name := range actNames {
		if s == name {
			return ActKind(k), nil
		}
	}
	return 0, fmt.Errorf("nn: unknown activation %q (want relu, tanh or sigmoid)", s)
}

// String returns the name ParseActKind accepts.
func (k ActKind) String() string {
	if k < 0 || int(k) >= len(actNames) {
		return fmt.Sprintf("ActKind(%d)", int(k))
	}
	return actNames[k]
}

// Activation applies Kind elementwise: out = f(x), dx = dout * f'(x), with
// f' computed from the output (ReLU: out > 0; Tanh: (1-out)(1+out);
// Sigmoid: out*(1-out)). Tanh and Sigmoid are float32 approximations within
// 2.5 ulps (kernels.Tanh, kernels.Sigmoid). NaN stays NaN (ReLU passes it
// through); ±Inf give ±1 for Tanh and 1 and 0 for Sigmoid.
type Activation struct {
	Kind ActKind

	x, out, dout *Tensor
	dx           *Tensor // the running Backward's destination
	ownDx        *Tensor // the buffer Backward returns
	a, b         *Tensor // the summands of forwardSum
	fwdFn, bwdFn func(c, lo, hi int)
	sumFn        func(c, lo, hi int)
}

// NewActivation returns an activation layer of kind k.
func NewActivation(k ActKind) *Activation {
	if k < ReLU || k > Sigmoid {
		panic("nn: NewActivation: unknown kind")
	}
	return &Activation{Kind: k}
}

// Params returns nil: an activation has no parameters.
func (l *Activation) Params() []*Param { return nil }

// Forward returns f(x), of x's shape.
func (l *Activation) Forward(x *Tensor, train bool) *Tensor {
	l.init()
	l.x = x
	l.out = ensure(l.out, x.N, x.C, x.H, x.W)
	parallelFor(x.N, l.fwdFn)
	return l.out
}

// init stores the chunk functions once, so parallelFor does not allocate.
func (l *Activation) init() {
	if l.fwdFn == nil {
		l.fwdFn, l.bwdFn, l.sumFn = l.forwardChunk, l.backwardChunk, l.sumChunk
	}
}

// forwardSum returns ReLU(a + b) for a ReLU layer, as Forward(a+b) would,
// without materialising the sum; Backward then works as after Forward.
func (l *Activation) forwardSum(a, b *Tensor) *Tensor {
	if l.Kind != ReLU {
		panic("nn: Activation: forwardSum needs ReLU")
	}
	l.init()
	l.x, l.a, l.b = nil, a, b
	l.out = ensure(l.out, a.N, a.C, a.H, a.W)
	parallelFor(a.N, l.sumFn)
	return l.out
}

func (l *Activation) sumChunk(_, lo, hi int) {
	sz := l.out.Size()
	kernels.Add(l.out.Data[lo*sz:hi*sz], l.a.Data[lo*sz:hi*sz], l.b.Data[lo*sz:hi*sz], true)
}

// setOutput returns the output buffer, shaped like t, for a fused producer
// to write the ReLU of its result into; Backward then works as after
// Forward.
func (l *Activation) setOutput(t *Tensor) *Tensor {
	l.init()
	l.x = nil
	l.out = ensure(l.out, t.N, t.C, t.H, t.W)
	return l.out
}

func (l *Activation) forwardChunk(_, lo, hi int) {
	sz := l.x.Size()
	src, dst := l.x.Data[lo*sz:hi*sz], l.out.Data[lo*sz:hi*sz]
	switch l.Kind {
	case ReLU:
		kernels.ReLU(dst, src)
	case Tanh:
		kernels.Tanh(dst, src)
	case Sigmoid:
		kernels.Sigmoid(dst, src)
	default:
		panic("nn: Activation: unknown kind")
	}
}

// Backward returns dx = dout * f'(x) for the latest Forward.
func (l *Activation) Backward(dout *Tensor) *Tensor {
	return backwardOwn(l, &l.ownDx, l.out, dout) // the input has the output's shape
}

// backwardInto is Backward writing dx to the caller's tensor.
func (l *Activation) backwardInto(dx, dout *Tensor, _ *gradPool) {
	checkBackward(l.out, l.out, dx, dout) // x is nil after a fused Forward
	l.dout, l.dx = dout, dx
	parallelFor(dout.N, l.bwdFn)
	l.dout, l.dx = nil, nil
}

func (l *Activation) backwardChunk(_, lo, hi int) {
	sz := l.out.Size()
	y, d, dst := l.out.Data[lo*sz:hi*sz], l.dout.Data[lo*sz:hi*sz], l.dx.Data[lo*sz:hi*sz]
	switch l.Kind {
	case ReLU:
		kernels.ReLUBackward(dst, y, d)
	case Tanh:
		kernels.TanhBackward(dst, y, d)
	case Sigmoid:
		kernels.SigmoidBackward(dst, y, d)
	default:
		panic("nn: Activation: unknown kind")
	}
}
