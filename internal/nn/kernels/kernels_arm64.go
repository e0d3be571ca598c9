package kernels

// kernel8x12NEON computes the 8×12 tile
//
//	C[i*ldc+j] = alpha*Σ_p a[p*8+i]*b[p*bstride+j] + beta*C[i*ldc+j]
//
// for i < 8, j < 12, p < k, with NEON FMLA by element. a is a packed A
// micro-panel, b points at k rows of 12 floats bstride apart; bnext is not used
// (the cores' hardware prefetchers follow the streams). When beta is ±0, C is
// written without being read.
//
//go:noescape
func kernel8x12NEON(k int, a, b *float32, bstride, bnext int, c *float32, ldc int, alpha, beta float32)

// transposeStrip4NEON sets dst[q*ldd+r] = src[r*lds+q] for r < 4, q < n;
// n is a positive multiple of 4.
//
//go:noescape
func transposeStrip4NEON(dst *float32, ldd int, src *float32, lds, n int)

// conv8x8NEON computes the 8×8 tile
//
//	C[i*ldc+j] (+)= Σ_p a[p*8+i]*B[p, j]
//
// for i, j < 8, p < 3*k3, reading B from a padded image in place (see
// Conv3x3): row p of B is the 8 floats at b+offs[p] (two full vector loads,
// whatever the masks say), with the lanes of kernel column p mod 3 = 0 and 2
// ANDed with masks[j] and masks[16+j] (-1 keeps the lane, 0 zeroes it: the
// layout of one 8-column group of Conv3x3.vmasks); kernel column 1 is never
// outside the image and is not masked.
// a is a packed A micro-panel (8 floats per row of B). C is overwritten, or
// added to if acc.
//
//go:noescape
func conv8x8NEON(k3 int, a, b *float32, offs *int, masks *int32, c *float32, ldc int, acc bool)

// transposeRows4NEON sets dst[q*ldd+r] = src[offs[r]+q] AND masks[16*r+q]
// (-1 keeps the float, 0 gives +0) for r < 4, q < n; n is a positive
// multiple of 4, at most 16. Every src[offs[r]+q] is read, masked or not.
//
//go:noescape
func transposeRows4NEON(dst *float32, ldd int, src *float32, offs *int, masks *int32, n int)

// neonKernel is the NEON micro-kernel. Advanced SIMD is part of every
// AArch64 CPU Go supports, so it needs no feature check.
var neonKernel = &microKernel{name: "neon", mr: 8, nr: 12, fn: func(k int, a, b []float32, bstride, bnext int, c []float32, ldc int, alpha, beta float32) {
	checkTile(k, 8, 12, a, b, bstride, c, ldc)
	kernel8x12NEON(k, &a[0], &b[0], bstride, bnext, &c[0], ldc, alpha, beta)
}}

// archKernels lists the assembly kernels of arm64: the NEON one.
func archKernels() []*microKernel { return []*microKernel{neonKernel} }

// packBT packs one transposed panel of B for the micro-kernel kr:
// panel[p*nr+j] = b[j*ldb+p] for p < kb, j < nw, and zero for nw ≤ j < nr.
// For the neon kernel, groups of 4 columns over the first kb&^3 rows go
// through transposeStrip4NEON; the go kernel packs in Go, so that
// RESEXP_KERNEL=go runs no assembly in the GEMM.
func packBT(kr *microKernel, panel, b []float32, ldb, kb, nw, nr int) {
	jb, pb := nw&^3, kb&^3
	if kr != neonKernel || jb == 0 || pb == 0 {
		packBTGo(panel, b, ldb, kb, nw, nr)
		return
	}
	_ = panel[(pb-1)*nr+jb-1]
	_ = b[(jb-1)*ldb+pb-1]
	for j := 0; j < jb; j += 4 {
		transposeStrip4NEON(&panel[j], nr, &b[j*ldb], ldb, pb)
	}
	packBTRange(panel, b, ldb, nr, 0, jb, pb, kb)
	packBTRange(panel, b, ldb, nr, jb, nw, 0, kb)
	for p := 0; p < kb; p++ {
		clear(panel[p*nr+nw : p*nr+nr])
	}
}

// packARows packs the whole 8-row micro-panels of A[i0:i0+mb, p0:p0+kb]
// (not transposed) as packA does, four rows at a time with
// transposeStrip4NEON over the first kb&^3 columns, and returns how many
// rows it packed (a multiple of 8; 0 for another MR, whose kernel is then
// not the neon one); packA packs the rest.
func packARows(dst, a []float32, lda, i0, mb, p0, kb, mr int) int {
	m8, p4 := mb&^7, kb&^3
	if mr != 8 || m8 == 0 || p4 == 0 {
		return 0
	}
	_ = dst[m8*kb-1]
	_ = a[(i0+m8-1)*lda+p0+kb-1]
	for ir := 0; ir < m8; ir += 8 {
		panel := dst[ir*kb : ir*kb+8*kb]
		for h := 0; h < 8; h += 4 {
			transposeStrip4NEON(&panel[h], 8, &a[(i0+ir+h)*lda+p0], lda, p4)
		}
		for i := 0; i < 8; i++ {
			row := a[(i0+ir+i)*lda+p0+p4 : (i0+ir+i)*lda+p0+kb]
			for p, v := range row {
				panel[(p4+p)*8+i] = v
			}
		}
	}
	return m8
}
