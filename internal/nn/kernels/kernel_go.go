package kernels

// kernel4x4Go is the pure-Go micro-kernel: the 4×4 tile
//
//	C[i*ldc+j] = alpha*Σ_p a[p*4+i]*b[p*bstride+j] + beta*C[i*ldc+j]
//
// for p < k, not reading C when beta is 0. It makes two passes over k, rows
// 0-1 and then rows 2-3, so that the 8 accumulators, the B row and the two
// A values fit amd64's 15 usable float registers (one pass over 16
// accumulators spilled to the stack every step; with GFLOP per CPU-second,
// 15-35% faster at the forward layer shapes, BENCHMARKS.md).
func kernel4x4Go(k int, a, b []float32, bstride, _ int, c []float32, ldc int, alpha, beta float32) {
	a = a[:4*k]
	b = b[:(k-1)*bstride+4]
	for h := 0; h < 4; h += 2 {
		var c00, c01, c02, c03, c10, c11, c12, c13 float32
		j := 0
		for p := 0; p+3 < len(a); p += 4 {
			a0, a1 := a[p+h], a[p+h+1]
			bq := b[j : j+4 : j+4]
			b0, b1, b2, b3 := bq[0], bq[1], bq[2], bq[3]
			c00 += a0 * b0
			c01 += a0 * b1
			c02 += a0 * b2
			c03 += a0 * b3
			c10 += a1 * b0
			c11 += a1 * b1
			c12 += a1 * b2
			c13 += a1 * b3
			j += bstride
		}
		storeRow4(c[h*ldc:], alpha, beta, c00, c01, c02, c03)
		storeRow4(c[(h+1)*ldc:], alpha, beta, c10, c11, c12, c13)
	}
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
