package kernels

import (
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"regexp"
	"strings"
	"testing"
	"time"
	"unsafe"
)

// winoShape is a batch of n images [c, h, w] convolved into m channels.
type winoShape struct{ n, m, c, h, w int }

func (s winoShape) String() string {
	return fmt.Sprintf("N%d_C%d_OC%d_%dx%d", s.n, s.c, s.m, s.h, s.w)
}

// winoShapes are the stride-1 3×3 layers of the nets (CIFAR stages 16/32/64
// channels on 32×32/16×16/8×8, the MNIST stages on 28×28/14×14/7×7, whose
// 7×7 has a clipped last tile row and column, and the first layers from 3
// and 1 channels) at batches 2-4, then odd shapes: one pixel, one-pixel-
// high rows, a prime width.
var winoShapes = []winoShape{
	{2, 16, 16, 32, 32}, {3, 32, 32, 16, 16}, {4, 64, 64, 8, 8},
	{2, 16, 16, 28, 28}, {3, 32, 32, 14, 14}, {4, 64, 64, 7, 7},
	{2, 16, 3, 32, 32}, {2, 16, 1, 28, 28},
	{2, 1, 1, 1, 1}, {3, 3, 2, 1, 4}, {2, 5, 7, 5, 3}, {1, 9, 4, 3, 33},
}

// winoBoundTol bounds Winograd's error in units of the worst-case float32
// error of the direct sum, (k+4)·u·max Σ|terms| (see checkClose), k = 9c:
// Winograd must stay within it. The largest ratio measured over winoShapes
// is 0.18 (TestWinograd2x2 -v prints it); a wrong sign in a transform gives
// errors of order max Σ|terms|, ratios of 10^5 and more.
const winoBoundTol = 1.0

// convRef64 returns the convolution of x [n, c, h, w] with a [m, c, 3, 3]
// (padding 1, stride 1) in float64, [n, m, h, w], and the largest Σ|terms|
// of an output.
func convRef64(x, a []float32, s winoShape) (want []float64, maxAbsSum float64) {
	hw := s.h * s.w
	want = make([]float64, s.n*s.m*hw)
	for img := range s.n {
		for o := range s.m {
			for y := range s.h {
				for z := range s.w {
					var sum, abs float64
					for ch := range s.c {
						for i := range 3 {
							for j := range 3 {
								yy, zz := y+i-1, z+j-1
								if yy < 0 || yy >= s.h || zz < 0 || zz >= s.w {
									continue
								}
								t := float64(a[((o*s.c+ch)*3+i)*3+j]) * float64(x[(img*s.c+ch)*hw+yy*s.w+zz])
								sum += t
								abs += math.Abs(t)
							}
						}
					}
					want[(img*s.m+o)*hw+y*s.w+z] = sum
					maxAbsSum = max(maxAbsSum, abs)
				}
			}
		}
	}
	return want, maxAbsSum
}

// maxErr returns max|got-want| and max|want|.
func maxErr(got []float32, want []float64) (errAbs, scale float64) {
	for i, w := range want {
		d := math.Abs(float64(got[i]) - w)
		if d > errAbs || math.IsNaN(d) {
			errAbs = d
		}
		scale = max(scale, math.Abs(w))
	}
	return errAbs, scale
}

// nanSlice returns n NaNs.
func nanSlice(n int) []float32 {
	s := make([]float32, n)
	for i := range s {
		s[i] = float32(math.NaN())
	}
	return s
}

// winoPlan is what runWino runs: Winograd2x2 or Winograd4x4.
type winoPlan interface {
	runWith(kr *microKernel, out, x []float32, imgs int, scratch []float32, first int, done func(int))
	ScratchSize(imgs int) int
}

// runWino runs a Winograd plan (Winograd2x2 or Winograd4x4) with the GEMM kernel kr on a NaN-filled output
// with 7 floats to spare and NaN-filled scratch, and fails if it wrote past
// the output, or if RunEach's done was not called once per image, in
// order, after the image's output was complete (first image 3).
func runWino(t *testing.T, kr *microKernel, p winoPlan, x []float32, s winoShape) []float32 {
	t.Helper()
	n := s.n * s.m * s.h * s.w
	out := nanSlice(n + 7)
	next := 3 // RunEach's first image
	p.runWith(kr, out, x, s.n, nanSlice(p.ScratchSize(s.n)), next, func(i int) {
		if i != next {
			t.Fatalf("done(%d), want done(%d)", i, next)
		}
		n := s.m * s.h * s.w
		for j, v := range out[(i-3)*n : (i-2)*n] {
			if math.IsNaN(float64(v)) {
				t.Fatalf("done(%d) before output %d of the image was written", i, j)
			}
		}
		next++
	})
	if next != 3+s.n {
		t.Fatalf("done called for %d images, want %d", next-3, s.n)
	}
	for i := n; i < len(out); i++ {
		if !math.IsNaN(float64(out[i])) {
			t.Fatalf("Run wrote past the output: element %d", i)
		}
	}
	return out[:n]
}

// runDirect is the direct convolution the layers use (Conv3x3 with the
// active kernel), image by image.
func runDirect(x, a []float32, s winoShape) []float32 {
	var p Conv3x3
	p.Prepare(a, s.m, s.c, s.h, s.w)
	hw := s.h * s.w
	out := make([]float32, s.n*s.m*hw)
	xp := make([]float32, p.PaddedSize())
	for img := range s.n {
		p.Pad(xp, x[img*s.c*hw:(img+1)*s.c*hw])
		p.Run(out[img*s.m*hw:], xp)
	}
	return out
}

// TestWinograd2x2 checks Run with every GEMM kernel against the float64
// direct convolution on winoShapes: the largest error must stay within
// winoBoundTol times the direct float32 bound, and every output float is
// written (a NaN left in the output fails). With -v it prints, for the
// active kernel, the table of BENCH.md: the largest absolute error and that
// error over max|out|, for Winograd and for the direct kernel on the same
// inputs.
func TestWinograd2x2(t *testing.T) {
	t.Logf("kernel %s; errors against the float64 reference: max abs, max abs / max|out|", Kernel())
	t.Logf("| layer | winograd abs | winograd rel | direct abs | direct rel | winograd / bound |")
	for _, s := range winoShapes {
		x, a, want, bound := winoErrCase(s)
		var p Winograd2x2
		p.Prepare(a, s.m, s.c, s.h, s.w)
		for _, kr := range kernelsUnderTest(t) {
			e, scale := checkWinoBound(t, kr, &p, x, s, want, bound)
			if kr == activeKernel() {
				d, _ := maxErr(runDirect(x, a, s), want)
				t.Logf("| %v | %.2e | %.2e | %.2e | %.2e | %.3f |", s, e, e/scale, d, d/scale, e/bound)
			}
		}
	}
}

// winoErrCase returns the random inputs x and weights a of TestWinograd2x2
// and TestWinograd4x4 for the shape s (uniform in [-1, 1), seeded by the
// shape), their float64 convolution, and the worst-case float32 error
// bound of the direct sum, (9c+4)·u·max Σ|terms|.
func winoErrCase(s winoShape) (x, a []float32, want []float64, bound float64) {
	const u = 1.0 / (1 << 24)
	r := rand.New(rand.NewPCG(uint64(s.m*s.c), uint64(s.h*s.w+s.n)))
	x, a = randSlice(r, s.n*s.c*s.h*s.w), randSlice(r, s.m*s.c*9)
	want, absSum := convRef64(x, a, s)
	return x, a, want, float64(9*s.c+4) * u * absSum
}

// checkWinoBound runs p with the kernel kr on the images x of shape s
// (runWino), fails unless its largest error from want is within
// winoBoundTol times bound, and returns that error and max|want|.
func checkWinoBound(t *testing.T, kr *microKernel, p winoPlan, x []float32, s winoShape, want []float64, bound float64) (e, scale float64) {
	t.Helper()
	e, scale = maxErr(runWino(t, kr, p, x, s), want)
	if !(e <= winoBoundTol*bound) {
		t.Errorf("%v, kernel %s: max error %.3g > %g × bound %.3g", s, kr.name, e, winoBoundTol, bound)
	}
	return e, scale
}

// TestWinograd2x2Split checks that splitting a batch changes no bit: a
// batch run at once with blocks of 32 tiles (which straddle images), and
// with the default block, equals each image run alone.
func TestWinograd2x2Split(t *testing.T) {
	s := winoShape{5, 6, 5, 7, 9}
	r := rand.New(rand.NewPCG(7, 8))
	x, a := randSlice(r, s.n*s.c*s.h*s.w), randSlice(r, s.m*s.c*9)
	var p Winograd2x2
	p.Prepare(a, s.m, s.c, s.h, s.w)
	one := winoShape{1, s.m, s.c, s.h, s.w}
	xsz, osz := s.c*s.h*s.w, s.m*s.h*s.w
	var alone []float32
	for img := range s.n {
		alone = append(alone, runWino(t, activeKernel(), &p, x[img*xsz:(img+1)*xsz], one)...)
	}
	whole := runWino(t, activeKernel(), &p, x, s)
	p.rb = 1
	small := runWino(t, activeKernel(), &p, x, s)
	for i := range alone {
		if math.Float32bits(whole[i]) != math.Float32bits(alone[i]) || math.Float32bits(small[i]) != math.Float32bits(alone[i]) {
			t.Fatalf("image %d element %d: batch %g, one-row blocks %g, alone %g", i/osz, i%osz, whole[i], small[i], alone[i])
		}
	}
}

// TestConvEnv checks the values RESEXP_CONV accepts, what UseWinograd and
// UseWinograd4 answer under each, and the shapes where winogradPays picks
// Winograd and Winograd4Pays F(4×4) (those where BenchmarkWinograd
// measured them faster, BENCH.md).
func TestConvEnv(t *testing.T) {
	defer func(c convChoice) { convEnv = c }(convEnvChoice())
	for _, c := range []struct {
		v    string
		want convChoice
		ok   bool
	}{{"", convChoiceAuto, true}, {"direct", convChoiceDirect, true}, {"winograd", convChoiceWinograd, true}, {"winograd2", convChoiceWinograd2, true},
		{"Winograd", convChoiceAuto, false}, {"winograd4", convChoiceAuto, false}, {"fft", convChoiceAuto, false}} {
		got, err := parseConvEnv(c.v)
		if got != c.want || (err == nil) != c.ok {
			t.Errorf("parseConvEnv(%q) = %v, %v; want %v, ok %v", c.v, got, err, c.want, c.ok)
		}
		t.Setenv("RESEXP_CONV", c.v)
		if err := CheckConvEnv(); (err == nil) != c.ok {
			t.Errorf("CheckConvEnv with RESEXP_CONV=%q: %v, want ok %v", c.v, err, c.ok)
		}
	}
	for _, c := range []struct {
		kind convKind
		s    winoShape
		want bool
	}{
		{convAVX512, winoShape{1, 16, 16, 32, 32}, true}, {convAVX512, winoShape{1, 32, 32, 16, 16}, true},
		{convAVX512, winoShape{1, 64, 64, 8, 8}, true}, {convAVX512, winoShape{1, 16, 3, 32, 32}, false},
		{convAVX512, winoShape{1, 16, 16, 28, 28}, false}, {convAVX512, winoShape{1, 32, 32, 14, 14}, true},
		{convAVX512, winoShape{1, 64, 64, 7, 7}, true}, {convAVX2, winoShape{1, 16, 16, 28, 28}, false},
		{convAVX2, winoShape{1, 32, 32, 16, 16}, true}, {convAVX2, winoShape{1, 16, 16, 32, 32}, true},
		{convAVX2, winoShape{1, 16, 1, 28, 28}, false}, {convAVX2, winoShape{1, 64, 64, 4, 4}, false},
		{convGo, winoShape{1, 32, 32, 16, 16}, false},
	} {
		if got := winogradPays(c.kind, c.s.c, c.s.m, c.s.h, c.s.w); got != c.want {
			t.Errorf("winogradPays(kind %d, %v) = %v, want %v", c.kind, c.s, got, c.want)
		}
	}
	for _, s := range benchWinoShapes(1) {
		pays, pays4, ok4 := WinogradPays(s.c, s.m, s.h, s.w), Winograd4Pays(s.c, s.m, s.h, s.w), Winograd4OK(s.h, s.w)
		// UseWinograd, then UseWinograd4's fwd and dx in training, then
		// its fwd in inference.
		train4 := pays4 && s.w <= Wino4TrainMaxWidth && activeConvKind() == convAVX512 // not the 32×32 stage
		for choice, want := range map[convChoice][4]bool{convChoiceAuto: {pays, train4, pays4, pays4}, convChoiceDirect: {},
			convChoiceWinograd: {true, ok4, ok4, ok4}, convChoiceWinograd2: {pays, false, false, false}} {
			convEnv = choice
			if got := UseWinograd(s.c, s.m, s.h, s.w); got != want[0] {
				t.Errorf("%v, choice %d: UseWinograd = %v, want %v", s, choice, got, want[0])
			}
			fwd, dx := UseWinograd4(s.c, s.m, s.h, s.w, true)
			fwdEval, _ := UseWinograd4(s.c, s.m, s.h, s.w, false)
			if got := [4]bool{want[0], fwd, dx, fwdEval}; got != want {
				t.Errorf("%v, choice %d: UseWinograd4 fwd, dx (train), fwd (eval) = %v, want %v", s, choice, got[1:], want[1:])
			}
		}
	}
	// F(4×4) where it measured faster than F(2×2): AVX-512 or AVX2, the
	// CIFAR stages; not the first layer, not 28×28 (no whole 4×4 tiles in
	// a 16-tile vector), not with the Go kernel.
	for _, s := range benchWinoShapes(1) {
		k := activeConvKind()
		want := (k == convAVX512 || k == convAVX2) && s.c >= 16 && s.h%8 == 0
		if got := Winograd4Pays(s.c, s.m, s.h, s.w); got != want {
			t.Errorf("Winograd4Pays(%v) = %v, want %v", s, got, want)
		}
	}
}

// BenchmarkWinograd compares, at the layer shapes of benchWinoShapes and
// batch 128, Winograd2x2 (winograd) and, where Supports4x4, Winograd4x4
// (winograd4) with the direct Conv3x3 (padding each image, then
// Run, as the layers do) for the output (fwd: weights W) and for the data
// gradient (dx: the convolution of dout with the flipped, transposed kernel
// Wf, OC → C channels; the first layer, 3 → 16, has no dx in the nets and
// none here), and where GradOK the weight gradient (dw: the layers' direct
// WeightGradImages against GradU and GradWeights, per chunk of 16 images).
// Everything runs on one goroutine. GFLOP/s counts the
// direct-equivalent work, 2·9·C·OC·H·W per image, for both, so the rates
// compare times; GFLOP/cpu-s divides by the process's CPU time, fairer on a
// loaded machine. WinogradPays and GradPays follow its results (BENCH.md).
func BenchmarkWinograd(b *testing.B) {
	const batch = 128
	for _, s := range benchWinoShapes(batch) {
		r := rand.New(rand.NewPCG(1, 2))
		x, a := randSlice(r, s.n*s.c*s.h*s.w), randSlice(r, s.m*s.c*9)
		af := flipTransposed(a, s.m, s.c)
		flops := 2 * 9 * float64(s.c*s.m*s.h*s.w*s.n)
		stage := fmt.Sprintf("C%d_%dx%d_N%d", s.c, s.h, s.w, s.n)
		if s.m != s.c {
			stage = fmt.Sprintf("C%d_OC%d_%dx%d_N%d", s.c, s.m, s.h, s.w, s.n)
		}
		for _, pass := range []struct {
			name string
			w    []float32
		}{{"fwd", a}, {"dx", af}} {
			if pass.name == "dx" && s.m != s.c {
				continue
			}
			b.Run(stage+"/"+pass.name+"/direct", func(b *testing.B) { benchDirect(b, x, pass.w, s, flops) })
			b.Run(stage+"/"+pass.name+"/winograd", func(b *testing.B) { benchWino(b, x, pass.w, s, flops, &Winograd2x2{}) })
			if Supports4x4(s.h, s.w) {
				b.Run(stage+"/"+pass.name+"/winograd4", func(b *testing.B) { benchWino(b, x, pass.w, s, flops, &Winograd4x4{}) })
			}
		}
		var p Winograd2x2
		p.Prepare(a, s.m, s.c, s.h, s.w)
		if s.m == s.c && p.GradOK() {
			dy := randSlice(r, s.n*s.m*s.h*s.w)
			b.Run(stage+"/dw/direct", func(b *testing.B) { benchGradDirect(b, x, dy, s, flops) })
			b.Run(stage+"/dw/winograd", func(b *testing.B) { benchGradWino(b, x, dy, s, flops, &Winograd2x2{}) })
			if Supports4x4(s.h, s.w) {
				b.Run(stage+"/dw/winograd4", func(b *testing.B) { benchGradWino(b, x, dy, s, flops, &Winograd4x4{}) })
			}
		}
	}
}

// benchGradChunk is the number of images of one GradU call in
// BenchmarkWinograd's dw/winograd: a layer's chunk at batch 128 (the batch
// in 8 chunks, nn.Chunks).
const benchGradChunk = 16

// benchGradDirect times the direct weight gradient as the layers run it:
// GradGroup images padded, then WeightGradImages, the batch in chunks of
// benchGradChunk with a partial each.
func benchGradDirect(b *testing.B, x, dy []float32, s winoShape, flops float64) {
	var p Conv3x3
	p.Prepare(make([]float32, s.m*s.c*9), s.m, s.c, s.h, s.w)
	hw, plen, group := s.h*s.w, p.PaddedSize(), p.GradGroup()
	g, xp := make([]float32, s.m*s.c*9), make([]float32, group*plen)
	b.ReportAllocs()
	cpu0, okCPU := processCPU()
	for b.Loop() {
		for lo := 0; lo < s.n; lo += benchGradChunk {
			clear(g)
			for n0 := lo; n0 < lo+benchGradChunk; n0 += group {
				for i := range group {
					p.Pad(xp[i*plen:], x[(n0+i)*s.c*hw:(n0+i+1)*s.c*hw])
				}
				p.WeightGradImages(g, dy[n0*s.m*hw:], s.m*hw, xp, plen, group)
			}
		}
	}
	reportFlops(b, flops, cpu0, okCPU)
}

// gradPlan is a Winograd weight gradient, Winograd2x2's or Winograd4x4's.
type gradPlan interface {
	PrepareSizes(m, c, h, w int)
	GradSize() int
	GradScratchSize(imgs int) int
	GradU(du, dy, x []float32, imgs int, scratch []float32)
	GradWeights(g, du []float32)
}

// benchGradWino times p's GradU, a call per chunk of benchGradChunk
// images, then the sum of the chunks' dU and GradWeights, as the layers
// do.
func benchGradWino(b *testing.B, x, dy []float32, s winoShape, flops float64, p gradPlan) {
	p.PrepareSizes(s.m, s.c, s.h, s.w)
	hw, gs := s.h*s.w, p.GradSize()
	g, scratch := make([]float32, s.m*s.c*9), make([]float32, p.GradScratchSize(benchGradChunk))
	du, sum := make([]float32, gs*s.n/benchGradChunk), make([]float32, gs)
	b.ReportAllocs()
	cpu0, okCPU := processCPU()
	for b.Loop() {
		for lo := 0; lo < s.n; lo += benchGradChunk {
			p.GradU(du[lo/benchGradChunk*gs:], dy[lo*s.m*hw:], x[lo*s.c*hw:], benchGradChunk, scratch)
		}
		copy(sum, du)
		for c := 1; c < s.n/benchGradChunk; c++ {
			for i, v := range du[c*gs : (c+1)*gs] {
				sum[i] += v
			}
		}
		p.GradWeights(g, sum)
	}
	reportFlops(b, flops, cpu0, okCPU)
}

// benchWinoShapes are the stride-1 3×3 layers of the nets at batch n: the
// CIFAR stages, the first CIFAR layer (3 → 16 channels), the MNIST stages
// (28×28, 14×14, 7×7, whose last tile row and column are clipped).
func benchWinoShapes(n int) []winoShape {
	return []winoShape{{n, 16, 16, 32, 32}, {n, 32, 32, 16, 16}, {n, 64, 64, 8, 8}, {n, 16, 3, 32, 32},
		{n, 16, 16, 28, 28}, {n, 32, 32, 14, 14}, {n, 64, 64, 7, 7}}
}

// flipTransposed returns Wf [c, m, 3, 3], Wf[ch, o, i, j] = a[o, ch, 2-i,
// 2-j], the kernel of the data gradient of the convolution with a [m, c, 3,
// 3].
func flipTransposed(a []float32, m, c int) []float32 {
	wf := make([]float32, len(a))
	for o := range m {
		for ch := range c {
			for t := range 9 {
				wf[(ch*m+o)*9+t] = a[(o*c+ch)*9+8-t]
			}
		}
	}
	return wf
}

func benchDirect(b *testing.B, x, a []float32, s winoShape, flops float64) {
	var p Conv3x3
	p.Prepare(a, s.m, s.c, s.h, s.w)
	hw := s.h * s.w
	out, xp := make([]float32, s.n*s.m*hw), make([]float32, p.PaddedSize())
	b.ReportAllocs()
	cpu0, okCPU := processCPU()
	for b.Loop() {
		for img := range s.n {
			p.Pad(xp, x[img*s.c*hw:(img+1)*s.c*hw])
			p.Run(out[img*s.m*hw:], xp)
		}
	}
	reportFlops(b, flops, cpu0, okCPU)
}

// benchWino times the plan p (a new Winograd2x2 or Winograd4x4) on the
// whole batch at once, as the layers run it on a chunk.
func benchWino(b *testing.B, x, a []float32, s winoShape, flops float64, p interface {
	Prepare(a []float32, m, c, h, w int)
	Run(out, x []float32, imgs int, scratch []float32)
	ScratchSize(imgs int) int
}) {
	p.Prepare(a, s.m, s.c, s.h, s.w)
	out, scratch := make([]float32, s.n*s.m*s.h*s.w), make([]float32, p.ScratchSize(s.n))
	b.ReportAllocs()
	cpu0, okCPU := processCPU()
	for b.Loop() {
		p.Run(out, x, s.n, scratch)
	}
	reportFlops(b, flops, cpu0, okCPU)
}

// TestWinogradTransforms checks that the assembly transforms of every
// kind this machine runs give the same bits as the Go ones (winoInputGo's
// and winoOutputGo's order), on the tile rows of images whose widths leave
// 1 to 16 tiles in the last vector, with odd and even heights: V for every
// tile of each row, and the output of a tile row written into a NaN-filled
// image, including that nothing outside the tile row's output rows is
// written.
func TestWinogradTransforms(t *testing.T) {
	var kinds []convKind
	for _, kr := range kernelsUnderTest(t) {
		if k := convKindFor(kr); k != convGo {
			kinds = append(kinds, k)
		}
	}
	if len(kinds) == 0 {
		t.Skip("no assembly transforms on this machine")
	}
	var rows winoRows // the field offsets winograd_amd64.s uses
	if o := [4]uintptr{unsafe.Offsetof(rows.ptr), unsafe.Offsetof(rows.stride), unsafe.Offsetof(rows.k512), unsafe.Offsetof(rows.y256)}; o != [4]uintptr{0, 32, 64, 80} {
		t.Fatalf("winoRows field offsets %v, want 0, 32, 64, 80", o)
	}
	r := rand.New(rand.NewPCG(3, 4))
	for _, s := range []winoShape{{1, 3, 2, 5, 1}, {1, 2, 3, 4, 2}, {1, 3, 2, 3, 7}, {1, 2, 2, 6, 16}, {1, 2, 3, 7, 17}, {1, 3, 2, 4, 31}, {1, 2, 2, 5, 32}, {1, 2, 2, 3, 33}, {1, 2, 3, 2, 64}, {1, 2, 2, 3, 65}} {
		x := randSlice(r, s.c*s.h*s.w)
		var p Winograd2x2
		p.Prepare(randSlice(r, s.m*s.c*9), s.m, s.c, s.h, s.w)
		ldv := ceilDiv(p.tw, 16)*16 + 16
		zero := make([]float32, p.zeroLen())
		for _, kind := range kinds {
			for ty := range p.th {
				want, got := nanSlice(16*s.c*ldv), nanSlice(16*s.c*ldv)
				p.inputRowGo(want, s.c*ldv, ldv, x, ty)
				p.inputRow(kind, got, s.c*ldv, ldv, x, ty, zero)
				for i := range want {
					if k := i % ldv; k < p.tw && math.Float32bits(got[i]) != math.Float32bits(want[i]) {
						t.Fatalf("%v kind %d tile row %d: V[%d][%d][%d] = %g, want %g", s, kind, ty, i/ldv/s.c, i/ldv%s.c, k, got[i], want[i])
					}
				}
				m := randSlice(r, 16*s.m*ldv)
				hw := s.h * s.w
				wantY, gotY := nanSlice(s.m*hw), nanSlice(s.m*hw)
				rows := min(2, s.h-2*ty)
				winoOutputGo(m, s.m*ldv, ldv, wantY[2*ty*s.w:], s.w, hw, s.m, p.tw, rows)
				winoOutput(kind, m, s.m*ldv, ldv, gotY[2*ty*s.w:], s.w, hw, s.m, p.tw, rows)
				for i := range wantY {
					if math.Float32bits(gotY[i]) != math.Float32bits(wantY[i]) {
						t.Fatalf("%v kind %d tile row %d: output %d = %g, want %g", s, kind, ty, i, gotY[i], wantY[i])
					}
				}
			}
		}
	}
}

// TestWinogradGroupTransforms checks that the AVX-512 transforms of
// several whole tile rows a vector (inputGroup, outputGroups) give the
// same bits as the Go ones, row by row, on images 16 and 8 floats wide with
// one and several vectors an image, in every channel: V for every tile,
// with NaN everywhere else in the input's slice around the image (it must
// not be read), and the output of a block of two images written into
// NaN-filled outputs, with nothing outside the image written.
func TestWinogradGroupTransforms(t *testing.T) {
	if !hasAVX512 {
		t.Skip("no AVX-512 on this machine")
	}
	r := rand.New(rand.NewPCG(5, 6))
	for _, s := range []winoShape{{2, 3, 2, 16, 16}, {2, 2, 3, 4, 16}, {2, 3, 2, 8, 8}, {2, 2, 3, 16, 8}} {
		var p Winograd2x2
		p.Prepare(randSlice(r, s.m*s.c*9), s.m, s.c, s.h, s.w)
		g := p.groups(convAVX512)
		if g != 32/s.w {
			t.Fatalf("%v: groups %d, want %d", s, g, 32/s.w)
		}
		hw := s.h * s.w
		// The image between NaN guards of one image size on either side.
		buf := nanSlice(3 * s.c * hw)
		x := buf[s.c*hw : 2*s.c*hw]
		copy(x, randSlice(r, s.c*hw))
		ldv := p.th*p.tw + 16
		want, got := nanSlice(16*s.c*ldv), nanSlice(16*s.c*ldv)
		for ty := range p.th {
			p.inputRowGo(want[ty*p.tw:], s.c*ldv, ldv, x, ty)
		}
		for ty := 0; ty < p.th; ty += g {
			p.inputGroup(g, got[ty*p.tw:], s.c*ldv, ldv, x, ty)
		}
		for i := range want {
			if k := i % ldv; k < p.th*p.tw && math.Float32bits(got[i]) != math.Float32bits(want[i]) {
				t.Fatalf("%v: V[%d][%d][%d] = %g, want %g", s, i/ldv/s.c, i/ldv%s.c, k, got[i], want[i])
			}
		}
		// Output: a block of two images, M [m][16][ldm].
		ldm := 2*p.th*p.tw + 16
		l := winoLayout{rb: 2 * p.th, ldv: ldm}
		m := randSlice(r, 16*s.m*ldm)
		ohw := s.m * hw
		wantY, gotY := nanSlice(2*ohw), nanSlice(2*ohw+7)
		for k := range 2 * p.th {
			img, ty := k/p.th, k%p.th
			winoOutputGo(m[k*p.tw:], ldm, 16*ldm, wantY[img*ohw+2*ty*s.w:], s.w, hw, s.m, p.tw, 2)
		}
		p.outputGroups(g, l, gotY, m, 0, 2*p.th)
		for i, v := range gotY {
			if i >= len(wantY) {
				if !math.IsNaN(float64(v)) {
					t.Fatalf("%v: output written past the images at %d", s, i)
				}
				continue
			}
			if math.Float32bits(v) != math.Float32bits(wantY[i]) {
				t.Fatalf("%v: output %d = %g, want %g", s, i, v, wantY[i])
			}
		}
	}
}

// BenchmarkWinoTransforms times the input and the output transforms alone
// (active kernel) for one image at each CIFAR stage, in CPU ns per image.
func BenchmarkWinoTransforms(b *testing.B) {
	for _, s := range []winoShape{{1, 16, 16, 32, 32}, {1, 32, 32, 16, 16}, {1, 64, 64, 8, 8}} {
		r := rand.New(rand.NewPCG(1, 2))
		x := randSlice(r, s.c*s.h*s.w)
		var p Winograd2x2
		p.Prepare(randSlice(r, s.m*s.c*9), s.m, s.c, s.h, s.w)
		l, kind := p.layout(1), activeConvKind()
		v := make([]float32, 16*s.c*l.ldv)
		zero := make([]float32, p.zeroLen())
		out := make([]float32, s.m*s.h*s.w)
		stage := fmt.Sprintf("C%d_%dx%d", s.c, s.h, s.w)
		b.Run(stage+"/input", func(b *testing.B) {
			cpu0, _ := processCPU()
			for b.Loop() {
				for ty := range p.th {
					p.inputRow(kind, v[ty*p.tw:], l.ldv, 16*l.ldv, x, ty, zero)
				}
			}
			reportCPUPerOp(b, cpu0)
		})
		b.Run(stage+"/output", func(b *testing.B) {
			cpu0, _ := processCPU()
			for b.Loop() {
				p.outputBlock(kind, l, out, v, 0, p.th)
			}
			reportCPUPerOp(b, cpu0)
		})
	}
}

// reportCPUPerOp reports the CPU time per iteration since cpu0.
func reportCPUPerOp(b *testing.B, cpu0 time.Duration) {
	if cpu1, ok := processCPU(); ok && cpu1 > cpu0 {
		b.ReportMetric(float64(cpu1-cpu0)/float64(b.N), "cpu-ns/op")
	}
}

// TestWinoAVX2NoAVX512 checks that the AVX2 transforms in
// winograd_amd64.s (Winograd2x2's and Winograd4x4's) use no AVX-512 register (Z0-Z31, K1-K7) and no EVEX-only
// instruction, so that RESEXP_KERNEL=avx2 runs as on a CPU without
// AVX-512; it fails on the AVX-512 transforms' text, which does.
func TestWinoAVX2NoAVX512(t *testing.T) {
	src, err := os.ReadFile("winograd_amd64.s")
	if err != nil {
		t.Fatal(err)
	}
	evex := regexp.MustCompile(`\bZ\d+\b|\bK[1-7]\b|VPERMT2PS|KMOVW|\.Z\b`)
	funcs := strings.Split(string(src), "\nTEXT ")
	seen := map[bool]int{}
	for _, f := range funcs[1:] {
		name := strings.SplitN(f, "(", 2)[0]
		avx2 := name == "·winoInputAVX2" || name == "·winoOutputAVX2" || strings.HasPrefix(name, "·wino4") && strings.HasSuffix(name, "AVX2")
		seen[avx2]++
		if got := evex.FindString(f); avx2 != (got == "") {
			t.Errorf("%s: AVX-512 use %q, want it only in the AVX-512 functions", strings.SplitN(f, "(", 2)[0], got)
		}
	}
	if seen[true] != 8 || seen[false] != 22 { // Winograd2x2's 2 and 10, Winograd4x4's 6 and 12
		t.Errorf("found %d AVX2 and %d AVX-512 functions, want 8 and 22", seen[true], seen[false])
	}
}

// TestWinogradPrepareAgain checks that Prepare with the weights of the
// previous call keeps its transformed weights, and that a change of one
// weight (the last, or a sign) or of the sizes transforms them anew: U
// equals a fresh Prepare's every time.
func TestWinogradPrepareAgain(t *testing.T) {
	r := rand.New(rand.NewPCG(9, 10))
	const m, c = 5, 3
	a := randSlice(r, m*c*9)
	var p Winograd2x2
	check := func(what string, a []float32, m, c, h, w int) {
		t.Helper()
		p.Prepare(a, m, c, h, w)
		var fresh Winograd2x2
		fresh.Prepare(a, m, c, h, w)
		if p.m != m || p.c != c || p.h != h || p.w != w || len(p.u) < 16*m*c {
			t.Fatalf("%s: sizes %d %d %d %d, want %d %d %d %d", what, p.m, p.c, p.h, p.w, m, c, h, w)
		}
		for i, v := range fresh.u[:16*m*c] {
			if math.Float32bits(p.u[i]) != math.Float32bits(v) {
				t.Fatalf("%s: U[%d] = %g, want %g", what, i, p.u[i], v)
			}
		}
	}
	check("first", a, m, c, 8, 8)
	check("same weights", a, m, c, 8, 8)
	a[len(a)-1] += 1
	check("last weight changed", a, m, c, 8, 8)
	a[0] = -a[0]
	check("first weight's sign changed", a, m, c, 8, 8)
	check("other image size", a, m, c, 6, 10)
	check("fewer output channels", a[:4*c*9], 4, c, 6, 10)
}

// TestWinogradPrepareFlipped checks that PrepareFlipped gives the U (and
// the packed U) of Prepare with the flipped, transposed weights, bit for
// bit, for weights whose float64 sums in Prepare are exact (uniform in
// [-1, 1)), with m ≠ c; and that a later Prepare of p with the weights p
// had before transforms them anew.
func TestWinogradPrepareFlipped(t *testing.T) {
	r := rand.New(rand.NewPCG(11, 12))
	const m, c = 24, 16 // q: c channels into m; p: m into c
	a, b := randSlice(r, m*c*9), randSlice(r, m*c*9)
	var q, p, want, wantB Winograd2x2
	p.Prepare(flipTransposed(b, m, c), c, m, 16, 16)
	q.Prepare(a, m, c, 16, 16)
	p.PrepareFlipped(&q)
	want.Prepare(flipTransposed(a, m, c), c, m, 16, 16)
	if p.m != c || p.c != m || p.h != 16 || p.w != 16 || p.rb != want.rb {
		t.Fatalf("sizes %d %d %d %d rb %d, want %d %d 16 16 rb %d", p.m, p.c, p.h, p.w, p.rb, c, m, want.rb)
	}
	same := func(what string, got, want []float32) {
		t.Helper()
		if len(got) != len(want) {
			t.Fatalf("%s: length %d, want %d", what, len(got), len(want))
		}
		for i, v := range want {
			if math.Float32bits(got[i]) != math.Float32bits(v) {
				t.Fatalf("%s: element %d = %g, want %g", what, i, got[i], v)
			}
		}
	}
	same("U", p.u[:16*m*c], want.u[:16*m*c])
	same("packed U", p.up, want.up)
	p.Prepare(flipTransposed(b, m, c), c, m, 16, 16)
	wantB.Prepare(flipTransposed(b, m, c), c, m, 16, 16)
	same("U of Prepare after PrepareFlipped", p.u[:16*m*c], wantB.u[:16*m*c])
}

// TestWinogradPrepareUnits checks that Prepare split into PrepareBegin and
// PrepareUnits, one unit at a time in reverse order, gives the same U and
// packed U as Prepare, for both plans, with a number of output channels
// that ends in a partial unit; and that PrepareBegin with the same weights
// again reports nothing to do.
func TestWinogradPrepareUnits(t *testing.T) {
	const m, c, h, w = 41, 24, 16, 16
	r := rand.New(rand.NewPCG(11, 12))
	a := randSlice(r, m*c*9)
	type plan interface {
		Prepare(a []float32, m, c, h, w int)
		PrepareBegin(a []float32, m, c, h, w int) bool
		Units() int
		PrepareUnits(u0, u1 int)
	}
	check := func(name string, whole, split plan, u func(plan) ([]float32, []float32)) {
		whole.Prepare(a, m, c, h, w)
		if !split.PrepareBegin(a, m, c, h, w) {
			t.Fatalf("%s: PrepareBegin of a new plan reports nothing to do", name)
		}
		if n := split.Units(); n < 2 {
			t.Fatalf("%s: %d units", name, n)
		}
		for k := split.Units() - 1; k >= 0; k-- {
			split.PrepareUnits(k, k+1)
		}
		wu, wup := u(whole)
		su, sup := u(split)
		if !equalBits(wu, su) || !equalBits(wup, sup) {
			t.Fatalf("%s: split Prepare differs from Prepare", name)
		}
		if split.PrepareBegin(a, m, c, h, w) {
			t.Fatalf("%s: PrepareBegin with the same weights reports work to do", name)
		}
	}
	check("Winograd2x2", &Winograd2x2{}, &Winograd2x2{}, func(p plan) ([]float32, []float32) {
		q := p.(*Winograd2x2)
		return q.u, q.up
	})
	check("Winograd4x4", &Winograd4x4{}, &Winograd4x4{}, func(p plan) ([]float32, []float32) {
		q := p.(*Winograd4x4)
		return q.u, q.up
	})
}
