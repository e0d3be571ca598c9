package kernels

import "fmt"

// Conv3x3 is a 3×3 convolution with zero padding 1 and stride 1 or 2 of
// c-channel images computed as an implicit GEMM: the matrix product with the
// image's im2col matrix reads the image in place, in a padded layout (Pad),
// instead of building the im2col matrix.
//
// The im2col matrix B of an image x [c, H, W] with stride s has 9c rows and
// n = h*w columns for the h×w output (h = H/s, w = W/s), B[(ch*3+i)*3+j,
// oh*w+ow] = x[ch, s*oh+i-1, s*ow+j-1], or 0 outside the image. For stride 1
// the padded layout (PadImage) holds the c planes of x; for stride 2 (H and
// W even) it holds the 4c phase planes x[ch, 2u+a, 2v+b] (a, b in {0, 1}),
// each h×w, so that every row of B is again a shifted plane. Either way row
// (ch, i, j) of B is the n floats at offset(ch, i, j), except for the
// columns that fall outside the image (first or last column of an output
// row), which are masked to zero, and rows above or below the image, which
// read the zero row that follows every plane.
//
// A Conv3x3 holds a weight matrix packed for the micro-kernel (Prepare) and
// the row offsets and lane masks of its geometry; after Prepare, Run and
// WeightGrad may be called from many goroutines at once.
type Conv3x3 struct {
	m, c, h, w int       // h, w: the output size, and the size of a padded plane
	s          int       // stride, 1 or 2
	kind       convKind  // the kernel Run uses
	mr         int       // rows of A per packed panel
	kc         int       // columns of A per K block, a multiple of 3
	a          []float32 // A packed: per K block, ceil(m/mr) panels of kb×mr
	offs       []int     // offs[r]: where row r of B starts, relative to column 0
	qmasks     []uint16  // per 16 columns: lanes of kernel columns 0, 1, 2, then of the image
	vmasks     []int32   // per 16 columns: lanes of kernel columns 0, 1, 2 as vectors (-1 or 0)
}

// convKind names the kernel of Conv3x3.Run.
type convKind int

const (
	convGo     convKind = iota // runGo
	convAVX512                 // conv8x32AVX512
	convAVX2                   // conv6x16AVX2
)

// activeConvKind returns the Run kernel that goes with the active GEMM
// kernel: the AVX-512 or AVX2 implicit-GEMM kernel, or Go.
func activeConvKind() convKind { return convKindFor(activeKernel()) }

// convKindFor returns the assembly that goes with the GEMM kernel kr: the
// AVX-512 or the AVX2 kind, or Go for any other kernel.
func convKindFor(kr *microKernel) convKind {
	switch {
	case kr == avx512Kernel && hasAVX512:
		return convAVX512
	case kr == avx2Kernel && hasConvAVX2:
		return convAVX2
	}
	return convGo
}

// ConvImplicit reports whether Conv3x3.Run has a fast kernel on this
// machine: the AVX-512 or the AVX2 one, going with the GEMM kernel Sgemm
// uses (see Kernel); when false, Run is correct but slow and callers should
// prefer im2col and Sgemm.
func ConvImplicit() bool { return activeConvKind() != convGo }

// StrideOK reports whether Conv3x3 handles stride s for an h×w input: 1, or
// 2 with h and w even.
func StrideOK(h, w, s int) bool { return s == 1 || (s == 2 && h%2 == 0 && w%2 == 0) }

// PaddedSize returns the length of the padded layout of one input image.
func (p *Conv3x3) PaddedSize() int { return PaddedLen(p.c*p.s*p.s, p.h, p.w) }

// Pad writes the input image x [c, H, W] to dst in the padded layout of p
// (PaddedSize floats): PadImage for stride 1, its phase planes for stride 2.
func (p *Conv3x3) Pad(dst, x []float32) {
	if p.s == 1 {
		PadImage(dst, x, p.c, p.h, p.w)
		return
	}
	h, w, hin, win := p.h, p.w, 2*p.h, 2*p.w
	if len(x) < p.c*hin*win || len(dst) < p.PaddedSize() {
		panic("kernels: Conv3x3.Pad: slice too short")
	}
	ps := (h + 1) * w
	clear(dst[:w])
	for ch := range p.c {
		xc := x[ch*hin*win : (ch+1)*hin*win]
		for a := range 2 {
			for b := range 2 {
				d := dst[w+((ch*2+a)*2+b)*ps:][:ps]
				for u := range h {
					src := xc[(2*u+a)*win+b:]
					row := d[u*w : (u+1)*w]
					for v := range row {
						row[v] = src[2*v]
					}
				}
				clear(d[h*w:])
			}
		}
	}
}

// PaddedLen returns the length of the padded layout of a c×h×w image: w
// zeros, then for every channel its h rows of w floats and one row of w
// zeros.
func PaddedLen(c, h, w int) int { return w + c*(h+1)*w }

// PadImage writes the image x [c, h, w] to dst in the padded layout
// (PaddedLen(c, h, w) floats).
func PadImage(dst, x []float32, c, h, w int) {
	hw := h * w
	if len(x) < c*hw || len(dst) < PaddedLen(c, h, w) {
		panic("kernels: PadImage: slice too short")
	}
	clear(dst[:w])
	for ch := range c {
		d := dst[w+ch*(hw+w):]
		copy(d[:hw], x[ch*hw:(ch+1)*hw])
		clear(d[hw : hw+w])
	}
}

// offset returns where row (ch, i, j) of the im2col matrix starts in the
// padded layout, relative to its column 0: in plane ch (stride 1) or phase
// plane (ch, a, b) (stride 2), shifted by whole rows and by one float left
// where the tap reaches before the output position (so -1 for the first
// row, whose first float is masked).
func (p *Conv3x3) offset(ch, i, j int) int {
	ps := (p.h + 1) * p.w
	if p.s == 1 {
		return p.w + ch*ps + (i-1)*p.w + j - 1
	}
	// Input row 2*oh+i-1 is phase a = (i+1)%2, row oh-1 of it for i = 0.
	a, b := (i+1)%2, (j+1)%2
	di, dj := min(0, i-1), min(0, j-1)
	return p.w + ((ch*2+a)*2+b)*ps + di*p.w + dj
}

// Prepare sets p for the stride-1 convolution out [m, h*w] = A · B of
// c-channel h×w images with the weight matrix a [m, 9c] (row-major: the
// layout of a PyTorch weight [m, c, 3, 3]). It copies a, so a may change
// afterwards; it reuses p's storage and allocates only when a size grows.
func (p *Conv3x3) Prepare(a []float32, m, c, h, w int) { p.PrepareStride(a, m, c, h, w, 1) }

// PrepareStride is Prepare for stride 1 or 2 and an H×W input (H and W even
// for stride 2); the output is H/stride × W/stride.
func (p *Conv3x3) PrepareStride(a []float32, m, c, hin, win, stride int) {
	p.prepare(a, m, c, hin, win, stride, activeConvKind())
}

// prepare is PrepareStride for the Run kernel kind.
func (p *Conv3x3) prepare(a []float32, m, c, hin, win, stride int, kind convKind) {
	if m < 1 || c < 1 || hin < 1 || win < 1 {
		panic("kernels: Conv3x3.Prepare: sizes must be positive")
	}
	if !StrideOK(hin, win, stride) {
		panic("kernels: Conv3x3.Prepare: stride must be 1, or 2 with an even input size")
	}
	k := 9 * c
	if len(a) < m*k {
		panic("kernels: Conv3x3.Prepare: weights too short")
	}
	h, w := hin/stride, win/stride
	if p.c != c || p.h != h || p.w != w || p.s != stride {
		p.c, p.h, p.w, p.s = c, h, w, stride
		p.setGeometry()
	}
	p.m, p.kind, p.mr = m, kind, 8
	if kind == convAVX2 {
		p.mr = 6
	}
	blocks := ceilDiv(k, 252)
	p.kc = ceilDiv(ceilDiv(k, blocks), 3) * 3
	mpad := ceilDiv(m, p.mr) * p.mr
	p.a = grow(p.a, mpad*k)
	for pc := 0; pc < k; pc += p.kc {
		kb := min(p.kc, k-pc)
		packA(p.a[pc*mpad:], a, k, false, 0, m, pc, kb, p.mr)
	}
}

// setGeometry sets offs and the lane masks for p.c, p.h, p.w.
func (p *Conv3x3) setGeometry() {
	k, n := 9*p.c, p.h*p.w
	p.offs = growInts(p.offs, k)
	for ch := range p.c {
		for i := range 3 {
			for j := range 3 {
				p.offs[(ch*3+i)*3+j] = p.offset(ch, i, j)
			}
		}
	}
	// An even number of 16-column steps, so that a 32-column tile of
	// conv8x32AVX512 always has two.
	steps := 2 * ceilDiv(n, 32)
	if cap(p.qmasks) < 4*steps {
		p.qmasks = make([]uint16, 4*steps)
	}
	p.qmasks = p.qmasks[:4*steps]
	for st := range steps {
		var lanes [4]uint16
		for l := range 16 {
			q := 16*st + l
			if q >= n {
				break
			}
			lanes[3] |= 1 << l
			for j := range 3 {
				if !p.outside(j, q%p.w) {
					lanes[j] |= 1 << l
				}
			}
		}
		copy(p.qmasks[4*st:], lanes[:])
	}
	if cap(p.vmasks) < 48*steps {
		p.vmasks = make([]int32, 48*steps)
	}
	p.vmasks = p.vmasks[:48*steps]
	for s := range steps {
		for j := range 3 {
			m := p.qmasks[4*s+j]
			for l := range 16 {
				p.vmasks[48*s+16*j+l] = -int32(m >> l & 1)
			}
		}
	}
}

// valid reports whether column q of im2col row r is inside the image.
func (p *Conv3x3) valid(r, q int) bool {
	m := p.qmasks[4*(q/16)+r%3]
	return m&(1<<(q%16)) != 0
}

// check panics unless out ([m, n] at ldo) and xp fit the prepared geometry.
func (p *Conv3x3) check(what string, xp []float32) {
	if p.kc == 0 {
		panic("kernels: Conv3x3." + what + " before Prepare")
	}
	if len(xp) < p.PaddedSize() {
		panic(fmt.Sprintf("kernels: Conv3x3.%s: padded image has %d floats, want %d", what, len(xp), p.PaddedSize()))
	}
}

// Run sets out [m, h*w] to the convolution of the image xp, given in the
// padded layout (PadImage), with the prepared weights. Results equal im2col
// and Sgemm up to float32 rounding.
func (p *Conv3x3) Run(out, xp []float32) {
	p.check("Run", xp)
	n := p.h * p.w
	if len(out) < p.m*n {
		panic("kernels: Conv3x3.Run: output too short")
	}
	switch p.kind {
	case convAVX512:
		p.runAVX512(out, xp)
	case convAVX2:
		p.runAVX2(out, xp)
	default:
		p.runGo(out, xp)
	}
}

// runAVX512 is Run with conv8x32AVX512.
func (p *Conv3x3) runAVX512(out, xp []float32) { p.runTiles(out, xp, 8, 32) }

// runAVX2 is Run with conv6x16AVX2.
func (p *Conv3x3) runAVX2(out, xp []float32) { p.runTiles(out, xp, 6, 16) }

// runTiles is Run with the kernel of p.kind and its mr×nr tile: per K
// block, per nr output columns, per mr rows, one kernel call; partial tiles
// go through a buffer and mergeTile.
func (p *Conv3x3) runTiles(out, xp []float32, mr, nr int) {
	k, n, mpad := 9*p.c, p.h*p.w, ceilDiv(p.m, mr)*mr
	var tile [8 * 32]float32
	for pc := 0; pc < k; pc += p.kc {
		kb := min(p.kc, k-pc)
		blk := p.a[pc*mpad : (pc+kb)*mpad]
		acc := pc > 0
		for q0 := 0; q0 < n; q0 += nr {
			nw := min(nr, n-q0)
			for ir := 0; ir < p.m; ir += mr {
				mw := min(mr, p.m-ir)
				if mw == mr && nw == nr {
					p.kernel(kb/3, &blk[ir*kb], xp, q0, &p.offs[pc], &out[ir*n+q0], n, acc)
					continue
				}
				p.kernel(kb/3, &blk[ir*kb], xp, q0, &p.offs[pc], &tile[0], nr, false)
				mergeTile(out[ir*n+q0:], n, tile[:], nr, mw, nw, accBeta(acc))
			}
		}
	}
}

// kernel runs the micro-kernel of p.kind on the tile of output columns
// q0.. with the lane masks of those columns.
func (p *Conv3x3) kernel(k3 int, a *float32, xp []float32, q0 int, offs *int, c *float32, ldc int, acc bool) {
	if p.kind == convAVX512 {
		conv8x32AVX512(k3, a, &xp[q0], offs, &p.qmasks[4*(q0/16)], c, ldc, acc)
		return
	}
	conv6x16AVX2(k3, a, &xp[q0], offs, &p.vmasks[48*(q0/16)], c, ldc, acc)
}

// accBeta is the beta of mergeTile for a tile that is added to C (acc) or
// overwrites it.
func accBeta(acc bool) float32 {
	if acc {
		return 1
	}
	return 0
}

// runGo is Run in Go from the packed weights, for machines without the
// kernel.
func (p *Conv3x3) runGo(out, xp []float32) {
	mr := p.mr
	k, n, mpad := 9*p.c, p.h*p.w, ceilDiv(p.m, mr)*mr
	clear(out[:p.m*n])
	for pc := 0; pc < k; pc += p.kc {
		kb := min(p.kc, k-pc)
		blk := p.a[pc*mpad:]
		for o := range p.m {
			panel := blk[(o/mr)*mr*kb:]
			dst := out[o*n : (o+1)*n]
			for r := pc; r < pc+kb; r++ {
				wv := panel[(r-pc)*mr+o%mr]
				for q := range dst {
					if p.valid(r, q) {
						dst[q] += wv * xp[p.offs[r]+q]
					}
				}
			}
		}
	}
}

// WeightGrad sets g [m, 9c] (leading dimension 9c) to d · Bᵀ + beta*g,
// where d [m, h*w] is the gradient of a convolution's output and B the
// im2col matrix of its input image xp (padded layout): the weight gradient
// of one image. It uses Sgemm's kernels, packing Bᵀ from xp directly.
func (p *Conv3x3) WeightGrad(g, d, xp []float32, beta float32) {
	p.weightGradWith(activeKernel(), g, d, xp, beta)
}

// weightGradWith is WeightGrad with the micro-kernel kr.
func (p *Conv3x3) weightGradWith(kr *microKernel, g, d, xp []float32, beta float32) {
	p.check("WeightGrad", xp)
	k, n := 9*p.c, p.h*p.w
	checkMatrix("d", d, p.m, n, n)
	checkMatrix("g", g, p.m, k, k)
	ws := getWorkspace()
	defer putWorkspace(ws)
	gm := gemm{kr: kr, ws: ws, m: p.m, n: k, k: n, alpha: 1, a: d, lda: n, c: g, ldc: k, conv: p, xp: xp}
	gm.run(beta)
}

// WeightGradImages adds to g [m, 9c] the weight gradients of imgs images,
// Σ_i d_i · B_iᵀ, where d_i = d[i*dstride:] [m, h*w] and B_i is the im2col
// matrix of the padded image xp[i*xstride:]. For few output rows (m ≤ 16,
// a multiple of 4, c even) it reads both operands in place with dot
// products along the image columns, summing all imgs images before reducing
// across lanes: a GEMM would pack (transpose) B for only m uses of each
// float. Otherwise it calls WeightGrad per image. GradGroup says how many
// images to pass at once.
func (p *Conv3x3) WeightGradImages(g, d []float32, dstride int, xp []float32, xstride, imgs int) {
	p.weightGradImages(g, d, dstride, xp, xstride, imgs, p.dot())
}

// dot reports whether WeightGradImages uses dot products.
func (p *Conv3x3) dot() bool { return p.dotFits() && p.m <= 16 }

// dotFits reports whether the dot-product kernel can run for p's sizes.
func (p *Conv3x3) dotFits() bool { return p.kind == convAVX512 && p.m%4 == 0 && p.c%2 == 0 }

// GradGroup returns how many images WeightGradImages should be given at
// once: enough image columns (≥ 512) to amortise the lane reductions of the
// dot-product path, 1 for the per-image GEMM.
func (p *Conv3x3) GradGroup() int {
	if !p.dot() {
		return 1
	}
	return max(1, min(16, 512/(p.h*p.w)))
}

func (p *Conv3x3) weightGradImages(g, d []float32, dstride int, xp []float32, xstride, imgs int, dot bool) {
	k, n := 9*p.c, p.h*p.w
	if imgs < 1 {
		return
	}
	p.check("WeightGradImages", xp[(imgs-1)*xstride:])
	checkMatrix("d", d[(imgs-1)*dstride:], p.m, n, n)
	checkMatrix("g", g, p.m, k, k)
	if !dot {
		for i := range imgs {
			p.WeightGrad(g, d[i*dstride:], xp[i*xstride:], 1)
		}
		return
	}
	nq := ceilDiv(n, 16)
	for o := 0; o < p.m; o += 4 {
		for r := 0; r < k; r += 6 {
			dot4x6AVX512(nq, imgs, &d[o*n], n, dstride-nq*16, &xp[0], &p.offs[r], xstride-nq*16, &p.qmasks[0], &g[o*k+r], k)
		}
	}
}

// packBT packs columns j0..j0+nb of Bᵀ over rows p0..p0+kb (that is, im2col
// rows j0.. at image columns p0..) into dst as micro-panels of nr columns,
// as packB does for a transposed B.
func (p *Conv3x3) packBT(dst, xp []float32, p0, kb, j0, nb, nr int) {
	pb, blk := 0, 0 // rows (and columns) packed by whole blocks of blk
	switch {
	case p.kind == convAVX512 && nr%16 == 0 && kb >= 16:
		pb, blk = kb&^15, 16
	case p.kind == convAVX2 && nr%8 == 0 && kb >= 8 && p0%8 == 0:
		pb, blk = kb&^7, 8
	}
	if blk > 0 {
		p.packBTBlocks(dst, xp, p0, pb, kb, j0, nb, nr, blk)
	}
	for jr := 0; jr < nb; jr += nr {
		nw := min(nr, nb-jr)
		panel := dst[jr*kb : jr*kb+kb*nr]
		nblk := 0 // columns the blocks filled
		if blk > 0 {
			nblk = nw / blk * blk
		}
		p.packBTScalar(panel, xp, p0, 0, pb, j0+jr, nblk, nw, nr)
		p.packBTScalar(panel, xp, p0, pb, kb, j0+jr, 0, nw, nr)
	}
}

// outside reports whether output column ow reads outside the image for
// kernel column j: the first column for j = 0, the last for j = 2 (stride
// 1; with stride 2 the tap stays inside).
func (p *Conv3x3) outside(j, ow int) bool {
	return (j == 0 && ow == 0) || (j == 2 && p.s == 1 && ow == p.w-1)
}

// packBTScalar fills rows pp0..pp1 of one panel (first im2col row r0) at
// columns j0..nw from xp, and zeroes columns nw..nr.
func (p *Conv3x3) packBTScalar(panel, xp []float32, p0, pp0, pp1, r0, j0, nw, nr int) {
	if pp0 >= pp1 || (j0 >= nw && nw == nr) {
		return
	}
	n := p.h * p.w
	for j := j0; j < nw; j++ {
		r := r0 + j
		off, cls := p.offs[r], r%3
		ow := (p0 + pp0) % p.w
		for pp := pp0; pp < pp1; pp++ {
			q := p0 + pp
			var v float32
			if q < n && !p.outside(cls, ow) {
				v = xp[off+q]
			}
			panel[pp*nr+j] = v
			if ow++; ow == p.w {
				ow = 0
			}
		}
	}
	for pp := pp0; pp < pp1; pp++ {
		clear(panel[pp*nr+nw : pp*nr+nr])
	}
}

// packBTBlocks packs, for the first pb rows (a multiple of blk), the whole
// blk×blk blocks of every panel: with transposeRows16AVX512 (blk 16) or
// transposeRows8AVX2 (blk 8, p0 a multiple of 8).
func (p *Conv3x3) packBTBlocks(dst, xp []float32, p0, pb, kb, j0, nb, nr, blk int) {
	// The lane masks of im2col row class i mod 3 at cyc[i] (AVX-512) or
	// cyc8[i] (AVX2), so the rows from r take theirs from index r%3 on.
	var cyc [18]uint16
	var cyc8 [10][8]int32
	_ = dst[ceilDiv(nb, nr)*kb*nr-1]
	for pp := 0; pp < pb; pp += blk {
		q := p0 + pp
		if blk == 16 {
			p.classMasks(&cyc, q)
		} else {
			for i := range cyc8 {
				copy(cyc8[i][:], p.vmasks[48*(q/16)+16*(i%3)+q%16:][:8])
			}
		}
		for jr := 0; jr < nb; jr += nr {
			nblk := min(nr, nb-jr) / blk * blk
			panel := dst[jr*kb:]
			for jj := 0; jj < nblk; jj += blk {
				r := j0 + jr + jj
				if blk == 16 {
					transposeRows16AVX512(&panel[pp*nr+jj], nr, &xp[q], &p.offs[r], &cyc[r%3])
				} else {
					transposeRows8AVX2(&panel[pp*nr+jj], nr, &xp[q], &p.offs[r], &cyc8[r%3][0])
				}
			}
		}
	}
}

// classMasks sets cyc[i] to the lane mask of image columns q..q+15 for
// im2col rows of kernel column i mod 3.
func (p *Conv3x3) classMasks(cyc *[18]uint16, q int) {
	var cls [3]uint16
	if q%16 == 0 {
		t := p.qmasks[4*(q/16):]
		cls = [3]uint16{t[0], t[1], t[2]}
	} else {
		n := p.h * p.w
		for j := range cls {
			for l := range 16 {
				if q+l < n && p.valid(j, q+l) {
					cls[j] |= 1 << l
				}
			}
		}
	}
	for i := range cyc {
		cyc[i] = cls[i%3]
	}
}

func grow(s []float32, n int) []float32 {
	if cap(s) < n {
		return make([]float32, n)
	}
	return s[:n]
}

func growInts(s []int, n int) []int {
	if cap(s) < n {
		return make([]int, n)
	}
	return s[:n]
}
