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
// read the zero row that follows every plane. The layout begins and ends
// with slack (padLead, padTail) so that a kernel may read whole vectors
// across the masked columns and past the last column of a partial tile.
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
	offs       []int     // offs[r]: where row r of B starts, relative to column 0; 3 more repeat rows 0-2 (dotRows)
	qmasks     []uint16  // per 16 columns: lanes of kernel columns 0, 1, 2, then of the image
	vmasks     []int32   // per 8 columns: lanes of kernel columns 0, 1, 2 as vectors (-1 or 0)
}

// convKind names the kernel of Conv3x3.Run.
type convKind int

const (
	convGo     convKind = iota // runGo
	convAVX512                 // conv8x32AVX512
	convAVX2                   // conv6x16AVX2
	convNEON                   // conv8x8NEON
)

// activeConvKind returns the Run kernel that goes with the active GEMM
// kernel: the AVX-512, AVX2 or NEON implicit-GEMM kernel, or Go.
func activeConvKind() convKind { return convKindFor(activeKernel()) }

// convKindFor returns the assembly that goes with the GEMM kernel kr: the
// AVX-512, AVX2 or NEON kind, or Go for any other kernel.
func convKindFor(kr *microKernel) convKind {
	switch {
	case kr == avx512Kernel && hasAVX512:
		return convAVX512
	case kr == avx2Kernel && hasConvAVX2:
		return convAVX2
	case kr == neonKernel && neonKernel != nil:
		return convNEON
	}
	return convGo
}

// ConvImplicit reports whether Conv3x3.Run has a fast kernel on this
// machine: the AVX-512, AVX2 or NEON one, going with the GEMM kernel Sgemm
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
	clearSlack(dst[:p.PaddedSize()], w)
	for ch := range p.c {
		xc := x[ch*hin*win : (ch+1)*hin*win]
		for a := range 2 {
			d0 := dst[padLead+w+(ch*4+2*a)*ps:][:ps] // phase (a, 0)
			d1 := dst[padLead+w+(ch*4+2*a+1)*ps:][:ps]
			for u := range h {
				deinterleave(d0[u*w:][:w], d1[u*w:][:w], xc[(2*u+a)*win:][:win])
			}
			clear(d0[h*w:])
			clear(d1[h*w:])
		}
	}
}

// deinterleave sets even[v] = src[2v] and odd[v] = src[2v+1] for v <
// len(even) (len(odd) ≥ len(even), len(src) ≥ 2·len(even)).
func deinterleave(even, odd, src []float32) {
	odd, src = odd[:len(even)], src[:2*len(even)]
	for v := range even {
		even[v], odd[v] = src[2*v], src[2*v+1]
	}
}

// PaddedLen returns the length of the padded layout of a c×h×w image:
// padLead+w zeros, then for every channel its h rows of w floats and one row
// of w zeros, then padTail zeros.
func PaddedLen(c, h, w int) int { return padLead + w + c*(h+1)*w + padTail }

// The slack around the padded layout. Row (0, 0, 0) of a stride-1 im2col
// matrix starts one float before the leading zero row (its first column is
// masked), and row (c-1, 2, 2) ends one float after the last zero row (its
// last column is masked). Kernels that load whole vectors and clear the
// masked lanes afterwards (NEON's conv8x8NEON and transposeRows4NEON: NEON
// has no masked loads) read those floats, and conv8x8NEON's 8-column tile
// that starts at the last column (n = 1 mod 8) reads 7 more: padLead ≥ 1
// and padTail ≥ 8 (TestConv3x3StaysInPaddedLayout fails with 7). padLead is
// 16 floats rather than 1 so that the planes keep their alignment modulo 64
// bytes; the masked-load kernels of amd64 read none of the slack.
const (
	padLead = 16
	padTail = 8
)

// clearSlack zeroes the parts of the padded layout dst (all of it) that hold
// no image: the leading slack and zero row of w floats, and the trailing
// slack. The zero rows after the planes are the writer's.
func clearSlack(dst []float32, w int) {
	clear(dst[:padLead+w])
	clear(dst[len(dst)-padTail:])
}

// PadImage writes the image x [c, h, w] to dst in the padded layout
// (PaddedLen(c, h, w) floats), slack included.
func PadImage(dst, x []float32, c, h, w int) {
	hw := h * w
	if len(x) < c*hw || len(dst) < PaddedLen(c, h, w) {
		panic("kernels: PadImage: slice too short")
	}
	clearSlack(dst[:PaddedLen(c, h, w)], w)
	for ch := range c {
		d := dst[padLead+w+ch*(hw+w):]
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
		return padLead + p.w + ch*ps + (i-1)*p.w + j - 1
	}
	// Input row 2*oh+i-1 is phase a = (i+1)%2, row oh-1 of it for i = 0.
	a, b := (i+1)%2, (j+1)%2
	di, dj := min(0, i-1), min(0, j-1)
	return padLead + p.w + ((ch*2+a)*2+b)*ps + di*p.w + dj
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

// prepare is PrepareStride for the Run kernel kind, with A panels of the
// rows that kernel takes for m×(h*w) outputs (panelRows).
func (p *Conv3x3) prepare(a []float32, m, c, hin, win, stride int, kind convKind) {
	p.prepareRows(a, m, c, hin, win, stride, kind, panelRows(kind, m, (hin/stride)*(win/stride)))
}

// panelRows returns the rows of A per packed panel for the Run kernel kind
// and an m×n output: 8 for conv8x32AVX512 and Go; for AVX2, 4 (tiles of
// 4×24, the last columns 4×16) or 6 (6×16 tiles), whichever computes
// fewer padded outputs, a 4×16 tile's counting 1.2 times (it keeps 8
// accumulators, not 12, and ran ~20% slower per FLOP in one-core runs).
// So the CIFAR stages with 16 and 32 channels take 4 rows (6 would waste
// 2 of every 18 or 36), 64 channels on 8×8 take 6.
func panelRows(kind convKind, m, n int) int {
	if kind != convAVX2 {
		return 8
	}
	n24 := n / 24
	cost4 := float64(ceilDiv(m, 4)*4) * (24*float64(n24) + 1.2*16*float64(ceilDiv(n-24*n24, 16)))
	cost6 := float64(ceilDiv(m, 6) * 6 * ceilDiv(n, 16) * 16)
	if cost4 < cost6 {
		return 4
	}
	return 6
}

// prepareRows is prepare with mr rows of A per panel: 8 for kind
// convAVX512, 4 or 6 for convAVX2, any for convGo.
func (p *Conv3x3) prepareRows(a []float32, m, c, hin, win, stride int, kind convKind, mr int) {
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
	p.m, p.kind, p.mr = m, kind, mr
	// K blocks of at most 252 rows (576 for AVX2: a 6-row A panel is then
	// 13.5 KiB, and B, read in place, is the image's few planes), as
	// equal as whole kernel rows allow.
	kcMax := 252
	if kind == convAVX2 {
		kcMax = 576
	}
	blocks := ceilDiv(k, kcMax)
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
	p.offs = growInts(p.offs, k+3)
	for ch := range p.c {
		for i := range 3 {
			for j := range 3 {
				p.offs[(ch*3+i)*3+j] = p.offset(ch, i, j)
			}
		}
	}
	copy(p.offs[k:], p.offs[:3])
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
	for g := range 2 * steps {
		for j := range 3 {
			m := p.qmasks[4*(g/2)+j] >> (8 * (g % 2))
			for l := range 8 {
				p.vmasks[24*g+8*j+l] = -int32(m >> l & 1)
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
	case convNEON:
		p.runNEON(out, xp)
	default:
		p.runGo(out, xp)
	}
}

// runAVX512 is Run with conv8x32AVX512: per K block, per 32 output columns,
// per 8 rows, one kernel call; partial tiles go through a buffer and
// mergeTile.
func (p *Conv3x3) runAVX512(out, xp []float32) {
	const mr, nr = 8, 32
	k, n, mpad := 9*p.c, p.h*p.w, ceilDiv(p.m, mr)*mr
	var tile [mr * nr]float32
	for pc := 0; pc < k; pc += p.kc {
		kb := min(p.kc, k-pc)
		blk := p.a[pc*mpad : (pc+kb)*mpad]
		acc := pc > 0
		for q0 := 0; q0 < n; q0 += nr {
			nw := min(nr, n-q0)
			for ir := 0; ir < p.m; ir += mr {
				mw := min(mr, p.m-ir)
				if mw == mr && nw == nr {
					conv8x32AVX512(kb/3, &blk[ir*kb], &xp[q0], &p.offs[pc], &p.qmasks[4*(q0/16)], &out[ir*n+q0], n, acc)
					continue
				}
				conv8x32AVX512(kb/3, &blk[ir*kb], &xp[q0], &p.offs[pc], &p.qmasks[4*(q0/16)], &tile[0], nr, false)
				mergeTile(out[ir*n+q0:], n, tile[:], nr, mw, nw, accBeta(acc))
			}
		}
	}
}

// runNEON is runAVX512 with conv8x8NEON and its 8×8 tile; the lane masks
// of output columns q0.. (q0 a multiple of 8) are vmasks' group q0/8.
func (p *Conv3x3) runNEON(out, xp []float32) {
	const mr, nr = 8, 8
	k, n, mpad := 9*p.c, p.h*p.w, ceilDiv(p.m, mr)*mr
	var tile [mr * nr]float32
	for pc := 0; pc < k; pc += p.kc {
		kb := min(p.kc, k-pc)
		blk := p.a[pc*mpad : (pc+kb)*mpad]
		acc := pc > 0
		for q0 := 0; q0 < n; q0 += nr {
			nw := min(nr, n-q0)
			vm := &p.vmasks[24*(q0/8)]
			for ir := 0; ir < p.m; ir += mr {
				mw := min(mr, p.m-ir)
				if mw == mr && nw == nr {
					conv8x8NEON(kb/3, &blk[ir*kb], &xp[q0], &p.offs[pc], vm, &out[ir*n+q0], n, acc)
					continue
				}
				conv8x8NEON(kb/3, &blk[ir*kb], &xp[q0], &p.offs[pc], vm, &tile[0], nr, false)
				mergeTile(out[ir*n+q0:], n, tile[:], nr, mw, nw, accBeta(acc))
			}
		}
	}
}

// runAVX2 is runAVX512 with the AVX2 kernels (tileKernel picks each tile's
// kernel and width) on panels of p.mr rows. It walks the column tiles
// inside each row panel, so that the A panel (up to 13.5 KiB) stays in L1:
// 4% faster on 64 channels at 8×8 in a one-core paired A/B, the same on
// the other stages.
func (p *Conv3x3) runAVX2(out, xp []float32) {
	k, n, mr := 9*p.c, p.h*p.w, p.mr
	mpad := ceilDiv(p.m, mr) * mr
	var tile [6 * 24]float32
	for pc := 0; pc < k; pc += p.kc {
		kb := min(p.kc, k-pc)
		blk := p.a[pc*mpad : (pc+kb)*mpad]
		acc := pc > 0
		for ir := 0; ir < p.m; ir += mr {
			mw, a := min(mr, p.m-ir), &blk[ir*kb]
			for q0, nr := 0, 0; q0 < n; q0 += nr {
				var tk tileKernel
				tk, nr = p.tileKernel(n - q0)
				nw := min(nr, n-q0)
				if mw == mr && nw == nr {
					p.kernel(tk, kb/3, a, xp, q0, &p.offs[pc], &out[ir*n+q0], n, acc)
					continue
				}
				p.kernel(tk, kb/3, a, xp, q0, &p.offs[pc], &tile[0], nr, false)
				mergeTile(out[ir*n+q0:], n, tile[:], nr, mw, nw, accBeta(acc))
			}
		}
	}
}

// tileKernel names the AVX2 conv kernel of one tile of runAVX2.
type tileKernel int

const (
	tile6x16AVX2 tileKernel = iota
	tile6x16FullAVX2
	tile4x24FullAVX2
	tile4x16AVX2
	tile4x16FullAVX2
)

// tileKernel returns the AVX2 kernel for the next output columns, rem of
// them left, and its tile width: for panels of p.mr (4 or 6) rows, the
// widest tile that fits in rem, where a Full kernel (no masks on kernel
// column 1) may run, else the masked 16-column kernel.
func (p *Conv3x3) tileKernel(rem int) (tileKernel, int) {
	switch {
	case p.mr == 4 && rem >= 24:
		return tile4x24FullAVX2, 24
	case p.mr == 4 && rem >= 16:
		return tile4x16FullAVX2, 16
	case p.mr == 4:
		return tile4x16AVX2, 16
	case rem >= 16:
		return tile6x16FullAVX2, 16
	}
	return tile6x16AVX2, 16
}

// kernel runs the AVX2 kernel tk on the tile of output columns q0.. with
// the lane masks of those columns. The kernels are called directly, not
// through a func value, so that their pointer arguments do not escape.
func (p *Conv3x3) kernel(tk tileKernel, k3 int, a *float32, xp []float32, q0 int, offs *int, c *float32, ldc int, acc bool) {
	b, vm := &xp[q0], &p.vmasks[24*(q0/8)]
	switch tk {
	case tile6x16AVX2:
		conv6x16AVX2(k3, a, b, offs, vm, c, ldc, acc)
	case tile6x16FullAVX2:
		conv6x16FullAVX2(k3, a, b, offs, vm, c, ldc, acc)
	case tile4x24FullAVX2:
		conv4x24FullAVX2(k3, a, b, offs, vm, c, ldc, acc)
	case tile4x16AVX2:
		conv4x16AVX2(k3, a, b, offs, vm, c, ldc, acc)
	default:
		conv4x16FullAVX2(k3, a, b, offs, vm, c, ldc, acc)
	}
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
// of one image. It uses Sgemm's kernels (gradKernel), packing Bᵀ from xp
// directly.
func (p *Conv3x3) WeightGrad(g, d, xp []float32, beta float32) {
	p.weightGradWith(p.gradKernel(), g, d, xp, beta)
}

// gradKernel returns the micro-kernel of WeightGrad: Sgemm's, except that
// for AVX2 the 4×24 tile replaces the 6×16 one when it computes fewer
// padded entries of the m×9c gradient (for 16, 32 and 64 channels: 6×16
// wastes 2 of every 18, 36 or 66 rows, and 9c is a multiple of 24).
func (p *Conv3x3) gradKernel() *microKernel {
	kr, n := activeKernel(), 9*p.c
	if p.kind == convAVX2 && kr == avx2Kernel &&
		ceilDiv(p.m, 4)*4*ceilDiv(n, 24)*24 < ceilDiv(p.m, 6)*6*ceilDiv(n, 16)*16 {
		return avx2Kernel4x24
	}
	return kr
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
// a multiple of 4 for AVX-512, of 2 for AVX2) it reads both
// operands in place with dot products along the image columns, summing all
// imgs images before reducing across lanes: a GEMM would pack (transpose)
// B for only m uses of each float. Otherwise it calls WeightGrad per
// image. GradGroup says how many images to pass at once.
func (p *Conv3x3) WeightGradImages(g, d []float32, dstride int, xp []float32, xstride, imgs int) {
	p.weightGradImages(g, d, dstride, xp, xstride, imgs, p.dot())
}

// dot reports whether WeightGradImages uses dot products: up to 16 output
// channels, or up to 64 with stride 2 (the nets' downsampling layers,
// 32 and 64 channels on 16×16 and 8×8 outputs, where the per-image GEMM
// packs too few columns: in TestLayerTimes, one run each way, ResNet-20's
// stage-2 one's backward pass took 5.54 ms instead of 6.07, its stage-3
// one's 4.45 instead of 4.47). With OlderBits, as before those: up to 16 output and an
// even number of input channels.
func (p *Conv3x3) dot() bool {
	if OlderBits() {
		return p.dotFits() && p.m <= 16 && p.c%2 == 0
	}
	return p.dotFits() && (p.m <= 16 || p.s == 2 && p.m <= 64)
}

// dotFits reports whether the dot-product kernel can run for p's sizes:
// dot4x6AVX512 (4 rows of d, 6 of B) or dot2x6AVX2 (2 and 6). With c odd
// the last 6 rows of B are its last 3 and, again, its first 3 (dotTile,
// for at most 16 rows of d).
func (p *Conv3x3) dotFits() bool {
	if p.c%2 != 0 && p.m > 16 {
		return false
	}
	switch p.kind {
	case convAVX512:
		return p.m%4 == 0
	case convAVX2:
		return p.m%2 == 0
	}
	return false
}

// dotTile is the 16×6 tile (row o of g at 6o) that takes the last 6-row
// block of B when c is odd (9c - 3 is not a multiple of 6): rows 9c-3..
// and, again, rows 0-2 (offs' repeat), whose sums are dropped.
type dotTile [16 * 6]float32

// dotDst returns where the dot-product kernel adds the block of rows o..
// of g and 6 rows r.. of B, and its row stride: g itself, or for the last
// block of an odd c the tile t.
func (p *Conv3x3) dotDst(g []float32, o, r int, t *dotTile) (*float32, int) {
	if k := 9 * p.c; r+6 > k {
		return &t[6*o], 6
	}
	return &g[o*9*p.c+r], 9 * p.c
}

// addTile adds the first 3 columns of t (the last 3 rows of B) to g's last
// 3 columns, for c odd.
func (p *Conv3x3) addTile(g []float32, t *dotTile) {
	k := 9 * p.c
	if k%6 == 0 {
		return
	}
	for o := range p.m {
		for j := range 3 {
			g[o*k+k-3+j] += t[6*o+j]
		}
	}
}

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
	if p.kind == convAVX2 {
		p.dotAVX2(g, d, dstride, xp, xstride, imgs)
		return
	}
	nq := ceilDiv(n, 16)
	var t dotTile
	for o := 0; o < p.m; o += 4 {
		for r := 0; r < k; r += 6 {
			dw, ldw := p.dotDst(g, o, r, &t)
			dot4x6AVX512(nq, imgs, &d[o*n], n, dstride-nq*16, &xp[0], &p.offs[r], xstride-nq*16, &p.qmasks[0], dw, ldw)
		}
	}
	p.addTile(g, &t)
}

// dotAVX2 is the dot-product path of weightGradImages with dot2x6AVX2: per
// 6 rows of B, every pair of rows of d, so that the 6 image rows stay in L1
// while d streams.
func (p *Conv3x3) dotAVX2(g, d []float32, dstride int, xp []float32, xstride, imgs int) {
	k, n := 9*p.c, p.h*p.w
	nfull, tail := n/8, 0
	if n%8 != 0 {
		tail = 1
	}
	step := 8 * (nfull + tail) // floats a pass over one image advances
	var t dotTile
	for r := 0; r < k; r += 6 {
		for o := 0; o < p.m; o += 2 {
			dw, ldw := p.dotDst(g, o, r, &t)
			dot2x6AVX2(nfull, tail, imgs, &d[o*n], n, dstride-step, &xp[0], &p.offs[r], xstride-step, &p.vmasks[0], dw, ldw)
		}
	}
	p.addTile(g, &t)
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
	case p.kind == convNEON && nr%4 == 0 && kb >= 4:
		pb, blk = kb&^3, 4
	}
	switch {
	case blk == 4:
		p.packBTBlocksNEON(dst, xp, p0, pb, kb, j0, nb, nr)
	case blk > 0:
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
				copy(cyc8[i][:], p.vmasks[24*(q/8)+8*(i%3):][:8])
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

// packBTBlocksNEON is packBTBlocks for the neon kind: for the first pb
// rows (a multiple of 4), the whole 4-column blocks of every panel, 16 rows
// (or what is left of pb) and 4 columns a call of transposeRows4NEON.
func (p *Conv3x3) packBTBlocksNEON(dst, xp []float32, p0, pb, kb, j0, nb, nr int) {
	// The lane masks of im2col row class i mod 3 at cyc[i], as vectors.
	var cyc [6][16]int32
	var bits [18]uint16
	_ = dst[ceilDiv(nb, nr)*kb*nr-1]
	for pp := 0; pp < pb; pp += 16 {
		q, cols := p0+pp, min(16, pb-pp)
		p.classMasks(&bits, q)
		for i := range cyc {
			for l := range cyc[i] {
				cyc[i][l] = -int32(bits[i] >> l & 1)
			}
		}
		for jr := 0; jr < nb; jr += nr {
			nblk := min(nr, nb-jr) &^ 3
			panel := dst[jr*kb:]
			for jj := 0; jj < nblk; jj += 4 {
				r := j0 + jr + jj
				transposeRows4NEON(&panel[pp*nr+jj], nr, &xp[q], &p.offs[r], &cyc[r%3][0], cols)
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
