package plots

import (
	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"

	"github.com/resexp/resexp/internal/runfiles"
)

// lastResponseStep returns the largest step of rows; ok is false if rows is
// empty.
func lastResponseStep(rows []runfiles.ResponseRow) (step int, ok bool) {
	for i, r := range rows {
		if i == 0 || r.Step > step {
			step = r.Step
		}
	}
	return step, len(rows) > 0
}

// responseCurve is one run's response spread at its last recorded step:
// the standard deviation of every layer by index, and sorted.
type responseCurve struct {
	run              int
	idx, std, sorted []float64
}

// responseCurves returns the response curves of the runs that recorded
// responses, and all their values, for the axis.
func responseCurves(runs []*Run) (curves []responseCurve, all []float64) {
	for i, r := range runs {
		step, ok := lastResponseStep(r.Responses)
		if !ok {
			continue
		}
		idx, std := responseProfile(r.Responses, step)
		curves = append(curves, responseCurve{i, idx, std, sortedDesc(std)})
		all = append(all, std...)
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
		pts, cl := responsePoints(cv.idx, cv.std, useLog, floor, ceil)
		addDottedLine(left, &drawn, pts, cl, s, 1.3, 1.4)
		pts, cl = responsePoints(ranks(len(cv.sorted)), cv.sorted, useLog, floor, ceil)
		addDottedLine(right, &drawn, pts, cl, s, 1.3, 1.4)
		leg.Add(s.Label, lineThumb(s.lineStyle(vg.Points(1.5))))
	}
	drawn.legendClamp(&leg)
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
