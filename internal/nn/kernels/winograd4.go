package kernels

import "fmt"

// Winograd4x4 is Winograd2x2 with Winograd's F(4×4, 3×3) (Lavin & Gray
// 2016): each output is cut into 4×4 tiles, each read from the 6×6 input
// patch around it, and with U = G g Gᵀ and V = Bᵀ d B the tile is
// Aᵀ [Σ_ch U ⊙ V] A: 36 GEMMs, one per position e = 6i+j of the 6×6
// transformed tile,
//
//	M_e [m, tiles] = U_e [m, c] · V_e [c, tiles],
//
// 36 multiplications per output tile and channel pair instead of 144 (4×
// fewer; F(2×2) saves 2.25×). The matrices are Lavin & Gray's, from the
// interpolation points 0, 1, -1, 2, -2 and ∞:
//
//	Bᵀ = [4 0 -5 0 1 0; 0 -4 -4 1 1 0; 0 4 -4 -1 1 0;
//	      0 -2 -1 2 1 0; 0 2 -1 -2 1 0; 0 4 0 -5 0 1]
//	G  = [1/4 0 0; -1/6 -1/6 -1/6; -1/6 1/6 -1/6;
//	      1/24 1/12 1/6; 1/24 -1/12 1/6; 0 0 1]
//	Aᵀ = [1 1 1 1 1 0; 0 1 -1 2 -2 0; 0 1 1 4 4 0; 0 1 -1 8 -8 1]
//
// Their larger entries cost digits: the error per layer shape against the
// float64 direct convolution is in BENCH.md.
//
// Only whole tiles in rows of 2, 4, 8 or 16 are handled (Supports4x4: h a
// multiple of 4, w one of 8, 16, 32, 64), so that a vector of 16 tiles
// holds whole tile rows: the transforms take 16 tiles at a time, the 64
// floats of 16/tw consecutive tile rows (across images), as 16 lanes. The
// input transform combines the six input rows of each tile row (Bᵀ d, on
// whole rows), splits the 64 floats of each result into the four column
// phases of the tiles (and the neighbours' columns 4k-1 and 4k+4), and
// combines those (· B); the output transform is the reverse. Both run in
// assembly (winograd_amd64.s, from wino_gen.go) with AVX-512, and with
// AVX2 for rows of at most 8 tiles (the 16 lanes in two halves of 8), and
// in Go otherwise (wino4InputGo, wino4OutputGo), with the same operations
// in the same order, so the same bits; the multiplications are by powers
// of two only (5x is 4x + x), exact, so fused or not they round alike.
//
// As with Winograd2x2, V and M are [channel][position][tile], blocks are
// whole tile rows across the batch sized for the L2 cache, each output
// comes from its own tile's column of the GEMMs (the same bits whatever the
// block or the number of images), and after Prepare, Run may be called
// from many goroutines at once, each with its own scratch.
type Winograd4x4 struct {
	m, c, h, w int
	th, tw     int       // tiles per column and per row of an image
	rb         int       // tile rows per block, a multiple of 32/tw
	a          []float32 // the weights of the latest Prepare
	u          []float32 // transformed weights U [36][m][c]
	up         []float32 // U packed for the micro-kernel (winoPackU)
	upKernel   *microKernel
}

// Supports4x4 reports whether Winograd4x4 handles h×w images: h a positive
// multiple of 4 and w one of 8, 16, 32 and 64 (rows of 2 to 16 tiles,
// whole tile rows in a vector of 16).
func Supports4x4(h, w int) bool {
	return h > 0 && h%4 == 0 && (w == 8 || w == 16 || w == 32 || w == 64)
}

// Prepare sets p for the convolution out [m, h, w] of images x [c, h, w]
// with the weights a [m, c, 3, 3], as Winograd2x2.Prepare does (U = G g Gᵀ
// in float64, rounded once; a copied; storage reused; a repeated call with
// the same sizes and weights only compares them). It panics unless
// Supports4x4(h, w).
func (p *Winograd4x4) Prepare(a []float32, m, c, h, w int) {
	if p.PrepareBegin(a, m, c, h, w) {
		p.PrepareUnits(0, p.Units())
	}
}

// PrepareBegin, Units and PrepareUnits split Prepare as Winograd2x2's do.
func (p *Winograd4x4) PrepareBegin(a []float32, m, c, h, w int) bool {
	if m < 1 || c < 1 || !Supports4x4(h, w) {
		panic(fmt.Sprintf("kernels: Winograd4x4.Prepare: unsupported sizes m %d, c %d, %d×%d", m, c, h, w))
	}
	if len(a) < m*c*9 {
		panic("kernels: Winograd4x4.Prepare: weights too short")
	}
	a = a[:m*c*9]
	kr := activeKernel()
	if len(p.u) > 0 && p.m == m && p.c == c && p.h == h && p.w == w && p.upKernel == kr && equalBits(p.a, a) {
		return false
	}
	p.a = append(p.a[:0], a...)
	p.setSizes(m, c, h, w)
	p.u = grow(p.u, 36*m*c)
	p.up = grow(p.up, 36*ceilDiv(m, kr.mr)*kr.mr*c)
	p.upKernel = kr
	return true
}

// Units is Winograd2x2.Units.
func (p *Winograd4x4) Units() int { return ceilDiv(p.m, winoUnit(p.upKernel)) }

// PrepareUnits is Winograd2x2.PrepareUnits.
func (p *Winograd4x4) PrepareUnits(u0, u1 int) {
	lo, hi := winoUnitRows(p.upKernel, p.m, u0, u1)
	winoTransformRows(p.u, p.a, p.m, p.c, lo, hi, wino4Weight)
	winoPackRows(p.up, p.u, 36, p.m, p.c, lo, hi, p.upKernel)
}

// setSizes sets the sizes of p and what follows from them: the tiles and
// the block, whole 32-tile GEMM panels.
func (p *Winograd4x4) setSizes(m, c, h, w int) {
	p.m, p.c, p.h, p.w = m, c, h, w
	p.th, p.tw = h/4, w/4
	g := 32 / p.tw
	p.rb = max(g, winoBudget/(36*(c+m))/p.tw/g*g)
}

// wino4Weight returns U = G g Gᵀ (6×6, row-major) of one 3×3 kernel g
// (row-major), in float64 rounded once.
func wino4Weight(g *[9]float32) (u [36]float32) {
	var t [6][3]float64 // G g
	for j := range 3 {
		c := wino4G(float64(g[j]), float64(g[3+j]), float64(g[6+j]))
		for i := range 6 {
			t[i][j] = c[i]
		}
	}
	for i := range 6 {
		c := wino4G(t[i][0], t[i][1], t[i][2])
		r := (*[6]float32)(u[6*i:])
		r[0], r[1], r[2], r[3], r[4], r[5] = float32(c[0]), float32(c[1]), float32(c[2]), float32(c[3]), float32(c[4]), float32(c[5])
	}
	return u
}

// wino4G returns G · (g0, g1, g2).
func wino4G(g0, g1, g2 float64) [6]float64 {
	const sixth, twentyFourth = 1.0 / 6, 1.0 / 24
	return [6]float64{g0 / 4, -(g0 + g1 + g2) * sixth, -(g0 - g1 + g2) * sixth,
		(g0 + 2*g1 + 4*g2) * twentyFourth, (g0 - 2*g1 + 4*g2) * twentyFourth, g2}
}

// wino4Layout is the scratch layout of Run for some number of images: rb
// tile rows per block, and V and M rows of ldv floats: a block's tiles
// rounded up to whole 32-tile GEMM panels, and maxNR floats more, so that
// the last panel of a micro-kernel whose nr does not divide 32 (NEON's 12)
// reads and writes inside its row (past it, its writes at the last
// position would land on the next channel's first position, already
// computed).
type wino4Layout struct{ rb, ldv int }

func (p *Winograd4x4) layout(imgs int) wino4Layout { return p.layoutBlocks(imgs, p.rb) }

// layoutBlocks is layout with blocks of at most rb tile rows.
func (p *Winograd4x4) layoutBlocks(imgs, rb int) wino4Layout {
	g := 32 / p.tw
	rb = min(rb, ceilDiv(imgs*p.th, g)*g)
	return wino4Layout{rb: rb, ldv: ceilDiv(rb*p.tw, maxNR)*maxNR + maxNR}
}

// wino4Tmp is the length of the transforms' staging area (wino4Input,
// wino4Output): 24 vectors of 16 floats.
const wino4Tmp = 24 * 16

// ScratchSize returns the length of the scratch Run needs for imgs images:
// V, M, the transforms' staging area and a micro-kernel tile.
func (p *Winograd4x4) ScratchSize(imgs int) int {
	l := p.layout(max(imgs, 1))
	return 36*(p.c+p.m)*l.ldv + wino4Tmp + maxMR*maxNR
}

// Run sets out [imgs, m, h, w] to the convolution of the images x [imgs, c,
// h, w] with the prepared weights. scratch (ScratchSize(imgs) floats, any
// contents) holds the transformed tiles. It runs on the calling goroutine.
func (p *Winograd4x4) Run(out, x []float32, imgs int, scratch []float32) {
	p.runWith(activeKernel(), out, x, imgs, scratch, 0, nil)
}

// RunEach is Run that calls done(first+i), if done is not nil, as soon as
// the output of image i is complete (images in order, on the calling
// goroutine).
func (p *Winograd4x4) RunEach(out, x []float32, imgs int, scratch []float32, first int, done func(int)) {
	p.runWith(activeKernel(), out, x, imgs, scratch, first, done)
}

// runWith is RunEach with the GEMM micro-kernel kr and the transforms that
// go with it.
func (p *Winograd4x4) runWith(kr *microKernel, out, x []float32, imgs int, scratch []float32, first int, done func(int)) {
	hw := p.h * p.w
	if !winoRunArgs("Winograd4x4", len(p.u) > 0, out, x, imgs, p.c, p.m, hw, scratch, p.ScratchSize(imgs)) {
		return
	}
	l, kind := p.layout(imgs), wino4Kind(convKindFor(kr), p.tw)
	nv, nm := 36*p.c*l.ldv, 36*p.m*l.ldv
	v, mo := scratch[:nv], scratch[nv:nv+nm]
	tmp := scratch[nv+nm:][:wino4Tmp]
	tile := scratch[nv+nm+wino4Tmp:][:maxMR*maxNR]
	total := imgs * p.th
	if (total%l.rb)*p.tw%maxNR != 0 || maxNR%kr.nr != 0 {
		clear(v) // the columns past the last block's tiles that its GEMM panels read
	}
	w := winoU{npos: 36, m: p.m, c: p.c, u: p.u, up: p.up, upKernel: p.upKernel}
	q := 16 / p.tw // tile rows per vector
	for r0 := 0; r0 < total; r0 += l.rb {
		nr := min(l.rb, total-r0)
		for k := 0; k < nr; k += q {
			rows := p.inputRows(r0+k, total)
			wino4Input(kind, p.tw, x, hw, &rows, v[16*k/q:], l.ldv, 36*l.ldv, p.c, tmp)
		}
		winoGemms(kr, w, v, mo, l.ldv, nr*p.tw, tile)
		for k := 0; k < nr; k += q {
			rows := p.outputRows(r0+k, total)
			wino4Output(kind, p.tw, mo[16*k/q:], l.ldv, 36*l.ldv, out, hw, &rows, p.m, tmp)
		}
		for r := r0; r < r0+nr && done != nil; r++ {
			if r%p.th == p.th-1 {
				done(first + r/p.th)
			}
		}
	}
}

// wino4Rows are the offsets in the images of the input (or output) rows
// of one vector's tile rows: [i][r] is row 4ty-1+i (output: 4ty) of
// channel 0 of tile row r's image, or -1 where that row lies outside the
// image or the tile row past the batch.
type wino4Rows [6][8]int

// inputRows returns the input rows of the vector of tile rows from r0 of
// total (counted across the batch).
func (p *Winograd4x4) inputRows(r0, total int) (rows wino4Rows) {
	for i := range rows {
		for r := range rows[i] {
			rows[i][r] = -1
			if r >= 16/p.tw || r0+r >= total {
				continue
			}
			img, ty := (r0+r)/p.th, (r0+r)%p.th
			if y := 4*ty - 1 + i; y >= 0 && y < p.h {
				rows[i][r] = (img*p.c*p.h + y) * p.w
			}
		}
	}
	return rows
}

// outputRows returns, in row 0, the first output rows of the vector of
// tile rows from r0 of total.
func (p *Winograd4x4) outputRows(r0, total int) (rows wino4Rows) {
	for r := range rows[0] {
		rows[0][r] = -1
		if r < 16/p.tw && r0+r < total {
			img, ty := (r0+r)/p.th, (r0+r)%p.th
			rows[0][r] = (img*p.m*p.h + 4*ty) * p.w
		}
	}
	return rows
}

// wino4Kind returns the kind of the transforms of Winograd4x4 for tile rows
// of tw tiles with the GEMM kernel kind: AVX-512 with it, AVX2 with the
// AVX2 kernel for rows of at most 8 tiles (whole tile rows in an 8-lane
// half), else the Go transforms (convGo).
func wino4Kind(kind convKind, tw int) convKind {
	switch {
	case kind == convAVX512:
		return convAVX512
	case kind == convAVX2 && hasConvAVX2 && tw <= 8:
		return convAVX2
	}
	return convGo
}

// wino4Input sets V = Bᵀ d B of the 16 tiles of one vector of 16/tw tile
// rows (rows, inputRows) in nch channels of the images x (channels hw
// floats apart): tile l's (lane l: tile l%tw of tile row l/tw) V_e at
// dst[e*lde+ch*lddch+l], e = 6i+j. The transforms of kind (wino4Kind) run:
// AVX-512, AVX2 or wino4InputGo; tmp is a staging area of wino4Tmp floats.
func wino4Input(kind convKind, tw int, x []float32, hw int, rows *wino4Rows, dst []float32, lde, lddch, nch int, tmp []float32) {
	_ = dst[35*lde+(nch-1)*lddch+15]
	if kind == convGo {
		wino4InputGo(tw, x, hw, rows, dst, lde, lddch, nch)
		return
	}
	for i := range rows {
		wino4CheckRows(x, rows[i][:], (nch-1)*hw+4*tw, tmp)
	}
	if kind == convAVX512 {
		wino4InputAVX512(tw, &x[0], hw, rows, &dst[0], lde, lddch, nch, &tmp[0])
		return
	}
	wino4InputAVX2(tw, &x[0], hw, rows, &dst[0], lde, lddch, nch, &tmp[0])
}

// wino4CheckRows panics (index out of range) before the assembly
// transforms read or write past img or tmp: unless img holds span floats
// from each offset in offs that is not -1, and tmp wino4Tmp floats.
func wino4CheckRows(img []float32, offs []int, span int, tmp []float32) {
	_ = tmp[wino4Tmp-1]
	for _, o := range offs {
		if o >= 0 {
			_ = img[o+span-1]
		}
	}
}

// wino4Output writes Y = Aᵀ M A of the 16 tiles of one vector (lanes as in
// wino4Input) in nch channels, M_e of lane l at src[e*lde+ch*ldsch+l], to
// out at rows[0][r] + ch*hw + y*4tw + 4k + x (tile k of tile row r), the
// tile rows whose offset is not -1. The transforms of kind (wino4Kind)
// run: AVX-512, AVX2 or wino4OutputGo.
func wino4Output(kind convKind, tw int, src []float32, lde, ldsch int, out []float32, hw int, rows *wino4Rows, nch int, tmp []float32) {
	_ = src[35*lde+(nch-1)*ldsch+15]
	if kind == convGo {
		wino4OutputGo(tw, src, lde, ldsch, out, hw, rows, nch)
		return
	}
	wino4CheckRows(out, rows[0][:], (nch-1)*hw+16*tw, tmp)
	if kind == convAVX512 {
		wino4OutputAVX512(tw, &src[0], lde, ldsch, &out[0], hw, rows, nch, &tmp[0])
		return
	}
	wino4OutputAVX2(tw, &src[0], lde, ldsch, &out[0], hw, rows, nch, &tmp[0])
}

// wino4Bt returns Bᵀ d of a column d of six floats, in the order of the
// assembly: with s = d4-d2 and u = d1-d3, (s + 4(d0-d2), (d3+d4) -
// 4(d1+d2), (d4-d3) + 4(d1-d2), s - 2u, s + 2u, (d5-d3) + 4u).
func wino4Bt(d [6]float32) [6]float32 {
	s, u := d[4]-d[2], d[1]-d[3]
	return [6]float32{s + 4*(d[0]-d[2]), (d[3] + d[4]) - 4*(d[1]+d[2]), (d[4] - d[3]) + 4*(d[1]-d[2]),
		s - 2*u, s + 2*u, (d[5] - d[3]) + 4*u}
}

// wino4At returns Aᵀ m of a column m of six floats, in the order of the
// assembly: with a = m1+m2, b = m1-m2, c = m3+m4, d = m3-m4, ((m0+a)+c,
// b + 2d, a + 4c, (b + 8d) + m5).
func wino4At(m [6]float32) [4]float32 {
	a, b, c, d := m[1]+m[2], m[1]-m[2], m[3]+m[4], m[3]-m[4]
	return [4]float32{(m[0] + a) + c, b + 2*d, a + 4*c, (b + 8*d) + m[5]}
}

// wino4InputGo is wino4Input in Go: per channel, Bᵀ on the six input rows
// of the vector's 64 floats (zero where a row is -1), then · B on the
// columns 4k-1..4k+4 of each tile (zero outside its row).
func wino4InputGo(tw int, x []float32, hw int, rows *wino4Rows, dst []float32, lde, lddch, nch int) {
	w := 4 * tw
	for ch := range nch {
		var t [6][64]float32 // Bᵀ d, 64 floats of 16/tw rows
		for f := range 64 {
			var d [6]float32
			for i := range 6 {
				if o := rows[i][f/w]; o >= 0 {
					d[i] = x[o+ch*hw+f%w]
				}
			}
			for i, v := range wino4Bt(d) {
				t[i][f] = v
			}
		}
		for i := range 6 {
			for l := range 16 {
				var d [6]float32 // columns 4k-1..4k+4 of tile k = l%tw
				copy(d[1:5], t[i][4*l:])
				if l%tw != 0 {
					d[0] = t[i][4*l-1]
				}
				if l%tw != tw-1 {
					d[5] = t[i][4*l+4]
				}
				for j, v := range wino4Bt(d) {
					dst[(6*i+j)*lde+ch*lddch+l] = v
				}
			}
		}
	}
}

// wino4OutputGo is wino4Output in Go: per channel and tile, · A on each
// row of M, then Aᵀ on the columns.
func wino4OutputGo(tw int, src []float32, lde, ldsch int, out []float32, hw int, rows *wino4Rows, nch int) {
	w := 4 * tw
	for ch := range nch {
		for l := range 16 {
			o := rows[0][l/tw]
			if o < 0 {
				continue
			}
			var s [4][6]float32 // (M A)ᵀ: s[x][i]
			for i := range 6 {
				var m [6]float32
				for j := range 6 {
					m[j] = src[(6*i+j)*lde+ch*ldsch+l]
				}
				for x, v := range wino4At(m) {
					s[x][i] = v
				}
			}
			for x := range 4 {
				for y, v := range wino4At(s[x]) {
					out[o+ch*hw+y*w+4*(l%tw)+x] = v
				}
			}
		}
	}
}
