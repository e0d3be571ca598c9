package nn

import (
	"math"

	"github.com/resexp/resexp/internal/nn/kernels"
)

// BatchNorm2D normalises each channel of x [N, C, H, W], as PyTorch's
// nn.BatchNorm2d(C):
//
//	out[n, c, h, w] = Gamma[c] * (x[n, c, h, w] - mean[c]) / sqrt(var[c] + Eps) + Beta[c]
//
// In training, mean and var are the batch statistics over the M = N*H*W
// values of a channel (var biased, divided by M), accumulated in float64, and
// the running statistics move towards them:
//
//	RunningMean = (1-Momentum)*RunningMean + Momentum*mean
//	RunningVar  = (1-Momentum)*RunningVar  + Momentum*var*M/(M-1)
//
// In evaluation, mean and var are RunningMean and RunningVar.
type BatchNorm2D struct {
	Name                    string
	C                       int
	Gamma, Beta             *Param
	RunningMean, RunningVar []float32
	Momentum, Eps           float32

	train          bool
	x, out, dout   *Tensor
	dx             *Tensor
	mean, invStd   []float64 // statistics used by the latest Forward
	mu, scale      []float32 // per channel: out = (x-mu)*scale + Beta
	coefX, coefC   []float32 // per channel: dx = scale*dout + coefX*(x-mu) + coefC
	part           []float64 // per-chunk partial sums [Chunks][2C]
	relu           *Tensor   // the fused ReLU's output, or nil (see forwardReLU)
	reluY          *Tensor   // the ReLU output masking dout, or nil (see backwardReLU)
	sumFn, sqFn    func(c, lo, hi int)
	affineFn, gsFn func(c, lo, hi int)
	dxFn           func(c, lo, hi int)
}

// NewBatchNorm2D returns batch normalisation over c channels with Gamma 1,
// Beta 0, RunningMean 0, RunningVar 1, Momentum 0.1 and Eps 1e-5 (PyTorch's
// defaults). Gamma is named name+".weight", Beta name+".bias".
func NewBatchNorm2D(name string, c int) *BatchNorm2D {
	if c < 1 {
		panic("nn: NewBatchNorm2D: channels must be positive")
	}
	l := &BatchNorm2D{Name: name, C: c,
		Gamma: NewParam(name+".weight", c), Beta: NewParam(name+".bias", c),
		RunningMean: make([]float32, c), RunningVar: make([]float32, c),
		Momentum: 0.1, Eps: 1e-5}
	for i := range c {
		l.Gamma.Data[i] = 1
		l.RunningVar[i] = 1
	}
	return l
}

// Params returns [Gamma, Beta].
func (l *BatchNorm2D) Params() []*Param { return []*Param{l.Gamma, l.Beta} }

// Output returns the output of the latest Forward (nil before the first).
func (l *BatchNorm2D) Output() *Tensor { return l.out }

func (l *BatchNorm2D) init() {
	if l.sumFn != nil {
		return
	}
	c := l.C
	l.mean, l.invStd = make([]float64, c), make([]float64, c)
	l.mu, l.scale = make([]float32, c), make([]float32, c)
	l.coefX, l.coefC = make([]float32, c), make([]float32, c)
	l.part = make([]float64, Chunks*2*c)
	l.sumFn, l.sqFn, l.affineFn = l.sumChunk, l.sqChunk, l.affineChunk
	l.gsFn, l.dxFn = l.gradSumChunk, l.dxChunk
}

// Forward normalises x [N, C, H, W] with batch statistics if train, running
// statistics otherwise, and returns the [N, C, H, W] result.
func (l *BatchNorm2D) Forward(x *Tensor, train bool) *Tensor {
	l.relu = nil
	return l.forward(x, train)
}

// forwardReLU is Forward followed by act.Forward (a ReLU) in one pass over
// the data: each plane is normalised and then rectified while in cache.
// It returns act's output.
func (l *BatchNorm2D) forwardReLU(x *Tensor, train bool, act *Activation) *Tensor {
	l.out = ensure(l.out, x.N, x.C, x.H, x.W)
	l.relu = act.setOutput(l.out)
	l.forward(x, train)
	l.relu = nil
	return act.out
}

func (l *BatchNorm2D) forward(x *Tensor, train bool) *Tensor {
	if x.C != l.C {
		panic("nn: BatchNorm2D: input channels differ from C")
	}
	l.init()
	l.x, l.train = x, train
	l.out = ensure(l.out, x.N, x.C, x.H, x.W)
	if train {
		l.batchStats()
	} else {
		l.runningStats()
	}
	l.setAffine()
	parallelFor(x.N, l.affineFn)
	return l.out
}

// setAffine sets mu and scale from mean and invStd: out = (x-mu)*scale + Beta.
func (l *BatchNorm2D) setAffine() {
	for c := range l.C {
		l.mu[c] = float32(l.mean[c])
		l.scale[c] = float32(float64(l.Gamma.Data[c]) * l.invStd[c])
	}
}

// batchStats sets mean and invStd from the batch by two passes (sum, then
// squared deviations from the mean) and updates the running statistics.
func (l *BatchNorm2D) batchStats() {
	x := l.x
	m := float64(x.N * x.H * x.W)
	if m < 2 {
		panic("nn: BatchNorm2D: training needs more than one value per channel")
	}
	k := numChunks(x.N)
	parallelFor(x.N, l.sumFn)
	l.reduce(l.mean, 0, k)
	for c := range l.C {
		l.mean[c] /= m
	}
	parallelFor(x.N, l.sqFn)
	l.reduce(l.invStd, 0, k)
	mom := float64(l.Momentum)
	for c := range l.C {
		v := l.invStd[c] / m
		l.invStd[c] = 1 / math.Sqrt(v+float64(l.Eps))
		l.RunningMean[c] = float32((1-mom)*float64(l.RunningMean[c]) + mom*l.mean[c])
		l.RunningVar[c] = float32((1-mom)*float64(l.RunningVar[c]) + mom*v*m/(m-1))
	}
}

func (l *BatchNorm2D) runningStats() {
	for c := range l.C {
		l.mean[c] = float64(l.RunningMean[c])
		l.invStd[c] = 1 / math.Sqrt(float64(l.RunningVar[c])+float64(l.Eps))
	}
}

// reduce sets dst[c] to the sum over the first k chunks, in chunk order, of
// part[chunk][off+c].
func (l *BatchNorm2D) reduce(dst []float64, off, k int) {
	for c := range l.C {
		var s float64
		for ch := range k {
			s += l.part[ch*2*l.C+off+c]
		}
		dst[c] = s
	}
}

// plane returns x[n, c, :, :].
func plane(t *Tensor, n, c int) []float32 {
	hw := t.H * t.W
	i := (n*t.C + c) * hw
	return t.Data[i : i+hw]
}

func (l *BatchNorm2D) sumChunk(ch, lo, hi int) {
	p := l.part[ch*2*l.C : ch*2*l.C+l.C]
	clear(p)
	for n := lo; n < hi; n++ {
		for c := range l.C {
			p[c] += kernels.Sum64(plane(l.x, n, c))
		}
	}
}

func (l *BatchNorm2D) sqChunk(ch, lo, hi int) {
	p := l.part[ch*2*l.C : ch*2*l.C+l.C]
	clear(p)
	for n := lo; n < hi; n++ {
		for c := range l.C {
			p[c] += kernels.SqDev64(plane(l.x, n, c), l.mean[c])
		}
	}
}

func (l *BatchNorm2D) affineChunk(_, lo, hi int) {
	for n := lo; n < hi; n++ {
		for c := range l.C {
			dst := plane(l.out, n, c)
			kernels.ScaleShift(dst, plane(l.x, n, c), l.mu[c], l.scale[c], l.Beta.Data[c], false)
			if l.relu != nil {
				kernels.ReLU(plane(l.relu, n, c), dst)
			}
		}
	}
}

// Backward takes dout [N, C, H, W], sets Beta.Grad = Σ dout and
// Gamma.Grad = Σ dout*xhat per channel, with xhat = (x-mean)*invStd, and
// returns dx. In training mode
//
//	dx = Gamma*invStd * (dout - Beta.Grad/M - xhat*Gamma.Grad/M);
//
// after an evaluation-mode Forward, dx = Gamma*invStd * dout.
func (l *BatchNorm2D) Backward(dout *Tensor) *Tensor {
	l.reluY = nil
	return l.backward(dout)
}

// backwardReLU is act.Backward followed by Backward in one pass, for a ReLU
// act fed by this layer: dout is masked by act's output on the fly instead
// of being written out first. It leaves act's input gradient unset.
func (l *BatchNorm2D) backwardReLU(dout *Tensor, act *Activation) *Tensor {
	if act.out == nil || !dout.SameShape(act.out) {
		panic("nn: BatchNorm2D: backwardReLU: dout shape differs from the ReLU output's")
	}
	l.reluY = act.out
	dx := l.backward(dout)
	l.reluY = nil
	return dx
}

func (l *BatchNorm2D) backward(dout *Tensor) *Tensor {
	if l.x == nil {
		panic("nn: BatchNorm2D: Backward before Forward")
	}
	if !dout.SameShape(l.out) {
		panic("nn: BatchNorm2D: dout shape differs from the output's")
	}
	x := l.x
	l.dout = dout
	l.dx = ensure(l.dx, x.N, x.C, x.H, x.W)
	k := numChunks(x.N)
	parallelFor(x.N, l.gsFn)
	m := float64(x.N * x.H * x.W)
	for c := range l.C {
		var db, dg float64
		for ch := range k {
			db += l.part[ch*2*l.C+c]
			dg += l.part[ch*2*l.C+l.C+c]
		}
		l.Beta.Grad[c], l.Gamma.Grad[c] = float32(db), float32(dg)
		l.setDxCoef(c, db, dg, m)
	}
	parallelFor(x.N, l.dxFn)
	return l.dx
}

// setDxCoef writes dx = scale*dout + coefX*(x-mu) + coefC for channel c,
// the training formula expanded with xhat = (x-mean)*invStd.
func (l *BatchNorm2D) setDxCoef(c int, db, dg, m float64) {
	s := float64(l.Gamma.Data[c]) * l.invStd[c]
	l.scale[c] = float32(s)
	if !l.train {
		l.coefX[c], l.coefC[c] = 0, 0
		return
	}
	l.coefX[c] = float32(-s * dg * l.invStd[c] / m)
	l.coefC[c] = float32(-s * db / m)
}

func (l *BatchNorm2D) gradSumChunk(ch, lo, hi int) {
	p := l.part[ch*2*l.C : (ch+1)*2*l.C]
	clear(p)
	for n := lo; n < hi; n++ {
		for c := range l.C {
			var db, dg float64
			if l.reluY != nil {
				db, dg = kernels.DotDev64ReLU(plane(l.dout, n, c), plane(l.reluY, n, c), plane(l.x, n, c), l.mean[c])
			} else {
				db, dg = kernels.DotDev64(plane(l.dout, n, c), plane(l.x, n, c), l.mean[c])
			}
			p[c] += db
			p[l.C+c] += dg * l.invStd[c]
		}
	}
}

func (l *BatchNorm2D) dxChunk(_, lo, hi int) {
	for n := lo; n < hi; n++ {
		for c := range l.C {
			dst, d, x := plane(l.dx, n, c), plane(l.dout, n, c), plane(l.x, n, c)
			if l.reluY != nil {
				kernels.BNBackwardReLU(dst, d, plane(l.reluY, n, c), x, l.mu[c], l.scale[c], l.coefX[c], l.coefC[c])
				continue
			}
			kernels.BNBackward(dst, d, x, l.mu[c], l.scale[c], l.coefX[c], l.coefC[c])
		}
	}
}
