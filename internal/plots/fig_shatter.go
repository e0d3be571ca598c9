package plots

import (
	"errors"
	"fmt"
	"image/color"
	"math"
	"slices"
	"strconv"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"

	"github.com/resexp/resexp/internal/runfiles"
)

// The shattered-gradients figure (shatter.png) from shatter.csv (see
// runfiles.ShatterHeader): per net a column with df/dt along the line for
// each state of its weights, and the autocorrelation against the lag.

// shatterNet is one net's rows of shatter.csv: its states in file order.
type shatterNet struct {
	name   string
	states []*shatterCurve
}

// shatterCurve is one state of a net: the derivative of its output along
// the line and that derivative's autocorrelation.
type shatterCurve struct {
	// state names the weights in the legend, "at initialisation" or
	// "trained"; states of one name share a colour. title names them in
	// their panel, e.g. "trained, step 8000".
	state, title string
	t, grad      []float64 // positions on the line (0 to 1) and df/dt there
	// acf and cosine are indexed by lag in points, from 0: the
	// autocorrelation of grad and the mean cosine similarity of the full
	// input gradients that many points apart.
	acf, cosine []float64
}

// readShatter reads the shatter.csv at path: nets and their states in file
// order, each quantity's values in index order (0, 1, ...).
func readShatter(path string) ([]*shatterNet, error) {
	rows, err := runfiles.ReadTable(path, runfiles.ShatterHeader)
	if err != nil {
		return nil, err
	}
	var nets []*shatterNet
	for i, r := range rows {
		if len(nets) == 0 || nets[len(nets)-1].name != r[0] {
			nets = append(nets, &shatterNet{name: r[0]})
		}
		if err := nets[len(nets)-1].add(r); err != nil {
			return nil, fmt.Errorf("%s: row %d: %w", path, i+2, err)
		}
	}
	if len(nets) == 0 {
		return nil, fmt.Errorf("%s: no rows", path)
	}
	return nets, nil
}

// add records one row: net, state, step, class, quantity, index, t, value.
func (n *shatterNet) add(r []string) error {
	if len(n.states) == 0 || n.states[len(n.states)-1].state != stateName(r[1]) {
		title := "at initialisation"
		if r[1] == "trained" {
			title = "trained, step " + r[2]
		}
		n.states = append(n.states, &shatterCurve{state: stateName(r[1]), title: title})
	}
	c := n.states[len(n.states)-1]
	var vs *[]float64
	switch r[4] {
	case "grad":
		vs = &c.grad
	case "acf":
		vs = &c.acf
	case "cosine":
		vs = &c.cosine
	case "output", "grad_norm":
		return nil
	default:
		return fmt.Errorf("quantity %q is not output, grad, grad_norm, acf or cosine", r[4])
	}
	if r[5] != strconv.Itoa(len(*vs)) {
		return fmt.Errorf("%s index %s, expected %d (rows in index order)", r[4], r[5], len(*vs))
	}
	t, err1 := runfiles.ParseFloat(r[6])
	v, err2 := runfiles.ParseFloat(r[7])
	if err := errors.Join(err1, err2); err != nil {
		return err
	}
	*vs = append(*vs, v)
	if r[4] == "grad" {
		c.t = append(c.t, t)
	}
	return nil
}

// stateName is the legend's name of a state of shatter.csv.
func stateName(state string) string {
	if state == "init" {
		return "at initialisation"
	}
	return state
}

// shatterColors colour the states, by order of first appearance of their
// names: initialisation vermillion, trained blue.
var shatterColors = []color.Color{seriesColors[1], seriesColors[0], seriesColors[2], seriesColors[3]}

// shatterStates returns the state names of nets in order of first
// appearance.
func shatterStates(nets []*shatterNet) []string {
	var names []string
	for _, n := range nets {
		for _, s := range n.states {
			if !slices.Contains(names, s.state) {
				names = append(names, s.state)
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

// DrawShatter draws shatter.<format> into outDir from the shatter.csv at
// csvPath and returns the file's path. It has one column per net, in file
// order (plain and residual side by side when given both), and one row per
// state with df/dt along the line, then a row with the autocorrelation of
// df/dt (solid) and the mean cosine of the input gradients (dotted)
// against the lag, every state of the net in one panel on the y range
// [−1, 1], with the band within which white noise's autocorrelation falls
// 95% of the time (±1.96/√P) in grey.
func DrawShatter(csvPath, outDir, format string) (string, error) {
	nets, err := readShatter(csvPath)
	if err != nil {
		return "", err
	}
	return shatterFigure(nets).write(outDir, format)
}

// shatterFigure lays out DrawShatter's figure.
func shatterFigure(nets []*shatterNet) *figure {
	rows := 0
	for _, n := range nets {
		rows = max(rows, len(n.states))
	}
	grid := make([][]*plot.Plot, rows+1)
	for i := range grid {
		grid[i] = make([]*plot.Plot, len(nets))
	}
	states := shatterStates(nets)
	for j, n := range nets {
		for i, s := range n.states {
			grid[i][j] = gradPanel(n.name, s, shatterColor(states, s.state))
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
func gradPanel(net string, s *shatterCurve, col color.Color) *plot.Plot {
	p := newPlot(net+", "+s.title, "position t on the line (image a at 0, b at 1)", "df/dt")
	p.X.Tick.Marker = niceTicks{}
	pts := finitePoints(s.t, s.grad)
	horizontal(p, 0, 0, 1, draw.LineStyle{Color: lightGrey, Width: vg.Points(0.8)})
	addLine(p, pts, draw.LineStyle{Color: col, Width: vg.Points(1)})
	xRange(p, 0, 1)
	return p
}

// acfPanel draws a net's autocorrelation and lag-cosine curves, every
// state, with the white-noise band.
func acfPanel(n *shatterNet, states []string) *plot.Plot {
	p := newPlot(n.name+": autocorrelation", "lag (points on the line)", "correlation")
	maxLag, points := 0, 0
	for _, s := range n.states {
		maxLag, points = max(maxLag, len(s.acf)-1), max(points, len(s.t))
	}
	band := 1.96 / math.Sqrt(float64(max(points, 1)))
	horizontal(p, 0, 0, float64(maxLag), draw.LineStyle{Color: lightGrey, Width: vg.Points(0.8)})
	for _, y := range []float64{band, -band} {
		horizontal(p, y, 0, float64(maxLag), draw.LineStyle{Color: grey, Width: vg.Points(0.8), Dashes: shatterCosineDashes})
	}
	for _, s := range n.states {
		col := shatterColor(states, s.state)
		addLine(p, finitePoints(lagAxis(len(s.acf)), s.acf), draw.LineStyle{Color: col, Width: vg.Points(1.6)})
		addLine(p, finitePoints(lagAxis(len(s.cosine)), s.cosine), draw.LineStyle{Color: col, Width: vg.Points(1.2), Dashes: shatterCosineDashes})
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
