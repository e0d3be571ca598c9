package nn

import "github.com/resexp/resexp/internal/nn/kernels"

// gemm computes C = alpha*op(A)*op(B) + beta*C with kernels.Sgemm; the
// arguments are those of kernels.SgemmNaive. Every matrix product of this
// package goes through here, so a faster kernel swaps in at one place.
func gemm(transA, transB bool, m, n, k int, alpha float32, a []float32, lda int, b []float32, ldb int, beta float32, c []float32, ldc int) {
	kernels.Sgemm(transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc)
}
