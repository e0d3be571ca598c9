package plots

import (
	"image/color"
	"math"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
)

// maxLinePoints bounds the points of one drawn line (see decimate).
const maxLinePoints = 4000

// clampLabel is the legend entry of clamped points.
const clampLabel = "clamped (0, NaN, +/-Inf)"

// clampGlyph marks a clamped point in the colour of its series.
func clampGlyph(c color.Color) draw.GlyphStyle {
	return draw.GlyphStyle{Color: c, Radius: vg.Points(4.5), Shape: boldCross{}}
}

// boldCross is draw.CrossGlyph drawn with a thick line, so that it stands
// out on a line of the same colour.
type boldCross struct{}

// DrawGlyph implements draw.GlyphDrawer.
func (boldCross) DrawGlyph(c *draw.Canvas, sty draw.GlyphStyle, pt vg.Point) {
	r := sty.Radius
	ls := draw.LineStyle{Color: sty.Color, Width: vg.Points(1.8)}
	c.StrokeLine2(ls, pt.X-r, pt.Y-r, pt.X+r, pt.Y+r)
	c.StrokeLine2(ls, pt.X-r, pt.Y+r, pt.X+r, pt.Y-r)
}

// clampThumb is the legend thumbnail for clamped points.
func clampThumb() plot.Thumbnailer {
	s, _ := plotter.NewScatter(plotter.XYs{{}})
	s.GlyphStyle = clampGlyph(color.Black)
	return s
}

// lineThumb is a legend thumbnail showing a line style.
func lineThumb(sty draw.LineStyle) plot.Thumbnailer {
	return &plotter.Line{LineStyle: sty}
}

// glyphThumb is a legend thumbnail showing a glyph.
func glyphThumb(sty draw.GlyphStyle) plot.Thumbnailer {
	s, _ := plotter.NewScatter(plotter.XYs{{}})
	s.GlyphStyle = sty
	return s
}

// addLine adds pts (finite, at least one) as a line, decimated for drawing.
func addLine(p *plot.Plot, pts plotter.XYs, sty draw.LineStyle) {
	if len(pts) == 0 {
		return
	}
	l, err := plotter.NewLine(decimate(pts, maxLinePoints))
	if err != nil {
		panic("plots: " + err.Error()) // callers pass finite points only
	}
	l.LineStyle = sty
	p.Add(l)
}

// addGlyphs adds pts (finite) as a scatter of glyphs; none if pts is empty.
func addGlyphs(p *plot.Plot, pts plotter.XYs, sty draw.GlyphStyle) {
	if len(pts) == 0 {
		return
	}
	s, err := plotter.NewScatter(pts)
	if err != nil {
		panic("plots: " + err.Error())
	}
	s.GlyphStyle = sty
	p.Add(s)
}

// drawnSeries collects what a figure drew on log axes: the series, for
// logY, and whether any point was clamped, for the legend.
type drawnSeries struct {
	pts     []plotter.XYs
	clamped bool
}

// add records a drawn series pts with its clamped points cl.
func (d *drawnSeries) add(pts, cl plotter.XYs) {
	d.pts = append(d.pts, pts)
	d.clamped = d.clamped || len(cl) > 0
}

// legendClamp adds the clamp marker's entry to leg if a point was clamped.
func (d *drawnSeries) legendClamp(leg *plot.Legend) {
	if d.clamped {
		leg.Add(clampLabel, clampThumb())
	}
}

// addDottedLine adds pts as a line of width w in s's style with a dot of
// radius r at every point, and cl as clamp markers; it records both in d.
func addDottedLine(p *plot.Plot, d *drawnSeries, pts, cl plotter.XYs, s runStyle, w, r float64) {
	addLine(p, pts, s.lineStyle(vg.Points(w)))
	addGlyphs(p, pts, draw.GlyphStyle{Color: s.Color, Radius: vg.Points(r), Shape: draw.CircleGlyph{}})
	addGlyphs(p, cl, clampGlyph(s.Color))
	d.add(pts, cl)
}

// logY makes p's y axis logarithmic over a range showing every point of
// the given series (which clampLog made positive and finite). With no
// points it shows [floor, ceil].
func logY(p *plot.Plot, floor, ceil float64, series ...plotter.XYs) {
	lo, hi := math.Inf(1), math.Inf(-1)
	for _, s := range series {
		for _, pt := range s {
			lo, hi = min(lo, pt.Y), max(hi, pt.Y)
		}
	}
	if lo > hi {
		lo, hi = floor, ceil
	}
	p.Y.Scale = plot.LogScale{}
	p.Y.Tick.Marker = decadeTicks{}
	p.Y.Min, p.Y.Max = logAxisRange(lo, hi)
}

// xRange sets p's x axis to [lo, hi], widened when they are equal.
func xRange(p *plot.Plot, lo, hi float64) {
	if lo >= hi {
		lo, hi = lo-1, hi+1
	}
	p.X.Min, p.X.Max = lo, hi
}

// horizontal adds a thin reference line at y from x0 to x1.
func horizontal(p *plot.Plot, y, x0, x1 float64, sty draw.LineStyle) {
	addLine(p, plotter.XYs{{X: x0, Y: y}, {X: x1, Y: y}}, sty)
}
