package kernels

import (
	"math"
	"math/rand/v2"
	"testing"
)

// TestWinograd4x4WeightGrad checks Winograd4x4's GradU and GradWeights
// against the float64 weight gradient on wino4Shapes, within the bound
// TestWinogradWeightGrad uses (winoBoundTol times the worst-case float32
// bound of the direct sum, (K+4)·u·max Σ|terms| with K = n·h·w terms), g
// and dU set whatever they held: with the AVX-512 transforms and every
// GEMM kernel (the others through Sgemm), and with blocks of one 32-tile
// panel (Sgemm rather than the dot products). With -v it
// prints BENCH.md's table: F(4×4)'s error, F(2×2)'s and the direct
// kernel's on the same inputs.
func TestWinograd4x4WeightGrad(t *testing.T) {
	if !hasAVX512 {
		t.Skip("no AVX-512: GradU does not run")
	}
	const u = 1.0 / (1 << 24)
	t.Logf("| layer | F(4×4) abs | F(4×4) rel | F(2×2) abs | direct abs | F(4×4) / bound | F(2×2) / bound |")
	for _, s := range wino4Shapes {
		r := rand.New(rand.NewPCG(uint64(s.m), uint64(s.c*s.h)))
		x, dy := randSlice(r, s.n*s.c*s.h*s.w), randSlice(r, s.n*s.m*s.h*s.w)
		want, absSum := weightGradRef64(x, dy, s)
		bound := float64(s.n*s.h*s.w+4) * u * absSum
		var p Winograd4x4
		p.PrepareSizes(s.m, s.c, s.h, s.w)
		if !p.gradOK(convAVX512) {
			t.Fatalf("%v: GradOK false", s)
		}
		g := wino4WeightGrad(t, &p, avx512Kernel, x, dy, s.n)
		e, scale := maxErr(g, want)
		if !(e <= winoBoundTol*bound) {
			t.Errorf("%v: max error %.3g > %g × bound %.3g", s, e, winoBoundTol, bound)
		}
		rb := p.rb
		p.rb = 16 / p.tw // gradLayout's blocks: 32/tw tile rows
		for _, kr := range kernelsUnderTest(t) {
			e, _ := maxErr(wino4WeightGrad(t, &p, kr, x, dy, s.n), want)
			if !(e <= winoBoundTol*bound) {
				t.Errorf("%v, kernel %s, one panel a block: max error %.3g > %g × bound %.3g", s, kr.name, e, winoBoundTol, bound)
			}
		}
		p.rb = rb
		var p2 Winograd2x2
		p2.PrepareSizes(s.m, s.c, s.h, s.w)
		e2 := math.NaN()
		if p2.gradOK(convAVX512) {
			g2 := nanSlice(s.m * s.c * 9)
			du2 := nanSlice(p2.GradSize())
			p2.gradUWith(avx512Kernel, du2, dy, x, s.n, nanSlice(p2.GradScratchSize(s.n)))
			p2.GradWeights(g2, du2)
			e2, _ = maxErr(g2, want)
		}
		d, _ := maxErr(directWeightGrad(x, dy, s), want)
		t.Logf("| %v | %.2e | %.2e | %.2e | %.2e | %.3f | %.3f |", s, e, e/scale, e2, d, e/bound, e2/bound)
	}
}

// wino4WeightGrad returns GradWeights of GradU with the micro-kernel kr on
// NaN-filled dU, g and scratch.
func wino4WeightGrad(t *testing.T, p *Winograd4x4, kr *microKernel, x, dy []float32, imgs int) []float32 {
	t.Helper()
	g, du := nanSlice(p.m*p.c*9), nanSlice(p.GradSize())
	p.gradUWith(kr, du, dy, x, imgs, nanSlice(p.GradScratchSize(imgs)))
	p.GradWeights(g, du)
	for i, v := range g {
		if math.IsNaN(float64(v)) {
			t.Fatalf("kernel %s: g[%d] not set", kr.name, i)
		}
	}
	return g
}

// TestWino4GradTransform checks that the AVX-512 transforms of dY
// (wino4GradOutAVX512) give the same bits as wino4GradOutGo for every tile
// row width, on vectors whose tile rows lie at the top, in the middle and
// at the bottom of the image and past the batch (zero there), into
// NaN-filled destinations, every lane and position written, with NaN
// around the images (never read).
func TestWino4GradTransform(t *testing.T) {
	if !hasAVX512 {
		t.Skip("no AVX-512")
	}
	const nch = 3
	for _, tw := range []int{2, 4, 8, 16} {
		w := 4 * tw
		h := 4 * max(2, 32/tw)
		var p Winograd4x4
		p.PrepareSizes(nch, 1, h, w)
		r := rand.New(rand.NewPCG(uint64(tw), 5))
		hw := h * w
		buf := nanSlice(4 * nch * hw)
		dy := buf[nch*hw : 3*nch*hw]
		copy(dy, randSlice(r, 2*nch*hw))
		q, total := 16/tw, 2*p.th-1 // the last vector partly past the batch
		for r0 := 0; r0 < total; r0 += q {
			rows := p.outputRows(r0, total)
			const lde, lddch = 21, 36 * 21
			got, want := nanSlice(nch*lddch), nanSlice(nch*lddch)
			tmp := nanSlice(wino4Tmp)
			wino4GradOut(convAVX512, tw, dy, hw, &rows, got, lde, lddch, nch, tmp)
			wino4GradOut(convGo, tw, dy, hw, &rows, want, lde, lddch, nch, tmp)
			for i := range got {
				if i%lde >= 16 {
					continue
				}
				if math.IsNaN(float64(want[i])) || math.Float32bits(got[i]) != math.Float32bits(want[i]) {
					t.Fatalf("tw %d, tile row %d: dM[%d] = %g, Go %g", tw, r0, i, got[i], want[i])
				}
				if l := i % lde; r0+l/tw >= total && want[i] != 0 {
					t.Fatalf("tw %d, tile row %d: lane %d past the batch is %g, want 0", tw, r0, l, want[i])
				}
			}
		}
	}
}
