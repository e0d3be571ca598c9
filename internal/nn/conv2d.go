package nn

import "github.com/resexp/resexp/internal/nn/kernels"

// Conv2D is a 2-D convolution without bias, as PyTorch's nn.Conv2d(C, OC,
// (KH, KW), Stride, Pad, bias=False):
//
//	out[n, o, oh, ow] = Σ_{c,i,j} Weight[o, c, i, j] * x[n, c, oh*Stride-Pad+i, ow*Stride-Pad+j]
//
// with x zero outside the image; x is [N, C, H, W], out [N, OC, OH, OW] with
// OH, OW from OutShape. Forward and Backward equal the direct loops of
// convNaive in conv2d_test.go up to float32 rounding. Each image is one GEMM:
// Weight [OC, C*KH*KW] times its im2col matrix [C*KH*KW, OH*OW], or times the
// image itself for a 1x1, stride-1, unpadded (pointwise) convolution.
//
// For a stride-1 convolution that keeps the size (OH = H, OW = W: 3x3 with
// Pad 1), Backward computes dx as the same kind of convolution of dout with
// the flipped, transposed kernel, dx = conv(dout, Wf) with
// Wf[c, o, i, j] = Weight[o, c, KH-1-i, KW-1-j], again one GEMM per image;
// other convolutions use Weightᵀ·dout and col2im, except a 3x3, padding-1,
// stride-2 one of an even-sized input run as an implicit GEMM (below).
//
// A 3x3 convolution with padding 1 and stride 1 (or 2, on an even-sized
// input) runs as an implicit GEMM when the machine has the kernel for it
// (kernels.ConvImplicit): each image is copied once into a zero-padded
// layout (for stride 2, its four phase planes) and multiplied in place, with
// no im2col matrix, for the output and the weight gradient, and for stride 1
// also dx (the flipped-kernel convolution of dout); dx of stride 2 is one
// GEMM per phase of dx over the shifts of dout (inputGradPhases), or with
// RESEXP_CONV=direct or winograd2 (kernels.OlderBits) Weightᵀ·dout and
// col2im, as before.
//
// Algo chooses how a 3x3, padding-1, stride-1 convolution computes its
// output and dx: ConvAuto (the zero value) follows the environment variable
// RESEXP_CONV, and when it is unset takes the method that is faster for the
// layer's shape with the active kernel (kernels.UseWinograd and
// WinogradPays: Winograd where BenchmarkWinograd measured it faster);
// ConvDirect, ConvWinograd and ConvWinograd2 force one. With the defaults that makes
// every 3x3 stride-1 layer of the CIFAR nets with 16 or more input and
// output channels Winograd, on AVX-512 and AVX2 alike, and the first layer
// (3 input channels) direct; in the MNIST nets the 14x14 and 7x7 stages
// run Winograd, the 28x28 stage and the first layer (1 channel) direct
// (Winograd only tied, or lost); with the pure-Go kernel (and on arm64)
// everything stays direct. Winograd runs F(4x4,3x3) (kernels.Winograd4x4)
// where that is faster than F(2x2,3x3) (kernels.UseWinograd4,
// Winograd4Pays: AVX-512 or AVX2, the CIFAR stages) for dx and for the
// output of an inference-mode Forward, and for the output of a training
// step with AVX-512 on the 16x16 and 8x8 stages only
// (kernels.Wino4TrainMaxWidth: elsewhere F(2x2)'s smaller rounding errors
// keep the gradients within the PyTorch cross-check's limit); with
// ConvWinograd wherever kernels.Winograd4OK, training too; F(2x2,3x3)
// (kernels.Winograd2x2) elsewhere, on every such layer with ConvWinograd2,
// and wherever Winograd runs with RESEXP_CONV=winograd2 (the default before
// F(4x4), bit for bit). Either runs on a chunk's images at once, for dx
// with Wf, and after a Winograd Forward the weight gradient runs a GradU,
// which transforms x itself, where that pays (winogradGrad: AVX-512, 16 or
// more channels, rows of 8, 16 or a multiple of 32 pixels: the CIFAR
// stages): F(4x4)'s on images 16 or more pixels wide (winograd4Grad), not
// with ConvWinograd2 or RESEXP_CONV=winograd2, F(2x2)'s elsewhere. Its
// results differ from the direct ones by float32 rounding only (kernels'
// BENCH.md has the measured errors).
//
// NoInputGrad makes Backward skip dx (it returns nil): set it on a network's
// first layer, whose input needs no gradient. In a container it counts only
// there: Sequential.Backward then skips the network's input gradient, and
// Sequential.BackwardInput computes it all the same. In a Sequential, a
// BatchNorm2D after the convolution runs its part of each image while the
// convolution's output of it is in cache (see forwardFused): NoFusion keeps
// an inference-mode Forward from doing so (a training-mode Forward always
// does); the results are the same bits either way.
type Conv2D struct {
	Name                       string
	C, OC, KH, KW, Stride, Pad int
	Weight                     *Param
	NoInputGrad                bool
	NoFusion                   bool
	Algo                       ConvAlgo

	g, gT              convGeom // gT: the geometry of the dx convolution of dout
	x, out, dout       *Tensor
	dx                 *Tensor   // the running Backward's destination, nil if none
	ownDx              *Tensor   // the buffer Backward returns
	wf                 []float32 // the flipped kernel Wf [C, OC*KH*KW]
	phw                []float32 // the phases' weights of a stride-2 dx (preparePhases)
	dw                 []float32 // during Backward: per-chunk weight-gradient partials, then their sum
	fwdChunk, bwdChunk func(c, lo, hi int)
	gradRows           func(c, lo, hi int) // winoGradRows
	prepUnits          func(c, lo, hi int) // prepareUnits
	prep               winoPreparer        // during prepareWino: the plan it prepares
	epiImage           func(n int)         // epilogueEpi, for Winograd's RunEach
	implicit           bool                // this Forward runs as an implicit GEMM
	plan, planT        kernels.Conv3x3     // the implicit GEMMs of Weight and of Wf
	epi                *BatchNorm2D        // during forwardFused: applied to each output image
	later              bool                // forwardFused leaves a training-mode epi's map to the next layer, a Conv2D
	pro                *BatchNorm2D        // if not nil, the next Forward writes each image of its input with pro's map first
	dpro               *BatchNorm2D        // if not nil, the next Backward writes each image of dout with dpro's dxImage first
	im2col             bool                // never run as an implicit GEMM (for tests of the im2col path)
	wino               bool                // this Forward (and its dx) runs Winograd
	wino4, wino4dx     bool                // ... and that Winograd is F(4x4) (wplan4), and its dx's (wplan4T)
	winoGrad           bool                // the running Backward's weight gradient runs Winograd
	wino4Grad          bool                // ... and that Winograd is F(4x4) (gplan4)
	wplan, wplanT      kernels.Winograd2x2
	wplan4, wplan4T    kernels.Winograd4x4
	gplan4             kernels.Winograd4x4 // sizes only, for the weight gradient
}

// ConvAlgo selects a Conv2D's method for 3x3, padding-1, stride-1
// convolutions (see Conv2D.Algo).
type ConvAlgo int

const (
	ConvAuto      ConvAlgo = iota // RESEXP_CONV's choice, else the faster for the shape (kernels.UseWinograd)
	ConvDirect                    // implicit GEMM or im2col and GEMM
	ConvWinograd                  // Winograd for the output and dx: kernels.Winograd4x4 wherever kernels.Winograd4OK (training too), else Winograd2x2
	ConvWinograd2                 // kernels.Winograd2x2 for the output and dx
)

// String returns "auto", "direct", "winograd" or "winograd2".
func (a ConvAlgo) String() string {
	switch a {
	case ConvDirect:
		return kernels.ConvDirect
	case ConvWinograd:
		return kernels.ConvWinograd
	case ConvWinograd2:
		return kernels.ConvWinograd2
	}
	return "auto"
}

// winograd reports whether the layer runs Winograd for an input of the
// size in g (3x3 kernel, padding 1, stride 1, and Algo, RESEXP_CONV or the
// measured speed for the shape says so).
func (l *Conv2D) winograd() bool {
	if l.KH != 3 || l.KW != 3 || l.Pad != 1 || l.Stride != 1 {
		return false
	}
	switch l.Algo {
	case ConvDirect:
		return false
	case ConvWinograd, ConvWinograd2:
		return true
	}
	return kernels.UseWinograd(l.C, l.OC, l.g.h, l.g.w)
}

// winograd4 reports whether a layer that runs Winograd runs F(4x4)
// (kernels.Winograd4x4) rather than F(2x2) for the output of a Forward
// (training-mode if train) and for dx: never with ConvWinograd2, wherever
// the kernels can with ConvWinograd, else as RESEXP_CONV or the measured
// speed and error say (kernels.UseWinograd4).
func (l *Conv2D) winograd4(train bool) (fwd, dx bool) {
	switch l.Algo {
	case ConvWinograd2:
		return false, false
	case ConvWinograd:
		ok := kernels.Winograd4OK(l.g.h, l.g.w)
		return ok, ok
	}
	return kernels.UseWinograd4(l.C, l.OC, l.g.h, l.g.w, train)
}

// winoPlan is a prepared Winograd plan, kernels.Winograd2x2 or
// Winograd4x4.
type winoPlan interface {
	ScratchSize(imgs int) int
	Run(out, x []float32, imgs int, scratch []float32)
	RunEach(out, x []float32, imgs int, scratch []float32, first int, done func(int))
}

// fwdPlan returns the Winograd plan of the output, dxPlan that of dx.
func (l *Conv2D) fwdPlan() winoPlan {
	if l.wino4 {
		return &l.wplan4
	}
	return &l.wplan
}

func (l *Conv2D) dxPlan() winoPlan {
	if l.wino4dx {
		return &l.wplan4T
	}
	return &l.wplanT
}

// NewConv2D returns a k×k convolution from c to oc channels with the given
// stride and zero padding. Its weight, [oc, c, k, k] named name+".weight",
// is zero; the model initialises it.
func NewConv2D(name string, c, oc, k, stride, pad int) *Conv2D {
	if c < 1 || oc < 1 || k < 1 || stride < 1 || pad < 0 {
		panic("nn: NewConv2D: sizes must be positive and padding non-negative")
	}
	return &Conv2D{Name: name, C: c, OC: oc, KH: k, KW: k, Stride: stride, Pad: pad,
		Weight: NewParam(name+".weight", oc, c, k, k)}
}

// OutShape returns the output height and width for an h×w input:
// OH = (h+2*Pad-KH)/Stride + 1, OW likewise.
func (l *Conv2D) OutShape(h, w int) (oh, ow int) {
	return (h+2*l.Pad-l.KH)/l.Stride + 1, (w+2*l.Pad-l.KW)/l.Stride + 1
}

// Params returns [Weight].
func (l *Conv2D) Params() []*Param { return []*Param{l.Weight} }

func (l *Conv2D) pointwise() bool {
	return l.KH == 1 && l.KW == 1 && l.Stride == 1 && l.Pad == 0
}

// flipDx reports whether Backward computes dx as a convolution of dout.
func (l *Conv2D) flipDx() bool { return !l.pointwise() && l.g.same() }

// Forward returns the convolution of x [N, C, H, W]: [N, OC, OH, OW].
func (l *Conv2D) Forward(x *Tensor, train bool) *Tensor {
	t0 := layerStart()
	l.prepare(x, train)
	parallelFor(x.N, l.fwdChunk)
	layerEnd(l, "fwd", t0)
	l.endPro()
	return l.out
}

// produce writes images lo..hi of the input with pro's affine map, if pro
// is set: the batch norm before the layer, which left its output to it
// (see BatchNorm2D.endEpilogue), so that each image is in cache when the
// convolution reads it.
func (l *Conv2D) produce(lo, hi int) {
	if l.pro == nil {
		return
	}
	for n := lo; n < hi; n++ {
		l.pro.affineImage(n)
	}
}

// endPro ends the Forward of pro's output, which is now complete.
func (l *Conv2D) endPro() {
	if l.pro != nil {
		l.pro.endLater()
		l.pro = nil
	}
}

// fuses returns 2 if next starts with a BatchNorm2D and a ReLU
// Activation, 1 if it starts with a BatchNorm2D, else 0 (and 0 in
// inference mode with NoFusion): forwardFused runs those layers (see
// forwardFuser).
func (l *Conv2D) fuses(next []Layer, train bool) int {
	if (!train && l.NoFusion) || (train && !trainFusion) || len(next) == 0 {
		return 0
	}
	if _, ok := next[0].(*BatchNorm2D); !ok {
		return 0
	}
	if len(next) > 1 && isReLU(next[1]) {
		return 2
	}
	return 1
}

// forwardFused is a Forward of x followed by that of next[0], a
// BatchNorm2D, the addition of addend (if not nil) and next[1] (a ReLU, if
// present), with the batch norm's part run on each image as soon as the
// convolution has written it, while it is in cache: in inference mode the
// whole affine map, in training the image's part of the batch statistics,
// the affine map following in one pass (see BatchNorm2D.epilogueImage). It
// returns the result, bit for bit that of running the layers one by one
// (the fused passes included); the convolution's own output is kept as
// after Forward.
func (l *Conv2D) forwardFused(x *Tensor, train bool, next []Layer, addend *Tensor) *Tensor {
	bn := next[0].(*BatchNorm2D)
	var act *Activation
	if len(next) > 1 {
		act = next[1].(*Activation)
	}
	t0 := layerStart()
	l.prepare(x, train)
	y := bn.beginEpilogue(l.out, train, act, addend)
	l.epi = bn
	parallelFor(x.N, l.fwdChunk)
	layerEnd(l, "fwd", t0)
	l.epi = nil
	l.endPro()
	bn.endEpilogue(l.later)
	return y
}

// prepare sets the geometry, x, the output buffer and the methods for a
// Forward of x (training-mode if train).
func (l *Conv2D) prepare(x *Tensor, train bool) {
	if x.C != l.C {
		panic("nn: Conv2D: input channels differ from C")
	}
	if x.H+2*l.Pad < l.KH || x.W+2*l.Pad < l.KW {
		panic("nn: Conv2D: input smaller than the kernel")
	}
	if l.fwdChunk == nil {
		l.fwdChunk, l.bwdChunk, l.epiImage = l.forwardChunk, l.backwardChunk, l.epilogueEpi
		l.gradRows, l.prepUnits = l.winoGradRows, l.prepareUnits
	}
	oh, ow := l.OutShape(x.H, x.W)
	l.g = convGeom{c: l.C, h: x.H, w: x.W, kh: l.KH, kw: l.KW, s: l.Stride, p: l.Pad, oh: oh, ow: ow}
	l.x = x
	l.out = ensure(l.out, x.N, l.OC, oh, ow)
	l.implicit = !l.im2col && l.KH == 3 && l.KW == 3 && l.Pad == 1 &&
		kernels.StrideOK(x.H, x.W, l.Stride) && kernels.ConvImplicit()
	l.wino = l.winograd()
	l.wino4, l.wino4dx = false, false
	if l.wino {
		l.wino4, l.wino4dx = l.winograd4(train)
	}
	if l.implicit && !l.wino { // with Winograd, only Backward needs plan (see backwardInto)
		l.plan.PrepareStride(l.Weight.Data, l.OC, l.C, x.H, x.W, l.Stride)
	}
	switch {
	case l.wino4:
		l.prepareWino(&l.wplan4, l.Weight.Data, l.OC, l.C)
		l.wplan.PrepareSizes(l.OC, l.C, x.H, x.W) // for the weight gradient's GradU
	case l.wino:
		l.prepareWino(&l.wplan, l.Weight.Data, l.OC, l.C)
	}
}

// winoPreparer is a Winograd plan whose Prepare runs in parts
// (kernels.Winograd2x2 and Winograd4x4).
type winoPreparer interface {
	PrepareBegin(a []float32, m, c, h, w int) bool
	Units() int
	PrepareUnits(u0, u1 int)
}

// prepareWino is p.Prepare(a, m, c, h, w) for the input size in l.g, its
// weight transforms spread over the workers (between passes they would
// run serially: for ResNet-20's dx plans, 3.5 ms of a step's CPU time).
func (l *Conv2D) prepareWino(p winoPreparer, a []float32, m, c int) {
	if !p.PrepareBegin(a, m, c, l.g.h, l.g.w) {
		return
	}
	l.prep = p
	parallelFor(p.Units(), l.prepUnits)
	l.prep = nil
}

// prepareUnits runs PrepareUnits of the plan prepareWino prepares.
func (l *Conv2D) prepareUnits(_, lo, hi int) { l.prep.PrepareUnits(lo, hi) }

func (l *Conv2D) forwardChunk(c, lo, hi int) {
	if l.wino {
		l.forwardWinogradChunk(lo, hi)
		return
	}
	if l.implicit {
		l.forwardImplicitChunk(c, lo, hi)
		return
	}
	k, p, osz := l.g.rows(), l.g.oh*l.g.ow, l.OC*l.g.oh*l.g.ow
	buf := getScratch(l.colSize())
	for n := lo; n < hi; n++ {
		l.produce(n, n+1)
		col := l.colOf(*buf, n)
		gemm(false, false, l.OC, p, k, 1, l.Weight.Data, k, col, p, 0, l.out.Data[n*osz:(n+1)*osz], p)
		if l.epi != nil {
			l.epi.epilogueImage(n)
		}
	}
	putScratch(buf)
}

// forwardImplicitChunk is forwardChunk as an implicit GEMM.
func (l *Conv2D) forwardImplicitChunk(_, lo, hi int) {
	g := l.g
	xsz, osz := l.x.Size(), l.OC*g.oh*g.ow
	buf := getScratch(l.plan.PaddedSize())
	for n := lo; n < hi; n++ {
		l.produce(n, n+1)
		l.plan.Pad(*buf, l.x.Data[n*xsz:(n+1)*xsz])
		l.plan.Run(l.out.Data[n*osz:(n+1)*osz], *buf)
		if l.epi != nil {
			l.epi.epilogueImage(n)
		}
	}
	putScratch(buf)
}

// forwardWinogradChunk is forwardChunk with Winograd, all the chunk's
// images in one call, with the epilogue on each image as soon as it is
// complete.
func (l *Conv2D) forwardWinogradChunk(lo, hi int) {
	xsz, osz := l.x.Size(), l.OC*l.g.oh*l.g.ow
	l.produce(lo, hi)
	p := l.fwdPlan()
	buf := getScratch(p.ScratchSize(hi - lo))
	var done func(int)
	if l.epi != nil {
		done = l.epiImage
	}
	p.RunEach(l.out.Data[lo*osz:hi*osz], l.x.Data[lo*xsz:hi*xsz], hi-lo, *buf, lo, done)
	putScratch(buf)
}

// epilogueEpi runs the fused epilogue's part for output image n (see
// BatchNorm2D.epilogueImage).
func (l *Conv2D) epilogueEpi(n int) { l.epi.epilogueImage(n) }

// dxWinogradChunk sets dx of images lo..hi to the Winograd convolution of
// their dout with Wf.
func (l *Conv2D) dxWinogradChunk(lo, hi int) {
	xsz, osz := l.x.Size(), l.OC*l.g.oh*l.g.ow
	p := l.dxPlan()
	buf := getScratch(p.ScratchSize(hi - lo))
	p.Run(l.dx.Data[lo*xsz:hi*xsz], l.dout.Data[lo*osz:hi*osz], hi-lo, *buf)
	putScratch(buf)
}

// colSize is the length of the im2col scratch: [C*KH*KW, OH*OW], or 0 for a
// pointwise convolution, which multiplies the image itself.
func (l *Conv2D) colSize() int {
	if l.pointwise() {
		return 0
	}
	return l.g.rows() * l.g.oh * l.g.ow
}

// colOf returns the im2col matrix of image n, built in scratch.
func (l *Conv2D) colOf(scratch []float32, n int) []float32 {
	sz := l.x.Size()
	xn := l.x.Data[n*sz : (n+1)*sz]
	if l.pointwise() {
		return xn
	}
	l.g.im2col(scratch, xn)
	return scratch
}

// Backward takes dout [N, OC, OH, OW], sets Weight.Grad to
// Σ_n dout_n · col_nᵀ and returns dx = col2im(Weightᵀ · dout_n) per image.
//
// For a size-keeping stride-1 convolution it works from dcol_n, the im2col
// matrix of dout_n under the dx convolution (see Conv2D): dx_n = Wf · dcol_n,
// and, because dW[o, c, i, j] = Σ_q x[c, q] · dout[o, q - shift(i, j)],
// Weight.Grad is the flip of Σ_n x_n · dcol_nᵀ [C, OC*KH*KW], so x needs no
// im2col in the backward pass.
func (l *Conv2D) Backward(dout *Tensor) *Tensor {
	if l.NoInputGrad {
		l.backwardInto(nil, dout, nil)
		return nil
	}
	return backwardOwn(l, &l.ownDx, l.x, dout)
}

// backwardInto is Backward writing dx to the caller's tensor; a nil dx
// skips the input gradient (the container decides, see noInputGrad).
func (l *Conv2D) backwardInto(dx, dout *Tensor, _ *gradPool) {
	checkBackward(l.x, l.out, dx, dout)
	t0 := layerStart()
	l.dout, l.dx = dout, dx
	l.winoGrad = l.wino && l.implicit && l.winogradGrad()
	l.wino4Grad = l.winoGrad && l.winograd4Grad()
	if l.implicit && l.wino && !l.winoGrad { // the weight gradient's plan, which a Winograd Forward leaves unset
		l.plan.PrepareStride(l.Weight.Data, l.OC, l.C, l.g.h, l.g.w, l.Stride)
	}
	if l.dx != nil && l.implicit && l.phaseDx() {
		l.preparePhases()
	}
	if l.dx != nil && l.flipDx() {
		l.prepareFlip()
		switch {
		case l.wino4dx:
			// U of Wf (F(4x4)'s G reversed is not a permutation of G, so
			// from Wf itself): Prepare finds it current unless Weight
			// changed since the last Backward.
			l.prepareWino(&l.wplan4T, l.wf, l.C, l.OC)
		case l.wino:
			// U of Wf from that of Weight: Prepare finds it current unless
			// Weight changed since the Forward.
			l.prepareWino(&l.wplan, l.Weight.Data, l.OC, l.C)
			l.wplanT.PrepareFlipped(&l.wplan)
		case l.implicit:
			l.planT.Prepare(l.wf, l.C, l.OC, l.g.h, l.g.w)
		}
	}
	k, nw := numChunks(l.x.N), l.gradPartSize()
	dw := getScratch((k + 1) * nw)
	l.dw = *dw
	parallelFor(l.x.N, l.bwdChunk)
	switch {
	case l.winoGrad:
		parallelFor(l.OC, l.gradRows)
	case l.flipGrad():
		sum := l.dw[k*nw:]
		sumChunks(sum, l.dw, k)
		flipKernels(l.Weight.Grad, sum, l.C, l.OC, l.KH*l.KW)
	default:
		sumChunks(l.Weight.Grad, l.dw, k)
	}
	layerEnd(l, "bwd", t0)
	l.dw, l.dout, l.dx = nil, nil, nil
	putScratch(dw)
	if l.dpro != nil {
		l.dpro.endDx()
		l.dpro = nil
	}
}

// produceDout writes images lo..hi of dout with dpro's dxImage, if dpro is
// set: the batch norm after the layer, which left its input gradient to it
// (see Sequential.backwardTail), so that each image is in cache when the
// convolution reads it.
func (l *Conv2D) produceDout(lo, hi int) {
	if l.dpro == nil {
		return
	}
	for n := lo; n < hi; n++ {
		l.dpro.dxImage(n)
	}
}

// winoGradRows sets the rows lo..hi (output channels) of Weight.Grad
// from the chunks' dU partials in dw: their sum, added in chunk order as
// sumChunks does (kernels.Add, vectorised), into dw's last part, then
// Winograd's transform back to the kernels (GradWeightsRows of
// kernels.Winograd2x2 or Winograd4x4). Backward runs it for all rows in
// parallel: the sums of a deep layer's 16·C·OC (or 36·C·OC) entries, and
// their transforms, would otherwise run serially between the parallel
// passes.
func (l *Conv2D) winoGradRows(_, lo, hi int) {
	gp := l.gradPlan()
	k, nw := numChunks(l.x.N), gp.GradSize()
	sum := l.dw[k*nw : (k+1)*nw]
	for e := range nw / (l.OC * l.C) {
		r0, r1 := (e*l.OC+lo)*l.C, (e*l.OC+hi)*l.C
		dst := sum[r0:r1]
		copy(dst, l.dw[r0:r1])
		for c := 1; c < k; c++ {
			kernels.Add(dst, dst, l.dw[c*nw+r0:c*nw+r1], false)
		}
	}
	gp.GradWeightsRows(l.Weight.Grad, sum, lo, hi)
}

// winogradGrad reports whether a Backward after a Winograd Forward computes
// the weight gradient with Winograd too (kernels.Winograd2x2.GradU): with
// Algo ConvWinograd or ConvWinograd2, or RESEXP_CONV=winograd, wherever
// the kernels can (GradOK), else where it measured faster (GradPays).
func (l *Conv2D) winogradGrad() bool {
	if l.Algo == ConvWinograd || l.Algo == ConvWinograd2 {
		return l.wplan.GradOK()
	}
	return l.wplan.UseGrad()
}

// winograd4Grad reports whether a Winograd weight gradient (winogradGrad)
// runs F(4x4) (kernels.Winograd4x4.GradU) rather than F(2x2): never with
// ConvWinograd2, wherever the kernels can with ConvWinograd, else as
// RESEXP_CONV or the measured speed say (Winograd4x4.UseGrad). It sets
// gplan4's sizes.
func (l *Conv2D) winograd4Grad() bool {
	if l.Algo == ConvWinograd2 || !kernels.Supports4x4(l.g.h, l.g.w) {
		return false
	}
	l.gplan4.PrepareSizes(l.OC, l.C, l.g.h, l.g.w)
	if l.Algo == ConvWinograd {
		return l.gplan4.GradOK()
	}
	return l.gplan4.UseGrad()
}

// winoGradPlan is the Winograd plan of a weight gradient,
// kernels.Winograd2x2 or Winograd4x4.
type winoGradPlan interface {
	GradSize() int
	GradScratchSize(imgs int) int
	GradU(du, dy, x []float32, imgs int, scratch []float32)
	GradWeightsRows(g, du []float32, lo, hi int)
}

// gradPlan returns the plan of the running Backward's Winograd weight
// gradient.
func (l *Conv2D) gradPlan() winoGradPlan {
	if l.wino4Grad {
		return &l.gplan4
	}
	return &l.wplan
}

// gradPartSize is the length of one chunk's weight-gradient partial in dw:
// Winograd's dU with winoGrad, else the weights'.
func (l *Conv2D) gradPartSize() int {
	if l.winoGrad {
		return l.gradPlan().GradSize()
	}
	return len(l.Weight.Data)
}

// flipGrad reports whether the running Backward computes the flipped weight
// gradient from dcol (it needs dcol for dx anyway).
// With Winograd, dx needs no dcol.
func (l *Conv2D) flipGrad() bool { return !l.implicit && !l.wino && l.flipDx() && l.dx != nil }

// prepareFlip sets Wf from Weight and gT.
func (l *Conv2D) prepareFlip() {
	if len(l.wf) != len(l.Weight.Data) {
		l.wf = make([]float32, len(l.Weight.Data))
	}
	flipKernels(l.wf, l.Weight.Data, l.OC, l.C, l.KH*l.KW)
	g := l.g
	l.gT = convGeom{c: l.OC, h: g.oh, w: g.ow, kh: g.kh, kw: g.kw, s: 1, p: g.kh - 1 - g.p, oh: g.h, ow: g.w}
}

// flipKernels sets dst [b, a, kk] to src [a, b, kk] with each kernel of kk
// taps reversed: dst[(j*a+i)*kk+t] = src[(i*b+j)*kk+kk-1-t]. It maps Weight
// [OC, C, KH, KW] to Wf and, with a and b swapped, Wf back to Weight.
func flipKernels(dst, src []float32, a, b, kk int) {
	for i := range a {
		for j := range b {
			s := src[(i*b+j)*kk : (i*b+j+1)*kk]
			d := dst[(j*a+i)*kk : (j*a+i+1)*kk]
			for t := range d {
				d[t] = s[kk-1-t]
			}
		}
	}
}

func (l *Conv2D) backwardChunk(c, lo, hi int) {
	if l.implicit {
		l.backwardImplicitChunk(c, lo, hi)
		return
	}
	if l.flipGrad() {
		l.backwardFlipChunk(c, lo, hi)
		return
	}
	k, p := l.g.rows(), l.g.oh*l.g.ow
	osz := l.OC * p
	w := l.Weight.Data
	dw := l.dw[c*len(w) : (c+1)*len(w)]
	buf := getScratch(l.colSize())
	for n := lo; n < hi; n++ {
		l.produceDout(n, n+1)
		col := l.colOf(*buf, n)
		dn := l.dout.Data[n*osz : (n+1)*osz]
		var beta float32
		if n > lo {
			beta = 1
		}
		gemm(false, true, l.OC, k, p, 1, dn, p, col, p, beta, dw, k)
		if l.dx != nil && !l.wino {
			l.inputGrad(n, col, dn)
		}
	}
	putScratch(buf)
	if l.dx != nil && l.wino {
		l.dxWinogradChunk(lo, hi)
	}
}

// backwardFlipChunk is backwardChunk for a size-keeping stride-1
// convolution: per image, dcol = im2col(dout_n), the chunk's flipped
// gradient partial += x_n · dcolᵀ, and dx_n = Wf · dcol.
func (l *Conv2D) backwardFlipChunk(c, lo, hi int) {
	xsz := l.x.Size()
	hw, kt, nw := xsz/l.C, l.gT.rows(), len(l.Weight.Data)
	dwf := l.dw[c*nw : (c+1)*nw]
	buf := getScratch(kt * hw)
	dcol := *buf
	for n := lo; n < hi; n++ {
		l.produceDout(n, n+1)
		l.gT.im2col(dcol, l.dout.Data[n*l.OC*hw:(n+1)*l.OC*hw])
		var beta float32
		if n > lo {
			beta = 1
		}
		xn := l.x.Data[n*xsz : (n+1)*xsz]
		gemm(false, true, l.C, kt, hw, 1, xn, hw, dcol, hw, beta, dwf, kt)
		gemm(false, false, l.C, hw, kt, 1, l.wf, kt, dcol, hw, 0, l.dx.Data[n*xsz:(n+1)*xsz], hw)
	}
	putScratch(buf)
}

// backwardImplicitChunk is backwardChunk as implicit GEMMs: the chunk's
// weight-gradient partial is the sum over its images of dout_n ·
// im2col(x_n)ᵀ (weightGradImplicit), or with winoGrad the chunk's gradient
// of Winograd's U (kernels.Winograd2x2.GradU or Winograd4x4.GradU;
// Backward sums the chunks' and transforms the sum into Weight.Grad), and
// dx_n is Winograd's, or the convolution of the padded dout_n with Wf
// (stride 1), or by phases (stride 2, inputGradPhases).
func (l *Conv2D) backwardImplicitChunk(c, lo, hi int) {
	g := l.g
	xsz, osz, nw := l.x.Size(), l.OC*g.oh*g.ow, l.gradPartSize()
	dw := l.dw[c*nw : (c+1)*nw]
	if l.winoGrad {
		l.produceDout(lo, hi)
		gp := l.gradPlan()
		buf := getScratch(gp.GradScratchSize(hi - lo))
		gp.GradU(dw, l.dout.Data[lo*osz:hi*osz], l.x.Data[lo*xsz:hi*xsz], hi-lo, *buf)
		putScratch(buf)
	} else {
		l.weightGradImplicit(dw, lo, hi)
	}
	if l.dx == nil {
		return
	}
	t0 := layerStart()
	defer layerEnd(l, "dx", t0)
	if l.wino {
		l.dxWinogradChunk(lo, hi)
		return
	}
	if l.phaseDx() {
		l.inputGradPhases(lo, hi)
		return
	}
	if !l.flipDx() {
		col := getScratch(l.colSize())
		for n := lo; n < hi; n++ {
			l.inputGrad(n, *col, l.dout.Data[n*osz:(n+1)*osz])
		}
		putScratch(col)
		return
	}
	dbuf := getScratch(kernels.PaddedLen(l.OC, g.h, g.w))
	for n := lo; n < hi; n++ {
		kernels.PadImage(*dbuf, l.dout.Data[n*osz:(n+1)*osz], l.OC, g.h, g.w)
		l.planT.Run(l.dx.Data[n*xsz:(n+1)*xsz], *dbuf)
	}
	putScratch(dbuf)
}

// weightGradImplicit sets dw to the weight gradient of images lo..hi as
// implicit GEMMs: the sum over the images of dout_n · im2col(x_n)ᵀ, read
// from padded copies of x_n (plan.GradGroup images at a time).
func (l *Conv2D) weightGradImplicit(dw []float32, lo, hi int) {
	xsz, osz := l.x.Size(), l.OC*l.g.oh*l.g.ow
	clear(dw)
	plen, group := l.plan.PaddedSize(), l.plan.GradGroup()
	xbuf := getScratch(group * plen)
	for n0 := lo; n0 < hi; n0 += group {
		imgs := min(group, hi-n0)
		l.produceDout(n0, n0+imgs)
		for i := range imgs {
			n := n0 + i
			l.plan.Pad((*xbuf)[i*plen:], l.x.Data[n*xsz:(n+1)*xsz])
		}
		l.plan.WeightGradImages(dw, l.dout.Data[n0*osz:], osz, *xbuf, plen, imgs)
	}
	putScratch(xbuf)
}

// inputGrad sets image n's dx from its dout dn for a convolution that is
// not size-keeping; col is scratch, free to overwrite.
func (l *Conv2D) inputGrad(n int, col, dn []float32) {
	xsz := l.x.Size()
	dxn := l.dx.Data[n*xsz : (n+1)*xsz]
	k, p := l.g.rows(), l.g.oh*l.g.ow
	if l.pointwise() {
		gemm(true, false, k, p, l.OC, 1, l.Weight.Data, k, dn, p, 0, dxn, p)
		return
	}
	gemm(true, false, k, p, l.OC, 1, l.Weight.Data, k, dn, p, 0, col, p)
	l.g.col2im(dxn, col)
}

// sumChunks sets dst to the sum of the first k len(dst)-sized slices of
// parts, added in order.
func sumChunks(dst, parts []float32, k int) {
	n := len(dst)
	copy(dst, parts[:n])
	for c := 1; c < k; c++ {
		for i, v := range parts[c*n : (c+1)*n] {
			dst[i] += v
		}
	}
}

// convGeom is the geometry of one image's convolution: c channels of h×w,
// a kh×kw kernel with stride s and padding p, output oh×ow.
type convGeom struct{ c, h, w, kh, kw, s, p, oh, ow int }

// rows is the number of im2col rows, C*KH*KW.
func (g *convGeom) rows() int { return g.c * g.kh * g.kw }

// same reports whether the convolution has stride 1 and keeps the size.
func (g *convGeom) same() bool { return g.s == 1 && g.oh == g.h && g.ow == g.w }

// im2col writes the patches of one image x [C, H, W] to col
// [C*KH*KW, OH*OW]: col[(c*KH+i)*KW+j, oh*OW+ow] = x[c, oh*S-P+i, ow*S-P+j],
// or 0 where that falls outside the image.
func (g *convGeom) im2col(col, x []float32) {
	p := g.oh * g.ow
	if g.same() {
		g.im2colSame(col, x)
		return
	}
	for c := range g.c {
		xc := x[c*g.h*g.w : (c+1)*g.h*g.w]
		for i := range g.kh {
			for j := range g.kw {
				r := (c*g.kh+i)*g.kw + j
				g.im2colRow(col[r*p:(r+1)*p], xc, i, j)
			}
		}
	}
}

// im2colSame is im2col for a size-keeping stride-1 convolution: row
// (c, i, j) is plane c shifted by (i-P)*W + (j-P) floats, one contiguous
// copy, with the rows and columns that fall outside the image zeroed.
func (g *convGeom) im2colSame(col, x []float32) {
	hw := g.h * g.w
	for c := range g.c {
		xc := x[c*hw : (c+1)*hw]
		for i := range g.kh {
			dh := i - g.p
			for j := range g.kw {
				dw := j - g.p
				r := (c*g.kh+i)*g.kw + j
				row := col[r*hw : (r+1)*hw]
				off := dh*g.w + dw
				lo, hi := max(0, -off), min(hw, hw-off)
				clear(row[:lo])
				copy(row[lo:hi], xc[lo+off:hi+off])
				clear(row[hi:])
				g.zeroOutside(row, dh, dw)
			}
		}
	}
}

// zeroOutside zeroes the entries of an im2colSame row whose source pixel
// (oh+dh, ow+dw) lies outside the image.
func (g *convGeom) zeroOutside(row []float32, dh, dw int) {
	if dh < 0 {
		clear(row[:-dh*g.w])
	} else if dh > 0 {
		clear(row[(g.h-dh)*g.w:])
	}
	// Zero the first -dw (dw < 0) or last dw (dw > 0) columns of every row
	// that was copied.
	lo, hi := max(0, -dh)*g.w, min(g.h, g.h-dh)*g.w
	for k := range abs(dw) {
		q := k
		if dw > 0 {
			q = g.w - 1 - k
		}
		for q += lo; q < hi; q += g.w {
			row[q] = 0
		}
	}
}

func abs(x int) int {
	if x < 0 {
		return -x
	}
	return x
}

func (g *convGeom) im2colRow(row, xc []float32, i, j int) {
	lo, hi := g.validCols(j)
	for oh := range g.oh {
		r := row[oh*g.ow : (oh+1)*g.ow]
		ih := oh*g.s - g.p + i
		if ih < 0 || ih >= g.h {
			clear(r)
			continue
		}
		clear(r[:lo])
		clear(r[hi:])
		xr := xc[ih*g.w : (ih+1)*g.w]
		if g.s == 1 {
			copy(r[lo:hi], xr[lo-g.p+j:])
			continue
		}
		for ow := lo; ow < hi; ow++ {
			r[ow] = xr[ow*g.s-g.p+j]
		}
	}
}

// col2im is the adjoint of im2col: it sets x [C, H, W] to the sum, over the
// entries of col that im2col would read from each pixel, of those entries.
func (g *convGeom) col2im(x, col []float32) {
	clear(x)
	p := g.oh * g.ow
	for c := range g.c {
		xc := x[c*g.h*g.w : (c+1)*g.h*g.w]
		for i := range g.kh {
			for j := range g.kw {
				r := (c*g.kh+i)*g.kw + j
				g.col2imRow(xc, col[r*p:(r+1)*p], i, j)
			}
		}
	}
}

func (g *convGeom) col2imRow(xc, row []float32, i, j int) {
	lo, hi := g.validCols(j)
	for oh := range g.oh {
		ih := oh*g.s - g.p + i
		if ih < 0 || ih >= g.h {
			continue
		}
		r := row[oh*g.ow : (oh+1)*g.ow]
		xr := xc[ih*g.w : (ih+1)*g.w]
		if g.s == 1 {
			dst := xr[lo-g.p+j : hi-g.p+j]
			for k, v := range r[lo:hi] {
				dst[k] += v
			}
			continue
		}
		for ow := lo; ow < hi; ow++ {
			xr[ow*g.s-g.p+j] += r[ow]
		}
	}
}

// validCols returns the output columns [lo, hi) whose input column
// ow*S-P+j lies inside the image for kernel column j.
func (g *convGeom) validCols(j int) (lo, hi int) {
	if d := g.p - j; d > 0 {
		lo = (d + g.s - 1) / g.s
	}
	if e := g.w - 1 + g.p - j; e >= 0 {
		hi = e/g.s + 1
	}
	lo = min(lo, g.ow)
	hi = max(min(hi, g.ow), lo)
	return lo, hi
}
