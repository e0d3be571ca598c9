package plots

import (
	"image/color"
	"math"
	"slices"
	"testing"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"

	"github.com/resexp/resexp/internal/runfiles"
)

var (
	nan  = math.NaN()
	pInf = math.Inf(1)
	nInf = math.Inf(-1)
)

// sameFloats compares with NaN == NaN.
func sameFloats(a, b []float64) bool {
	return slices.EqualFunc(a, b, func(x, y float64) bool { return x == y || math.IsNaN(x) && math.IsNaN(y) })
}

func TestLogBounds(t *testing.T) {
	tests := []struct {
		name        string
		series      [][]float64
		floor, ceil float64
	}{
		{"spread", [][]float64{{1e-12, 3, nan}, {0, pInf, 1e3, -5, nInf}}, 1e-13, 1e4},
		{"none positive", [][]float64{{0, -1, nan, pInf, nInf}}, defaultFloor, defaultCeil},
		{"empty", nil, defaultFloor, defaultCeil},
		{"single", [][]float64{{2}}, 0.2, 20},
		{"denormal", [][]float64{{5e-324}}, 5e-324, 5e-323},
		{"huge", [][]float64{{1e308}}, 1e307, math.MaxFloat64},
	}
	for _, tc := range tests {
		floor, ceil := logBounds(tc.series...)
		if floor != tc.floor || ceil != tc.ceil {
			t.Errorf("%s: got (%g, %g), want (%g, %g)", tc.name, floor, ceil, tc.floor, tc.ceil)
		}
	}
}

func TestClampLog(t *testing.T) {
	xs := []float64{0, 1, 2, 3, 4, 5, 6, 7}
	ys := []float64{1, 0, nan, pInf, nInf, -2, 1e-20, 1e20}
	tests := []struct {
		name         string
		nanMissing   bool
		pts, clamped plotter.XYs
	}{
		{"nan is data", false,
			xys(0, 1, 1, 1e-3, 2, 1e-3, 3, 1e3, 4, 1e-3, 5, 1e-3, 6, 1e-3, 7, 1e3),
			xys(1, 1e-3, 2, 1e-3, 3, 1e3, 4, 1e-3, 5, 1e-3, 6, 1e-3, 7, 1e3)},
		{"nan is missing", true,
			xys(0, 1, 1, 1e-3, 3, 1e3, 4, 1e-3, 5, 1e-3, 6, 1e-3, 7, 1e3),
			xys(1, 1e-3, 3, 1e3, 4, 1e-3, 5, 1e-3, 6, 1e-3, 7, 1e3)},
	}
	for _, tc := range tests {
		pts, cl := clampLog(xs, ys, 1e-3, 1e3, tc.nanMissing)
		if !slices.Equal(pts, tc.pts) || !slices.Equal(cl, tc.clamped) {
			t.Errorf("%s: got %v, %v\nwant %v, %v", tc.name, pts, cl, tc.pts, tc.clamped)
		}
	}
}

func TestMovingAverage(t *testing.T) {
	tests := []struct {
		w      int
		in     []float64
		expect []float64
	}{
		{0, []float64{1, 2, 3}, []float64{1, 2, 3}},
		{1, []float64{1, nan}, []float64{1, nan}},
		{2, []float64{1, 3, 5, 7}, []float64{1, 2, 4, 6}},
		{3, []float64{3, 6, 9, 12}, []float64{3, 4.5, 6, 9}},
		{2, []float64{1, nan, 5, pInf, 3}, []float64{1, nan, 5, pInf, 3}},
		{3, []float64{2, nan, 4, 6}, []float64{2, nan, 3, 5}},
		{10, nil, nil},
	}
	for _, tc := range tests {
		if got := movingAverage(tc.in, tc.w); !sameFloats(got, tc.expect) {
			t.Errorf("movingAverage(%v, %d) = %v, want %v", tc.in, tc.w, got, tc.expect)
		}
	}
}

func TestSelectSteps(t *testing.T) {
	tests := []struct{ in, want []int }{
		{nil, []int{}},
		{[]int{5}, []int{5}},
		{[]int{5, 5, 0}, []int{0, 5}},
		{[]int{0, 10, 20}, []int{0, 10, 20}},
		{[]int{30, 0, 10, 20}, []int{0, 20, 30}},
		{[]int{0, 10, 20, 30, 40, 40}, []int{0, 20, 40}},
	}
	for _, tc := range tests {
		if got := selectSteps(tc.in); !slices.Equal(got, tc.want) && !(len(got) == 0 && len(tc.want) == 0) {
			t.Errorf("selectSteps(%v) = %v, want %v", tc.in, got, tc.want)
		}
	}
}

func TestCommonSteps(t *testing.T) {
	got := commonSteps([]int{0, 10, 20, 30}, []int{0, 20, 30, 40}, []int{5, 20, 30})
	if want := []int{20, 30}; !slices.Equal(got, want) {
		t.Errorf("got %v, want %v", got, want)
	}
	if got := commonSteps(); got != nil {
		t.Errorf("no lists: got %v", got)
	}
}

func gn(step, index int, norm float64) runfiles.GradNormRow {
	return runfiles.GradNormRow{Step: step, Index: index, Layer: "l", Norm: norm}
}

func TestProfileAt(t *testing.T) {
	rows := []runfiles.GradNormRow{gn(0, 2, 3), gn(0, 0, 1), gn(10, 0, 9), gn(0, 1, nan), gn(0, 2, 4)}
	idx, norms := profileAt(rows, 0)
	if !slices.Equal(idx, []float64{0, 1, 2}) || !sameFloats(norms, []float64{1, nan, 4}) {
		t.Errorf("got %v, %v", idx, norms)
	}
}

func TestRatioSeries(t *testing.T) {
	rows := []runfiles.GradNormRow{
		gn(0, 0, 1e-6), gn(0, 1, 5), gn(0, 2, 1e-3),
		gn(10, 2, 0), gn(10, 0, 2),
		gn(20, 0, 0), gn(20, 2, 0),
		gn(30, 0, 4), // one layer only: skipped
		gn(40, 2, pInf), gn(40, 0, 0),
		gn(5, 1, 1), gn(5, 0, nan),
	}
	steps, ratios := ratioSeries(rows)
	wantSteps := []float64{0, 5, 10, 20, 40}
	wantRatios := []float64{1e-6 / 1e-3, nan, pInf, nan, 0}
	if !slices.Equal(steps, wantSteps) || !sameFloats(ratios, wantRatios) {
		t.Errorf("got %v, %v\nwant %v, %v", steps, ratios, wantSteps, wantRatios)
	}
}

func TestSortedDesc(t *testing.T) {
	got := sortedDesc([]float64{1, nan, 3, pInf, 0, 2})
	if want := []float64{pInf, 3, 2, 1, 0, nan}; !sameFloats(got, want) {
		t.Errorf("got %v, want %v", got, want)
	}
}

func TestWantLog(t *testing.T) {
	tests := []struct {
		in   []float64
		want bool
	}{
		{[]float64{0.5, 1, 2}, false},
		{[]float64{0, 0.01, 1}, false},
		{[]float64{0.001, 1}, true},
		{[]float64{1, nan}, true},
		{[]float64{1, pInf}, true},
		{nil, false},
	}
	for _, tc := range tests {
		if got := wantLog(tc.in); got != tc.want {
			t.Errorf("wantLog(%v) = %v", tc.in, got)
		}
	}
}

func TestDecimate(t *testing.T) {
	pts := xys(0, 5, 1, 1, 2, 9, 3, 4, 4, 4, 5, 0, 6, 7, 7, 3)
	got := decimate(pts, 4)
	want := xys(1, 1, 2, 9, 5, 0, 6, 7)
	if !slices.Equal(got, want) {
		t.Errorf("got %v, want %v", got, want)
	}
	if got := decimate(pts, 8); !slices.Equal(got, pts) {
		t.Errorf("short input changed: %v", got)
	}
	flat := xys(0, 1, 1, 1, 2, 1, 3, 1)
	if got := decimate(flat, 2); !slices.Equal(got, xys(0, 1)) {
		t.Errorf("flat: got %v", got)
	}
}

func TestHeatGrid(t *testing.T) {
	rows := []runfiles.GradNormRow{
		{Step: 0, Index: 0, Layer: "conv1", Norm: 100}, {Step: 0, Index: 1, Layer: "stage1.a", Norm: 0},
		{Step: 20, Index: 0, Layer: "conv1", Norm: pInf}, {Step: 20, Index: 1, Layer: "stage1.a", Norm: nan},
		{Step: 10, Index: 0, Layer: "conv1", Norm: 0.01}, // step 10, layer 1 not recorded
	}
	g := newHeatGrid(rows)
	if c, r := g.Dims(); c != 3 || r != 2 {
		t.Fatalf("dims %d×%d", c, r)
	}
	want := [][]float64{{2, nInf}, {-2, nan}, {pInf, nan}}
	for c := range 3 {
		if !sameFloats(g.z[c], want[c]) {
			t.Errorf("column %d (step %g): %v, want %v", c, g.X(c), g.z[c], want[c])
		}
	}
	if g.X(2) != 20 || g.Y(1) != 1 || !slices.Equal(g.names, []string{"conv1", "stage1.a"}) {
		t.Errorf("coordinates %v %v %v", g.steps, g.layers, g.names)
	}
	if lo, hi := g.zRange(); lo != -2 || hi != 2 {
		t.Errorf("zRange = %g, %g", lo, hi)
	}
	if z, i, n := g.counts(); z != 1 || i != 1 || n != 2 {
		t.Errorf("counts = %d, %d, %d", z, i, n)
	}
	if x0, x1, y0, y1 := g.bounds(); x0 != -5 || x1 != 25 || y0 != -0.5 || y1 != 1.5 {
		t.Errorf("bounds = %g %g %g %g", x0, x1, y0, y1)
	}
}

func TestZRangeDegenerate(t *testing.T) {
	tests := []struct {
		norms  []float64
		lo, hi float64
	}{
		{[]float64{0, nan}, 0, 1},
		{[]float64{10}, 0.5, 1.5},
		{[]float64{10, 100}, 1, 2},
	}
	for _, tc := range tests {
		var rows []runfiles.GradNormRow
		for i, n := range tc.norms {
			rows = append(rows, gn(0, i, n))
		}
		if lo, hi := newHeatGrid(rows).zRange(); lo != tc.lo || hi != tc.hi {
			t.Errorf("%v: got %g, %g want %g, %g", tc.norms, lo, hi, tc.lo, tc.hi)
		}
	}
}

func TestHeatImage(t *testing.T) {
	// Steps 0, 10, 40: cells span [-5,5), [5,25), [25,55); layers 0, 1.
	rows := []runfiles.GradNormRow{gn(0, 0, 1), gn(10, 0, 10), gn(40, 0, 100), gn(0, 1, 0), gn(10, 1, pInf), gn(40, 1, nan)}
	g := newHeatGrid(rows)
	colorOf := func(z float64) color.Color { return color.Gray{Y: uint8(cellColorCode(z))} }
	img := heatImage(g, colorOf, 6, 2)               // pixel width 10: centres at -0, 10, 20, 30, 40, 50
	wantTop := []uint8{101, 102, 102, 103, 103, 103} // layer 1: -Inf, +Inf, NaN
	wantBottom := []uint8{0, 1, 1, 2, 2, 2}          // layer 0: log10 = 0, 1, 2
	for px := range 6 {
		if got := img.RGBAAt(px, 0).R; got != wantTop[px] {
			t.Errorf("top pixel %d = %d, want %d", px, got, wantTop[px])
		}
		if got := img.RGBAAt(px, 1).R; got != wantBottom[px] {
			t.Errorf("bottom pixel %d = %d, want %d", px, got, wantBottom[px])
		}
	}
}

// cellColorCode encodes a cell value as a grey level for TestHeatImage.
func cellColorCode(z float64) int {
	switch {
	case math.IsInf(z, -1):
		return 101
	case math.IsInf(z, 1):
		return 102
	case math.IsNaN(z):
		return 103
	}
	return int(z)
}

func TestCellColor(t *testing.T) {
	pal := []color.Color{color.Gray{0}, color.Gray{1}, color.Gray{2}}
	under, over, nanC := color.Gray{10}, color.Gray{11}, color.Gray{12}
	tests := []struct {
		z    float64
		want color.Color
	}{
		{nInf, under}, {-1.1, under}, {-1, pal[0]}, {-0.6, pal[0]}, {0, pal[1]}, {1, pal[2]},
		{1.01, over}, {pInf, over}, {nan, nanC},
	}
	for _, tc := range tests {
		if got := cellColor(tc.z, -1, 1, pal, under, over, nanC); got != tc.want {
			t.Errorf("cellColor(%g) = %v, want %v", tc.z, got, tc.want)
		}
	}
}

func TestImageSide(t *testing.T) {
	tests := []struct{ n, want int }{{1, 1600}, {3, 1602}, {2000, 2000}, {5000, 4000}, {1600, 1600}}
	for _, tc := range tests {
		if got := imageSide(tc.n, 1600, 4000); got != tc.want {
			t.Errorf("imageSide(%d) = %d, want %d", tc.n, got, tc.want)
		}
	}
}

func TestLayerTicks(t *testing.T) {
	names := []string{"conv1", "stage1.b1.c1", "stage1.b1.c2", "stage2.b1.c1", "stage2.b1.c2", "stage3.b1.c1", "fc"}
	idx := []float64{0, 1, 2, 3, 4, 5, 6}
	got := layerTicks(idx, names, 1.5)
	want := []plot.Tick{{Value: 0}, {Value: 1, Label: "stage1 (1)"}, {Value: 3, Label: "stage2 (3)"},
		{Value: 5}, {Value: 6, Label: "fc (6)"}}
	if !slices.Equal(got, want) {
		t.Errorf("got %v\nwant %v", got, want)
	}
}

func TestDecadeTicks(t *testing.T) {
	labels := func(ts []plot.Tick) (out []string) {
		for _, t := range ts {
			if t.Label != "" {
				out = append(out, t.Label)
			}
		}
		return out
	}
	tests := []struct {
		lo, hi float64
		want   []string
		n      int
	}{
		{1e-13, 2e3, []string{"1e-12", "1e-9", "1e-6", "1e-3", "1", "1000"}, 17},
		{0.05, 4.6, []string{"0.05", "0.1", "0.2", "0.5", "1", "2"}, 18},
		{1e-320, 1e-300, []string{"1e-318", "1e-315", "1e-312", "1e-309", "1e-306", "1e-303", "1e-300"}, 21},
		{1e-300, 1e300, []string{"1e-258", "1e-172", "1e-86", "1", "1e86", "1e172", "1e258"}, 7},
		{1e300, math.MaxFloat64, []string{"1e300", "1e302", "1e304", "1e306", "1e308"}, 9},
	}
	for _, tc := range tests {
		got := (decadeTicks{}).Ticks(tc.lo, tc.hi)
		if l := labels(got); !slices.Equal(l, tc.want) || len(got) != tc.n {
			t.Errorf("Ticks(%g, %g): labels %v (%d ticks), want %v (%d)", tc.lo, tc.hi, l, len(got), tc.want, tc.n)
		}
		for _, tk := range got {
			if tk.Value < tc.lo || tk.Value > tc.hi || tk.Value <= 0 || math.IsInf(tk.Value, 0) {
				t.Errorf("Ticks(%g, %g): tick %g outside", tc.lo, tc.hi, tk.Value)
			}
		}
	}
}

func TestNiceTicks(t *testing.T) {
	got := (niceTicks{}).Ticks(-5, 395)
	var labels []string
	for _, tk := range got {
		if tk.Label != "" {
			labels = append(labels, tk.Label)
		}
	}
	want := []string{"0", "100", "200", "300"}
	if !slices.Equal(labels, want) {
		t.Errorf("labels %v, want %v", labels, want)
	}
	if got := (niceTicks{}).Ticks(0, 0); len(got) != 0 {
		t.Errorf("empty range: %v", got)
	}
	got = (niceTicks{}).Ticks(0, 1)
	if got[6].Value != 0.6000000000000001 || got[6].Label != "0.6" {
		t.Errorf("rounding: tick %+v", got[6])
	}
	got = (niceTicks{Integer: true}).Ticks(-0.5, 1.5)
	if want := []plot.Tick{{Value: 0, Label: "0"}, {Value: 1, Label: "1"}}; !slices.Equal(got, want) {
		t.Errorf("integer ticks %v, want %v", got, want)
	}
}

// Subnormal inputs are not exact (1e-320 is stored as 9.99989e-321), hence 1e-5.
func TestLog10(t *testing.T) {
	for _, tc := range []struct{ x, want float64 }{{1e-320, -320}, {1e-310, -310}, {1e-300, -300}, {1000, 3}, {0, nInf}} {
		if got := log10(tc.x); math.Abs(got-tc.want) > 1e-5 && got != tc.want {
			t.Errorf("log10(%g) = %g, want %g", tc.x, got, tc.want)
		}
	}
}

func TestLogAxisRange(t *testing.T) {
	tests := []struct{ lo, hi, min, max float64 }{
		{1, 100, 0.5, 200},
		{3, 3, 0.3, 30},
		{5e-324, 5e-324, 5e-324, 5e-323},
		{1, math.MaxFloat64, 0.5, math.MaxFloat64},
	}
	for _, tc := range tests {
		if mn, mx := logAxisRange(tc.lo, tc.hi); mn != tc.min || mx != tc.max {
			t.Errorf("logAxisRange(%g, %g) = %g, %g", tc.lo, tc.hi, mn, mx)
		}
	}
}

// xys builds points from x, y pairs.
func xys(v ...float64) plotter.XYs {
	out := make(plotter.XYs, len(v)/2)
	for i := range out {
		out[i] = plotter.XY{X: v[2*i], Y: v[2*i+1]}
	}
	return out
}
