package plots

import (
	"fmt"
	"image/color"
	"math"
	"slices"
	"strings"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/palette"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"

	"github.com/resexp/resexp/internal/runfiles"
)

// The loss-landscape figures from landscape.csv (see
// runfiles.LandscapeHeader): landscape.png, the loss on the plane around the
// final weights as a heat map with contours, nets side by side on one
// colour scale; landscape-line.png, loss and error along the line from
// initial to final weights.

// landscapeNet is one net's rows of landscape.csv.
type landscapeNet struct {
	label    string
	residual bool
	line     plotter.XYZs // x = α, y = loss, z = error
	plane    map[[2]float64]float64
	xs, ys   []float64 // the plane's coordinates, sorted
}

// readLandscape reads the landscape.csv at path, nets in file order.
func readLandscape(path string) ([]*landscapeNet, error) {
	rows, err := runfiles.ReadTable(path, runfiles.LandscapeHeader)
	if err != nil {
		return nil, err
	}
	var nets []*landscapeNet
	byLabel := map[string]*landscapeNet{}
	for i, r := range rows {
		var v [4]float64
		for j := range v {
			if v[j], err = runfiles.ParseFloat(r[2+j]); err != nil {
				return nil, fmt.Errorf("%s: row %d: %w", path, i+2, err)
			}
		}
		n := byLabel[r[0]]
		if n == nil {
			n = &landscapeNet{label: r[0], residual: strings.HasPrefix(r[0], "resnet"), plane: map[[2]float64]float64{}}
			byLabel[r[0]] = n
			nets = append(nets, n)
		}
		switch r[1] {
		case "line":
			n.line = append(n.line, plotter.XYZ{X: v[0], Y: v[2], Z: v[3]})
		case "plane":
			n.plane[[2]float64{v[0], v[1]}] = v[2]
			n.xs, n.ys = append(n.xs, v[0]), append(n.ys, v[1])
		default:
			return nil, fmt.Errorf("%s: row %d: kind %q is not line or plane", path, i+2, r[1])
		}
	}
	for _, n := range nets {
		slices.SortFunc(n.line, func(a, b plotter.XYZ) int { return compareFloat(a.X, b.X) })
		n.xs, n.ys = uniqueFloats(n.xs), uniqueFloats(n.ys)
	}
	slices.SortStableFunc(nets, func(a, b *landscapeNet) int { return b2i(a.residual) - b2i(b.residual) })
	return nets, nil
}

func compareFloat(a, b float64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

func uniqueFloats(vs []float64) []float64 {
	slices.Sort(vs)
	return slices.Compact(vs)
}

// DrawLandscape draws, into outDir, landscape.<format> if the table at
// csvPath has plane points and landscape-line.<format> if it has line
// points, and returns the paths written. A partly computed table draws
// what it has: missing points are grey cells.
func DrawLandscape(csvPath, outDir, format string) ([]string, error) {
	nets, err := readLandscape(csvPath)
	if err != nil {
		return nil, err
	}
	var paths []string
	for _, f := range []*figure{planeFigure(nets), lineFigure(nets)} {
		if f == nil {
			continue
		}
		p, err := f.write(outDir, format)
		if err != nil {
			return paths, err
		}
		paths = append(paths, p)
	}
	if len(paths) == 0 {
		return nil, fmt.Errorf("%s: no rows", csvPath)
	}
	return paths, nil
}

// planeGrid is a net's plane as a plotter.GridXYZ of log10 loss; missing
// and non-positive or non-finite losses are NaN, or fill if it is not NaN
// (the contour plotter needs every cell).
type planeGrid struct {
	n    *landscapeNet
	fill float64
}

func (g planeGrid) Dims() (c, r int) { return len(g.n.xs), len(g.n.ys) }
func (g planeGrid) X(c int) float64  { return g.n.xs[c] }
func (g planeGrid) Y(r int) float64  { return g.n.ys[r] }

// Z implements plotter.GridXYZ.
func (g planeGrid) Z(c, r int) float64 {
	loss, ok := g.n.plane[[2]float64{g.n.xs[c], g.n.ys[r]}]
	if z := log10(loss); ok && isFinite(z) {
		return z
	}
	return g.fill
}

// planeRange is the range of log10 loss over the planes of nets, widened
// if it is a single value; ok is false if no plane has a finite value.
func planeRange(nets []*landscapeNet) (lo, hi float64, ok bool) {
	lo, hi = math.Inf(1), math.Inf(-1)
	for _, n := range nets {
		g := planeGrid{n: n, fill: math.NaN()}
		c, r := g.Dims()
		for i := range c {
			for j := range r {
				if z := g.Z(i, j); !math.IsNaN(z) {
					lo, hi = min(lo, z), max(hi, z)
				}
			}
		}
	}
	if lo > hi {
		return 0, 0, false
	}
	if lo == hi {
		lo, hi = lo-0.5, hi+0.5
	}
	return lo, hi, true
}

// contourLevels are n levels evenly inside (lo, hi).
func contourLevels(lo, hi float64, n int) []float64 {
	l := make([]float64, n)
	for i := range l {
		l[i] = lo + (hi-lo)*float64(i+1)/float64(n+1)
	}
	return l
}

// planeFigure shows each net's log10 loss on the plane around its final
// weights, heat map and contours on one colour scale, nets side by side;
// nil if no net has a plane of at least 2x2 points with a finite loss.
func planeFigure(nets []*landscapeNet) *figure {
	var shown []*landscapeNet
	for _, n := range nets {
		if len(n.xs) >= 2 && len(n.ys) >= 2 {
			shown = append(shown, n)
		}
	}
	lo, hi, ok := planeRange(shown)
	if !ok {
		return nil
	}
	cm := viridisLike()
	cm.SetMin(lo)
	cm.SetMax(hi)
	pal := cm.Palette(256)
	row := make([]*plot.Plot, len(shown))
	for i, n := range shown {
		row[i] = planePlot(n, pal, lo, hi)
	}
	cb := newPlot("", "", "log10 loss")
	cb.Add(&plotter.ColorBar{ColorMap: cm, Vertical: true})
	cb.HideX()
	cb.Y.Padding = 0
	leg := newLegend()
	leg.Add("final weights (0, 0)", glyphThumb(finalGlyph()))
	leg.Add("missing or non-finite", swatch{nanCellColor})
	return &figure{
		name: "landscape",
		w:    vg.Length(2.6+4.6*float64(len(shown))) * vg.Inch, h: 5.2 * vg.Inch,
		draw: func(c draw.Canvas) {
			c = withTitle(c, "Loss landscape (Li et al. 2018): loss around the final weights, filter-normalised random directions")
			c = withLegend(c, leg)
			const barW = 70
			tile(draw.Crop(c, 0, -vg.Points(barW), 0, 0), [][]*plot.Plot{row})
			bar := draw.Crop(c, c.Max.X-c.Min.X-vg.Points(barW-10), 0, vg.Points(40), -vg.Points(24))
			cb.Draw(bar)
		},
	}
}

// planePlot is one net's heat map with contours, from lo to hi.
func planePlot(n *landscapeNet, pal palette.Palette, lo, hi float64) *plot.Plot {
	p := newPlot(n.label+": log10 loss", "direction 1", "direction 2")
	p.X.Tick.Marker, p.Y.Tick.Marker = niceTicks{}, niceTicks{}
	hm := plotter.NewHeatMap(planeGrid{n: n, fill: math.NaN()}, pal)
	hm.Min, hm.Max, hm.NaN = lo, hi, nanCellColor
	hm.Underflow, hm.Overflow = pal.Colors()[0], pal.Colors()[len(pal.Colors())-1]
	hm.Rasterized = true
	p.Add(hm)
	ct := plotter.NewContour(planeGrid{n: n, fill: hi}, contourLevels(lo, hi, 12), nil)
	ct.LineStyles = []draw.LineStyle{{Color: color.White, Width: vg.Points(0.7)}}
	p.Add(ct)
	addGlyphs(p, plotter.XYs{{}}, finalGlyph())
	p.X.Padding, p.Y.Padding = 0, 0
	return p
}

func finalGlyph() draw.GlyphStyle {
	return draw.GlyphStyle{Color: rgb(0xD5, 0x5E, 0x00), Radius: vg.Points(5), Shape: boldCross{}}
}

// lineFigure shows each net's loss (log scale) and error along the line
// from its initial (α = 0) to its final (α = 1) weights; nil if no net has
// line points.
func lineFigure(nets []*landscapeNet) *figure {
	var losses [][]float64
	for _, n := range nets {
		for _, pt := range n.line {
			losses = append(losses, []float64{pt.Y})
		}
	}
	if len(losses) == 0 {
		return nil
	}
	floor, ceil := logBounds(losses...)
	lossP := newPlot("loss (log scale)", "α: initial weights (0) to final weights (1)", "")
	errP := newPlot("error (%)", "α: initial weights (0) to final weights (1)", "")
	lossP.X.Tick.Marker, errP.X.Tick.Marker = niceTicks{}, niceTicks{}
	leg := newLegend()
	var d drawnSeries
	xmin, xmax := math.Inf(1), math.Inf(-1)
	for i, n := range nets {
		if len(n.line) == 0 {
			continue
		}
		s := runStyle{Label: n.label, Color: seriesColors[i%len(seriesColors)]}
		if !n.residual {
			s.Dashes = plainDashes
		}
		xs, ls, es := make([]float64, len(n.line)), make([]float64, len(n.line)), plotter.XYs{}
		for j, pt := range n.line {
			xs[j], ls[j] = pt.X, pt.Y
			if isFinite(pt.Z) {
				es = append(es, plotter.XY{X: pt.X, Y: 100 * pt.Z})
			}
		}
		pts, cl := clampLog(xs, ls, floor, ceil, false)
		addDottedLine(lossP, &d, pts, cl, s, 1.4, 1.8)
		var de drawnSeries
		addDottedLine(errP, &de, es, nil, s, 1.4, 1.8)
		leg.Add(n.label, lineThumb(s.lineStyle(vg.Points(1.5))))
		xmin, xmax = min(xmin, xs[0]), max(xmax, xs[len(xs)-1])
	}
	d.legendClamp(&leg)
	logY(lossP, floor, ceil, d.pts...)
	errP.Y.Min, errP.Y.Max = 0, 100
	ends := baseStyle()
	for _, p := range []*plot.Plot{lossP, errP} {
		xRange(p, xmin, xmax)
		for _, a := range []float64{0, 1} {
			addLine(p, plotter.XYs{{X: a, Y: p.Y.Min}, {X: a, Y: p.Y.Max}}, ends)
		}
	}
	leg.Add("initial (α = 0) and final (α = 1) weights", lineThumb(ends))
	return &figure{
		name: "landscape-line",
		w:    11 * vg.Inch, h: 5 * vg.Inch,
		draw: func(c draw.Canvas) {
			c = withTitle(c, "From initial to final weights: loss and error along the straight line (Goodfellow et al. 2015)")
			tile(withLegend(c, leg), [][]*plot.Plot{{lossP, errP}})
		},
	}
}
