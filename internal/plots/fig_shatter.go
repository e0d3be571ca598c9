package plots

import (
	"fmt"
	"image/color"
	"math"
	"os"
	"slices"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
)

// The figure of resexp shatter (shattered gradients, Balduzzi et al. 2017).
// Unlike the figures of Draw it is drawn from the series the analysis
// computed (which it also writes to shatter.csv), passed in as plain
// values.

// ShatterNet is one net's column of the shatter figure.
type ShatterNet struct {
	Name   string         // e.g. "plain-56"
	States []ShatterCurve // at initialisation first, then trained (if any)
}

// ShatterCurve is one state of a net: the derivative of its output along
// the line and that derivative's autocorrelation.
type ShatterCurve struct {
	// State names the weights in the legend, e.g. "at initialisation" or
	// "trained"; states of one name share a colour. Title names them in
	// their panel, e.g. "trained, step 8000".
	State, Title string
	T            []float64 // positions on the line, 0 to 1
	Grad         []float64 // df/dt at T
	// ACF and Cosine are indexed by lag in points, from 0: the
	// autocorrelation of Grad and the mean cosine similarity of the full
	// input gradients that many points apart.
	ACF, Cosine []float64
}

// shatterColors colour the states, by order of first appearance of their
// names: initialisation vermillion, trained blue.
var shatterColors = []color.Color{seriesColors[1], seriesColors[0], seriesColors[2], seriesColors[3]}

// shatterStates returns the state names of nets in order of first
// appearance.
func shatterStates(nets []ShatterNet) []string {
	var names []string
	for _, n := range nets {
		for _, s := range n.States {
			if !slices.Contains(names, s.State) {
				names = append(names, s.State)
			}
		}
	}
	return names
}

// shatterColor is the colour of state among the states names.
func shatterColor(names []string, state string) color.Color {
	return shatterColors[slices.Index(names, state)%len(shatterColors)]
}

// shatterCosineDashes is the dash pattern of the cosine curves.
var shatterCosineDashes = []vg.Length{vg.Points(2), vg.Points(2)}

// DrawShatter writes shatter.<format> (png, svg or pdf) into outDir and
// returns its path. It has one column per net (plain and residual side by
// side when given both) and one row per state with df/dt along the line,
// then a row with the autocorrelation of df/dt (solid) and the mean cosine
// of the input gradients (dotted) against the lag, every state of the net
// in one panel on the y range [−1, 1], with the band within which white
// noise's autocorrelation falls 95% of the time (±1.96/√P) in grey.
func DrawShatter(nets []ShatterNet, outDir, format string) (string, error) {
	if len(nets) == 0 {
		return "", fmt.Errorf("plots: DrawShatter needs at least one net")
	}
	if _, err := newCanvas(format, 1, 1); err != nil {
		return "", err
	}
	if err := os.MkdirAll(outDir, 0o755); err != nil {
		return "", fmt.Errorf("plots: %w", err)
	}
	f := shatterFigure(nets)
	return f.write(outDir, format)
}

// shatterFigure lays out DrawShatter's figure.
func shatterFigure(nets []ShatterNet) *figure {
	rows := 0
	for _, n := range nets {
		rows = max(rows, len(n.States))
	}
	grid := make([][]*plot.Plot, rows+1)
	for i := range grid {
		grid[i] = make([]*plot.Plot, len(nets))
	}
	states := shatterStates(nets)
	for j, n := range nets {
		for i, s := range n.States {
			grid[i][j] = gradPanel(n.Name, s, shatterColor(states, s.State))
		}
		grid[rows][j] = acfPanel(n, states)
	}
	leg := shatterLegend(states)
	return &figure{
		name:    "shatter",
		caption: "Shattered gradients: df/dt, the derivative of one logit along the line between two test images, and its autocorrelation against the lag.",
		w:       vg.Length(1.2+4.3*float64(len(nets))+2.6) * vg.Inch, h: vg.Length(0.7+2.4*float64(rows+1)) * vg.Inch,
		draw: func(c draw.Canvas) {
			c = withTitle(c, "Shattered gradients: the input gradient along a line of inputs, and its autocorrelation")
			tile(withLegend(c, leg), grid)
		},
	}
}

// gradPanel draws one state's df/dt against t in colour col.
func gradPanel(net string, s ShatterCurve, col color.Color) *plot.Plot {
	p := newPlot(net+", "+s.Title, "position t on the line (image a at 0, b at 1)", "df/dt")
	p.X.Tick.Marker = niceTicks{}
	pts := finitePoints(s.T, s.Grad)
	horizontal(p, 0, 0, 1, draw.LineStyle{Color: lightGrey, Width: vg.Points(0.8)})
	addLine(p, pts, draw.LineStyle{Color: col, Width: vg.Points(1)})
	xRange(p, 0, 1)
	return p
}

// acfPanel draws a net's autocorrelation and lag-cosine curves, every
// state, with the white-noise band.
func acfPanel(n ShatterNet, states []string) *plot.Plot {
	p := newPlot(n.Name+": autocorrelation", "lag (points on the line)", "correlation")
	maxLag, points := 0, 0
	for _, s := range n.States {
		maxLag, points = max(maxLag, len(s.ACF)-1), max(points, len(s.T))
	}
	band := 1.96 / math.Sqrt(float64(max(points, 1)))
	horizontal(p, 0, 0, float64(maxLag), draw.LineStyle{Color: lightGrey, Width: vg.Points(0.8)})
	for _, y := range []float64{band, -band} {
		horizontal(p, y, 0, float64(maxLag), draw.LineStyle{Color: grey, Width: vg.Points(0.8), Dashes: shatterCosineDashes})
	}
	for _, s := range n.States {
		col := shatterColor(states, s.State)
		lags := lagAxis(len(s.ACF))
		addLine(p, finitePoints(lags, s.ACF), draw.LineStyle{Color: col, Width: vg.Points(1.6)})
		addLine(p, finitePoints(lagAxis(len(s.Cosine)), s.Cosine), draw.LineStyle{Color: col, Width: vg.Points(1.2), Dashes: shatterCosineDashes})
	}
	xRange(p, 0, float64(maxLag))
	p.Y.Min, p.Y.Max = -1, 1
	return p
}

// lagAxis returns 0, 1, ..., n−1.
func lagAxis(n int) []float64 { return toFloats(seqInts(n)) }

// shatterLegend explains the colours (states) and line styles.
func shatterLegend(states []string) plot.Legend {
	leg := newLegend()
	for _, st := range states {
		col := shatterColor(states, st)
		leg.Add(st+": df/dt, its autocorrelation", lineThumb(draw.LineStyle{Color: col, Width: vg.Points(1.6)}))
		leg.Add(st+": mean cosine of the input gradients", lineThumb(draw.LineStyle{Color: col, Width: vg.Points(1.2), Dashes: shatterCosineDashes}))
	}
	leg.Add("white noise, 95% band", lineThumb(draw.LineStyle{Color: grey, Width: vg.Points(0.8), Dashes: shatterCosineDashes}))
	return leg
}
