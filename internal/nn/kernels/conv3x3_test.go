package kernels

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"
)

// conv3x3Shapes are (m, c, h, w): the CIFAR ResNet stages, the MNIST widths
// (28, 14, 7: rows that do not divide a 32-lane tile), one-pixel and
// one-channel images, m not a multiple of 8, n not a multiple of 16 or 32,
// and 9c = 630 (several K blocks on every kernel).
var conv3x3Shapes = [][4]int{
	{16, 16, 32, 32}, {32, 32, 16, 16}, {64, 64, 8, 8}, {16, 3, 32, 32},
	{16, 16, 28, 28}, {32, 32, 14, 14}, {64, 64, 7, 7}, {10, 5, 7, 7},
	{8, 1, 1, 1}, {1, 1, 1, 5}, {9, 2, 3, 33}, {17, 7, 4, 17}, {5, 3, 2, 2},
	{24, 40, 6, 10}, {3, 29, 5, 3}, {12, 70, 5, 6},
}

// im2colRef is the im2col matrix [9c, h*w] of x [c, h, w] for a 3x3 kernel,
// stride 1, padding 1, from its definition.
func im2colRef(x []float32, c, h, w int) []float32 { return im2colStrideRef(x, c, h, w, 1) }

// im2colStrideRef is im2colRef for stride s: [9c, (h/s)*(w/s)].
func im2colStrideRef(x []float32, c, h, w, s int) []float32 {
	oh, ow := h/s, w/s
	n := oh * ow
	col := make([]float32, 9*c*n)
	for ch := range c {
		for i := range 3 {
			for j := range 3 {
				r := (ch*3+i)*3 + j
				for y := range oh {
					for z := range ow {
						ih, iw := s*y+i-1, s*z+j-1
						if ih >= 0 && ih < h && iw >= 0 && iw < w {
							col[r*n+y*ow+z] = x[(ch*h+ih)*w+iw]
						}
					}
				}
			}
		}
	}
	return col
}

// convCase is a random convolution problem and its reference output.
type convCase struct {
	x, a, col []float32 // image [c, H, W], weights [m, 9c], im2col matrix
	want, abs []float32 // A·col and |A|·|col|, [m, n]
	m, n, k   int
}

// newConvCase draws x and A for m output channels, c input channels, an
// h×w image and stride s, and computes the reference with SgemmNaive.
func newConvCase(r *rand.Rand, m, c, h, w, s int) convCase {
	cc := convCase{m: m, n: (h / s) * (w / s), k: 9 * c}
	cc.x, cc.a = randSlice(r, c*h*w), randSlice(r, m*cc.k)
	cc.col = im2colStrideRef(cc.x, c, h, w, s)
	cc.want, cc.abs = make([]float32, m*cc.n), make([]float32, m*cc.n)
	SgemmNaive(false, false, m, cc.n, cc.k, 1, cc.a, cc.k, cc.col, cc.n, 0, cc.want, cc.n)
	SgemmNaive(false, false, m, cc.n, cc.k, 1, absOf(cc.a), cc.k, absOf(cc.col), cc.n, 0, cc.abs, cc.n)
	return cc
}

// checkClose compares got with want = Σ_p terms, each element within
// (k+4)·u·Σ_p|terms| (u = 2^-24), the float32 bound of checkGemm; absSum
// holds those sums.
func checkClose(t *testing.T, what string, got, want, absSum []float32, k int) {
	t.Helper()
	const u = 1.0 / (1 << 24)
	for i := range want {
		tol := float64(k+4)*u*float64(absSum[i]) + 1e-30
		if d := math.Abs(float64(got[i]) - float64(want[i])); !(d <= tol) {
			t.Fatalf("%s: element %d = %g, want %g (diff %g > tol %g)", what, i, got[i], want[i], d, tol)
		}
	}
}

func absOf(x []float32) []float32 {
	y := make([]float32, len(x))
	for i, v := range x {
		y[i] = float32(math.Abs(float64(v)))
	}
	return y
}

// TestConv3x3Run checks Run with every kernel the machine has (AVX-512,
// AVX2, NEON, Go) against im2col and SgemmNaive.
func TestConv3x3Run(t *testing.T) {
	for _, s := range conv3x3Shapes {
		m, c, h, w := s[0], s[1], s[2], s[3]
		t.Run(fmt.Sprintf("m%d_c%d_%dx%d", m, c, h, w), func(t *testing.T) {
			cc := newConvCase(rand.New(rand.NewPCG(uint64(m*c), uint64(h*w))), m, c, h, w, 1)
			n, k, x, a, want, abs := cc.n, cc.k, cc.x, cc.a, cc.want, cc.abs
			xp := make([]float32, PaddedLen(c, h, w))
			for i := range xp {
				xp[i] = float32(math.NaN()) // PadImage must write every float
			}
			PadImage(xp, x, c, h, w)
			for _, pl := range convPlansUnderTest() {
				var p Conv3x3
				p.prepareRows(a, m, c, h, w, 1, pl.kind, pl.mr)
				got := make([]float32, m*n+7)
				for i := range got {
					got[i] = float32(math.NaN())
				}
				p.Run(got, xp)
				checkClose(t, fmt.Sprintf("Run %+v", pl), got[:m*n], want, abs, k)
				for i := m * n; i < len(got); i++ {
					if !math.IsNaN(float64(got[i])) {
						t.Fatalf("Run %+v wrote past the output: element %d", pl, i)
					}
				}
			}
		})
	}
}

// TestConv3x3RunDoesNotAllocate checks that Run allocates nothing with any
// kernel and tiling, partial tiles included (the tile buffer, whose address
// the assembly kernels take, stays on the stack).
func TestConv3x3RunDoesNotAllocate(t *testing.T) {
	const m, c, h, w = 10, 3, 5, 7
	r := rand.New(rand.NewPCG(5, 6))
	a, x := randSlice(r, m*9*c), randSlice(r, c*h*w)
	xp, out := make([]float32, PaddedLen(c, h, w)), make([]float32, m*h*w)
	PadImage(xp, x, c, h, w)
	for _, pl := range convPlansUnderTest() {
		var p Conv3x3
		p.prepareRows(a, m, c, h, w, 1, pl.kind, pl.mr)
		if n := testing.AllocsPerRun(10, func() { p.Run(out, xp) }); n != 0 {
			t.Errorf("Run %+v allocates %v times, want 0", pl, n)
		}
	}
}

// convPlan is a Run kernel and the rows of its A panels.
type convPlan struct {
	kind convKind
	mr   int
}

// convPlansUnderTest returns the Run kernels this machine can run, Go
// included, whatever RESEXP_KERNEL says, with every panel height each
// takes: AVX2 both its 4-row (4×24, 4×16) and 6-row (6×16) tilings,
// whichever panelRows would pick.
func convPlansUnderTest() []convPlan {
	var plans []convPlan
	for _, kind := range convKindsUnderTest() {
		if kind == convAVX2 {
			plans = append(plans, convPlan{kind, 4}, convPlan{kind, 6})
			continue
		}
		plans = append(plans, convPlan{kind, 8})
	}
	return plans
}

// convKindsUnderTest returns the Run kernels this machine can run, Go
// included, whatever RESEXP_KERNEL says.
func convKindsUnderTest() []convKind {
	kinds := []convKind{convGo}
	if hasAVX512 {
		kinds = append(kinds, convAVX512)
	}
	if hasConvAVX2 {
		kinds = append(kinds, convAVX2)
	}
	if neonKernel != nil {
		kinds = append(kinds, convNEON)
	}
	return kinds
}

// TestConvImplicitWithAssemblyKernels checks that ConvImplicit holds
// exactly when Sgemm runs an assembly kernel (avx512, avx2 or neon: each
// has its implicit-GEMM convolution kernel), so that the layers use it.
func TestConvImplicitWithAssemblyKernels(t *testing.T) {
	if got, want := ConvImplicit(), Kernel() != "go"; got != want {
		t.Fatalf("kernel %s: ConvImplicit() = %v, want %v", Kernel(), got, want)
	}
}

// TestConv3x3WeightGrad checks WeightGrad on every kernel against SgemmNaive
// with the im2col matrix, for beta 0 (g not read) and 1.
func TestConv3x3WeightGrad(t *testing.T) {
	for _, kr := range kernelsUnderTest(t) {
		for _, s := range conv3x3Shapes {
			m, c, h, w := s[0], s[1], s[2], s[3]
			t.Run(fmt.Sprintf("%s/m%d_c%d_%dx%d", kr.name, m, c, h, w), func(t *testing.T) {
				r := rand.New(rand.NewPCG(uint64(m+c), uint64(h+w)))
				n, k := h*w, 9*c
				x, d, g0 := randSlice(r, c*n), randSlice(r, m*n), randSlice(r, m*k)
				col := im2colRef(x, c, h, w)
				xp := make([]float32, PaddedLen(c, h, w))
				PadImage(xp, x, c, h, w)
				// The plan's kind picks how Bᵀ is packed (AVX-512 or AVX2
				// transposes, or Go).
				for _, kind := range convKindsUnderTest() {
					var p Conv3x3
					p.prepare(make([]float32, m*k), m, c, h, w, 1, kind)
					checkWeightGrad(t, &p, kr, d, xp, g0, col)
				}
			})
		}
	}
}

// checkWeightGrad checks p.weightGradWith(kr) for beta 0 and 1 against
// SgemmNaive with the im2col matrix col.
func checkWeightGrad(t *testing.T, p *Conv3x3, kr *microKernel, d, xp, g0, col []float32) {
	t.Helper()
	m, k, n := p.m, 9*p.c, p.h*p.w
	for _, beta := range []float32{0, 1} {
		want := append([]float32(nil), g0...)
		abs := append([]float32(nil), absOf(g0)...)
		if beta == 0 {
			clear(abs)
		}
		SgemmNaive(false, true, m, k, n, 1, d, n, col, n, beta, want, k)
		SgemmNaive(false, true, m, k, n, 1, absOf(d), n, absOf(col), n, beta, abs, k)
		got := append([]float32(nil), g0...)
		if beta == 0 {
			for i := range got {
				got[i] = float32(math.NaN())
			}
		}
		p.weightGradWith(kr, got, d, xp, beta)
		checkClose(t, fmt.Sprintf("WeightGrad kind %d beta=%g", p.kind, beta), got, want, abs, n)
	}
}

// TestConv3x3Reprepare checks that a plan prepared for one geometry and
// weights gives the right answer after Prepare with others.
func TestConv3x3Reprepare(t *testing.T) {
	var p Conv3x3
	r := rand.New(rand.NewPCG(3, 4))
	for _, s := range [][4]int{{64, 64, 8, 8}, {16, 16, 32, 32}, {16, 16, 7, 7}, {64, 64, 8, 8}} {
		m, c, h, w := s[0], s[1], s[2], s[3]
		cc := newConvCase(r, m, c, h, w, 1)
		n, k, x, a, want, abs := cc.n, cc.k, cc.x, cc.a, cc.want, cc.abs
		xp := make([]float32, PaddedLen(c, h, w))
		PadImage(xp, x, c, h, w)
		for _, pl := range convPlansUnderTest() {
			p.prepareRows(a, m, c, h, w, 1, pl.kind, pl.mr)
			got := make([]float32, m*n)
			p.Run(got, xp)
			checkClose(t, fmt.Sprint(s, pl), got, want, abs, k)
		}
	}
}

// BenchmarkConv3x3 compares, per image of the CIFAR ResNet stages, the
// implicit GEMM (Run, WeightGrad, and where the kernel has one the
// dot-product weight gradient) with im2col (from the padded image, as the
// layers did) and Sgemm: one core, GFLOP/s = 2·m·9c·h·w / time, and
// GFLOP/cpu-s (see reportFlops). With AVX2, fwd/avx2x4 and fwd/avx2x6 run
// Run with both tilings (without the padding copy), whichever panelRows
// picks.
func BenchmarkConv3x3(b *testing.B) {
	for _, s := range [][4]int{{16, 16, 32, 32}, {32, 32, 16, 16}, {64, 64, 8, 8}} {
		m, c, h, w := s[0], s[1], s[2], s[3]
		n, k := h*w, 9*c
		r := rand.New(rand.NewPCG(1, 1))
		x, a, d := randSlice(r, c*n), randSlice(r, m*k), randSlice(r, m*n)
		xp := make([]float32, PaddedLen(c, h, w))
		out, g, col := make([]float32, m*n), make([]float32, m*k), make([]float32, k*n)
		var p Conv3x3
		p.Prepare(a, m, c, h, w)
		flops := float64(2 * m * k * n)
		name := fmt.Sprintf("m%d_c%d_%dx%d", m, c, h, w)
		b.Run("fwd/implicit/"+name, func(b *testing.B) {
			benchFlops(b, flops, func() {
				PadImage(xp, x, c, h, w)
				p.Run(out, xp)
			})
		})
		if hasConvAVX2 {
			for _, mr := range []int{4, 6} {
				var q Conv3x3
				q.prepareRows(a, m, c, h, w, 1, convAVX2, mr)
				b.Run(fmt.Sprintf("fwd/avx2x%d/%s", mr, name), func(b *testing.B) {
					benchFlops(b, flops, func() { q.Run(out, xp) })
				})
			}
		}
		b.Run("fwd/im2col/"+name, func(b *testing.B) {
			benchFlops(b, flops, func() {
				im2colPadded(col, x, c, h, w)
				Sgemm(false, false, m, n, k, 1, a, k, col, n, 0, out, n)
			})
		})
		b.Run("dW/implicit/"+name, func(b *testing.B) {
			benchFlops(b, flops, func() {
				PadImage(xp, x, c, h, w)
				p.WeightGrad(g, d, xp, 1)
			})
		})
		b.Run("dW/im2col/"+name, func(b *testing.B) {
			benchFlops(b, flops, func() {
				im2colPadded(col, x, c, h, w)
				Sgemm(false, true, m, k, n, 1, d, n, col, n, 1, g, k)
			})
		})
		if !p.dotFits() { // no dot-product kernel for neon and go
			continue
		}
		b.Run("dW/dot/"+name, func(b *testing.B) {
			benchFlops(b, flops, func() {
				PadImage(xp, x, c, h, w)
				p.weightGradImages(g, d, 0, xp, 0, 1, true)
			})
		})
		imgs := max(1, 512/n)
		xps := make([]float32, imgs*len(xp))
		b.Run(fmt.Sprintf("dW/dot%d/%s", imgs, name), func(b *testing.B) {
			benchFlops(b, flops*float64(imgs), func() {
				for i := range imgs {
					PadImage(xps[i*len(xp):], x, c, h, w)
				}
				p.weightGradImages(g, d, 0, xps, len(xp), imgs, true)
			})
		})
	}
}

// benchFlops runs fn, which does flops floating-point operations, in b's
// loop and reports its rates (reportFlops).
func benchFlops(b *testing.B, flops float64, fn func()) {
	cpu0, okCPU := processCPU()
	for b.Loop() {
		fn()
	}
	reportFlops(b, flops, cpu0, okCPU)
}

// im2colPadded builds the im2col matrix with one row copy per (c, i, j) and
// the border zeroed, the fast path the layers used before the implicit GEMM.
func im2colPadded(col, x []float32, c, h, w int) {
	n := h * w
	for ch := range c {
		xc := x[ch*n : (ch+1)*n]
		for i := range 3 {
			for j := range 3 {
				row := col[((ch*3+i)*3+j)*n : ((ch*3+i)*3+j+1)*n]
				off := (i-1)*w + (j - 1)
				lo, hi := max(0, -off), min(n, n-off)
				clear(row[:lo])
				copy(row[lo:hi], xc[lo+off:hi+off])
				clear(row[hi:])
				for oh := range h {
					if oh+i-1 < 0 || oh+i-1 >= h {
						clear(row[oh*w : (oh+1)*w])
					} else if j == 0 {
						row[oh*w] = 0
					} else if j == 2 {
						row[oh*w+w-1] = 0
					}
				}
			}
		}
	}
}

// TestConv3x3WeightGradImages checks the dot-product weight gradient summed
// over images (and its per-image fallback for other sizes) against
// SgemmNaive with the im2col matrices, with gaps between the images.
func TestConv3x3WeightGradImages(t *testing.T) {
	for _, s := range conv3x3Shapes {
		m, c, h, w := s[0], s[1], s[2], s[3]
		for _, imgs := range []int{1, 3} {
			t.Run(fmt.Sprintf("m%d_c%d_%dx%d_imgs%d", m, c, h, w, imgs), func(t *testing.T) {
				r := rand.New(rand.NewPCG(uint64(m*imgs), uint64(c+h*w)))
				n, k := h*w, 9*c
				dstride, xstride := m*n+5, PaddedLen(c, h, w)+7
				d, g0 := randSlice(r, imgs*dstride), randSlice(r, m*k)
				xp := make([]float32, imgs*xstride)
				want, abs := append([]float32(nil), g0...), absOf(g0)
				for i := range imgs {
					x := randSlice(r, c*n)
					PadImage(xp[i*xstride:], x, c, h, w)
					col := im2colRef(x, c, h, w)
					SgemmNaive(false, true, m, k, n, 1, d[i*dstride:], n, col, n, 1, want, k)
					SgemmNaive(false, true, m, k, n, 1, absOf(d[i*dstride:]), n, absOf(col), n, 1, abs, k)
				}
				for _, kind := range convKindsUnderTest() {
					var p Conv3x3
					p.prepare(make([]float32, m*k), m, c, h, w, 1, kind)
					got := append([]float32(nil), g0...)
					p.WeightGradImages(got, d, dstride, xp, xstride, imgs)
					checkClose(t, fmt.Sprintf("WeightGradImages (kind %d)", kind), got, want, abs, imgs*n+1)
					if p.dotFits() { // the dot products whatever m is
						got = append(got[:0], g0...)
						p.weightGradImages(got, d, dstride, xp, xstride, imgs, true)
						checkClose(t, fmt.Sprintf("weightGradImages dot (kind %d)", kind), got, want, abs, imgs*n+1)
					}
				}
			})
		}
	}
}

// conv3x3Stride2Shapes are (m, c, H, W) inputs of stride-2 convolutions:
// the CIFAR and MNIST downsampling layers and small odd cases.
var conv3x3Stride2Shapes = [][4]int{
	{32, 16, 32, 32}, {64, 32, 16, 16}, {32, 16, 28, 28}, {64, 32, 14, 14},
	{8, 2, 2, 2}, {5, 3, 6, 10}, {16, 4, 4, 34}, {12, 6, 2, 64},
}

// TestConv3x3Stride2 checks the stride-2 convolution (Run, its Go path,
// WeightGrad on every kernel and WeightGradImages both ways, for every Run
// kernel's packing) against im2col and SgemmNaive.
func TestConv3x3Stride2(t *testing.T) {
	for _, sh := range conv3x3Stride2Shapes {
		m, c, hin, win := sh[0], sh[1], sh[2], sh[3]
		t.Run(fmt.Sprintf("m%d_c%d_%dx%d", m, c, hin, win), func(t *testing.T) {
			r := rand.New(rand.NewPCG(uint64(m*c), uint64(hin*win)))
			cc := newConvCase(r, m, c, hin, win, 2)
			n, k, x, a, col, want, abs := cc.n, cc.k, cc.x, cc.a, cc.col, cc.want, cc.abs
			d := randSlice(r, m*n)
			var p Conv3x3
			p.PrepareStride(a, m, c, hin, win, 2)
			xp := make([]float32, p.PaddedSize())
			for i := range xp {
				xp[i] = float32(math.NaN()) // Pad must write every float
			}
			p.Pad(xp, x)

			for _, pl := range convPlansUnderTest() {
				var q Conv3x3
				q.prepareRows(a, m, c, hin, win, 2, pl.kind, pl.mr)
				got := make([]float32, m*n)
				q.Run(got, xp)
				checkClose(t, fmt.Sprintf("Run %+v", pl), got, want, abs, k)
			}

			wantG, absG := make([]float32, m*k), make([]float32, m*k)
			SgemmNaive(false, true, m, k, n, 1, d, n, col, n, 0, wantG, k)
			SgemmNaive(false, true, m, k, n, 1, absOf(d), n, absOf(col), n, 0, absG, k)
			for _, kind := range convKindsUnderTest() {
				var q Conv3x3
				q.prepare(a, m, c, hin, win, 2, kind)
				for _, kr := range kernelsUnderTest(t) {
					g := make([]float32, m*k)
					q.weightGradWith(kr, g, d, xp, 0)
					checkClose(t, fmt.Sprintf("WeightGrad %s (kind %d)", kr.name, kind), g, wantG, absG, n)
				}
				g := make([]float32, m*k)
				q.WeightGradImages(g, d, 0, xp, 0, 1)
				checkClose(t, fmt.Sprintf("WeightGradImages (kind %d)", kind), g, wantG, absG, n)
				if q.dotFits() {
					clear(g)
					q.weightGradImages(g, d, 0, xp, 0, 1, true)
					checkClose(t, fmt.Sprintf("weightGradImages dot (kind %d)", kind), g, wantG, absG, n)
				}
			}
		})
	}
}
