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
// every metrics row and the test loss where it was measured, each pooled
// over the seeds of a configuration (see pooledSeries).
type lossCurve struct{ train, test seedSeries }

// trainLoss and testLoss are a run's loss series: the training loss
// smoothed over smooth rows, and the test loss where measured.
func trainLoss(smooth int) func(*Run) (xs, ys []float64) {
	return func(r *Run) ([]float64, []float64) {
		x, y := metricSeries(r, func(j int) float64 { return r.Metrics[j].TrainLoss })
		return x, movingAverage(y, smooth)
	}
}

func testLoss(r *Run) ([]float64, []float64) {
	return measured(metricSeries(r, func(j int) float64 { return r.Metrics[j].TestLoss }))
}

// lossCurves returns each run's loss series and all their values, for the
// log axis's bounds.
func lossCurves(runs []*Run, smooth int) (curves []lossCurve, all [][]float64) {
	curves = make([]lossCurve, len(runs))
	for i, r := range runs {
		curves[i] = lossCurve{pooledSeries(r, trainLoss(smooth)), pooledSeries(r, testLoss)}
		all = append(all, curves[i].train.y, curves[i].train.lo, curves[i].train.hi, curves[i].test.y)
	}
	return curves, all
}

// addLossCurve draws c, run r's loss series in style s, on p clamped to
// [floor, ceil], and its legend entry; it records the series in d.
func addLossCurve(p *plot.Plot, leg *plot.Legend, d *drawnSeries, c lossCurve, r *Run, s runStyle, floor, ceil float64) {
	d.add(addBand(p, c.train, s.Color, true, floor, ceil), nil)
	pts, cl := clampLog(c.train.x, c.train.y, floor, ceil, true)
	tpts, tcl := clampLog(c.test.x, c.test.y, floor, ceil, true)
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
		if x := curves[i].train.x; len(x) > 0 {
			addLossCurve(p, &leg, &drawn, curves[i], r, styles[i], floor, ceil)
			xmax = max(xmax, x[len(x)-1])
		}
	}
	if len(drawn.pts) == 0 {
		return nil
	}
	drawn.legendClamp(&leg)
	legendBand(&leg, runs)
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
			if !r.known() || r.Meta.Residual != residual {
				continue
			}
			ym, xm, ok := addErrorCurves(p, r, styles[i], smooth)
			if !ok {
				continue
			}
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
	legendBand(&leg, runs)
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

// errorPercent returns a run's error series in percent: the training
// error smoothed over smooth rows, or the test error where measured.
func errorPercent(test bool, smooth int) func(*Run) (xs, ys []float64) {
	return func(r *Run) ([]float64, []float64) {
		if test {
			return measured(metricSeries(r, func(j int) float64 { return 100 * r.Metrics[j].TestErr }))
		}
		x, y := metricSeries(r, func(j int) float64 { return 100 * r.Metrics[j].TrainErr })
		return x, movingAverage(y, smooth)
	}
}

// addErrorCurves adds r's training error (dashed, smoothed) and test error
// (solid, with dots at the evaluation steps) in percent to p, each with its
// seed band, and returns the largest error drawn and the last step; ok is
// false if r has no training error to draw.
func addErrorCurves(p *plot.Plot, r *Run, s runStyle, smooth int) (yMax, xMax float64, ok bool) {
	trs, tes := pooledSeries(r, errorPercent(false, smooth)), pooledSeries(r, errorPercent(true, smooth))
	if len(trs.x) == 0 {
		return 0, 0, false
	}
	addBand(p, trs, s.Color, false, 0, 0)
	addBand(p, tes, s.Color, false, 0, 0)
	train, test := finitePoints(trs.x, trs.y), finitePoints(tes.x, tes.y)
	addLine(p, train, draw.LineStyle{Color: s.Color, Width: vg.Points(1), Dashes: plainDashes})
	addLine(p, test, draw.LineStyle{Color: s.Color, Width: vg.Points(1.8)})
	addGlyphs(p, test, draw.GlyphStyle{Color: s.Color, Radius: vg.Points(1.6), Shape: draw.CircleGlyph{}})
	for _, pts := range []plotter.XYs{train, test, finitePoints(trs.x, trs.hi), finitePoints(tes.x, tes.hi)} {
		for _, pt := range pts {
			yMax = max(yMax, pt.Y)
		}
	}
	return yMax, trs.x[len(trs.x)-1], true
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
