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
// values of a channel (var biased, divided by M), accumulated in float64
// (per plane, then combined: see batchStats), and the running statistics
// move towards them:
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
	x, out, dout   *Tensor   // out: the stored output, nil after a fused Forward
	view           *Tensor   // Output's recomputed output after a fused Forward
	grads          *gradPool // the pool of the network of the latest Backward, or nil
	dx             *Tensor   // the running Backward's destination
	ownDx          *Tensor   // the buffer Backward returns
	mean, invStd   []float64 // statistics used by the latest Forward
	mu, scale      []float32 // per channel: out = (x-mu)*scale + shift
	shift          []float32 // Beta at the latest Forward
	coefD          []float32 // per channel: dx = coefD*dout + coefX*(x-mu) + coefC
	coefX, coefC   []float32
	part           []float64 // per-chunk partial sums [Chunks][2C] of Backward
	planes         []float64 // per image [N][2C]: each plane's sum, then its squared deviations (see planeStats)
	collect        bool      // an epilogue Forward in training: epilogueImage gathers planes
	dst, addend    *Tensor   // the running affine pass: dst = (x-mu)*scale + shift (+ addend)
	reluDst        bool      // ... then rectified
	reluY          *Tensor   // the ReLU output masking dout, or nil (see backwardFusedInto)
	reluOf         bool      // ... or the mask is recomputed from x (see backwardFusedInto)
	laterDx        bool      // the next Backward leaves dx to the Conv2D before (see Sequential.backwardTail)
	plainOut       *Tensor   // the ReLU output of the latest Forward if it is ReLU(out) exactly, else nil
	statFn         func(c, lo, hi int)
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
//
// When the layer ran fused with the ReLU after it (see Sequential) or with a
// residual addition (see Residual), its own output was never stored: Output
// then recomputes it, bit for bit, from the Forward's input and affine map
// (the input is the previous layer's output, unchanged until its next
// Forward). It writes to a gradient buffer of the network the layer last
// ran Backward in, idle between two Backwards: the result is valid until
// the next Output of any layer of that network or the network's next
// Forward or Backward. Outside a network it writes to a buffer of the
// layer's, valid until the next Forward.
func (l *BatchNorm2D) Output() *Tensor {
	if l.x == nil || l.out != nil {
		return l.out
	}
	x := l.x
	var dst *Tensor
	if l.grads != nil {
		dst = l.grads.lend(x.Shape())
	} else {
		l.view = ensure(l.view, x.N, x.C, x.H, x.W)
		dst = l.view
	}
	l.affine(dst, false, nil)
	return dst
}

func (l *BatchNorm2D) init() {
	if l.statFn != nil {
		return
	}
	c := l.C
	l.mean, l.invStd = make([]float64, c), make([]float64, c)
	l.mu, l.scale = make([]float32, c), make([]float32, c)
	l.shift, l.coefD = make([]float32, c), make([]float32, c)
	l.coefX, l.coefC = make([]float32, c), make([]float32, c)
	l.part = make([]float64, Chunks*2*c)
	l.statFn, l.affineFn = l.statChunk, l.affineChunk
	l.gsFn, l.dxFn = l.gradSumChunk, l.dxChunk
}

// Forward normalises x [N, C, H, W] with batch statistics if train, running
// statistics otherwise, and returns the [N, C, H, W] result.
func (l *BatchNorm2D) Forward(x *Tensor, train bool) *Tensor {
	l.forward(x, train)
	l.plainOut = nil
	l.out = ensure(l.out, x.N, x.C, x.H, x.W)
	l.affine(l.out, false, nil)
	return l.out
}

// fuses returns 1 if next starts with a ReLU Activation, which Forward
// and Backward run fused with the layer in either mode (see forwardFuser
// and backwardFuser), else 0.
func (l *BatchNorm2D) fuses(next []Layer, _ bool) int {
	if len(next) > 0 && isReLU(next[0]) {
		return 1
	}
	return 0
}

// forwardFused is Forward, the addition of addend (if not nil) and
// next[0].Forward (a ReLU) in one pass over the data: next[0]'s output,
// which it returns, is set to ReLU(BN(x) + addend), with BN(x) rounded to
// float32 as Forward stores it. The layer's own output is not stored (see
// Output).
func (l *BatchNorm2D) forwardFused(x *Tensor, train bool, next []Layer, addend *Tensor) *Tensor {
	if addend != nil && !addend.SameShape(x) {
		panic("nn: BatchNorm2D: the residual summand's shape differs from the input's")
	}
	l.forward(x, train)
	l.out = nil
	y := next[0].(*Activation).setOutput(x)
	l.setPlainOut(y, addend)
	l.affine(y, true, addend)
	return y
}

// setPlainOut records y, the output of the ReLU fused after the layer, as
// ReLU(out) if there is no addend (see backwardFusedInto).
func (l *BatchNorm2D) setPlainOut(y, addend *Tensor) {
	l.plainOut = nil
	if addend == nil {
		l.plainOut = y
	}
}

// forward sets x, the statistics and the affine map of a Forward of x.
func (l *BatchNorm2D) forward(x *Tensor, train bool) {
	l.begin(x, train)
	if train {
		parallelFor(x.N, l.statFn)
	}
	l.finish()
}

// begin starts a Forward of x: it checks x and sets x and the mode; the
// statistics follow with finish (in training, once planes holds every
// image's plane statistics).
func (l *BatchNorm2D) begin(x *Tensor, train bool) {
	if x.C != l.C {
		panic("nn: BatchNorm2D: input channels differ from C")
	}
	if train && x.N*x.H*x.W < 2 {
		panic("nn: BatchNorm2D: training needs more than one value per channel")
	}
	l.init()
	l.x, l.train = x, train
	if train {
		if n := x.N * 2 * l.C; cap(l.planes) < n {
			l.planes = make([]float64, n)
		}
		l.planes = l.planes[:x.N*2*l.C]
	}
}

// finish sets the statistics (batch statistics from planes in training,
// the running ones otherwise) and the affine map of the Forward begin
// started.
func (l *BatchNorm2D) finish() {
	if l.train {
		l.batchStats()
	} else {
		l.runningStats()
	}
	l.setAffine()
}

// affine sets dst = (x-mu)*scale + shift per plane, then adds addend (if
// not nil) and rectifies (if relu) while the plane is in cache.
func (l *BatchNorm2D) affine(dst *Tensor, relu bool, addend *Tensor) {
	l.dst, l.reluDst, l.addend = dst, relu, addend
	parallelFor(dst.N, l.affineFn)
	l.dst, l.addend = nil, nil
}

// setAffine sets mu, scale and shift from mean, invStd and Beta:
// out = (x-mu)*scale + shift.
func (l *BatchNorm2D) setAffine() {
	for c := range l.C {
		l.mu[c] = float32(l.mean[c])
		l.scale[c] = float32(float64(l.Gamma.Data[c]) * l.invStd[c])
		l.shift[c] = l.Beta.Data[c]
	}
}

// planeStats sets image n's entries of planes from x, one pass over each
// plane x[n, c] of P = H*W values: its sum s = Σ x (kernels.Sum64) and its
// squared deviations from its own mean, q = Σ (x - s/P)² (kernels.SqDev64),
// the second pass reading the plane from cache.
func (l *BatchNorm2D) planeStats(n int) {
	st := l.planes[n*2*l.C : (n+1)*2*l.C]
	p := float64(l.x.H * l.x.W)
	for c := range l.C {
		xp := plane(l.x, n, c)
		s := kernels.Sum64(xp)
		st[c], st[l.C+c] = s, kernels.SqDev64(xp, s/p)
	}
}

func (l *BatchNorm2D) statChunk(_, lo, hi int) {
	for n := lo; n < hi; n++ {
		l.planeStats(n)
	}
}

// batchStats sets mean and invStd from the plane statistics (see
// planeStats) and updates the running statistics. Per channel, in float64
// and in image order, mean = Σ s / M and the squared deviations from it are
// combined exactly as for a union of samples (Chan, Golub and LeVeque 1979):
//
//	M*var = Σ_n (q_n + P*(s_n/P - mean)²),
//
// which needs no second pass over the batch and, unlike E[x²]-E[x]², loses
// no digits to a large mean (every term is non-negative).
func (l *BatchNorm2D) batchStats() {
	x := l.x
	m, p := float64(x.N*x.H*x.W), float64(x.H*x.W)
	mom := float64(l.Momentum)
	for c := range l.C {
		var s float64
		for n := range x.N {
			s += l.planes[n*2*l.C+c]
		}
		mean := s / m
		var q float64
		for n := range x.N {
			d := l.planes[n*2*l.C+c]/p - mean
			q += l.planes[n*2*l.C+l.C+c] + float64(p*float64(d*d))
		}
		v := q / m
		l.mean[c], l.invStd[c] = mean, 1/math.Sqrt(v+float64(l.Eps))
		l.RunningMean[c] = float32((1-mom)*float64(l.RunningMean[c]) + mom*mean)
		l.RunningVar[c] = float32((1-mom)*float64(l.RunningVar[c]) + mom*v*m/(m-1))
	}
}

func (l *BatchNorm2D) runningStats() {
	for c := range l.C {
		l.mean[c] = float64(l.RunningMean[c])
		l.invStd[c] = 1 / math.Sqrt(float64(l.RunningVar[c])+float64(l.Eps))
	}
}

// plane returns x[n, c, :, :].
func plane(t *Tensor, n, c int) []float32 {
	hw := t.H * t.W
	i := (n*t.C + c) * hw
	return t.Data[i : i+hw]
}

func (l *BatchNorm2D) affineChunk(_, lo, hi int) {
	for n := lo; n < hi; n++ {
		l.affineImage(n)
	}
}

// affineImage applies the running affine map (see affine) to image n.
func (l *BatchNorm2D) affineImage(n int) {
	for c := range l.C {
		dst := plane(l.dst, n, c)
		if l.addend == nil {
			kernels.ScaleShift(dst, plane(l.x, n, c), l.mu[c], l.scale[c], l.shift[c], l.reluDst)
			continue
		}
		kernels.ScaleShiftAdd(dst, plane(l.x, n, c), plane(l.addend, n, c), l.mu[c], l.scale[c], l.shift[c], l.reluDst)
	}
}

// beginEpilogue prepares a Forward of x, then the addition of addend (if
// not nil) and act (a ReLU, if not nil), as the fused passes do, for the
// layer that produces x to run image by image with epilogueImage while each
// image is in cache (see Conv2D.forwardFused). It returns the output, act's
// when act is set, complete after endEpilogue.
func (l *BatchNorm2D) beginEpilogue(x *Tensor, train bool, act *Activation, addend *Tensor) *Tensor {
	if addend != nil && !addend.SameShape(x) {
		panic("nn: BatchNorm2D: the residual summand's shape differs from the input's")
	}
	l.begin(x, train)
	if !train {
		l.finish()
	}
	var y *Tensor
	if act != nil {
		l.out = nil
		y = act.setOutput(x)
		l.setPlainOut(y, addend)
	} else {
		l.out = ensure(l.out, x.N, x.C, x.H, x.W)
		y = l.out
		l.plainOut = nil
	}
	l.dst, l.reluDst, l.addend, l.collect = y, act != nil, addend, train
	return y
}

// epilogueImage is the layer's part of a Forward for image n of x, once
// the producer has written it: in inference mode the whole affine map (see
// affineImage), in training the image's plane statistics (see planeStats),
// the map following in endEpilogue once the batch's statistics are known.
func (l *BatchNorm2D) epilogueImage(n int) {
	if l.collect {
		l.planeStats(n)
		return
	}
	l.affineImage(n)
}

// endEpilogue ends the Forward beginEpilogue started: in training it sets
// the batch statistics and applies the affine map (and addend and ReLU) in
// one pass, or, if later, leaves the output unwritten for its consumer to
// write image by image with affineImage just before reading each image,
// and then to call endLater (see Conv2D.pro).
func (l *BatchNorm2D) endEpilogue(later bool) {
	if l.collect {
		l.collect = false
		l.finish()
		if later {
			return
		}
		parallelFor(l.x.N, l.affineFn)
	}
	l.endLater()
}

// endLater ends a Forward whose output its consumer wrote (see endEpilogue).
func (l *BatchNorm2D) endLater() { l.dst, l.addend = nil, nil }

// Backward takes dout [N, C, H, W], sets Beta.Grad = Σ dout and
// Gamma.Grad = Σ dout*xhat per channel, with xhat = (x-mean)*invStd, and
// returns dx. In training mode
//
//	dx = Gamma*invStd * (dout - Beta.Grad/M - xhat*Gamma.Grad/M);
//
// after an evaluation-mode Forward, dx = Gamma*invStd * dout.
func (l *BatchNorm2D) Backward(dout *Tensor) *Tensor {
	return backwardOwn(l, &l.ownDx, l.x, dout)
}

// backwardInto is Backward writing dx to the caller's tensor; grads is the
// network's gradient pool (nil outside a network), which Output borrows.
func (l *BatchNorm2D) backwardInto(dx, dout *Tensor, grads *gradPool) {
	l.reluY, l.reluOf, l.grads = nil, false, grads
	l.backward(dx, dout)
}

// fusesBackward reports whether next is a ReLU Activation, whose backward
// pass backwardFusedInto runs with the layer's.
func (l *BatchNorm2D) fusesBackward(next Layer) bool { return isReLU(next) }

// backwardFusedInto is next.Backward (a ReLU fed by this layer) followed by
// Backward in one pass, writing dx to the caller's tensor: dout is masked
// by next's output on the fly instead of being written out first. It
// leaves next's input gradient unset. When next's output is the ReLU of
// this layer's output, as the latest Forward fused with next without an
// addend left it, and the machine has the kernels (kernels.ReLUOfFast),
// the mask is recomputed from x with the Forward's affine map instead of
// read: the same bits, one tensor less to read in each of the two passes.
func (l *BatchNorm2D) backwardFusedInto(dx, dout *Tensor, next Layer, grads *gradPool) {
	act := next.(*Activation)
	if act.out == nil || !dout.SameShape(act.out) {
		panic("nn: BatchNorm2D: the fused ReLU's dout shape differs from its output's")
	}
	l.grads = grads
	if act.out == l.plainOut && kernels.ReLUOfFast() && trainFusion {
		l.reluOf = true
	} else {
		l.reluY = act.out
	}
	l.backward(dx, dout)
}

func (l *BatchNorm2D) backward(dx, dout *Tensor) {
	checkBackward(l.x, l.x, dx, dout) // out is nil after a fused Forward
	x := l.x
	l.dout, l.dx = dout, dx
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
	if l.laterDx {
		return
	}
	parallelFor(x.N, l.dxFn)
	l.endDx()
}

// endDx ends a Backward: after its dx pass, or after the layer before
// wrote dx image by image with dxImage (see laterDx).
func (l *BatchNorm2D) endDx() {
	l.dout, l.dx, l.reluY, l.reluOf, l.laterDx = nil, nil, nil, false, false
}

// setDxCoef writes dx = coefD*dout + coefX*(x-mu) + coefC for channel c,
// the training formula expanded with xhat = (x-mean)*invStd.
func (l *BatchNorm2D) setDxCoef(c int, db, dg, m float64) {
	s := float64(l.Gamma.Data[c]) * l.invStd[c]
	l.coefD[c] = float32(s)
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
			d, x := plane(l.dout, n, c), plane(l.x, n, c)
			switch {
			case l.reluOf:
				db, dg = kernels.DotDev64ReLUOf(d, x, l.mean[c], l.mu[c], l.scale[c], l.shift[c])
			case l.reluY != nil:
				db, dg = kernels.DotDev64ReLU(d, plane(l.reluY, n, c), x, l.mean[c])
			default:
				db, dg = kernels.DotDev64(d, x, l.mean[c])
			}
			p[c] += db
			p[l.C+c] += dg * l.invStd[c]
		}
	}
}

func (l *BatchNorm2D) dxChunk(_, lo, hi int) {
	for n := lo; n < hi; n++ {
		l.dxImage(n)
	}
}

// dxImage writes image n of the running Backward's dx.
func (l *BatchNorm2D) dxImage(n int) {
	for c := range l.C {
		dst, d, x := plane(l.dx, n, c), plane(l.dout, n, c), plane(l.x, n, c)
		switch {
		case l.reluOf:
			kernels.BNBackwardReLUOf(dst, d, x, l.mu[c], l.scale[c], l.shift[c], l.coefD[c], l.coefX[c], l.coefC[c])
		case l.reluY != nil:
			kernels.BNBackwardReLU(dst, d, plane(l.reluY, n, c), x, l.mu[c], l.coefD[c], l.coefX[c], l.coefC[c])
		default:
			kernels.BNBackward(dst, d, x, l.mu[c], l.coefD[c], l.coefX[c], l.coefC[c])
		}
	}
}
