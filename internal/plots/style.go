package plots

import (
	"fmt"
	"image/color"
	"math"
	"path/filepath"
	"slices"
	"strconv"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
)

// seriesColors are the Okabe–Ito colours (without yellow, too faint on
// white), distinguishable also with colour-vision deficiencies.
var seriesColors = []color.Color{
	rgb(0x00, 0x72, 0xB2), // blue
	rgb(0xD5, 0x5E, 0x00), // vermillion
	rgb(0x00, 0x9E, 0x73), // bluish green
	rgb(0xCC, 0x79, 0xA7), // reddish purple
	rgb(0xE6, 0x9F, 0x00), // orange
	rgb(0x56, 0xB4, 0xE9), // sky blue
	rgb(0x00, 0x00, 0x00), // black
}

var (
	grey      = rgb(0x70, 0x70, 0x70)
	lightGrey = rgb(0xC8, 0xC8, 0xC8)
)

func rgb(r, g, b uint8) color.Color { return color.NRGBA{R: r, G: g, B: b, A: 0xFF} }

// plainDashes is the dash pattern of plain nets; residual nets are solid.
var plainDashes = []vg.Length{vg.Points(6), vg.Points(3)}

// runStyle is how one run is drawn in every figure.
type runStyle struct {
	Label  string
	Color  color.Color
	Dashes []vg.Length // nil: solid
}

// lineStyle returns the run's line style with the given width.
func (s runStyle) lineStyle(width vg.Length) draw.LineStyle {
	return draw.LineStyle{Color: s.Color, Width: width, Dashes: s.Dashes}
}

// runStyles assigns one style per run. Runs of the same depth share a colour,
// depths taking colours in increasing order; if two runs share both depth
// and kind (plain or residual), every run gets its own colour instead, in
// order. Plain nets are dashed. Labels are Meta.Label (Meta.Name, then the
// directory name if empty), made unique by appending the run name.
func runStyles(runs []*Run) []runStyle {
	colorOf := colorIndices(runs)
	labels := runLabels(runs)
	styles := make([]runStyle, len(runs))
	for i, r := range runs {
		styles[i] = runStyle{Label: labels[i], Color: seriesColors[colorOf[i]%len(seriesColors)]}
		if !r.Meta.Residual {
			styles[i].Dashes = plainDashes
		}
	}
	return styles
}

// colorIndices returns each run's colour index: by rank of its depth, or by
// position when two runs share depth and kind.
func colorIndices(runs []*Run) []int {
	type key struct {
		depth    int
		residual bool
	}
	seen := map[key]bool{}
	var depths []int
	for _, r := range runs {
		k := key{r.Meta.Depth, r.Meta.Residual}
		if seen[k] {
			return seqInts(len(runs))
		}
		seen[k] = true
		depths = append(depths, r.Meta.Depth)
	}
	depths = uniqueSorted(depths)
	out := make([]int, len(runs))
	for i, r := range runs {
		out[i], _ = slices.BinarySearch(depths, r.Meta.Depth)
	}
	return out
}

func seqInts(n int) []int {
	out := make([]int, n)
	for i := range out {
		out[i] = i
	}
	return out
}

// runLabels returns the runs' labels, unique: a label used by several runs
// gets the run name appended, then the position if still not unique.
func runLabels(runs []*Run) []string {
	labels := make([]string, len(runs))
	count := map[string]int{}
	for i, r := range runs {
		labels[i] = firstNonEmpty(r.Meta.Label, r.Meta.Name, filepath.Base(r.Dir))
		count[labels[i]]++
	}
	seen := map[string]bool{}
	for i, r := range runs {
		if count[labels[i]] > 1 {
			labels[i] = fmt.Sprintf("%s (%s)", labels[i], firstNonEmpty(r.Meta.Name, filepath.Base(r.Dir)))
		}
		if seen[labels[i]] {
			labels[i] = fmt.Sprintf("%s #%d", labels[i], i+1)
		}
		seen[labels[i]] = true
	}
	return labels
}

func firstNonEmpty(ss ...string) string {
	for _, s := range ss {
		if s != "" {
			return s
		}
	}
	return ""
}

// decadeTicks marks a log axis at powers of ten: at most about 7 labelled
// decades (every k-th decade when the axis spans many), the other decades as
// unlabelled ticks if the axis spans at most 30 decades, and 2..9 times each decade as ticks when the axis spans
// at most 3 decades (2 and 5 times labelled). Only
// ticks within [axisMin, axisMax] are returned; powers of ten that float64
// cannot hold are skipped.
type decadeTicks struct{}

// Ticks implements plot.Ticker.
func (decadeTicks) Ticks(axisMin, axisMax float64) []plot.Tick {
	lo, hi := int(math.Floor(log10(axisMin))), int(math.Ceil(log10(axisMax)))
	every := max((hi-lo+6)/7, 1)
	var ticks []plot.Tick
	for k := lo; k <= hi; k++ {
		v := math.Pow10(k)
		if v == 0 || math.IsInf(v, 0) {
			continue
		}
		switch {
		case k%every == 0:
			ticks = append(ticks, plot.Tick{Value: v, Label: decadeLabel(k)})
		case hi-lo <= 30:
			ticks = append(ticks, plot.Tick{Value: v})
		}
		for m := 2; m <= 9 && hi-lo <= 3; m++ {
			t := plot.Tick{Value: float64(m) * v}
			if m == 2 || m == 5 {
				t.Label = strconv.FormatFloat(t.Value, 'g', 3, 64)
			}
			ticks = append(ticks, t)
		}
	}
	return inRange(ticks, axisMin, axisMax)
}

// inRange returns the ticks with values in [lo, hi]; a tick outside the
// axis would still take room in the layout.
func inRange(ticks []plot.Tick, lo, hi float64) []plot.Tick {
	return slices.DeleteFunc(ticks, func(t plot.Tick) bool { return t.Value < lo || t.Value > hi })
}

// niceTicks marks a linear axis with about 5 to 10 labelled ticks at
// multiples of 1, 2 or 5 times a power of ten (at least 1 if Integer),
// labelled with at most 10 significant digits, and unlabelled ticks halfway
// between them (at integers only, if Integer).
type niceTicks struct{ Integer bool }

// Ticks implements plot.Ticker.
func (t niceTicks) Ticks(axisMin, axisMax float64) []plot.Tick {
	step := niceStep((axisMax - axisMin) / 6)
	if t.Integer {
		step = max(step, 1)
	}
	if !(step > 0) || math.IsInf(step, 0) {
		return nil
	}
	var ticks []plot.Tick
	for i := math.Ceil(axisMin/step) * 2; i <= math.Floor(axisMax/step)*2+1; i++ {
		v := i*step/2 + 0 // + 0 turns -0 into 0
		if math.Mod(i, 2) == 0 {
			ticks = append(ticks, plot.Tick{Value: v, Label: strconv.FormatFloat(v, 'g', 10, 64)})
		} else if !t.Integer || step >= 2 {
			ticks = append(ticks, plot.Tick{Value: v})
		}
	}
	return inRange(ticks, axisMin, axisMax)
}

// niceStep returns the smallest of 1, 2, 5 times a power of ten that is >= x.
func niceStep(x float64) float64 {
	p := math.Pow10(int(math.Floor(log10(x))))
	for _, m := range []float64{1, 2, 5, 10} {
		if m*p >= x {
			return m * p
		}
	}
	return 10 * p
}

// decadeLabel formats 10^k: plainly for -2 <= k <= 3, else as "1e<k>".
func decadeLabel(k int) string {
	if k >= -2 && k <= 3 {
		return strconv.FormatFloat(math.Pow10(k), 'f', -1, 64)
	}
	return "1e" + strconv.Itoa(k)
}

// logAxisRange returns an axis range that shows values in [lo, hi], both
// positive, with a margin of a factor 2 on each side (a decade each side if
// lo == hi), never reaching 0 or +Inf.
func logAxisRange(lo, hi float64) (min, max float64) {
	f := 2.0
	if lo == hi {
		f = 10
	}
	min, max = lo/f, hi*f
	if min == 0 {
		min = lo
	}
	if math.IsInf(max, 1) {
		max = math.MaxFloat64
	}
	if min == max {
		max = math.Nextafter(max, math.Inf(1))
	}
	return min, max
}
