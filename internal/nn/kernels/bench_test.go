package kernels

import (
	"fmt"
	"math/rand/v2"
	"testing"
	"time"
)

// benchShape is one GEMM of a CIFAR ResNet's im2col convolution (3×3 kernels,
// stages of 16/32/64 channels on 32×32/16×16/8×8 maps). Forward:
// out[OC×HW] = W[OC×CKK]·col[CKK×HW]; dW[OC×CKK] = dout[OC×HW]·colᵀ;
// dcol[CKK×HW] = Wᵀ·dout. ×32 marks a batch of 32 images side by side in N
// (or K for dW).
type benchShape struct {
	name           string
	transA, transB bool
	m, n, k        int
}

var benchShapes = []benchShape{
	{"fwd/M16_N1024_K144", false, false, 16, 1024, 144},
	{"fwd/M32_N256_K288", false, false, 32, 256, 288},
	{"fwd/M64_N64_K576", false, false, 64, 64, 576},
	{"fwd/M16_N1024x32_K144", false, false, 16, 1024 * 32, 144},
	{"fwd/M32_N256x32_K288", false, false, 32, 256 * 32, 288},
	{"fwd/M64_N64x32_K576", false, false, 64, 64 * 32, 576},
	{"dW/M16_N144_K1024", false, true, 16, 144, 1024},
	{"dW/M32_N288_K256", false, true, 32, 288, 256},
	{"dW/M64_N576_K64", false, true, 64, 576, 64},
	{"dW/M16_N144_K1024x32", false, true, 16, 144, 1024 * 32},
	{"dW/M64_N576_K64x32", false, true, 64, 576, 64 * 32},
	{"dX/M144_N1024_K16", true, false, 144, 1024, 16},
	{"dX/M288_N256_K32", true, false, 288, 256, 32},
	{"dX/M576_N64_K64", true, false, 576, 64, 64},
	{"dX/M576_N64x32_K64", true, false, 576, 64 * 32, 64},
	{"square/M512_N512_K512", false, false, 512, 512, 512},
}

func benchGemm(b *testing.B, kr *microKernel, s benchShape) {
	benchGemmFn(b, s, func(transA, transB bool, m, n, k int, alpha float32, a []float32, lda int, bm []float32, ldb int, beta float32, c []float32, ldc int) {
		sgemmWith(kr, transA, transB, m, n, k, alpha, a, lda, bm, ldb, beta, c, ldc)
	})
}

// benchGemmFn measures one shape with the GEMM fn (Sgemm's signature).
func benchGemmFn(b *testing.B, s benchShape, fn func(transA, transB bool, m, n, k int, alpha float32, a []float32, lda int, b []float32, ldb int, beta float32, c []float32, ldc int)) {
	r := rand.New(rand.NewPCG(1, 1))
	ar, ac, br, bc := s.m, s.k, s.k, s.n
	if s.transA {
		ar, ac = ac, ar
	}
	if s.transB {
		br, bc = bc, br
	}
	a, bm, c := randSlice(r, ar*ac), randSlice(r, br*bc), make([]float32, s.m*s.n)
	b.SetBytes(0)
	b.ReportAllocs()
	b.ResetTimer()
	cpu0, okCPU := processCPU()
	for b.Loop() {
		fn(s.transA, s.transB, s.m, s.n, s.k, 1, a, ac, bm, bc, 0, c, s.n)
	}
	reportFlops(b, 2*float64(s.m)*float64(s.n)*float64(s.k), cpu0, okCPU)
}

// reportFlops reports the rate of a benchmark whose every iteration does
// flops floating-point operations, begun at process CPU time cpu0 (valid if
// okCPU): GFLOP/s, and GFLOP per CPU-second of the whole process: on a
// machine shared with other work, where the wall-clock rate mostly measures
// the share of the CPU this process got, the fairer comparison of two codes.
func reportFlops(b *testing.B, flops float64, cpu0 time.Duration, okCPU bool) {
	flops *= float64(b.N)
	b.ReportMetric(flops/b.Elapsed().Seconds()/1e9, "GFLOP/s")
	if cpu1, ok := processCPU(); ok && okCPU && cpu1 > cpu0 {
		b.ReportMetric(flops/(cpu1-cpu0).Seconds()/1e9, "GFLOP/cpu-s")
	}
}

// BenchmarkSgemm runs every shape on every kernel this CPU has; the go kernel
// and the naive loop run at one shape for comparison.
func BenchmarkSgemm(b *testing.B) {
	for _, kr := range kernelsUnderTest(b) {
		if kr.name == "go" {
			continue
		}
		for _, s := range benchShapes {
			b.Run(kr.name+"/"+s.name, func(b *testing.B) { benchGemm(b, kr, s) })
		}
	}
	b.Run("go/"+benchShapes[1].name, func(b *testing.B) { benchGemm(b, goKernel, benchShapes[1]) })
}

// BenchmarkSgemmGoVsGonum runs the portable go kernel (whatever
// RESEXP_KERNEL says) and gonum's blas32 Sgemm at every layer shape. gonum
// splits large products over goroutines: compare them on one core with
// -cpu 1 (go test -run '^$' -bench GoVsGonum -cpu 1), and note that on
// amd64 gonum's inner loops are its own SSE assembly unless built with
// -tags noasm.
func BenchmarkSgemmGoVsGonum(b *testing.B) {
	for _, s := range benchShapes {
		b.Run("go/"+s.name, func(b *testing.B) { benchGemm(b, goKernel, s) })
		b.Run("gonum/"+s.name, func(b *testing.B) { benchGemmFn(b, s, gonumOracle.fn) })
	}
}

func BenchmarkSgemmNaive(b *testing.B) {
	s := benchShapes[1]
	r := rand.New(rand.NewPCG(1, 1))
	a, bm, c := randSlice(r, s.m*s.k), randSlice(r, s.k*s.n), make([]float32, s.m*s.n)
	b.Run(fmt.Sprintf("%s", s.name), func(b *testing.B) {
		for b.Loop() {
			SgemmNaive(false, false, s.m, s.n, s.k, 1, a, s.k, bm, s.n, 0, c, s.n)
		}
		b.ReportMetric(2*float64(s.m*s.n*s.k)*float64(b.N)/b.Elapsed().Seconds()/1e9, "GFLOP/s")
	})
}
