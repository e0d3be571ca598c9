package plots

import (
	"fmt"
	"image/color"
	"math"
	"slices"
	"strconv"
	"strings"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"

	"github.com/resexp/resexp/internal/runfiles"
)

// The lesion figure (lesion.png) from lesion.csv (see
// runfiles.LesionHeader): per net a column with the test error with each
// block deleted in turn and with k random blocks deleted.

// lesionNet is one net's rows of lesion.csv.
type lesionNet struct {
	label    string
	residual bool
	base     float64   // error with nothing deleted
	single   []float64 // error with block i deleted (NaN: cannot be deleted)
	blocks   []string
	fixed    []int             // blocks that cannot be deleted
	random   map[int][]float64 // errors of the random subsets by k
}

// readLesion reads the lesion.csv at path, nets in file order.
func readLesion(path string) ([]*lesionNet, error) {
	rows, err := runfiles.ReadTable(path, runfiles.LesionHeader)
	if err != nil {
		return nil, err
	}
	var nets []*lesionNet
	byLabel := map[string]*lesionNet{}
	for i, r := range rows {
		n := byLabel[r[0]]
		if n == nil {
			n = &lesionNet{label: r[0], residual: strings.HasPrefix(r[0], "resnet"), random: map[int][]float64{}}
			byLabel[r[0]] = n
			nets = append(nets, n)
		}
		if err := n.add(r); err != nil {
			return nil, fmt.Errorf("%s: row %d: %w", path, i+2, err)
		}
	}
	if len(nets) == 0 {
		return nil, fmt.Errorf("%s: no rows", path)
	}
	return nets, nil
}

// add records one row: net, kind, k, subset, blocks, loss, error, note.
func (n *lesionNet) add(r []string) error {
	k, err := strconv.Atoi(r[2])
	if err != nil {
		return fmt.Errorf("k %q is not an integer", r[2])
	}
	e, err := runfiles.ParseFloat(r[6])
	if err != nil {
		return err
	}
	switch r[1] {
	case "none":
		n.base = e
	case "single":
		if r[7] != "" {
			n.fixed = append(n.fixed, len(n.single))
		}
		n.single, n.blocks = append(n.single, e), append(n.blocks, r[4])
	case "random":
		n.random[k] = append(n.random[k], e)
	default:
		return fmt.Errorf("kind %q is not none, single or random", r[1])
	}
	return nil
}

// DrawLesion draws lesion.<format> into outDir from the lesion.csv at
// csvPath and returns the file's path. Nets are drawn side by side, plain
// before residual, each in a column: on top the test error with each block
// deleted in turn (blocks that cannot be deleted marked on the axis), below
// the error with k random blocks deleted, the mean of the subsets and
// their range.
func DrawLesion(csvPath, outDir, format string) (string, error) {
	nets, err := readLesion(csvPath)
	if err != nil {
		return "", err
	}
	slices.SortStableFunc(nets, func(a, b *lesionNet) int { return b2i(a.residual) - b2i(b.residual) })
	grid := [][]*plot.Plot{make([]*plot.Plot, len(nets)), make([]*plot.Plot, len(nets))}
	leg := newLegend()
	for i, n := range nets {
		s := lesionStyle(n, i)
		grid[0][i] = singlePlot(n, s)
		grid[1][i] = randomPlot(n, s)
		leg.Add(n.label, lineThumb(s.lineStyle(vg.Points(1.5))))
	}
	ref := baseStyle()
	leg.Add("nothing deleted", lineThumb(ref))
	leg.Add("cannot be deleted (plain block that changes shape)", glyphThumb(fixedGlyph()))
	leg.Add("random subsets: each, and their range", glyphThumb(subsetGlyph(grey)))
	f := &figure{
		name: "lesion",
		w:    vg.Length(3.2+4*float64(len(nets))) * vg.Inch, h: 7.2 * vg.Inch,
		draw: func(c draw.Canvas) {
			c = withTitle(c, "Lesion study (Veit et al. 2016): test error with blocks deleted")
			tile(withYLabel(withLegend(c, leg), "test error (%)"), grid)
		},
	}
	return f.write(outDir, format)
}

// lesionStyle is net i's style: its own colour, dashed if plain.
func lesionStyle(n *lesionNet, i int) runStyle {
	s := runStyle{Label: n.label, Color: seriesColors[i%len(seriesColors)]}
	if !n.residual {
		s.Dashes = plainDashes
	}
	return s
}

func baseStyle() draw.LineStyle {
	return draw.LineStyle{Color: grey, Width: vg.Points(1), Dashes: []vg.Length{vg.Points(2), vg.Points(3)}}
}

func fixedGlyph() draw.GlyphStyle {
	return draw.GlyphStyle{Color: rgb(0xD5, 0x5E, 0x00), Radius: vg.Points(4), Shape: boldCross{}}
}

func subsetGlyph(c color.Color) draw.GlyphStyle {
	return draw.GlyphStyle{Color: c, Radius: vg.Points(1.6), Shape: draw.CircleGlyph{}}
}

// singlePlot shows n's error with each block deleted, against the block's
// position (1 = nearest the input).
func singlePlot(n *lesionNet, s runStyle) *plot.Plot {
	p := newPlot(n.label+": one block deleted", "deleted block (1 = nearest the input)", "")
	var pts, fixed plotter.XYs
	for i, e := range n.single {
		if slices.Contains(n.fixed, i) {
			fixed = append(fixed, plotter.XY{X: float64(i + 1), Y: 0})
			continue
		}
		if isFinite(e) {
			pts = append(pts, plotter.XY{X: float64(i + 1), Y: 100 * e})
		}
	}
	horizontal(p, 100*n.base, 0.5, float64(len(n.single))+0.5, baseStyle())
	var d drawnSeries
	addDottedLine(p, &d, pts, nil, s, 1.2, 2.2)
	addGlyphs(p, fixed, fixedGlyph())
	errorAxis(p, 0.5, float64(len(n.single))+0.5)
	return p
}

// randomPlot shows n's error with k random blocks deleted: every subset as
// a dot, their range as a bar, their mean as the line.
func randomPlot(n *lesionNet, s runStyle) *plot.Plot {
	p := newPlot(n.label+": k random blocks deleted", "blocks deleted k", "")
	ks := make([]int, 0, len(n.random))
	for k := range n.random {
		ks = append(ks, k)
	}
	slices.Sort(ks)
	mean := plotter.XYs{{X: 0, Y: 100 * n.base}}
	var dots plotter.XYs
	for _, k := range ks {
		lo, hi := math.Inf(1), math.Inf(-1)
		for _, e := range n.random[k] {
			if isFinite(e) {
				dots = append(dots, plotter.XY{X: float64(k), Y: 100 * e})
				lo, hi = min(lo, 100*e), max(hi, 100*e)
			}
		}
		if lo > hi {
			continue
		}
		addLine(p, plotter.XYs{{X: float64(k), Y: lo}, {X: float64(k), Y: hi}}, draw.LineStyle{Color: s.Color, Width: vg.Points(0.8)})
		mean = append(mean, plotter.XY{X: float64(k), Y: 100 * finiteMean(n.random[k])})
	}
	var d drawnSeries
	addDottedLine(p, &d, mean, nil, s, 1.4, 2)
	addGlyphs(p, dots, subsetGlyph(grey))
	errorAxis(p, -0.5, float64(len(ks))+0.5)
	return p
}

// errorAxis sets p's axes: x from lo to hi, y the error from 0 to 100%.
func errorAxis(p *plot.Plot, lo, hi float64) {
	xRange(p, lo, hi)
	p.Y.Min, p.Y.Max = 0, 100
}
