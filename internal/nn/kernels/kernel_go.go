package kernels

// kernel4x4Go is the pure-Go micro-kernel: the 4×4 tile
//
//	C[i*ldc+j] = alpha*Σ_p a[p*4+i]*b[p*bstride+j] + beta*C[i*ldc+j]
//
// for p < k, not reading C when beta is 0. It computes the tile as four 2×2
// blocks, each one pass over k, so that the 4 accumulators, two A and two B
// values and the products fit amd64's 15 usable float registers with room to
// spare: Go's compiler schedules all of a step's multiplies before its adds,
// so the earlier 2×4 passes spilled products and B values to the stack at
// every step. Each C element is the same sum in the same order either way.
// BENCHMARKS.md ("arm64" section, the portable Go kernel) compares both with
// gonum's pure-Go Sgemm at the layer shapes.
func kernel4x4Go(k int, a, b []float32, bstride, _ int, c []float32, ldc int, alpha, beta float32) {
	a = a[:4*k]
	b = b[:(k-1)*bstride+4]
	for h := 0; h < 4; h += 2 {
		for w := 0; w < 4; w += 2 {
			var c00, c01, c10, c11 float32
			j := w
			for p := 0; p+3 < len(a); p += 4 {
				a0, a1 := a[p+h], a[p+h+1]
				bq := b[j : j+2 : j+2]
				b0, b1 := bq[0], bq[1]
				c00 += a0 * b0
				c01 += a0 * b1
				c10 += a1 * b0
				c11 += a1 * b1
				j += bstride
			}
			storeRow2(c[h*ldc+w:], alpha, beta, c00, c01)
			storeRow2(c[(h+1)*ldc+w:], alpha, beta, c10, c11)
		}
	}
}

func storeRow2(c []float32, alpha, beta, v0, v1 float32) {
	c = c[:2:2]
	if beta == 0 {
		c[0], c[1] = alpha*v0, alpha*v1
		return
	}
	c[0] = alpha*v0 + beta*c[0]
	c[1] = alpha*v1 + beta*c[1]
}

func storeRow4(c []float32, alpha, beta, v0, v1, v2, v3 float32) {
	c = c[:4:4]
	if beta == 0 {
		c[0], c[1], c[2], c[3] = alpha*v0, alpha*v1, alpha*v2, alpha*v3
		return
	}
	c[0] = alpha*v0 + beta*c[0]
	c[1] = alpha*v1 + beta*c[1]
	c[2] = alpha*v2 + beta*c[2]
	c[3] = alpha*v3 + beta*c[3]
}
