package kernels

import (
	"math"
	"math/rand/v2"
	"testing"
)

// weightGradRef64 returns the weight gradient [m, c, 3, 3] of the 3×3
// convolution (padding 1, stride 1) of x [n, c, h, w] with output gradient
// dy [n, m, h, w] in float64, and the largest Σ|terms| of an entry.
func weightGradRef64(x, dy []float32, s winoShape) (want []float64, maxAbsSum float64) {
	hw := s.h * s.w
	want = make([]float64, s.m*s.c*9)
	for o := range s.m {
		for ch := range s.c {
			for i := range 3 {
				for j := range 3 {
					var sum, abs float64
					for img := range s.n {
						for y := range s.h {
							for z := range s.w {
								yy, zz := y+i-1, z+j-1
								if yy < 0 || yy >= s.h || zz < 0 || zz >= s.w {
									continue
								}
								t := float64(dy[(img*s.m+o)*hw+y*s.w+z]) * float64(x[(img*s.c+ch)*hw+yy*s.w+zz])
								sum += t
								abs += math.Abs(t)
							}
						}
					}
					want[((o*s.c+ch)*3+i)*3+j] = sum
					maxAbsSum = max(maxAbsSum, abs)
				}
			}
		}
	}
	return want, maxAbsSum
}

// directWeightGrad is the layers' direct weight gradient (Conv3x3 with the
// active kernel), image by image.
func directWeightGrad(x, dy []float32, s winoShape) []float32 {
	var p Conv3x3
	p.Prepare(make([]float32, s.m*s.c*9), s.m, s.c, s.h, s.w)
	hw := s.h * s.w
	g := make([]float32, s.m*s.c*9)
	xp := make([]float32, p.PaddedSize())
	for img := range s.n {
		p.Pad(xp, x[img*s.c*hw:(img+1)*s.c*hw])
		p.WeightGradImages(g, dy[img*s.m*hw:], s.m*hw, xp, len(xp), 1)
	}
	return g
}

// TestWinogradWeightGrad checks GradU and GradWeights against the float64 weight
// gradient at the CIFAR stages (batch 2-4) and small shapes with m ≠ c and
// several vectors a tile row: the largest error must stay within
// winoBoundTol times the worst-case float32 error bound of the direct sum,
// (K+4)·u·max Σ|terms| with K = n·h·w terms, and g must be set whatever it
// held (dU too). With -v it prints the table of BENCH.md (Winograd's error, and the
// direct kernel's on the same inputs).
func TestWinogradWeightGrad(t *testing.T) {
	if !hasAVX512 {
		t.Skip("no AVX-512: GradU does not run")
	}
	const u = 1.0 / (1 << 24)
	t.Logf("| layer | winograd abs | winograd rel | direct abs | direct rel | winograd / bound |")
	for _, s := range []winoShape{{2, 16, 16, 32, 32}, {3, 32, 32, 16, 16}, {4, 64, 64, 8, 8}, {2, 5, 3, 8, 8}, {3, 4, 6, 16, 16}, {2, 3, 2, 4, 64}, {1, 2, 3, 6, 32}, {2, 8, 12, 16, 16}, {3, 12, 4, 8, 8}, {1, 4, 8, 2, 32}} {
		r := rand.New(rand.NewPCG(uint64(s.m), uint64(s.c*s.h)))
		x, dy := randSlice(r, s.n*s.c*s.h*s.w), randSlice(r, s.n*s.m*s.h*s.w)
		want, absSum := weightGradRef64(x, dy, s)
		bound := float64(s.n*s.h*s.w+4) * u * absSum
		var p Winograd2x2
		p.Prepare(make([]float32, s.m*s.c*9), s.m, s.c, s.h, s.w)
		if !p.gradOK(convAVX512) {
			t.Fatalf("%v: GradOK false", s)
		}
		g, du := nanSlice(s.m*s.c*9), nanSlice(p.GradSize())
		p.gradUWith(avx512Kernel, du, dy, x, s.n, nanSlice(p.GradScratchSize(s.n)))
		p.GradWeights(g, du)
		e, scale := maxErr(g, want)
		if !(e <= winoBoundTol*bound) {
			t.Errorf("%v: max error %.3g > %g × bound %.3g", s, e, winoBoundTol, bound)
		}
		d, _ := maxErr(directWeightGrad(x, dy, s), want)
		t.Logf("| %v | %.2e | %.2e | %.2e | %.2e | %.3f |", s, e, e/scale, d, d/scale, e/bound)
	}
}

// TestWinogradGradTransform checks that the assembly transforms of dY
// (winoGradOutAVX512 and the group ones, through gradOutBlock) give the
// same bits as winoGradOutGo on a block of two images in every channel,
// with NaN around each image's rows in the input (never read).
func TestWinogradGradTransform(t *testing.T) {
	if !hasAVX512 {
		t.Skip("no AVX-512")
	}
	r := rand.New(rand.NewPCG(13, 14))
	for _, s := range []winoShape{{2, 3, 1, 4, 32}, {2, 2, 1, 6, 64}, {2, 3, 1, 4, 16}, {2, 2, 1, 16, 16}, {2, 3, 1, 8, 8}, {2, 2, 1, 16, 8}} {
		var p Winograd2x2
		p.Prepare(make([]float32, s.m*s.c*9), s.m, s.c, s.h, s.w)
		g := p.groups(convAVX512)
		hw := s.h * s.w
		buf := nanSlice((s.n + 2) * s.m * hw)
		dy := buf[s.m*hw : (s.n+1)*s.m*hw]
		copy(dy, randSlice(r, s.n*s.m*hw))
		nt := s.n * p.th * p.tw
		ldv := nt + 16
		l := winoLayout{rb: s.n * p.th, ldv: ldv}
		want, got := nanSlice(16*s.m*ldv), nanSlice(16*s.m*ldv)
		for k := range s.n * p.th {
			img, ty := k/p.th, k%p.th
			winoGradOutGo(want[k*p.tw:], ldv, 16*ldv, dy[img*s.m*hw+2*ty*s.w:], s.w, hw, s.m, p.tw, 2)
		}
		p.gradOutBlock(g, l, got, dy, 0, s.n*p.th)
		for i := range want {
			if k := i % ldv; k < nt && math.Float32bits(got[i]) != math.Float32bits(want[i]) {
				t.Fatalf("%v (groups %d): dM[%d][%d][%d] = %g, want %g", s, g, i/ldv/s.m, i/ldv%s.m, k, got[i], want[i])
			}
		}
	}
}

// TestWinoDot4x4 checks winoDot4x4AVX512 against float64 dot products on
// 2×3 blocks with padded row strides: each entry of c gains its dot
// product (within a float32 sum's error), and c's padding keeps its NaNs.
func TestWinoDot4x4(t *testing.T) {
	if !hasAVX512 {
		t.Skip("no AVX-512")
	}
	r := rand.New(rand.NewPCG(15, 16))
	const mb, nb, nk, lda, ldb, ldc = 2, 3, 5, 16*5 + 7, 16*5 + 3, 4*3 + 2
	a, b := randSlice(r, 4*mb*lda), randSlice(r, 4*nb*ldb)
	c := nanSlice(4 * mb * ldc)
	init := randSlice(r, len(c))
	for i := range c {
		if i%ldc < 4*nb {
			c[i] = init[i]
		}
	}
	winoDot4x4AVX512(&a[0], lda, &b[0], ldb, nk, &c[0], ldc, mb, nb)
	for i := range 4 * mb {
		for j := range ldc {
			got := c[i*ldc+j]
			if j >= 4*nb {
				if !math.IsNaN(float64(got)) {
					t.Fatalf("c[%d][%d] = %g, want the padding's NaN", i, j, got)
				}
				continue
			}
			want, abs := float64(init[i*ldc+j]), math.Abs(float64(init[i*ldc+j]))
			for k := range 16 * nk {
				p := float64(a[i*lda+k]) * float64(b[j*ldb+k])
				want += p
				abs += math.Abs(p)
			}
			if e := math.Abs(float64(got) - want); !(e <= float64(16*nk+2)*abs/(1<<24)) {
				t.Fatalf("c[%d][%d] = %g, want %g (error %.3g)", i, j, got, want, e)
			}
		}
	}
}
