package plots

import (
	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
)

// responseStep returns the largest step at which every run r stands for
// recorded responses; ok is false if there is none.
func responseStep(r *Run) (step int, ok bool) {
	var lists [][]int
	for _, m := range r.members() {
		steps := make([]int, len(m.Responses))
		for i, row := range m.Responses {
			steps[i] = row.Step
		}
		lists = append(lists, uniqueSorted(steps))
	}
	shared := commonSteps(lists...)
	if len(shared) == 0 {
		return 0, false
	}
	return shared[len(shared)-1], true
}

// responseCurve is one run's response spread at its last recorded step
// (for repetitions, the last step all seeds recorded): the standard
// deviation of every layer by index, and sorted, each pooled over seeds.
type responseCurve struct {
	run             int
	byLayer, sorted seedSeries
}

// responseCurves returns the response curves of the runs that recorded
// responses, and all their values, for the axis.
func responseCurves(runs []*Run) (curves []responseCurve, all []float64) {
	for i, r := range runs {
		step, ok := responseStep(r)
		if !ok {
			continue
		}
		byLayer := pooledSeries(r, func(m *Run) ([]float64, []float64) { return responseProfile(m.Responses, step) })
		sorted := pooledSeries(r, func(m *Run) ([]float64, []float64) {
			_, std := responseProfile(m.Responses, step)
			return ranks(len(std)), sortedDesc(std)
		})
		curves = append(curves, responseCurve{i, byLayer, sorted})
		all = append(append(append(all, byLayer.y...), byLayer.lo...), byLayer.hi...)
	}
	return curves, all
}

// responseAxes sets the y axes of left and right: logarithmic over
// [floor, ceil] and the drawn series if useLog, else linear from 0 to the
// larger of their tops.
func responseAxes(left, right *plot.Plot, useLog bool, floor, ceil float64, drawn []plotter.XYs) {
	for _, p := range []*plot.Plot{left, right} {
		if useLog {
			logY(p, floor, ceil, drawn...)
		} else {
			p.Y.Min = 0
		}
	}
	if !useLog {
		right.Y.Max = max(left.Y.Max, right.Y.Max)
		left.Y.Max = right.Y.Max
	}
}

// responsesFigure is the paper's Fig. 7: the standard deviation of each
// layer's response at each run's last recorded step, by layer index (left)
// and sorted by magnitude (right), runs overlaid: do residual branches
// respond more weakly than plain layers? The axis is logarithmic (with
// clamping) when a value is not finite or they span more than two decades,
// linear from 0 otherwise. nil if no run has responses.
func responsesFigure(runs []*Run, styles []runStyle) *figure {
	curves, all := responseCurves(runs)
	if len(curves) == 0 {
		return nil
	}
	left := newPlot("by layer (last recorded step)", "layer index", "")
	right := newPlot("sorted by magnitude", "rank (largest std first)", "")
	useLog := wantLog(all)
	floor, ceil := logBounds(all)
	leg := newLegend()
	var drawn drawnSeries
	for _, cv := range curves {
		s := styles[cv.run]
		for _, panel := range []struct {
			p  *plot.Plot
			sr seedSeries
		}{{left, cv.byLayer}, {right, cv.sorted}} {
			drawn.add(addBand(panel.p, panel.sr, s.Color, useLog, floor, ceil), nil)
			pts, cl := responsePoints(panel.sr.x, panel.sr.y, useLog, floor, ceil)
			addDottedLine(panel.p, &drawn, pts, cl, s, 1.3, 1.4)
		}
		leg.Add(s.Label, lineThumb(s.lineStyle(vg.Points(1.5))))
	}
	drawn.legendClamp(&leg)
	legendBand(&leg, runs)
	responseAxes(left, right, useLog, floor, ceil, drawn.pts)
	yLabel := "std of layer response"
	if useLog {
		yLabel += " (log scale)"
	}
	return &figure{
		name:    "responses",
		caption: "Fig. 7 style: standard deviation of each 3x3 conv layer's response (after BN, before the nonlinearity/addition) at the last recorded step, by layer and sorted by magnitude.",
		w:       11 * vg.Inch, h: 5 * vg.Inch,
		draw: func(c draw.Canvas) {
			c = withTitle(c, "How strongly does each layer respond? Std of layer responses (Fig. 7)")
			tile(withYLabel(withLegend(c, leg), yLabel), [][]*plot.Plot{{left, right}})
		},
	}
}

// responsePoints returns the drawable points of xs, ys: clamped as on a log
// axis if useLog, else the finite ones (with useLog false all are finite).
func responsePoints(xs, ys []float64, useLog bool, floor, ceil float64) (pts, clamped plotter.XYs) {
	if useLog {
		return clampLog(xs, ys, floor, ceil, false)
	}
	return finitePoints(xs, ys), nil
}

// ranks returns 1, 2, ..., n as floats.
func ranks(n int) []float64 {
	out := make([]float64, n)
	for i := range out {
		out[i] = float64(i + 1)
	}
	return out
}
