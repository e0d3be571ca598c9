package kernels

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"sync"
	"testing"

	"gonum.org/v1/gonum/blas"
	"gonum.org/v1/gonum/blas/blas32"
)

// kernelsUnderTest returns every kernel this machine can run, the pure-Go
// one and those only Conv3x3 picks (siblingKernels) included, whatever
// RESEXP_KERNEL says.
func kernelsUnderTest(t testing.TB) []*microKernel {
	t.Helper()
	activeKernel()
	return slices.Concat(available, siblingKernels())
}

type gemmCase struct {
	m, n, k     int
	alpha, beta float32
	pad         int // extra columns in every leading dimension
}

func (tc gemmCase) String() string {
	return fmt.Sprintf("m%d_n%d_k%d_alpha%g_beta%g_pad%d", tc.m, tc.n, tc.k, tc.alpha, tc.beta, tc.pad)
}

// gemmCases covers tile edges of every kernel (MR 8/6/4, NR 32/16/12/4), k = 1,
// k and m and n beyond one cache block (KC 256, MC 144, NC 1536), primes,
// and the alpha/beta special cases.
func gemmCases() []gemmCase {
	shapes := [][3]int{
		{1, 1, 1}, {1, 7, 3}, {3, 1, 5}, {7, 13, 1}, {2, 3, 0}, {0, 5, 5}, {5, 0, 5},
		{4, 4, 4}, {6, 16, 10}, {8, 32, 1}, {8, 32, 256}, {9, 33, 257}, {12, 48, 33},
		{17, 19, 23}, {31, 37, 41}, {16, 64, 144}, {13, 97, 600}, {150, 50, 20},
		{5, 1601, 7}, {64, 64, 576}, {145, 40, 3},
		{8, 12, 9}, {7, 11, 5}, {9, 13, 6}, {16, 24, 4}, {15, 25, 3}, {3, 36, 17},
	}
	scalars := [][2]float32{{1, 0}, {1, 1}, {-0.5, 0.25}, {2, -1}, {0, 2}}
	var cs []gemmCase
	for _, s := range shapes {
		for _, ab := range scalars {
			for _, pad := range []int{0, 3} {
				cs = append(cs, gemmCase{s[0], s[1], s[2], ab[0], ab[1], pad})
			}
		}
	}
	return cs
}

func randSlice(r *rand.Rand, n int) []float32 {
	x := make([]float32, n)
	for i := range x {
		x[i] = r.Float32()*2 - 1
	}
	return x
}

// gemmOracle computes C = alpha*op(A)*op(B) + beta*C as SgemmNaive does;
// bounds says how many float32 error bounds (see checkGemm) its own result
// may be off by, beside the one of the kernel under test.
type gemmOracle struct {
	name   string
	fn     func(transA, transB bool, m, n, k int, alpha float32, a []float32, lda int, b []float32, ldb int, beta float32, c []float32, ldc int)
	bounds float64
}

// naiveOracle is SgemmNaive, which sums in float64 and rounds once.
// Its error is far below one bound, so it gets none.
var naiveOracle = gemmOracle{name: "naive", fn: SgemmNaive, bounds: 0}

// gonumOracle is gonum's blas32 Sgemm, an implementation independent of
// this package that sums in float32 (so its own error may reach a bound).
// It needs every dimension and leading dimension positive.
var gonumOracle = gemmOracle{name: "gonum", bounds: 1, fn: func(transA, transB bool, m, n, k int, alpha float32, a []float32, lda int, b []float32, ldb int, beta float32, c []float32, ldc int) {
	blas32.Implementation().Sgemm(blasTrans(transA), blasTrans(transB), m, n, k, alpha, a, lda, b, ldb, beta, c, ldc)
}}

func blasTrans(t bool) blas.Transpose {
	if t {
		return blas.Trans
	}
	return blas.NoTrans
}

// checkGemm runs Sgemm with kernel kr on one case and compares every element
// of C with SgemmNaive within the float32 error bound
// (k+4)·u·(|alpha|·Σ_p|op(A)_ip||op(B)_pj| + |beta·C_ij|), u = 2^-24.
func checkGemm(t *testing.T, kr *microKernel, transA, transB bool, tc gemmCase) {
	t.Helper()
	checkGemmWith(t, kr, transA, transB, tc, naiveOracle)
}

// checkGemmWith is checkGemm against the oracle or, within 1+or.bounds
// times the bound.
func checkGemmWith(t *testing.T, kr *microKernel, transA, transB bool, tc gemmCase, or gemmOracle) {
	t.Helper()
	r := rand.New(rand.NewPCG(uint64(tc.m*1e6+tc.n*1e3+tc.k), 7))
	m, n, k := tc.m, tc.n, tc.k
	ar, ac := m, k
	if transA {
		ar, ac = k, m
	}
	br, bc := k, n
	if transB {
		br, bc = n, k
	}
	lda, ldb, ldc := ac+tc.pad, bc+tc.pad, n+tc.pad
	a := randSlice(r, max(ar*lda-tc.pad, 0))
	b := randSlice(r, max(br*ldb-tc.pad, 0))
	c0 := randSlice(r, max(m*ldc-tc.pad, 0))
	if tc.beta == 0 {
		for i := range c0 {
			c0[i] = float32(math.NaN())
		}
	}
	got := append([]float32(nil), c0...)
	want := append([]float32(nil), c0...)
	sgemmWith(kr, transA, transB, m, n, k, tc.alpha, a, lda, b, ldb, tc.beta, got, ldc)
	or.fn(transA, transB, m, n, k, tc.alpha, a, lda, b, ldb, tc.beta, want, ldc)
	const u = 1.0 / (1 << 24)
	var worst float64
	for i := 0; i < m; i++ {
		for j := 0; j < n; j++ {
			var s float64
			for p := 0; p < k; p++ {
				s += math.Abs(float64(at(a, lda, transA, i, p)) * float64(at(b, ldb, transB, p, j)))
			}
			bound := math.Abs(float64(tc.alpha)) * s
			if tc.beta != 0 {
				bound += math.Abs(float64(tc.beta) * float64(c0[i*ldc+j]))
			}
			tol := (1+or.bounds)*float64(k+4)*u*bound + 1e-30
			g, w := float64(got[i*ldc+j]), float64(want[i*ldc+j])
			d := math.Abs(g - w)
			if !(d <= tol) {
				t.Fatalf("%s transA=%v transB=%v %v: C[%d,%d] = %g, want %g from %s (diff %g > tol %g)",
					kr.name, transA, transB, tc, i, j, g, w, or.name, d, tol)
			}
			worst = max(worst, d/tol)
		}
	}
	// Padding between rows of C must be untouched.
	for i := 0; i+1 < m; i++ {
		for j := n; j < ldc; j++ {
			if g, w := got[i*ldc+j], c0[i*ldc+j]; math.Float32bits(g) != math.Float32bits(w) {
				t.Fatalf("%s %v: padding C[%d,%d] changed from %g to %g", kr.name, tc, i, j, w, g)
			}
		}
	}
}

func TestSgemm(t *testing.T) {
	checkGemmCases(t, naiveOracle, func(gemmCase) bool { return true })
}

// checkGemmCases checks every kernel, both transposes of A and of B, on the
// cases of gemmCases that keep accepts, against the oracle or.
func checkGemmCases(t *testing.T, or gemmOracle, keep func(gemmCase) bool) {
	for _, kr := range kernelsUnderTest(t) {
		for _, tA := range []bool{false, true} {
			for _, tB := range []bool{false, true} {
				t.Run(fmt.Sprintf("%s/tA=%v/tB=%v", kr.name, tA, tB), func(t *testing.T) {
					for _, tc := range gemmCases() {
						if keep(tc) {
							checkGemmWith(t, kr, tA, tB, tc, or)
						}
					}
				})
			}
		}
	}
}

// TestSgemmGonum checks every kernel against gonum's Sgemm, a second oracle
// written independently of SgemmNaive, on the cases with no zero dimension
// (gonum refuses those leading dimensions), and checks that the NaNs of a C
// with beta 0 do not reach either result.
func TestSgemmGonum(t *testing.T) {
	checkGemmCases(t, gonumOracle, func(tc gemmCase) bool { return tc.m > 0 && tc.n > 0 && tc.k > 0 })
}

// TestSgemmCIFARShapes checks the im2col shapes the ResNets use (forward,
// dW and dX) on every kernel.
func TestSgemmCIFARShapes(t *testing.T) {
	if testing.Short() {
		t.Skip("large shapes")
	}
	for _, kr := range kernelsUnderTest(t) {
		for _, s := range benchShapes {
			if s.m*s.n*s.k > 1<<22 {
				continue // the float64 oracle is too slow for the batched shapes
			}
			checkGemm(t, kr, s.transA, s.transB, gemmCase{m: s.m, n: s.n, k: s.k, alpha: 1, beta: 0})
			checkGemm(t, kr, s.transA, s.transB, gemmCase{m: s.m, n: s.n, k: s.k, alpha: 1, beta: 1, pad: 5})
		}
	}
}

func TestSgemmConcurrent(t *testing.T) {
	const m, n, k = 40, 70, 300
	r := rand.New(rand.NewPCG(1, 2))
	a, b := randSlice(r, m*k), randSlice(r, n*k)
	want := make([]float32, m*n)
	Sgemm(false, true, m, n, k, 1, a, k, b, k, 0, want, n)
	var wg sync.WaitGroup
	for g := 0; g < 8; g++ {
		wg.Go(func() {
			c := make([]float32, m*n)
			for it := 0; it < 20; it++ {
				Sgemm(false, true, m, n, k, 1, a, k, b, k, 0, c, n)
				for i := range c {
					if c[i] != want[i] {
						t.Errorf("goroutine %d: C[%d] = %g, want %g", g, i, c[i], want[i])
						return
					}
				}
			}
		})
	}
	wg.Wait()
}

func TestSgemmAllocs(t *testing.T) {
	for _, tB := range []bool{false, true} {
		const m, n, k = 64, 200, 300
		a, b, c := make([]float32, m*k), make([]float32, n*k), make([]float32, m*n)
		ldb := n
		if tB {
			ldb = k
		}
		Sgemm(false, tB, m, n, k, 1, a, k, b, ldb, 0, c, n)
		allocs := testing.AllocsPerRun(100, func() {
			Sgemm(false, tB, m, n, k, 1, a, k, b, ldb, 0, c, n)
		})
		if allocs != 0 {
			t.Errorf("transB=%v: %v allocations per call, want 0", tB, allocs)
		}
	}
}

func TestPackBT(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	for _, s := range [][4]int{{1, 1, 1, 4}, {17, 5, 3, 16}, {40, 32, 32, 32}, {37, 13, 19, 32}, {256, 16, 20, 16}, {53, 29, 5, 32}, {64, 32, 0, 32}, {9, 8, 1, 8}, {23, 13, 2, 16}, {31, 16, 3, 16}, {13, 12, 3, 12}, {37, 11, 5, 12}, {8, 4, 0, 12}, {3, 7, 1, 12}} {
		kb, nw, ldb, nr := s[0], s[1], s[0]+s[2], s[3]
		b := randSlice(r, nw*ldb)
		want := make([]float32, kb*nr)
		packBTGo(want, b, ldb, kb, nw, nr)
		for _, kr := range kernelsUnderTest(t) {
			got := randSlice(r, kb*nr)
			packBT(kr, got, b, ldb, kb, nw, nr)
			for i := range want {
				if got[i] != want[i] {
					t.Fatalf("%s kb=%d nw=%d nr=%d: panel[%d] = %g, want %g", kr.name, kb, nw, nr, i, got[i], want[i])
				}
			}
		}
	}
}

func TestPickKernel(t *testing.T) {
	avail := kernelsUnderTest(t)
	for _, tc := range []struct {
		want, got string
		ok        bool
	}{
		{"", avail[0].name, true},
		{"go", "go", true},
		{"sse9", "", false},
	} {
		kr, err := pickKernel(avail, tc.want)
		if (err == nil) != tc.ok || (tc.ok && kr.name != tc.got) {
			t.Errorf("pickKernel(%q) = %v, %v; want %q, ok=%v", tc.want, kr, err, tc.got, tc.ok)
		}
	}
	t.Logf("Kernel() = %s; available: %d kernels", Kernel(), len(avail))
}

func TestSgemmPanics(t *testing.T) {
	for _, tc := range []struct {
		name, want string
		f          func()
	}{
		{"negative m", "kernels: negative dimension", func() { Sgemm(false, false, -1, 1, 1, 1, nil, 1, nil, 1, 0, nil, 1) }},
		{"small lda", "kernels: leading dimension of A smaller than its width", func() {
			Sgemm(false, false, 2, 2, 3, 1, make([]float32, 6), 2, make([]float32, 6), 2, 0, make([]float32, 4), 2)
		}},
		{"short C", "kernels: C is too short for its shape", func() {
			Sgemm(false, false, 2, 2, 2, 1, make([]float32, 4), 2, make([]float32, 4), 2, 0, make([]float32, 3), 2)
		}},
	} {
		func() {
			defer func() {
				if r := recover(); r != tc.want {
					t.Errorf("%s: panic %v, want %q", tc.name, r, tc.want)
				}
			}()
			tc.f()
		}()
	}
}
