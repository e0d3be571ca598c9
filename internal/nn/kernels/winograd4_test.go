package kernels

import (
	"math"
	"math/rand/v2"
	"testing"
)

// wino4Shapes are the CIFAR stages of winoShapes (16/32/64 channels on
// 32×32/16×16/8×8) at batches 2-4, the first CIFAR layer (3 → 16), then
// small shapes with every tile row width Winograd4x4 takes (2 to 16 tiles),
// channels that fill no micro-kernel tile, and batches whose tile rows fill
// no whole vector.
var wino4Shapes = []winoShape{
	{2, 16, 16, 32, 32}, {3, 32, 32, 16, 16}, {4, 64, 64, 8, 8}, {2, 16, 3, 32, 32},
	{1, 3, 2, 4, 8}, {3, 5, 7, 8, 8}, {1, 9, 4, 12, 16}, {2, 2, 5, 4, 64}, {1, 1, 1, 4, 32},
}

// TestWinograd4x4 checks Run with every GEMM kernel against the float64
// direct convolution on wino4Shapes, within the bound TestWinograd2x2
// uses (winoBoundTol times the direct float32 bound), every output float
// written; with -v it prints BENCH.md's table for the active kernel,
// Winograd2x2's error on the same inputs beside it.
func TestWinograd4x4(t *testing.T) {
	t.Logf("kernel %s; errors against the float64 reference: max abs, max abs / max|out|", Kernel())
	t.Logf("| layer | F(4×4) abs | F(4×4) rel | F(2×2) abs | direct abs | F(4×4) / bound | F(2×2) / bound |")
	for _, s := range wino4Shapes {
		x, a, want, bound := winoErrCase(s)
		var p Winograd4x4
		p.Prepare(a, s.m, s.c, s.h, s.w)
		for _, kr := range kernelsUnderTest(t) {
			e, scale := checkWinoBound(t, kr, &p, x, s, want, bound)
			if kr == activeKernel() {
				var p2 Winograd2x2
				p2.Prepare(a, s.m, s.c, s.h, s.w)
				e2, _ := maxErr(runWino(t, kr, &p2, x, s), want)
				d, _ := maxErr(runDirect(x, a, s), want)
				t.Logf("| %v | %.2e | %.2e | %.2e | %.2e | %.3f | %.3f |", s, e, e/scale, e2, d, e/bound, e2/bound)
			}
		}
	}
}

// TestWinograd4x4Split checks that splitting a batch changes no bit: a
// batch run at once, with the smallest blocks (one GEMM panel), and each
// image alone give the same output, for every tile row width.
func TestWinograd4x4Split(t *testing.T) {
	for _, s := range []winoShape{{5, 6, 5, 8, 8}, {3, 4, 3, 8, 16}, {3, 3, 4, 4, 32}, {2, 3, 2, 4, 64}} {
		r := rand.New(rand.NewPCG(7, 8))
		x, a := randSlice(r, s.n*s.c*s.h*s.w), randSlice(r, s.m*s.c*9)
		var p Winograd4x4
		p.Prepare(a, s.m, s.c, s.h, s.w)
		one := winoShape{1, s.m, s.c, s.h, s.w}
		xsz, osz := s.c*s.h*s.w, s.m*s.h*s.w
		for _, kr := range kernelsUnderTest(t) {
			var alone []float32
			for img := range s.n {
				alone = append(alone, runWino(t, kr, &p, x[img*xsz:(img+1)*xsz], one)...)
			}
			rb := p.rb
			whole := runWino(t, kr, &p, x, s)
			p.rb = 32 / p.tw
			small := runWino(t, kr, &p, x, s)
			p.rb = rb
			for i := range alone {
				if math.Float32bits(whole[i]) != math.Float32bits(alone[i]) || math.Float32bits(small[i]) != math.Float32bits(alone[i]) {
					t.Fatalf("%v, kernel %s: image %d element %d: batch %g, small blocks %g, alone %g", s, kr.name, i/osz, i%osz, whole[i], small[i], alone[i])
				}
			}
		}
	}
}

// TestWino4Transforms checks that the AVX-512 and the AVX2 transforms of
// Winograd4x4 (those this machine runs) give the same bits as the Go ones
// (wino4InputGo, wino4OutputGo) for every tile row width they take, on
// vectors whose tile rows lie at the top, in the middle
// and at the bottom of the image and past the batch: V of every lane and
// channel, and the output written into a NaN-filled image, including that
// nothing but the vector's tile rows' outputs is written.
func TestWino4Transforms(t *testing.T) {
	var kinds []convKind
	if hasAVX512 {
		kinds = append(kinds, convAVX512)
	}
	if hasConvAVX2 {
		kinds = append(kinds, convAVX2)
	}
	if len(kinds) == 0 {
		t.Skip("no assembly transforms")
	}
	const nch = 3
	for _, kind := range kinds {
		testWino4Transforms(t, kind, nch)
	}
}

// testWino4Transforms is TestWino4Transforms for the transforms of kind.
func testWino4Transforms(t *testing.T, kind convKind, nch int) {
	for _, tw := range []int{2, 4, 8, 16} {
		if wino4Kind(kind, tw) != kind {
			continue
		}
		w := 4 * tw
		h := 4 * max(2, 32/tw) // room for two vectors and a partial one
		var p Winograd4x4
		p.Prepare(make([]float32, 2*nch*9), 2, nch, h, w)
		r := rand.New(rand.NewPCG(uint64(tw), 3))
		x := randSlice(r, 2*nch*h*w)
		q, total := 16/tw, 2*p.th-1 // the last vector partly past the batch
		for r0 := 0; r0 < total; r0 += q {
			rows := p.inputRows(r0, total)
			const lde, lddch = 21, 36 * 21
			got, want := nanSlice(nch*lddch), nanSlice(nch*lddch)
			tmp := make([]float32, wino4Tmp)
			wino4Input(kind, tw, x, h*w, &rows, got, lde, lddch, nch, tmp)
			wino4Input(convGo, tw, x, h*w, &rows, want, lde, lddch, nch, tmp)
			for i := range got {
				if math.Float32bits(got[i]) != math.Float32bits(want[i]) {
					t.Fatalf("kind %d, tw %d, tile row %d: input V[%d] = %g, Go %g", kind, tw, r0, i, got[i], want[i])
				}
			}
			orows := p.outputRows(r0, total)
			m := randSlice(r, nch*lddch)
			gy, wy := nanSlice(2*nch*h*w), nanSlice(2*nch*h*w)
			wino4Output(kind, tw, m, lde, lddch, gy, h*w, &orows, nch, tmp)
			wino4Output(convGo, tw, m, lde, lddch, wy, h*w, &orows, nch, tmp)
			for i := range gy {
				if math.Float32bits(gy[i]) != math.Float32bits(wy[i]) {
					t.Fatalf("kind %d, tw %d, tile row %d: output %d = %g, Go %g", kind, tw, r0, i, gy[i], wy[i])
				}
			}
		}
	}
}
