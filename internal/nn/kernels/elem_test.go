package kernels

import (
	"math"
	"math/rand/v2"
	"slices"
	"testing"
)

// elemInput returns n values of N(0,1) with NaN, ±Inf, ±0 and denormals
// sprinkled in, so the assembly's special-value behaviour is compared too.
func elemInput(r *rand.Rand, n int) []float32 {
	x := make([]float32, n)
	specials := []float32{float32(math.NaN()), float32(math.Inf(1)), float32(math.Inf(-1)),
		0, float32(math.Copysign(0, -1)), 1e-40, -1e-40}
	for i := range x {
		x[i] = float32(r.NormFloat64())
		if r.IntN(8) == 0 {
			x[i] = specials[r.IntN(len(specials))]
		}
	}
	return x
}

func sameBits(t *testing.T, name string, got, want []float32) {
	t.Helper()
	for i := range want {
		if math.Float32bits(got[i]) != math.Float32bits(want[i]) {
			t.Fatalf("%s: element %d of %d: got %v want %v", name, i, len(want), got[i], want[i])
		}
	}
}

func same64(t *testing.T, name string, got, want float64) {
	t.Helper()
	if math.Float64bits(got) != math.Float64bits(want) && !(math.IsNaN(got) && math.IsNaN(want)) {
		t.Fatalf("%s: got %v want %v", name, got, want)
	}
}

// TestElemMatchesGo checks that every elementwise kernel equals its Go
// reference bit for bit, for lengths around the vector widths.
func TestElemMatchesGo(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	for _, n := range []int{0, 1, 7, 8, 9, 15, 16, 17, 49, 64, 196, 1024, 1031} {
		x, y, d := elemInput(r, n), elemInput(r, n), elemInput(r, n)
		got, want := make([]float32, n), make([]float32, n)
		ReLU(got, x)
		reluGo(want, x)
		sameBits(t, "ReLU", got, want)
		ReLUBackward(got, y, d)
		reluBackwardGo(want, y, d)
		sameBits(t, "ReLUBackward", got, want)
		for _, relu := range []bool{false, true} {
			Add(got, x, y, relu)
			addGo(want, x, y, relu)
			sameBits(t, "Add", got, want)
			copy(got, x)
			Add(got, got, y, relu) // dst aliasing a, as the fused residual addition runs it
			sameBits(t, "Add in place", got, want)
			ScaleShift(got, x, 0.3, 1.7, -0.2, relu)
			scaleShiftGo(want, x, 0.3, 1.7, -0.2, relu)
			sameBits(t, "ScaleShift", got, want)
			ScaleShiftAdd(got, x, y, 0.3, 1.7, -0.2, relu)
			scaleShiftAddGo(want, x, y, 0.3, 1.7, -0.2, relu)
			sameBits(t, "ScaleShiftAdd", got, want)
			scaleShiftGo(want, x, 0.3, 1.7, -0.2, false) // its contract: ScaleShift, then Add
			addGo(want, want, y, relu)
			sameBits(t, "ScaleShiftAdd as ScaleShift and Add", got, want)
		}
		AddReLUBackward(got, x, y, d)
		addReLUBackwardGo(want, x, y, d)
		sameBits(t, "AddReLUBackward", got, want)
		copy(got, x)
		AddReLUBackward(got, got, y, d) // dst aliasing a, as the residual block runs it
		sameBits(t, "AddReLUBackward in place", got, want)
		reluBackwardGo(want, y, d) // its contract: ReLUBackward, then Add
		addGo(want, x, want, false)
		sameBits(t, "AddReLUBackward as ReLUBackward and Add", got, want)
		BNBackward(got, d, x, 0.3, 1.7, -0.2, 0.05)
		bnBackwardGo(want, d, x, 0.3, 1.7, -0.2, 0.05)
		sameBits(t, "BNBackward", got, want)
		BNBackwardReLU(got, d, y, x, 0.3, 1.7, -0.2, 0.05)
		bnBackwardReLUGo(want, d, y, x, 0.3, 1.7, -0.2, 0.05)
		sameBits(t, "BNBackwardReLU", got, want)

		// The sums use finite inputs: NaN payloads may differ.
		xf, df := make([]float32, n), make([]float32, n)
		for i := range xf {
			xf[i], df[i] = float32(r.NormFloat64()), float32(r.NormFloat64())
		}
		m := n &^ 15
		wantS := sum64Go(xf[:m])
		wantQ := sqDev64Go(xf[:m], 0.25)
		wantD, wantDX := dotDev64Go(df[:m], xf[:m], 0.25)
		for i := m; i < n; i++ {
			wantS += float64(xf[i])
			dv := float64(xf[i]) - 0.25
			wantQ += float64(dv * dv)
			wantD += float64(df[i])
			wantDX += float64(float64(df[i]) * dv)
		}
		same64(t, "Sum64", Sum64(xf), wantS)
		same64(t, "SqDev64", SqDev64(xf, 0.25), wantQ)
		gd, gdx := DotDev64(df, xf, 0.25)
		same64(t, "DotDev64 sum", gd, wantD)
		same64(t, "DotDev64 dot", gdx, wantDX)

		// The ...Of variants equal their ReLU-reading counterparts with y
		// the ReLU of ScaleShift; the identity map (0, 1, 0) puts x's ±0
		// on the mask's edge.
		for _, f := range [][3]float32{{0.3, 1.7, -0.2}, {0, 1, 0}} {
			ys := make([]float32, n)
			scaleShiftGo(ys, x, f[0], f[1], f[2], true)
			BNBackwardReLUOf(got, d, x, f[0], f[1], f[2], 0.9, -0.4, 0.05)
			bnBackwardReLUOfGo(want, d, x, f[0], f[1], f[2], 0.9, -0.4, 0.05)
			sameBits(t, "BNBackwardReLUOf", got, want)
			bnBackwardReLUGo(want, d, ys, x, f[0], 0.9, -0.4, 0.05)
			sameBits(t, "BNBackwardReLUOf as BNBackwardReLU", got, want)
			xz := slices.Clone(xf)
			for i := range xz {
				if i%5 == 0 {
					xz[i] = float32(math.Copysign(0, float64(i%2)-0.5))
				}
			}
			scaleShiftGo(ys, xz, f[0], f[1], f[2], true)
			wd, wdx := DotDev64ReLU(df, ys, xz, 0.25)
			gd, gdx := DotDev64ReLUOf(df, xz, 0.25, f[0], f[1], f[2])
			same64(t, "DotDev64ReLUOf sum", gd, wd)
			same64(t, "DotDev64ReLUOf dot", gdx, wdx)
			wd, wdx = dotDev64ReLUOfGo(df[:m], xz[:m], 0.25, f[0], f[1], f[2])
			wd, wdx = dotDevTail(wd, wdx, df, xz, m, 0.25, func(i int) bool { return ys[i] > 0 })
			same64(t, "DotDev64ReLUOf sum, Go", gd, wd)
			same64(t, "DotDev64ReLUOf dot, Go", gdx, wdx)
		}

		// DotDev64ReLU equals DotDev64 of the masked d.
		dm := make([]float32, n)
		reluBackwardGo(dm, x, df)
		wd, wdx := DotDev64(dm, xf, 0.25)
		gd, gdx = DotDev64ReLU(df, x, xf, 0.25)
		same64(t, "DotDev64ReLU sum", gd, wd)
		same64(t, "DotDev64ReLU dot", gdx, wdx)
	}
}

// TestElemSemantics pins the special values of the contracts.
func TestElemSemantics(t *testing.T) {
	nan, negZero := float32(math.NaN()), float32(math.Copysign(0, -1))
	x := []float32{-1, 2, nan, negZero, -3, 4, 5, -6, nan, -1}
	got := make([]float32, len(x))
	ReLU(got, x)
	want := []float32{0, 2, nan, negZero, 0, 4, 5, 0, nan, 0}
	sameBits(t, "ReLU", got, want)
	ReLUBackward(got, x, []float32{1, 1, 1, 1, 1, 1, 1, 1, 1, 1})
	sameBits(t, "ReLUBackward", got, []float32{0, 1, 0, 0, 0, 1, 1, 0, 0, 0})
	if s := Sum64([]float32{1, 2, 3}); s != 6 {
		t.Fatalf("Sum64 = %v, want 6", s)
	}
}
