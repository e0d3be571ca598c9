package nn

// GlobalAvgPool averages each channel over its spatial positions:
// x [N, C, H, W] → out [N, C, 1, 1], out[n, c] = Σ_{h,w} x[n, c, h, w] / (H*W),
// summed in float64. Backward spreads dout[n, c] / (H*W) over the H×W plane.
type GlobalAvgPool struct {
	x, out, dout *Tensor
	dx           *Tensor // the running Backward's destination
	ownDx        *Tensor // the buffer Backward returns
	fwdFn, bwdFn func(c, lo, hi int)
}

// NewGlobalAvgPool returns a global average pooling layer.
func NewGlobalAvgPool() *GlobalAvgPool { return &GlobalAvgPool{} }

// Params returns nil: pooling has no parameters.
func (l *GlobalAvgPool) Params() []*Param { return nil }

// Forward returns the channel means of x as [N, C, 1, 1].
func (l *GlobalAvgPool) Forward(x *Tensor, train bool) *Tensor {
	if l.fwdFn == nil {
		l.fwdFn, l.bwdFn = l.forwardChunk, l.backwardChunk
	}
	l.x = x
	l.out = ensure(l.out, x.N, x.C, 1, 1)
	parallelFor(x.N, l.fwdFn)
	return l.out
}

func (l *GlobalAvgPool) forwardChunk(_, lo, hi int) {
	inv := 1 / float64(l.x.H*l.x.W)
	for n := lo; n < hi; n++ {
		for c := range l.x.C {
			var s float64
			for _, v := range plane(l.x, n, c) {
				s += float64(v)
			}
			l.out.Data[n*l.x.C+c] = float32(s * inv)
		}
	}
}

// Backward takes dout [N, C, 1, 1] and returns dx [N, C, H, W].
func (l *GlobalAvgPool) Backward(dout *Tensor) *Tensor {
	return backwardOwn(l, &l.ownDx, l.x, dout)
}

// backwardInto is Backward writing dx to the caller's tensor.
func (l *GlobalAvgPool) backwardInto(dx, dout *Tensor, _ *gradPool) {
	checkBackward(l.x, l.out, dx, dout)
	l.dout, l.dx = dout, dx
	parallelFor(l.x.N, l.bwdFn)
	l.dout, l.dx = nil, nil
}

func (l *GlobalAvgPool) backwardChunk(_, lo, hi int) {
	inv := 1 / float32(l.x.H*l.x.W)
	for n := lo; n < hi; n++ {
		for c := range l.x.C {
			g := l.dout.Data[n*l.x.C+c] * inv
			dst := plane(l.dx, n, c)
			for i := range dst {
				dst[i] = g
			}
		}
	}
}
