package kernels

import "fmt"

// The weight gradient with Winograd's F(2×2, 3×3). The output of a tile is
// Y = Aᵀ [Σ_ch U_ch ⊙ V_ch] A with U = G g Gᵀ, linear in each kernel g, so
// the gradient of Σ ⟨dY, Y⟩ with respect to g is
//
//	dg = Gᵀ [Σ_tiles (A dY Aᵀ) ⊙ V] G,
//
// the sum over the tiles of every image, per output and input channel: 16
// GEMMs dU_e [m, c] = dM_e [m, tiles] · V_e [c, tiles]ᵀ with dM = A dY Aᵀ,
// then one small transform per kernel. That is the direct gradient in
// exact arithmetic, with 16 products per tile and channel pair instead of
// 36.

// GradOK reports whether GradU runs for p's shape with the active
// kernel: AVX-512 (the transform of dY is in AVX-512 assembly only), images
// of even height whose rows are 8, 16 or a multiple of 32 floats (whole
// vectors of 16 tiles, see groupRows: the CIFAR stages).
func (p *Winograd2x2) GradOK() bool { return p.gradOK(activeConvKind()) }

func (p *Winograd2x2) gradOK(kind convKind) bool {
	if kind != convAVX512 || p.h%2 != 0 {
		return false
	}
	return p.w%32 == 0 || p.groupRows() > 1
}

// GradPays reports whether GradU (with GradWeights) is faster than the
// direct weight gradient (Conv3x3.WeightGradImages) for p's shape: GradOK,
// and at least 16 input and output channels. BenchmarkWinograd's dw rows
// (BENCH.md) measured Winograd 1.68× as fast at 16 channels on 32×32,
// 1.58× at 32 on 16×16 and 1.38× at 64 on 8×8 (see gradGEMMs); fewer
// channels were not measured.
func (p *Winograd2x2) GradPays() bool { return p.GradOK() && min(p.m, p.c) >= 16 }

// UseGrad reports whether the weight gradient of a layer that runs
// Winograd (Winograd2x2, or Winograd4x4 with p set by PrepareSizes) should
// run GradU: RESEXP_CONV=winograd says yes wherever GradOK,
// RESEXP_CONV=direct no; unset, empty or winograd2, GradPays decides.
func (p *Winograd2x2) UseGrad() bool {
	switch convEnvChoice() {
	case convChoiceDirect:
		return false
	case convChoiceWinograd:
		return p.GradOK()
	}
	return p.GradPays()
}

// GradScratchSize returns the length of the scratch GradU needs for imgs
// images: V, dM and the zero row of the input transform.
func (p *Winograd2x2) GradScratchSize(imgs int) int {
	l := p.layout(max(imgs, 1))
	return 16*(p.c+p.m)*l.ldv + p.zeroLen()
}

// GradSize returns the length of GradU's dU, 16·m·c.
func (p *Winograd2x2) GradSize() int { return 16 * p.m * p.c }

// GradU sets du [16][m][c] (GradSize floats) to the gradient with respect
// to U of the convolution of the images x [imgs, c, h, w] with output
// gradient dy [imgs, m, h, w]: Σ over their tiles of dM_e · V_eᵀ, V per
// block of tile rows (Run's blocks) and the sums in block order, the same
// bits whatever the number of goroutines. GradWeights turns a sum of such
// dU (of several calls) into the weight gradient. It needs GradOK; scratch
// is GradScratchSize(imgs) floats, any contents. It uses no weights:
// Prepare need only have set the sizes.
func (p *Winograd2x2) GradU(du, dy, x []float32, imgs int, scratch []float32) {
	p.gradUWith(activeKernel(), du, dy, x, imgs, scratch)
}

// GradWeights sets g [m, c, 3, 3] (the layout of Prepare's weights) to the
// weight gradient Gᵀ dU G of each kernel, from du [16][m][c] (GradU's, or a
// sum of them): Σ over the images and output pixels of dy times the 3×3
// patch of x around the pixel, zero outside the image.
func (p *Winograd2x2) GradWeights(g, du []float32) { p.GradWeightsRows(g, du, 0, p.m) }

// GradWeightsRows is GradWeights for the output channels lo..hi only
// (rows lo..hi of g), so that callers can split the work.
func (p *Winograd2x2) GradWeightsRows(g, du []float32, lo, hi int) {
	if len(g) < p.m*p.c*9 || len(du) < p.GradSize() || lo < 0 || hi > p.m {
		panic("kernels: Winograd2x2.GradWeights: g or du too short, or rows outside m")
	}
	winoGradWeightsRows(g, du, p.m, p.c, lo, hi, winoGradWeight)
}

// winoGradWeightsRows sets rows lo..hi of g [m, c, 3, 3] to the transforms
// tr of the kernels' dU, gathered from du [npos][m][c] (npos = len of tr's
// argument).
func winoGradWeightsRows[D [16]float32 | [36]float32](g, du []float32, m, c, lo, hi int, tr func(*D) [9]float32) {
	for o := lo; o < hi; o++ {
		for ch := range c {
			var d D
			for e := range len(d) {
				d[e] = du[(e*m+o)*c+ch]
			}
			*(*[9]float32)(g[(o*c+ch)*9:]) = tr(&d)
		}
	}
}

// gradUWith is GradU with the micro-kernel kr.
func (p *Winograd2x2) gradUWith(kr *microKernel, du, dy, x []float32, imgs int, scratch []float32) {
	kind := convKindFor(kr)
	if p.m == 0 || !p.gradOK(kind) {
		panic("kernels: Winograd2x2.WeightGrad without GradOK")
	}
	hw := p.h * p.w
	if len(du) < p.GradSize() {
		panic("kernels: Winograd2x2.GradU: du too short")
	}
	if imgs < 1 {
		clear(du[:p.GradSize()])
		return
	}
	if len(x) < imgs*p.c*hw || len(dy) < imgs*p.m*hw {
		panic("kernels: Winograd2x2.GradU: input or output gradient too short")
	}
	if len(scratch) < p.GradScratchSize(imgs) {
		panic(fmt.Sprintf("kernels: Winograd2x2.GradU: scratch has %d floats, want %d", len(scratch), p.GradScratchSize(imgs)))
	}
	l := p.layout(imgs)
	v, dm := scratch[:16*p.c*l.ldv], scratch[16*p.c*l.ldv:16*(p.c+p.m)*l.ldv]
	zero := scratch[16*(p.c+p.m)*l.ldv:][:p.zeroLen()]
	clear(zero)
	g1 := p.groups(kind)
	if l.rb%g1 != 0 { // Prepare makes blocks whole vectors of g1 tile rows
		panic("kernels: Winograd2x2.GradU: block of tile rows not a multiple of the group")
	}
	total, ld := imgs*p.th, 16*l.ldv
	for r0 := 0; r0 < total; r0 += l.rb {
		nr := min(l.rb, total-r0)
		for k := 0; k < nr; k += g1 {
			img, ty := (r0+k)/p.th, (r0+k)%p.th
			xi := x[img*p.c*hw:][:p.c*hw]
			if g1 > 1 {
				p.inputGroup(g1, v[k*p.tw:], l.ldv, ld, xi, ty)
			} else {
				p.inputRow(kind, v[k*p.tw:], l.ldv, ld, xi, ty, zero)
			}
		}
		p.gradOutBlock(g1, l, dm, dy, r0, nr)
		p.gradGEMMs(kr, du, dm, v, l, nr*p.tw, r0 == 0)
	}
}

// gradGEMMs adds dM_e · V_eᵀ to dU_e (sets it if first) for the 16
// positions e of a block of nt tiles (winoGradGEMMs).
func (p *Winograd2x2) gradGEMMs(kr *microKernel, du, dm, v []float32, l winoLayout, nt int, first bool) {
	winoGradGEMMs(kr, 16, p.m, p.c, du, dm, v, l.ldv, nt, 128, first)
}

// winoGradGEMMs adds dM_e · V_eᵀ to dU_e [m][c] (sets it if first) for the
// npos positions e of a block of nt tiles, dM [m][npos][ldv] and V
// [c][npos][ldv]: with dot products (winoDot4x4AVX512) when the channels
// come in fours and nt in sixteens, at least minDot of them (each 4×4
// block ends in lane sums), else through Sgemm, which packs both operands
// and fills its 32-wide tiles only with 32 or more input channels.
// BenchmarkWinograd's dw rows (F(2×2), minDot 128): dot products 1.7× and
// 1.55× as fast as the direct gradient at 16 channels on 32×32 (256 tiles
// a block) and 32 on 16×16 (128), against Sgemm's 0.67× and 1.27×; at 64
// on 8×8 (64 tiles) Sgemm 1.37×, dot products 1.15×.
func winoGradGEMMs(kr *microKernel, npos, m, c int, du, dm, v []float32, ldv, nt, minDot int, first bool) {
	ld, mc := npos*ldv, m*c
	if kr == avx512Kernel && m%4 == 0 && c%4 == 0 && nt%16 == 0 && nt >= minDot {
		if first {
			clear(du[:npos*mc])
		}
		_ = dm[(npos-1)*ldv+(m-1)*ld+nt-1]
		_ = v[(npos-1)*ldv+(c-1)*ld+nt-1]
		_ = du[npos*mc-1]
		for e := range npos {
			winoDot4x4AVX512(&dm[e*ldv], ld, &v[e*ldv], ld, nt/16, &du[e*mc], c, m/4, c/4)
		}
		return
	}
	var beta float32
	if !first {
		beta = 1
	}
	for e := range npos {
		sgemmWith(kr, false, true, m, c, nt, 1, dm[e*ldv:], ld, v[e*ldv:], ld, beta, du[e*mc:], c)
	}
}

// winoGradWeight returns Gᵀ d G of one 4×4 dU (row-major), the 3×3 kernel
// gradient, in float64 rounded once, with
//
//	Gᵀ = [1 ½ ½ 0; 0 ½ -½ 0; 0 ½ ½ 1].
func winoGradWeight(d *[16]float32) [9]float32 {
	var t [3][4]float64 // Gᵀ d
	for j := range 4 {
		d0, d1, d2, d3 := float64(d[j]), float64(d[4+j]), float64(d[8+j]), float64(d[12+j])
		t[0][j], t[1][j], t[2][j] = d0+(d1+d2)/2, (d1-d2)/2, (d1+d2)/2+d3
	}
	var g [9]float32
	for i, r := range t {
		g[3*i] = float32(r[0] + (r[1]+r[2])/2)
		g[3*i+1] = float32((r[1] - r[2]) / 2)
		g[3*i+2] = float32((r[1]+r[2])/2 + r[3])
	}
	return g
}

// gradOutBlock sets dM = A dY Aᵀ for the tiles of the nr tile rows from r0
// (counted across the images) of dy [imgs, m, h, w]: tile k of the block
// at dm[e*ldv+ch*16*ldv+k], with the vectors of g tile rows of
// winoGradOutG2AVX512 and winoGradOutG4AVX512 (g = groups), or for g = 1
// (tile rows of a multiple of 16 tiles: gradOK) winoGradOutAVX512, whose
// reference is winoGradOutGo.
func (p *Winograd2x2) gradOutBlock(g int, l winoLayout, dm, dy []float32, r0, nr int) {
	hw := p.h * p.w
	for k := 0; k < nr; {
		img, ty := (r0+k)/p.th, (r0+k)%p.th
		n := min(nr-k, p.th-ty) // tile rows of this image in the block
		src := dy[img*p.m*hw+2*ty*p.w:]
		dst := dm[k*p.tw:]
		_ = src[(p.m-1)*hw+2*n*p.w-1]
		_ = dst[15*l.ldv+(p.m-1)*16*l.ldv+n*p.tw-1]
		switch {
		case g == 2:
			winoGradOutG2AVX512(&src[0], hw, &dst[0], l.ldv, 16*l.ldv, p.m, n/2)
		case g == 4:
			winoGradOutG4AVX512(&src[0], hw, &dst[0], l.ldv, 16*l.ldv, p.m, n/4)
		default:
			for r := range n {
				winoGradOutAVX512(&src[2*r*p.w], p.w, hw, &dst[r*p.tw], l.ldv, 16*l.ldv, p.m, p.tw/16)
			}
		}
		k += n
	}
}

// winoGradOutGo sets dM = A dY Aᵀ, with A = [1 0; 1 1; 1 -1; 0 -1], for
// the tiles tiles of one tile row in nch channels: dY of tile k in channel
// ch is src[ch*ldch+y*ldo+2k+x] (y < rows, 2k+x < ldo, zero elsewhere) and
// dM goes to dst[e*lde+ch*lddch+k]. Rows first (A dY), then columns, the
// order of the assembly.
func winoGradOutGo(dst []float32, lde, lddch int, src []float32, ldo, ldch, nch, tiles, rows int) {
	at := func(ch, y, x int) float32 {
		if y >= rows || x >= ldo {
			return 0
		}
		return src[ch*ldch+y*ldo+x]
	}
	for ch := range nch {
		for k := range tiles {
			y00, y01 := at(ch, 0, 2*k), at(ch, 0, 2*k+1)
			y10, y11 := at(ch, 1, 2*k), at(ch, 1, 2*k+1)
			r := [4][2]float32{{y00, y01}, {y00 + y10, y01 + y11}, {y00 - y10, y01 - y11}, {-y10, -y11}}
			for i, ab := range r {
				d := dst[4*i*lde+ch*lddch+k:]
				a, b := ab[0], ab[1]
				d[0], d[lde], d[2*lde], d[3*lde] = a, a+b, a-b, -b
			}
		}
	}
}
