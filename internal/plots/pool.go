package plots

import (
	"cmp"
	"fmt"
	"image/color"
	"math"
	"path/filepath"
	"slices"

	"gonum.org/v1/gonum/floats"
	"gonum.org/v1/gonum/stat"
	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg/draw"

	"github.com/resexp/resexp/internal/runfiles"
)

// Repetitions of one configuration with several seeds are drawn as one
// curve, the pointwise mean over the seeds, with a shaded band from the
// lowest to the highest seed (min–max: with the few seeds a sweep affords
// it shows every seed, where ± std would pretend to know the spread's
// shape). Mean and band cover the x values (steps, layers, ranks) that all
// seeds share. A configuration run once is drawn exactly as before.

// bandAlpha is the opacity of a seed band's fill.
const bandAlpha = 0x33

// poolSeeds returns runs with every group of repetitions replaced by one
// Run standing for the group, at the position of the group's first run.
// Runs are repetitions of one configuration when they are in the same
// folder, their meta.json agree on label, data set, depth and kind, their
// seeds differ, and their names are the configuration's with the seed
// suffix (see runfiles.ConfigName). The pooled Run's Meta is the first run's, named
// after the configuration; its Seeds are the group in seed order and it
// holds no rows of its own.
func poolSeeds(runs []*Run) []*Run {
	type key struct {
		dir, config, label, dataset string
		depth                       int
		residual                    bool
	}
	groups := map[key][]*Run{}
	var order []key
	for i, r := range runs {
		config, repeat := runfiles.ConfigName(r.Meta)
		k := key{filepath.Dir(filepath.Clean(r.Dir)), config, r.Meta.Label, r.Meta.Dataset, r.Meta.Depth, r.Meta.Residual}
		if !repeat || !r.known() {
			k.config = fmt.Sprintf("\x00%d", i) // never pooled
		}
		if _, ok := groups[k]; !ok {
			order = append(order, k)
		}
		groups[k] = append(groups[k], r)
	}
	var out []*Run
	for _, k := range order {
		out = append(out, pooledRuns(groups[k], k.config)...)
	}
	return out
}

// pooledRuns returns the Run standing for the repetitions g of
// configuration config, or g itself if it is one run or two of its runs
// have the same seed (then they are not repetitions).
func pooledRuns(g []*Run, config string) []*Run {
	seeds := map[uint64]bool{}
	for _, r := range g {
		seeds[r.Meta.Seed] = true
	}
	if len(g) < 2 || len(seeds) < len(g) {
		return g
	}
	members := slices.Clone(g)
	slices.SortFunc(members, func(a, b *Run) int { return cmp.Compare(a.Meta.Seed, b.Meta.Seed) })
	meta := *members[0].Meta
	meta.Name = config
	return []*Run{{Dir: filepath.Join(filepath.Dir(members[0].Dir), config), Meta: &meta, Seeds: members}}
}

// members returns the runs r stands for: its seeds, or r itself.
func (r *Run) members() []*Run {
	if len(r.Seeds) > 0 {
		return r.Seeds
	}
	return []*Run{r}
}

// hasGrads reports whether every run r stands for recorded gradient norms.
func (r *Run) hasGrads() bool {
	return !slices.ContainsFunc(r.members(), func(m *Run) bool { return len(m.Grads) == 0 })
}

// seedSeries is a series of a configuration: y at every x. For repetitions
// y is the mean over the seeds and lo and hi the lowest and the highest
// seed's value; for one run lo and hi are nil.
type seedSeries struct {
	x, y, lo, hi []float64
}

// banded reports whether s has a band to draw.
func (s seedSeries) banded() bool { return s.lo != nil }

// pooledSeries applies series to every run r stands for and pools the
// results at the x values all of them have (in the first run's order): the
// mean (by gonum's stat.Mean) and, for more than one run, the minimum and
// maximum. A value that is NaN in some run makes the pooled point NaN.
func pooledSeries(r *Run, series func(*Run) (xs, ys []float64)) seedSeries {
	ms := r.members()
	if len(ms) == 1 {
		x, y := series(ms[0])
		return seedSeries{x: x, y: y}
	}
	xs, byX := seriesByX(ms, series)
	var s seedSeries
	vals := make([]float64, len(ms))
	for _, x := range xs {
		for k := range ms {
			vals[k] = byX[k][x]
		}
		lo, hi := floats.Min(vals), floats.Max(vals)
		if slices.ContainsFunc(vals, math.IsNaN) {
			lo, hi = math.NaN(), math.NaN()
		}
		s.x, s.y = append(s.x, x), append(s.y, stat.Mean(vals, nil))
		s.lo, s.hi = append(s.lo, lo), append(s.hi, hi)
	}
	if s.lo == nil {
		s.lo, s.hi = []float64{}, []float64{}
	}
	return s
}

// seriesByX returns the x values of the first run's series that every
// run's series has, and each run's series as a map from x to y (the later
// point wins for a repeated x).
func seriesByX(ms []*Run, series func(*Run) (xs, ys []float64)) ([]float64, []map[float64]float64) {
	byX := make([]map[float64]float64, len(ms))
	var first []float64
	for k, m := range ms {
		x, y := series(m)
		if k == 0 {
			first = x
		}
		byX[k] = make(map[float64]float64, len(x))
		for i := range x {
			byX[k][x[i]] = y[i]
		}
	}
	var shared []float64
	for _, x := range first {
		if !slices.ContainsFunc(byX, func(m map[float64]float64) bool { _, ok := m[x]; return !ok }) &&
			!slices.Contains(shared, x) {
			shared = append(shared, x)
		}
	}
	return shared, byX
}

// bandPoints returns the outline of s's band, lo forwards and hi
// backwards, over the points where both are finite; clamped to [floor,
// ceil] on a log axis if onLog. nil if s has no band or fewer than two
// such points.
func bandPoints(s seedSeries, onLog bool, floor, ceil float64) plotter.XYs {
	if !s.banded() {
		return nil
	}
	var lo, hi plotter.XYs
	for i, x := range s.x {
		l, h := s.lo[i], s.hi[i]
		if math.IsNaN(l) || math.IsNaN(h) || (!onLog && (math.IsInf(l, 0) || math.IsInf(h, 0))) {
			continue
		}
		if onLog {
			l, h = min(max(l, floor), ceil), min(max(h, floor), ceil)
		}
		lo, hi = append(lo, plotter.XY{X: x, Y: l}), append(hi, plotter.XY{X: x, Y: h})
	}
	if len(lo) < 2 {
		return nil
	}
	lo, hi = decimate(lo, maxLinePoints), decimate(hi, maxLinePoints)
	slices.Reverse(hi)
	return append(lo, hi...)
}

// addBand fills s's band (see bandPoints) in the colour c, faded, behind
// whatever is added to p later, and returns its outline, for the axis
// range (nil if there is no band).
func addBand(p *plot.Plot, s seedSeries, c color.Color, onLog bool, floor, ceil float64) plotter.XYs {
	pts := bandPoints(s, onLog, floor, ceil)
	if pts == nil {
		return nil
	}
	poly, err := plotter.NewPolygon(pts)
	if err != nil {
		panic("plots: " + err.Error()) // bandPoints returns finite points only
	}
	poly.Color, poly.LineStyle = faded(c), draw.LineStyle{}
	p.Add(poly)
	return pts
}

// faded returns c with the band's opacity.
func faded(c color.Color) color.Color {
	r, g, b, _ := c.RGBA()
	return color.NRGBA{R: uint8(r >> 8), G: uint8(g >> 8), B: uint8(b >> 8), A: bandAlpha}
}

// seedCounts returns the fewest and most seeds of the pooled runs among
// runs; 0, 0 if none is pooled.
func seedCounts(runs []*Run) (lo, hi int) {
	for _, r := range runs {
		if n := len(r.Seeds); n > 1 {
			if lo == 0 || n < lo {
				lo = n
			}
			hi = max(hi, n)
		}
	}
	return lo, hi
}

// legendBand adds the entry explaining the bands to leg if any of runs is
// pooled: lines are means, the shading spans the seeds.
func legendBand(leg *plot.Legend, runs []*Run) {
	lo, hi := seedCounts(runs)
	if hi == 0 {
		return
	}
	n := fmt.Sprint(lo)
	if lo != hi {
		n = fmt.Sprintf("%d–%d", lo, hi)
	}
	leg.Add(fmt.Sprintf("mean of %s seeds; shaded: min–max", n), swatch{faded(grey)})
}
