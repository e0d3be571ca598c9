package plots

import (
	"fmt"
	"math"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
)

// Figures of the training curves: loss.png and error.png.

// metricSeries returns the steps of rows and the values picked by field.
func metricSeries(r *Run, field func(i int) float64) (xs, ys []float64) {
	for i, m := range r.Metrics {
		xs = append(xs, float64(m.Step))
		ys = append(ys, field(i))
	}
	return xs, ys
}

// measured returns the points of xs, ys whose y is not NaN (measured).
func measured(xs, ys []float64) (mx, my []float64) {
	for i, y := range ys {
		if !math.IsNaN(y) {
			mx, my = append(mx, xs[i]), append(my, y)
		}
	}
	return mx, my
}

// testGlyph marks test measurements: a filled circle for residual nets, a
// ring for plain ones.
func testGlyph(s runStyle, residual bool) draw.GlyphStyle {
	g := draw.GlyphStyle{Color: s.Color, Radius: vg.Points(2.6), Shape: draw.RingGlyph{}}
	if residual {
		g.Shape = draw.CircleGlyph{}
	}
	return g
}

// lossCurve is one run's loss series: the training loss (smoothed) at
// every metrics row and the test loss where it was measured.
type lossCurve struct{ x, y, tx, ty []float64 }

// lossCurves returns each run's loss series and all their values, for the
// log axis's bounds.
func lossCurves(runs []*Run, smooth int) (curves []lossCurve, all [][]float64) {
	curves = make([]lossCurve, len(runs))
	for i, r := range runs {
		x, y := metricSeries(r, func(j int) float64 { return r.Metrics[j].TrainLoss })
		_, t := metricSeries(r, func(j int) float64 { return r.Metrics[j].TestLoss })
		tx, ty := measured(x, t)
		curves[i] = lossCurve{x, movingAverage(y, smooth), tx, ty}
		all = append(all, curves[i].y, ty)
	}
	return curves, all
}

// addLossCurve draws c, run r's loss series in style s, on p clamped to
// [floor, ceil], and its legend entry; it records the series in d.
func addLossCurve(p *plot.Plot, leg *plot.Legend, d *drawnSeries, c lossCurve, r *Run, s runStyle, floor, ceil float64) {
	pts, cl := clampLog(c.x, c.y, floor, ceil, true)
	tpts, tcl := clampLog(c.tx, c.ty, floor, ceil, true)
	addLine(p, pts, s.lineStyle(vg.Points(1.3)))
	addGlyphs(p, tpts, testGlyph(s, r.Meta.Residual))
	addGlyphs(p, append(cl, tcl...), clampGlyph(s.Color))
	leg.Add(s.Label, lineThumb(s.lineStyle(vg.Points(1.3))), glyphThumb(testGlyph(s, r.Meta.Residual)))
	d.add(pts, cl)
	d.add(tpts, tcl)
}

// lossYLabel is the loss figure's y label, naming the smoothing window.
func lossYLabel(smooth int) string {
	if smooth > 1 {
		return fmt.Sprintf("cross-entropy loss (log scale; training: moving average of %d)", smooth)
	}
	return "cross-entropy loss (log scale)"
}

// lossFigure shows training loss (lines) and test loss (markers) against
// the iteration on a log axis, all runs overlaid: does the loss go down, and
// which net gets lower? nil if no run has metrics.
func lossFigure(runs []*Run, styles []runStyle, smooth int) *figure {
	curves, all := lossCurves(runs, smooth)
	floor, ceil := logBounds(all...)
	p := newPlot("", "iteration", "")
	leg := newLegend()
	var drawn drawnSeries
	xmax := 0.0
	for i, r := range runs {
		if len(r.Metrics) == 0 {
			continue
		}
		addLossCurve(p, &leg, &drawn, curves[i], r, styles[i], floor, ceil)
		xmax = max(xmax, curves[i].x[len(curves[i].x)-1])
	}
	if len(drawn.pts) == 0 {
		return nil
	}
	drawn.legendClamp(&leg)
	logY(p, floor, ceil, drawn.pts...)
	xRange(p, 0, xmax)
	yLabel := lossYLabel(smooth)
	return &figure{
		name:    "loss",
		caption: "Training loss per iteration (lines; plain nets dashed, residual solid) and test loss at evaluation steps (markers), log scale.",
		w:       9 * vg.Inch, h: 5.4 * vg.Inch,
		draw: func(c draw.Canvas) {
			c = withTitle(c, "Does the loss go down? Training loss (lines) and test loss (markers)")
			p.Draw(withYLabel(withLegend(c, leg), yLabel))
		},
	}
}

// errorFigure is the paper's Fig. 6: training error (dashed) and test error
// (solid) in percent against the iteration, plain nets in the left panel and
// residual nets in the right one, on the same y range, one colour per depth:
// do deeper nets train worse (degradation), and do shortcuts fix it? Runs of
// unknown kind are left out; nil if no run is left.
func errorFigure(runs []*Run, styles []runStyle, smooth int) *figure {
	var panels []*plot.Plot
	leg := newLegend()
	yMax, xMax := 0.0, 0.0
	for _, residual := range []bool{false, true} {
		p := newPlot(kindTitle(residual), "iteration", "")
		n := 0
		for i, r := range runs {
			if !r.known() || r.Meta.Residual != residual || len(r.Metrics) == 0 {
				continue
			}
			ym, xm := addErrorCurves(p, r, styles[i], smooth)
			yMax, xMax = max(yMax, ym), max(xMax, xm)
			leg.Add(styles[i].Label, lineThumb(draw.LineStyle{Color: styles[i].Color, Width: vg.Points(2)}))
			n++
		}
		if n > 0 {
			panels = append(panels, p)
		}
	}
	if len(panels) == 0 {
		return nil
	}
	leg.Add("training error", lineThumb(draw.LineStyle{Color: grey, Width: vg.Points(1), Dashes: plainDashes}))
	leg.Add("test error", lineThumb(draw.LineStyle{Color: grey, Width: vg.Points(1.8)}))
	yTop := min(100, max(yMax*1.05, 1))
	for _, p := range panels {
		p.Y.Min, p.Y.Max = 0, yTop
		xRange(p, 0, xMax)
	}
	return &figure{
		name:    "error",
		caption: "Fig. 6 style: training error (dashed) and test error (solid) in %, plain nets left, residual nets right, same y range; one colour per depth.",
		w:       11 * vg.Inch, h: 5 * vg.Inch,
		draw: func(c draw.Canvas) {
			c = withTitle(c, "Do deeper nets train worse? Training (dashed) and test (solid) error")
			tile(withYLabel(withLegend(c, leg), "error (%)"), [][]*plot.Plot{panels})
		},
	}
}

func kindTitle(residual bool) string {
	if residual {
		return "residual nets"
	}
	return "plain nets"
}

// addErrorCurves adds r's training error (dashed, smoothed) and test error
// (solid, with dots at the evaluation steps) in percent to p, and returns
// the largest error drawn and the last step.
func addErrorCurves(p *plot.Plot, r *Run, s runStyle, smooth int) (yMax, xMax float64) {
	x, tr := metricSeries(r, func(j int) float64 { return 100 * r.Metrics[j].TrainErr })
	_, te := metricSeries(r, func(j int) float64 { return 100 * r.Metrics[j].TestErr })
	train, test := finitePoints(x, movingAverage(tr, smooth)), finitePoints(x, te)
	addLine(p, train, draw.LineStyle{Color: s.Color, Width: vg.Points(1), Dashes: plainDashes})
	addLine(p, test, draw.LineStyle{Color: s.Color, Width: vg.Points(1.8)})
	addGlyphs(p, test, draw.GlyphStyle{Color: s.Color, Radius: vg.Points(1.6), Shape: draw.CircleGlyph{}})
	for _, pts := range []plotter.XYs{train, test} {
		for _, pt := range pts {
			yMax = max(yMax, pt.Y)
		}
	}
	return yMax, x[len(x)-1]
}

// finitePoints returns the points of xs, ys whose y is finite.
func finitePoints(xs, ys []float64) plotter.XYs {
	var pts plotter.XYs
	for i, y := range ys {
		if isFinite(y) {
			pts = append(pts, plotter.XY{X: xs[i], Y: y})
		}
	}
	return pts
}
