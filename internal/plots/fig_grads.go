package plots

import (
	"fmt"
	"image/color"
	"slices"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/palette"
	"gonum.org/v1/plot/palette/moreland"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
)

// Figures of the per-layer gradient norms: gradnorm-profile.png,
// gradnorm-heatmap-<run>.png and gradnorm-ratio.png.

// columnName names column col of n selected steps (see selectSteps).
func columnName(col, n int) string {
	switch {
	case n == 1:
		return "only"
	case col == 0:
		return "first"
	case col == n-1:
		return "last"
	}
	return "middle"
}

// depthGroups returns the indices of the known runs with gradient norms,
// grouped by depth in increasing order, plain nets first within a group.
func depthGroups(runs []*Run) [][]int {
	var idx []int
	for i, r := range runs {
		if r.known() && r.hasGrads() {
			idx = append(idx, i)
		}
	}
	slices.SortStableFunc(idx, func(a, b int) int {
		ma, mb := runs[a].Meta, runs[b].Meta
		if ma.Depth != mb.Depth {
			return ma.Depth - mb.Depth
		}
		return b2i(ma.Residual) - b2i(mb.Residual)
	})
	var groups [][]int
	for k, i := range idx {
		if k == 0 || runs[i].Meta.Depth != runs[idx[k-1]].Meta.Depth {
			groups = append(groups, nil)
		}
		groups[len(groups)-1] = append(groups[len(groups)-1], i)
	}
	return groups
}

// profileSteps returns, for each run of a group, the steps of the figure's
// columns: the first, middle and last of the steps all of them recorded, or
// of each run's own steps if they share none. shared tells which.
func profileSteps(group []*Run) (steps [][]int, shared bool) {
	lists := make([][]int, len(group))
	for i, r := range group {
		lists[i] = sharedGradSteps(r)
	}
	common := selectSteps(commonSteps(lists...))
	steps = make([][]int, len(group))
	for i := range group {
		steps[i] = common
		if len(common) == 0 {
			steps[i] = selectSteps(lists[i])
		}
	}
	return steps, len(common) > 0
}

// sharedGradSteps returns the steps at which every run r stands for
// recorded gradient norms, in increasing order.
func sharedGradSteps(r *Run) []int {
	var lists [][]int
	for _, m := range r.members() {
		lists = append(lists, gradSteps(m.Grads))
	}
	return commonSteps(lists...)
}

// profileCurve is one run's gradient-norm profile at one step: the norm
// of every layer (y) against its index (x), pooled over seeds.
type profileCurve struct {
	run int
	s   seedSeries
}

// profilePanels returns, for each depth group and each of the three
// columns (first, middle, last recorded step), the profiles of the group's
// runs and the panel's title, and every norm, for the log axis's bounds.
func profilePanels(runs []*Run, groups [][]int) (panels [][][]profileCurve, titles [][]string, all [][]float64) {
	panels, titles = make([][][]profileCurve, len(groups)), make([][]string, len(groups))
	for g, members := range groups {
		group := pick(runs, members)
		steps, shared := profileSteps(group)
		panels[g], titles[g] = make([][]profileCurve, 3), make([]string, 3)
		for col := range 3 {
			for k, i := range members {
				if col >= len(steps[k]) {
					continue
				}
				step := steps[k][col]
				s := pooledSeries(runs[i], func(m *Run) ([]float64, []float64) { return profileAt(m.Grads, step) })
				panels[g][col] = append(panels[g][col], profileCurve{i, s})
				all = append(all, s.y, s.lo, s.hi)
				titles[g][col] = panelTitle(group[0].Meta.Depth, columnName(col, len(steps[k])), steps[k][col], shared)
			}
		}
	}
	return panels, titles, all
}

// profilePlot draws one panel's profiles, clamped to [floor, ceil], and
// records them in d; nil if the panel has none.
func profilePlot(title string, curves []profileCurve, styles []runStyle, floor, ceil float64, d *drawnSeries) *plot.Plot {
	if len(curves) == 0 {
		return nil
	}
	p := newPlot(title, "layer index (input to fc)", "")
	for _, cv := range curves {
		d.add(addBand(p, cv.s, styles[cv.run].Color, true, floor, ceil), nil)
		pts, cl := clampLog(cv.s.x, cv.s.y, floor, ceil, false)
		addDottedLine(p, d, pts, cl, styles[cv.run], 1.2, 1.3)
	}
	return p
}

// profileFigure shows the gradient norm of every layer against its index at
// the first, a middle and the last recorded step, one row of panels per
// depth with its plain and residual nets together: where along the depth
// does the gradient shrink or grow, and does that change during training?
// nil if no known run has gradient norms.
func profileFigure(runs []*Run, styles []runStyle) *figure {
	groups := depthGroups(runs)
	if len(groups) == 0 {
		return nil
	}
	panels, titles, all := profilePanels(runs, groups)
	floor, ceil := logBounds(all...)
	grid := make([][]*plot.Plot, len(groups))
	var drawn drawnSeries
	for g := range groups {
		grid[g] = make([]*plot.Plot, 3)
		for col, curves := range panels[g] {
			grid[g][col] = profilePlot(titles[g][col], curves, styles, floor, ceil, &drawn)
		}
	}
	for _, row := range grid {
		for _, p := range row {
			if p != nil {
				logY(p, floor, ceil, drawn.pts...)
			}
		}
	}
	leg := runLegend(runs, styles, groups, drawn.clamped)
	legendBand(&leg, runs)
	return &figure{
		name:    "gradnorm-profile",
		caption: "Per-layer gradient norm ||dL/dW|| against layer index at the first, a middle and the last recorded step; one row per depth, plain (dashed) and residual (solid) together; log scale.",
		w:       11 * vg.Inch, h: vg.Length(0.7+3.1*float64(len(groups))) * vg.Inch,
		draw: func(c draw.Canvas) {
			c = withTitle(c, "Where does the gradient go? Per-layer gradient norm ||dL/dW||")
			tile(withYLabel(withLegend(c, leg), "gradient norm ||dL/dW|| (log scale)"), grid)
		},
	}
}

func pick(runs []*Run, idx []int) []*Run {
	out := make([]*Run, len(idx))
	for k, i := range idx {
		out[k] = runs[i]
	}
	return out
}

func panelTitle(depth int, which string, step int, shared bool) string {
	if shared {
		return fmt.Sprintf("depth %d, step %d (%s recorded)", depth, step, which)
	}
	return fmt.Sprintf("depth %d, %s recorded step of each run", depth, which)
}

// runLegend lists the runs of groups with their line style, and the clamp
// marker if clampedAny.
func runLegend(runs []*Run, styles []runStyle, groups [][]int, clampedAny bool) plot.Legend {
	leg := newLegend()
	for _, g := range groups {
		for _, i := range g {
			leg.Add(styles[i].Label, lineThumb(styles[i].lineStyle(vg.Points(1.5))))
		}
	}
	if clampedAny {
		leg.Add(clampLabel, clampThumb())
	}
	return leg
}

// ratioFigure shows, per run, the first conv layer's gradient norm divided
// by the fc layer's against the iteration, log scale: does the start of the
// net get as much gradient as its end (1), far less (vanishing) or far more
// (exploding)? nil if no run has gradient norms for two layers.
func ratioFigure(runs []*Run, styles []runStyle) *figure {
	series := make([]seedSeries, len(runs))
	var all [][]float64
	for i, r := range runs {
		series[i] = pooledSeries(r, func(m *Run) ([]float64, []float64) { return ratioSeries(m.Grads) })
		all = append(all, series[i].y, series[i].lo, series[i].hi)
	}
	floor, ceil := logBounds(all...)
	p := newPlot("", "iteration", "")
	leg := newLegend()
	var drawn []plotter.XYs
	clampedAny, xmax := false, 0.0
	for i, sr := range series {
		if len(sr.x) == 0 {
			continue
		}
		band := addBand(p, sr, styles[i].Color, true, floor, ceil)
		pts, cl := clampLog(sr.x, sr.y, floor, ceil, false)
		addLine(p, pts, styles[i].lineStyle(vg.Points(1.4)))
		addGlyphs(p, cl, clampGlyph(styles[i].Color))
		leg.Add(styles[i].Label, lineThumb(styles[i].lineStyle(vg.Points(1.4))))
		drawn, clampedAny = append(drawn, pts, band), clampedAny || len(cl) > 0
		xmax = max(xmax, sr.x[len(sr.x)-1])
	}
	if len(drawn) == 0 {
		return nil
	}
	ref := draw.LineStyle{Color: grey, Width: vg.Points(0.8), Dashes: []vg.Length{vg.Points(1), vg.Points(3)}}
	horizontal(p, 1, 0, max(xmax, 1), ref)
	leg.Add("ratio 1 (equal norms)", lineThumb(ref))
	if clampedAny {
		leg.Add(clampLabel, clampThumb())
	}
	legendBand(&leg, runs)
	logY(p, floor, ceil, append(drawn, plotter.XYs{{Y: 1}})...)
	xRange(p, 0, xmax)
	return &figure{
		name:    "gradnorm-ratio",
		caption: "Gradient norm of the first conv layer divided by that of the fc layer, per recorded step; log scale, 1 = equal norms.",
		w:       9 * vg.Inch, h: 5.4 * vg.Inch,
		draw: func(c draw.Canvas) {
			c = withTitle(c, "Does the first layer get as much gradient as the last? ||dL/dW_first|| / ||dL/dW_fc||")
			p.Draw(withYLabel(withLegend(c, leg), "gradient norm ratio: first conv layer / fc layer (log scale)"))
		},
	}
}

// Colours of heat-map cells outside the colour scale.
var (
	zeroCellColor = color.Black
	infCellColor  = rgb(0xFF, 0x00, 0x00)
	nanCellColor  = lightGrey
)

// viridisLike returns a perceptually ordered colour map from dark purple to
// yellow (the control points of matplotlib's viridis), which leaves black,
// red and grey free for zero, +Inf and NaN cells.
func viridisLike() palette.ColorMap {
	cm, err := moreland.NewLuminance([]color.Color{
		rgb(0x44, 0x01, 0x54), rgb(0x3B, 0x52, 0x8B), rgb(0x21, 0x91, 0x8C), rgb(0x5E, 0xC9, 0x62), rgb(0xFD, 0xE7, 0x25),
	})
	if err != nil {
		panic("plots: " + err.Error()) // the control points are constant
	}
	return cm
}

// heatmapFigure shows one run's log10 gradient norm for every layer (y) and
// recorded step (x), with a colour bar: which layers get how much gradient,
// and when? Zero, +Inf and NaN (or unrecorded) cells get colours of their
// own, explained beside the colour bar.
func heatmapFigure(r *Run, s runStyle, name string) *figure {
	g := newHeatGrid(r.Grads)
	lo, hi := g.zRange()
	cm := viridisLike()
	cm.SetMin(lo)
	cm.SetMax(hi)
	pal := cm.Palette(256).Colors()
	colorOf := func(z float64) color.Color {
		return cellColor(z, lo, hi, pal, zeroCellColor, infCellColor, nanCellColor)
	}
	cols, rows := g.Dims()
	img := heatImage(g, colorOf, imageSide(cols, 1600, 4000), imageSide(rows, 1000, 4000))
	xmin, xmax, ymin, ymax := g.bounds()

	p := newPlot("", "iteration", "layer (input at bottom, fc at top)")
	p.Add(plotter.NewImage(img, xmin, ymin, xmax, ymax))
	p.X.Padding, p.Y.Padding = 0, 0
	p.Y.Tick.Marker = plot.ConstantTicks(layerTicks(g.layers, g.names, float64(len(g.layers))/24))

	cb := newPlot("", "", "log10 gradient norm")
	cb.Add(&plotter.ColorBar{ColorMap: cm, Vertical: true})
	cb.HideX()
	cb.Y.Padding = 0

	leg := cellLegend(g)
	return &figure{
		name:    "gradnorm-heatmap-" + name,
		caption: fmt.Sprintf("%s: log10 gradient norm per layer (y) and recorded step (x); black = 0, red = +Inf, grey = NaN or not recorded.", s.Label),
		w:       10 * vg.Inch, h: 5.6 * vg.Inch,
		draw: func(c draw.Canvas) {
			c = withTitle(c, fmt.Sprintf("%s: which layers get how much gradient, and when? log10 ||dL/dW||", s.Label))
			drawWithColorBar(withLegend(c, leg), p, cb)
		},
	}
}

// cellLegend explains the heat map's special colours, with cell counts.
func cellLegend(g *heatGrid) plot.Legend {
	zero, inf, nan := g.counts()
	leg := newLegend()
	leg.Add("norm 0: "+cellCount(zero), swatch{zeroCellColor})
	leg.Add("norm +Inf: "+cellCount(inf), swatch{infCellColor})
	leg.Add("NaN or not recorded: "+cellCount(nan), swatch{nanCellColor})
	return leg
}

// drawWithColorBar draws p over c leaving a column at the right for the
// colour-bar plot cb, whose bar (barWidth wide) spans exactly p's data area
// and whose tick labels get the room they need.
func drawWithColorBar(c draw.Canvas, p, cb *plot.Plot) {
	const barWidth, gap = vg.Length(16), vg.Length(14)
	probe := draw.Crop(c, c.Max.X-c.Min.X-vg.Points(200), 0, 0, 0)
	labels := cb.DataCanvas(probe).Min.X - probe.Min.X
	main := draw.Crop(c, 0, -(gap + labels + barWidth), 0, 0)
	p.Draw(main)
	data := p.DataCanvas(main)
	bar := draw.Canvas{Canvas: c.Canvas, Rectangle: vg.Rectangle{
		Min: vg.Point{X: main.Max.X + gap, Y: data.Min.Y},
		Max: vg.Point{X: main.Max.X + gap + labels + barWidth, Y: data.Max.Y}}}
	inner := cb.DataCanvas(bar)
	bar.Min.Y -= inner.Min.Y - bar.Min.Y
	bar.Max.Y += bar.Max.Y - inner.Max.Y
	cb.Draw(bar)
}

// swatch is a legend thumbnail filled with one colour.
type swatch struct{ c color.Color }

// Thumbnail implements plot.Thumbnailer.
func (s swatch) Thumbnail(c *draw.Canvas) {
	r := c.Rectangle
	pts := []vg.Point{r.Min, {X: r.Max.X, Y: r.Min.Y}, r.Max, {X: r.Min.X, Y: r.Max.Y}}
	c.FillPolygon(s.c, pts)
	c.StrokeLines(draw.LineStyle{Color: grey, Width: vg.Points(0.5)}, append(pts, r.Min))
}

func cellCount(n int) string {
	if n == 1 {
		return "1 cell"
	}
	return fmt.Sprintf("%d cells", n)
}
