package nn

import "github.com/resexp/resexp/internal/nn/kernels"

// gemm computes C = alpha*op(A)*op(B) + beta*C with kernels.Sgemm; the
// arguments are those of kernels.SgemmNaive. Every matrix product of this
// package goes through here except the implicit-GEMM 3x3 convolutions:
// Conv2D runs those (forward, weight gradient and stride-1 dx) with
// kernels.Conv3x3, which multiplies the padded image in place instead of an
// im2col matrix (see Conv2D). A faster general kernel swaps in here, a
// faster 3x3 convolution in kernels.Conv3x3.
func gemm(transA, transB bool, m, n, k int, alpha float32, a []float32, lda int, b []float32, ldb int, beta float32, c []float32, ldc int) {
	kernels.Sgemm(transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc)
}
