package kernels

import "fmt"

// The weight gradient with F(4×4, 3×3), as Winograd2x2's (winograd_grad.go)
// with F(4×4)'s matrices: the gradient of Σ ⟨dY, Aᵀ [Σ_ch U ⊙ V] A⟩ with
// respect to a kernel g (U = G g Gᵀ) is
//
//	dg = Gᵀ [Σ_tiles (A dY Aᵀ) ⊙ V] G,
//
// 36 GEMMs dU_e [m, c] = dM_e [m, tiles] · V_e [c, tiles]ᵀ over the 4×4
// tiles of every image, dM = A dY Aᵀ, then one 6×6 to 3×3 transform per
// kernel: 36 products per 16 outputs and channel pair, against F(2×2)'s 64
// and the direct gradient's 144. In exact arithmetic it is the direct
// gradient; in float32 dM's entries are up to 15² times dY's, and the
// error measured against the float64 gradient is in BENCH.md.

// PrepareSizes sets p's sizes only, as Prepare would for m output and c
// input channels of h×w images, for GradU and GradWeights, which use no
// weights (a layer whose output runs Winograd2x2). Run panics until the
// next Prepare, which transforms its weights anew. It panics unless
// Supports4x4(h, w).
func (p *Winograd4x4) PrepareSizes(m, c, h, w int) {
	if m < 1 || c < 1 || !Supports4x4(h, w) {
		panic(fmt.Sprintf("kernels: Winograd4x4.PrepareSizes: unsupported sizes m %d, c %d, %d×%d", m, c, h, w))
	}
	p.a, p.u = p.a[:0], p.u[:0]
	p.setSizes(m, c, h, w)
}

// GradOK reports whether GradU runs for p's shape with the active kernel:
// AVX-512 (the transforms of dY are AVX-512 assembly only).
func (p *Winograd4x4) GradOK() bool { return p.gradOK(activeConvKind()) }

func (p *Winograd4x4) gradOK(kind convKind) bool { return kind == convAVX512 && p.m > 0 }

// GradSize returns the length of GradU's dU, 36·m·c.
func (p *Winograd4x4) GradSize() int { return 36 * p.m * p.c }

// GradScratchSize returns the length of the scratch GradU needs for imgs
// images: V, dM and the transforms' staging area.
func (p *Winograd4x4) GradScratchSize(imgs int) int {
	l := p.gradLayout(max(imgs, 1))
	return 36*(p.c+p.m)*l.ldv + wino4Tmp
}

// GradU sets du [36][m][c] (GradSize floats) to the gradient with respect
// to U of the convolution of the images x [imgs, c, h, w] with output
// gradient dy [imgs, m, h, w]: Σ over their tiles of dM_e · V_eᵀ, per
// block of tile rows (Run's blocks) and the sums in block order, the same
// bits whatever the number of goroutines. GradWeights turns a sum of such
// dU (of several calls) into the weight gradient. It needs GradOK; scratch
// is GradScratchSize(imgs) floats, any contents. It uses no weights:
// PrepareSizes is enough.
func (p *Winograd4x4) GradU(du, dy, x []float32, imgs int, scratch []float32) {
	p.gradUWith(activeKernel(), du, dy, x, imgs, scratch)
}

// GradWeights sets g [m, c, 3, 3] (the layout of Prepare's weights) to the
// weight gradient Gᵀ dU G of each kernel, from du [36][m][c] (GradU's, or a
// sum of them): Σ over the images and output pixels of dy times the 3×3
// patch of x around the pixel, zero outside the image.
func (p *Winograd4x4) GradWeights(g, du []float32) { p.GradWeightsRows(g, du, 0, p.m) }

// GradWeightsRows is GradWeights for the output channels lo..hi only
// (rows lo..hi of g), so that callers can split the work.
func (p *Winograd4x4) GradWeightsRows(g, du []float32, lo, hi int) {
	if len(g) < p.m*p.c*9 || len(du) < p.GradSize() || lo < 0 || hi > p.m {
		panic("kernels: Winograd4x4.GradWeights: g or du too short, or rows outside m")
	}
	winoGradWeightsRows(g, du, p.m, p.c, lo, hi, wino4GradWeight)
}

// gradLayout is layout for GradU: blocks of twice Run's tile rows (V and
// dM in 2·winoBudget floats), which BenchmarkWinograd's dw rows measured
// 1.1–2× as fast as Run's blocks at the CIFAR stages (16 channels on
// 32×32: 192 tiles a block instead of 96, dot products instead of Sgemm).
func (p *Winograd4x4) gradLayout(imgs int) wino4Layout { return p.layoutBlocks(imgs, 2*p.rb) }

// gradUWith is GradU with the micro-kernel kr and the transforms that go
// with it (wino4Kind; the Go transforms of dY unless AVX-512).
func (p *Winograd4x4) gradUWith(kr *microKernel, du, dy, x []float32, imgs int, scratch []float32) {
	if p.m == 0 {
		panic("kernels: Winograd4x4.GradU before Prepare or PrepareSizes")
	}
	hw := p.h * p.w
	if len(du) < p.GradSize() {
		panic("kernels: Winograd4x4.GradU: du too short")
	}
	if imgs < 1 {
		clear(du[:p.GradSize()])
		return
	}
	if len(x) < imgs*p.c*hw || len(dy) < imgs*p.m*hw {
		panic("kernels: Winograd4x4.GradU: input or output gradient too short")
	}
	if len(scratch) < p.GradScratchSize(imgs) {
		panic(fmt.Sprintf("kernels: Winograd4x4.GradU: scratch has %d floats, want %d", len(scratch), p.GradScratchSize(imgs)))
	}
	l, kind := p.gradLayout(imgs), wino4Kind(convKindFor(kr), p.tw)
	v, dm := scratch[:36*p.c*l.ldv], scratch[36*p.c*l.ldv:36*(p.c+p.m)*l.ldv]
	tmp := scratch[36*(p.c+p.m)*l.ldv:][:wino4Tmp]
	total, q := imgs*p.th, 16/p.tw
	for r0 := 0; r0 < total; r0 += l.rb {
		nr := min(l.rb, total-r0)
		for k := 0; k < nr; k += q {
			rows := p.inputRows(r0+k, total)
			wino4Input(kind, p.tw, x, hw, &rows, v[16*k/q:], l.ldv, 36*l.ldv, p.c, tmp)
			rows = p.outputRows(r0+k, total)
			wino4GradOut(kind, p.tw, dy, hw, &rows, dm[16*k/q:], l.ldv, 36*l.ldv, p.m, tmp)
		}
		// Whole vectors of 16 tiles: the lanes past the last tile row are
		// zero in V and dM.
		winoGradGEMMs(kr, 36, p.m, p.c, du, dm, v, l.ldv, ceilDiv(nr, q)*16, 64, r0 == 0)
	}
}

// wino4GradWeight returns Gᵀ d G of one 6×6 dU (row-major), the 3×3
// kernel gradient, in float64 rounded once, with
//
//	Gᵀ = [1/4 -1/6 -1/6 1/24 1/24 0; 0 -1/6 1/6 1/12 -1/12 0;
//	      0 -1/6 -1/6 1/6 1/6 1].
func wino4GradWeight(d *[36]float32) [9]float32 {
	gt := func(v [6]float64) [3]float64 { // Gᵀ · v
		a, b := v[1]+v[2], v[3]+v[4]
		return [3]float64{v[0]/4 - a/6 + b/24, (v[2]-v[1])/6 + (v[3]-v[4])/12, -a/6 + b/6 + v[5]}
	}
	var t [3][6]float64 // Gᵀ d
	for j := range 6 {
		var col [6]float64
		for i := range col {
			col[i] = float64(d[6*i+j])
		}
		c := gt(col)
		for i := range 3 {
			t[i][j] = c[i]
		}
	}
	var g [9]float32
	for i, r := range t {
		for j, v := range gt(r) {
			g[3*i+j] = float32(v)
		}
	}
	return g
}

// wino4A returns A y of a column y of four floats, A = (Aᵀ)ᵀ of F(4×4), in
// the order of the assembly: with a = y0+y2, b = y1+y3, c = y0 + 4y2 and d
// = 2y1 + 8y3, (y0, a+b, a-b, c+d, c-d, y3). The multiplications are by
// powers of two, exact, so c and d round once, fused or not.
func wino4A(y [4]float32) [6]float32 {
	a, b, c, d := y[0]+y[2], y[1]+y[3], y[0]+4*y[2], 2*y[1]+8*y[3]
	return [6]float32{y[0], a + b, a - b, c + d, c - d, y[3]}
}

// wino4GradOut sets dM = A dY Aᵀ of the 16 tiles of one vector (lanes as
// in wino4Input) in nch channels: dY of tile k of the vector's tile row r
// at dy[rows[0][r]+ch*hw+y*4tw+4k+x], none (zero) where rows[0][r] is -1,
// dM_e of lane l to dst[e*lde+ch*lddch+l], e = 6i+j. The transforms of kind
// run: AVX-512 or wino4GradOutGo.
func wino4GradOut(kind convKind, tw int, dy []float32, hw int, rows *wino4Rows, dst []float32, lde, lddch, nch int, tmp []float32) {
	_ = dst[35*lde+(nch-1)*lddch+15]
	if kind != convAVX512 {
		wino4GradOutGo(tw, dy, hw, rows, dst, lde, lddch, nch)
		return
	}
	wino4CheckRows(dy, rows[0][:], (nch-1)*hw+16*tw, tmp)
	wino4GradOutAVX512(tw, &dy[0], hw, rows, &dst[0], lde, lddch, nch, &tmp[0])
}

// wino4GradOutGo is wino4GradOut in Go: per channel, A on the four rows
// of each tile row of the vector's 64 floats (zero where the tile row is
// -1), then A on the four columns of each tile, the order of the assembly.
func wino4GradOutGo(tw int, dy []float32, hw int, rows *wino4Rows, dst []float32, lde, lddch, nch int) {
	w := 4 * tw
	for ch := range nch {
		var t [6][64]float32 // A dY, 64 floats of 16/tw tile rows
		for f := range 64 {
			var y [4]float32
			if o := rows[0][f/w]; o >= 0 {
				for i := range y {
					y[i] = dy[o+ch*hw+i*w+f%w]
				}
			}
			for i, v := range wino4A(y) {
				t[i][f] = v
			}
		}
		for i := range 6 {
			for l := range 16 {
				for j, v := range wino4A(*(*[4]float32)(t[i][4*l:])) {
					dst[(6*i+j)*lde+ch*lddch+l] = v
				}
			}
		}
	}
}

// GradPays reports whether GradU (with GradWeights) is faster than
// Winograd2x2's for p's shape: GradOK, at least 16 input and output
// channels, and images at least 16 wide. BenchmarkWinograd's dw rows
// (BENCH.md, "Winograd F(4×4,3×3): the weight gradient") measured it
// 1.3× as fast as Winograd2x2's at 16 channels on 32×32 and 32 on 16×16,
// and no faster at 64 on 8×8 (two tiles a row).
func (p *Winograd4x4) GradPays() bool { return p.GradOK() && min(p.m, p.c) >= 16 && p.w >= 16 }

// UseGrad reports whether the weight gradient of a layer that runs
// Winograd should run p's GradU (p set by PrepareSizes or Prepare) rather
// than Winograd2x2's: RESEXP_CONV=winograd says yes wherever GradOK,
// RESEXP_CONV=direct or winograd2 no (winograd2 reproduces runs made
// before F(4×4)); unset or empty, GradPays decides.
func (p *Winograd4x4) UseGrad() bool {
	switch convEnvChoice() {
	case convChoiceDirect, convChoiceWinograd2:
		return false
	case convChoiceWinograd:
		return p.GradOK()
	}
	return p.GradPays()
}
