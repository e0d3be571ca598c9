package plots

import (
	"fmt"
	"image"
	"image/color"
	"math"
	"sort"
	"strings"

	"gonum.org/v1/plot"

	"github.com/resexp/resexp/internal/runfiles"
)

// heatGrid is a layer × step grid of log10 gradient norms. It implements
// plotter.GridXYZ with columns for steps (X) and rows for layer indices (Y).
type heatGrid struct {
	steps  []float64   // column coordinates, increasing
	layers []float64   // row coordinates (layer indices), increasing
	names  []string    // names[r] is the name of layer row r
	z      [][]float64 // z[c][r]: log10 of the norm; NaN where not recorded
}

// newHeatGrid builds the grid of rows, which must not be empty. A cell holds
// log10(norm): -Inf for a norm <= 0, +Inf for +Inf, NaN for NaN and for a
// (step, layer) pair without a row. A later row for the same cell wins.
func newHeatGrid(rows []runfiles.GradNormRow) *heatGrid {
	steps, col := indexOf(rows, func(r runfiles.GradNormRow) int { return r.Step })
	layers, row := indexOf(rows, func(r runfiles.GradNormRow) int { return r.Index })
	g := &heatGrid{steps: toFloats(steps), layers: toFloats(layers), names: make([]string, len(layers))}
	g.z = make([][]float64, len(steps))
	for c := range g.z {
		g.z[c] = make([]float64, len(layers))
		for r := range g.z[c] {
			g.z[c][r] = math.NaN()
		}
	}
	for _, r := range rows {
		g.z[col[r.Step]][row[r.Index]] = log10Norm(r.Norm)
		g.names[row[r.Index]] = r.Layer
	}
	return g
}

// indexOf returns the distinct keys of rows in increasing order and a map
// from key to position.
func indexOf(rows []runfiles.GradNormRow, key func(runfiles.GradNormRow) int) ([]int, map[int]int) {
	keys := make([]int, len(rows))
	for i, r := range rows {
		keys[i] = key(r)
	}
	keys = uniqueSorted(keys)
	pos := make(map[int]int, len(keys))
	for i, k := range keys {
		pos[k] = i
	}
	return keys, pos
}

func toFloats(vs []int) []float64 {
	out := make([]float64, len(vs))
	for i, v := range vs {
		out[i] = float64(v)
	}
	return out
}

// log10Norm is log10(v) with -Inf for every v <= 0.
func log10Norm(v float64) float64 {
	if v <= 0 {
		return math.Inf(-1)
	}
	return log10(v)
}

// Dims, Z, X and Y implement plotter.GridXYZ.
func (g *heatGrid) Dims() (c, r int)   { return len(g.steps), len(g.layers) }
func (g *heatGrid) Z(c, r int) float64 { return g.z[c][r] }
func (g *heatGrid) X(c int) float64    { return g.steps[c] }
func (g *heatGrid) Y(r int) float64    { return g.layers[r] }
func (g *heatGrid) cells() int         { return len(g.steps) * len(g.layers) }

// zRange returns the range of the finite cells, widened to a width of at
// least 1 (centred) so a colour scale can be built; (0, 1) if none is finite.
func (g *heatGrid) zRange() (lo, hi float64) {
	lo, hi = math.Inf(1), math.Inf(-1)
	for _, col := range g.z {
		for _, v := range col {
			if isFinite(v) {
				lo, hi = min(lo, v), max(hi, v)
			}
		}
	}
	if lo > hi {
		return 0, 1
	}
	if hi-lo < 1 {
		mid := (lo + hi) / 2
		return mid - 0.5, mid + 0.5
	}
	return lo, hi
}

// counts returns how many cells are -Inf (norm <= 0), +Inf and NaN (NaN norm
// or not recorded).
func (g *heatGrid) counts() (zero, inf, nan int) {
	for _, col := range g.z {
		for _, v := range col {
			switch {
			case math.IsInf(v, -1):
				zero++
			case math.IsInf(v, 1):
				inf++
			case math.IsNaN(v):
				nan++
			}
		}
	}
	return zero, inf, nan
}

// regular reports whether vs are evenly spaced.
func regular(vs []float64) bool {
	for i := 2; i < len(vs); i++ {
		if vs[i]-vs[i-1] != vs[1]-vs[0] {
			return false
		}
	}
	return true
}

// layerTicks returns y-axis ticks for layers with the given indices and
// names: a tick at the first layer of every group (the part of the name
// before the first "."; "stage2.block1.conv1" is in group "stage2"),
// labelled "group (index)". Going from the top down, a label closer than
// minGap to the label above it is dropped, its tick kept.
func layerTicks(idx []float64, names []string, minGap float64) []plot.Tick {
	var ticks []plot.Tick
	for i := range idx {
		g := group(names[i])
		if i == 0 || g != group(names[i-1]) {
			ticks = append(ticks, plot.Tick{Value: idx[i], Label: layerLabel(g, idx[i])})
		}
	}
	last := math.Inf(1)
	for i := len(ticks) - 1; i >= 0; i-- {
		if last-ticks[i].Value < minGap {
			ticks[i].Label = ""
			continue
		}
		last = ticks[i].Value
	}
	return ticks
}

func group(name string) string {
	g, _, _ := strings.Cut(name, ".")
	return g
}

// layerLabel is "group (index)", or the index alone for an unnamed layer.
func layerLabel(group string, index float64) string {
	if group == "" {
		return fmt.Sprint(index)
	}
	return fmt.Sprintf("%s (%g)", group, index)
}

// bounds returns the data extent of the grid as plotter.HeatMap draws it:
// each cell reaches halfway to its neighbours, and an edge cell as far out as
// in; a single column or row is 1 wide.
func (g *heatGrid) bounds() (xmin, xmax, ymin, ymax float64) {
	xmin, xmax = extent(g.steps)
	ymin, ymax = extent(g.layers)
	return xmin, xmax, ymin, ymax
}

func extent(vs []float64) (lo, hi float64) {
	n := len(vs)
	if n == 1 {
		return vs[0] - 0.5, vs[0] + 0.5
	}
	return vs[0] - (vs[1]-vs[0])/2, vs[n-1] + (vs[n-1]-vs[n-2])/2
}

// midpoints returns the midpoints between neighbouring values of vs.
func midpoints(vs []float64) []float64 {
	mids := make([]float64, len(vs)-1)
	for i := range mids {
		mids[i] = (vs[i] + vs[i+1]) / 2
	}
	return mids
}

// cellIndex returns the index of the cell containing v, given the midpoints
// between neighbouring cells: the number of midpoints <= v.
func cellIndex(mids []float64, v float64) int {
	return sort.Search(len(mids), func(i int) bool { return mids[i] > v })
}

// heatImage renders g as a w × h image, row 0 at the top showing the highest
// layer: pixel (px, py) has the colour of the cell containing the pixel's
// centre, coloured by colorOf. Unlike plotter.HeatMap it leaves no seams
// between cells and, made larger than the output, is not blurred by scaling.
func heatImage(g *heatGrid, colorOf func(z float64) color.Color, w, h int) *image.RGBA {
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	xmin, xmax, ymin, ymax := g.bounds()
	xm, ym := midpoints(g.steps), midpoints(g.layers)
	cols := make([]int, w)
	for px := range cols {
		cols[px] = cellIndex(xm, xmin+(float64(px)+0.5)*(xmax-xmin)/float64(w))
	}
	for py := range h {
		r := cellIndex(ym, ymax-(float64(py)+0.5)*(ymax-ymin)/float64(h))
		for px, c := range cols {
			img.Set(px, py, colorOf(g.z[c][r]))
		}
	}
	return img
}

// imageSide returns the pixel count of an image side showing n cells: the
// smallest multiple of n that is >= target, so all cells get equal pixels,
// but at most limit (then some cells get no pixel of their own: a heat map
// of more than limit steps shows a sample of them).
func imageSide(n, target, limit int) int {
	return min(n*max(1, (target+n-1)/n), limit)
}

// cellColor returns the colour of a cell of value z on a colour scale over
// [lo, hi] with palette pal, as plotter.HeatMap picks it: under below lo
// (including -Inf), over above hi (including +Inf), nan for NaN.
func cellColor(z, lo, hi float64, pal []color.Color, under, over, nan color.Color) color.Color {
	switch {
	case math.IsNaN(z):
		return nan
	case z < lo:
		return under
	case z > hi:
		return over
	}
	return pal[int((z-lo)/(hi-lo)*float64(len(pal)-1)+0.5)]
}
