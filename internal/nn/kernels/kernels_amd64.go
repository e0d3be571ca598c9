package kernels

import "golang.org/x/sys/cpu"

// kernel8x32AVX512 computes the 8×32 tile
//
//	C[i*ldc+j] = alpha*Σ_p a[p*8+i]*b[p*bstride+j] + beta*C[i*ldc+j]
//
// for i < 8, j < 32, p < k, with AVX-512 FMA. a is a packed A micro-panel,
// b points at k rows of 32 floats bstride apart; the kernel prefetches the
// rows bnext floats further on (the next B panel). When beta is ±0, C is
// written without being read.
//
//go:noescape
func kernel8x32AVX512(k int, a, b *float32, bstride, bnext int, c *float32, ldc int, alpha, beta float32)

// kernel6x16AVX2 is kernel8x32AVX512 for a 6×16 tile with AVX2 and FMA.
//
//go:noescape
func kernel6x16AVX2(k int, a, b *float32, bstride, bnext int, c *float32, ldc int, alpha, beta float32)

// kernel4x24AVX2 is kernel6x16AVX2 for a 4×24 tile.
//
//go:noescape
func kernel4x24AVX2(k int, a, b *float32, bstride, bnext int, c *float32, ldc int, alpha, beta float32)

// transpose16x16AVX512 sets dst[q*ldd+r] = src[r*lds+q] for r, q < 16.
//
//go:noescape
func transpose16x16AVX512(dst *float32, ldd int, src *float32, lds int)

// transpose16x16SplitAVX512 sets dst0[q*8+r] = src[r*lds+q] for r < 8 and
// dst1[q*8+r-8] = src[r*lds+q] for 8 ≤ r < 16, q < 16.
//
//go:noescape
func transpose16x16SplitAVX512(dst0, dst1 *float32, src *float32, lds int)

// conv8x32AVX512 is kernel8x32AVX512 with alpha 1 for B read in place from
// a padded image (see Conv3x3): row p of B (p < 3*k3) is the 32 floats at
// b+offs[p], with the lanes whose bit is clear in the 32-bit mask of its
// kernel column p mod 3 read as zero; masks holds two steps of
// Conv3x3.qmasks (lanes 0-15, then 16-31: the masks of kernel columns 0, 1,
// 2 and of the image each). C is overwritten, or added to if acc.
//
//go:noescape
func conv8x32AVX512(k3 int, a, b *float32, offs *int, masks *uint16, c *float32, ldc int, acc bool)

// conv6x16AVX2 is conv8x32AVX512 for a 6×16 tile with AVX2 and FMA: masks
// points at the tile's first 8 columns in Conv3x3.vmasks, which holds per 8
// columns and kernel column 8 int32 lane masks (-1 to read the lane, 0 for
// zero).
//
//go:noescape
func conv6x16AVX2(k3 int, a, b *float32, offs *int, masks *int32, c *float32, ldc int, acc bool)

// conv6x16FullAVX2 is conv6x16AVX2 for a tile whose columns all lie in the
// image (column q0+15 < h*w): it reads kernel column 1 without masks.
//
//go:noescape
func conv6x16FullAVX2(k3 int, a, b *float32, offs *int, masks *int32, c *float32, ldc int, acc bool)

// conv4x24FullAVX2 is conv6x16FullAVX2 for a 4×24 tile (column q0+23 <
// h*w).
//
//go:noescape
func conv4x24FullAVX2(k3 int, a, b *float32, offs *int, masks *int32, c *float32, ldc int, acc bool)

// conv4x16AVX2 is conv6x16AVX2 for a 4×16 tile.
//
//go:noescape
func conv4x16AVX2(k3 int, a, b *float32, offs *int, masks *int32, c *float32, ldc int, acc bool)

// conv4x16FullAVX2 is conv6x16FullAVX2 for a 4×16 tile.
//
//go:noescape
func conv4x16FullAVX2(k3 int, a, b *float32, offs *int, masks *int32, c *float32, ldc int, acc bool)

// transposeRows8AVX2 sets dst[q*ldd+r] = src[offs[r]+q] where
// masks[8*r+q] is -1, else 0, for r, q < 8; masked lanes are not read.
//
//go:noescape
func transposeRows8AVX2(dst *float32, ldd int, src *float32, offs *int, masks *int32)

// transposeRows16AVX512 sets dst[q*ldd+r] = src[offs[r]+q] if bit q of
// masks[r] is set, else 0, for r, q < 16; masked lanes are not read.
//
//go:noescape
func transposeRows16AVX512(dst *float32, ldd int, src *float32, offs *int, masks *uint16)

// dot4x6AVX512 adds to dw[u*ldw+t], u < 4, t < 6, the sum over imgs images
// and nq 16-column steps of d[u*ldd+q]·x[offs[t]+q], where d and x advance
// by 16 floats a step and by dnext and xnext floats more between images;
// masks holds 4 lane masks per step (kernel columns 0, 1, 2 of x, then the
// columns of d), applied to x row t with mask t mod 3; masked lanes are not
// read.
//
//go:noescape
func dot4x6AVX512(nq int, imgs int, d *float32, ldd, dnext int, x *float32, offs *int, xnext int, masks *uint16, dw *float32, ldw int)

// dot2x6AVX2 is dot4x6AVX512 for 2 rows of d with AVX2 and FMA, in steps of
// 8 columns: nfull steps wholly inside the image, then one more if tail is
// 1 (per image; d and x advance by 8 floats a step and by dnext and xnext
// floats more between images). masks points at Conv3x3.vmasks (24 int32
// per step: the lanes of kernel columns 0, 1, 2, column 1's being the
// image's); masked lanes are not read.
//
//go:noescape
func dot2x6AVX2(nfull, tail, imgs int, d *float32, ldd, dnext int, x *float32, offs *int, xnext int, masks *int32, dw *float32, ldw int)

var (
	avx512Kernel = &microKernel{name: "avx512", mr: 8, nr: 32, fn: func(k int, a, b []float32, bstride, bnext int, c []float32, ldc int, alpha, beta float32) {
		checkTile(k, 8, 32, a, b, bstride, c, ldc)
		kernel8x32AVX512(k, &a[0], &b[0], bstride, bnext, &c[0], ldc, alpha, beta)
	}}
	avx2Kernel = &microKernel{name: "avx2", mr: 6, nr: 16, fn: func(k int, a, b []float32, bstride, bnext int, c []float32, ldc int, alpha, beta float32) {
		checkTile(k, 6, 16, a, b, bstride, c, ldc)
		kernel6x16AVX2(k, &a[0], &b[0], bstride, bnext, &c[0], ldc, alpha, beta)
	}}
	// avx2Kernel4x24 is the avx2 kernel's 4×24 sibling, for Conv3x3's
	// weight gradient (see Conv3x3.gradKernel); RESEXP_KERNEL cannot name
	// it.
	avx2Kernel4x24 = &microKernel{name: "avx2-4x24", mr: 4, nr: 24, fn: func(k int, a, b []float32, bstride, bnext int, c []float32, ldc int, alpha, beta float32) {
		checkTile(k, 4, 24, a, b, bstride, c, ldc)
		kernel4x24AVX2(k, &a[0], &b[0], bstride, bnext, &c[0], ldc, alpha, beta)
	}}
)

// siblingKernels lists the kernels this CPU can run that Sgemm never
// picks but Conv3x3 may (avx2Kernel4x24).
func siblingKernels() []*microKernel {
	if cpu.X86.HasAVX2 && cpu.X86.HasFMA {
		return []*microKernel{avx2Kernel4x24}
	}
	return nil
}

// archKernels lists the assembly kernels this CPU can run, fastest first.
func archKernels() []*microKernel {
	var ks []*microKernel
	if cpu.X86.HasAVX512F {
		ks = append(ks, avx512Kernel)
	}
	if cpu.X86.HasAVX2 && cpu.X86.HasFMA {
		ks = append(ks, avx2Kernel)
	}
	return ks
}

// hasAVX512 reports whether the AVX-512 assembly (transposes,
// conv8x32AVX512, dot4x6AVX512) may run.
var hasAVX512 = cpu.X86.HasAVX512F

// hasConvAVX2 reports whether conv6x16AVX2 may run.
var hasConvAVX2 = cpu.X86.HasAVX2 && cpu.X86.HasFMA

// packBT packs one transposed panel of B for the micro-kernel kr:
// panel[p*nr+j] = b[j*ldb+p] for p < kb, j < nw, and zero for nw ≤ j < nr.
// Whole blocks go through transpose16x16AVX512 for the avx512 kernel and
// transposeRows8AVX2 for the avx2 kernels (no AVX-512 instruction, so that
// RESEXP_KERNEL=avx2 measures what a CPU without AVX-512 does).
func packBT(kr *microKernel, panel, b []float32, ldb, kb, nw, nr int) {
	var blk int // the side of the transposed blocks
	switch {
	case hasConvAVX2 && (kr == avx2Kernel || kr == avx2Kernel4x24) && nr%8 == 0 && kb >= 8 && nw >= 8:
		blk = 8
	case hasAVX512 && kr == avx512Kernel && nr%16 == 0 && kb >= 16 && nw >= 16:
		blk = 16
	default:
		packBTGo(panel, b, ldb, kb, nw, nr)
		return
	}
	jb, pb := nw/blk*blk, kb/blk*blk
	_ = panel[kb*nr-1]
	_ = b[(nw-1)*ldb+kb-1]
	var offs [8]int // transposeRows8AVX2's rows: ldb apart
	for j := range offs {
		offs[j] = j * ldb
	}
	for j := 0; j < jb; j += blk {
		for p := 0; p < pb; p += blk {
			if blk == 16 {
				transpose16x16AVX512(&panel[p*nr+j], nr, &b[j*ldb+p], ldb)
			} else {
				transposeRows8AVX2(&panel[p*nr+j], nr, &b[j*ldb+p], &offs[0], &allLanes[0])
			}
		}
	}
	packBTRange(panel, b, ldb, nr, 0, jb, pb, kb)
	packBTRange(panel, b, ldb, nr, jb, nw, 0, kb)
	if nw < nr {
		for p := 0; p < kb; p++ {
			clear(panel[p*nr+nw : p*nr+nr])
		}
	}
}

// allLanes is the lane mask of transposeRows8AVX2 that reads every lane.
var allLanes = func() (m [64]int32) {
	for i := range m {
		m[i] = -1
	}
	return m
}()

// packARows packs the first rows of A[i0:i0+mb, p0:p0+kb] (not transposed)
// into 8-row micro-panels as packA does, 16 rows (two panels) at a time with
// transpose16x16SplitAVX512, and returns how many rows it packed (a multiple
// of 16, or 0 without AVX-512 or for another MR); packA packs the rest.
func packARows(dst, a []float32, lda, i0, mb, p0, kb, mr int) int {
	if !hasAVX512 || mr != 8 || kb < 16 || mb < 16 {
		return 0
	}
	m16, p16 := mb&^15, kb&^15
	_ = dst[m16*kb-1]
	_ = a[(i0+m16-1)*lda+p0+kb-1]
	for ir := 0; ir < m16; ir += 16 {
		p0d, p1d := dst[ir*kb:], dst[(ir+8)*kb:]
		for p := 0; p < p16; p += 16 {
			transpose16x16SplitAVX512(&p0d[p*8], &p1d[p*8], &a[(i0+ir)*lda+p0+p], lda)
		}
		for i := 0; i < 16; i++ {
			d := p0d
			if i >= 8 {
				d = p1d
			}
			row := a[(i0+ir+i)*lda+p0+p16 : (i0+ir+i)*lda+p0+kb]
			for p, v := range row {
				d[(p16+p)*8+i%8] = v
			}
		}
	}
	return m16
}
