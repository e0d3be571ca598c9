package kernels

// SgemmNaive computes C = alpha*op(A)*op(B) + beta*C with the textbook triple
// loop, accumulating each dot product in float64. It is the reference that
// the fast kernels are tested against.
//
// op(A) is m×k, op(B) is k×n, C is m×n; all are row-major with leading
// dimensions lda, ldb and ldc. If transA, A is stored k×m; if transB, B is
// stored n×k. When beta is 0, C is not read (NaNs in C do not propagate).
func SgemmNaive(transA, transB bool, m, n, k int, alpha float32, a []float32, lda int, b []float32, ldb int, beta float32, c []float32, ldc int) {
	for i := 0; i < m; i++ {
		for j := 0; j < n; j++ {
			var s float64
			for p := 0; p < k; p++ {
				s += float64(at(a, lda, transA, i, p)) * float64(at(b, ldb, transB, p, j))
			}
			v := float32(float64(alpha) * s)
			if beta != 0 {
				v += beta * c[i*ldc+j]
			}
			c[i*ldc+j] = v
		}
	}
}

// at returns op(X)[i][j] for X stored row-major with leading dimension ld.
func at(x []float32, ld int, trans bool, i, j int) float32 {
	if trans {
		return x[j*ld+i]
	}
	return x[i*ld+j]
}
