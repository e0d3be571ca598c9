package plots

import (
	"cmp"
	"maps"
	"math"
	"slices"

	"gonum.org/v1/plot/plotter"

	"github.com/resexp/resexp/internal/runfiles"
)

// Floor and ceiling used on a log axis when no value is positive and finite.
const (
	defaultFloor = 1e-30
	defaultCeil  = 1.0
)

// logBounds returns where a log axis showing the given series draws values
// it cannot show: floor is a tenth of the smallest positive finite value
// (that value itself if a tenth underflows to 0) and ceil ten times the
// largest finite value (math.MaxFloat64 if that overflows). With no positive
// finite value they are defaultFloor and defaultCeil. NaN and ±Inf are
// ignored. Always 0 < floor < ceil.
func logBounds(series ...[]float64) (floor, ceil float64) {
	lo, hi := math.Inf(1), math.Inf(-1)
	for _, s := range series {
		for _, v := range s {
			if v > 0 && !math.IsInf(v, 1) {
				lo, hi = min(lo, v), max(hi, v)
			}
		}
	}
	if math.IsInf(lo, 1) {
		return defaultFloor, defaultCeil
	}
	floor, ceil = lo/10, min(hi*10, math.MaxFloat64)
	if floor == 0 {
		floor = lo
	}
	return floor, ceil
}

// clampLog returns the points (xs[i], ys[i]) as a log axis with the given
// floor and ceiling can draw them, and separately the points that were moved.
// A y that is <= 0, -Inf or below floor goes to floor, +Inf or above ceil goes
// to ceil, and NaN goes to floor, or is left out when nanMissing (metrics.csv
// uses NaN for "not measured"). Moved points are in both results.
func clampLog(xs, ys []float64, floor, ceil float64, nanMissing bool) (pts, clamped plotter.XYs) {
	for i, y := range ys {
		if math.IsNaN(y) && nanMissing {
			continue
		}
		c := y
		switch {
		case math.IsNaN(y) || y < floor:
			c = floor
		case y > ceil:
			c = ceil
		}
		pts = append(pts, plotter.XY{X: xs[i], Y: c})
		if c != y {
			clamped = append(clamped, plotter.XY{X: xs[i], Y: c})
		}
	}
	return pts, clamped
}

// movingAverage returns the trailing moving average of ys over windows of w
// samples: out[i] is the mean of the finite values among ys[max(0,i-w+1)..i].
// A non-finite ys[i] is copied as is, so that divergence stays visible.
// w <= 1 returns a copy of ys.
func movingAverage(ys []float64, w int) []float64 {
	out := slices.Clone(ys)
	if w <= 1 {
		return out
	}
	for i, y := range ys {
		if isFinite(y) {
			out[i] = finiteMean(ys[max(0, i-w+1) : i+1])
		}
	}
	return out
}

// finiteMean returns the mean of the finite values of vs (NaN if none).
func finiteMean(vs []float64) float64 {
	sum, n := 0.0, 0
	for _, v := range vs {
		if isFinite(v) {
			sum += v
			n++
		}
	}
	return sum / float64(n)
}

// log10 is math.Log10, also right for subnormal x, where math.Log10 (via
// math.Log on amd64) is not.
func log10(x float64) float64 {
	if x > 0 && x < 0x1p-1022 {
		return math.Log2(x) / math.Log2(10)
	}
	return math.Log10(x)
}

func isFinite(v float64) bool { return !math.IsNaN(v) && !math.IsInf(v, 0) }

// selectSteps returns the first, middle and last of the distinct values of
// steps, in increasing order and without repeats (so fewer than three when
// steps has fewer than three distinct values). The middle one is the
// (n/2)-th of the n sorted distinct steps, counting from 0.
func selectSteps(steps []int) []int {
	u := uniqueSorted(steps)
	if len(u) <= 3 {
		return u
	}
	return []int{u[0], u[len(u)/2], u[len(u)-1]}
}

// uniqueSorted returns the distinct values of vs in increasing order.
func uniqueSorted(vs []int) []int {
	u := slices.Clone(vs)
	slices.Sort(u)
	return slices.Compact(u)
}

// gradSteps returns the distinct steps of rows in increasing order.
func gradSteps(rows []runfiles.GradNormRow) []int {
	steps := make([]int, len(rows))
	for i, r := range rows {
		steps[i] = r.Step
	}
	return uniqueSorted(steps)
}

// commonSteps returns the steps present in every one of the step lists, in
// increasing order; lists must be sorted.
func commonSteps(lists ...[]int) []int {
	if len(lists) == 0 {
		return nil
	}
	var out []int
	for _, s := range lists[0] {
		if allContain(lists[1:], s) {
			out = append(out, s)
		}
	}
	return out
}

func allContain(lists [][]int, s int) bool {
	for _, l := range lists {
		if _, ok := slices.BinarySearch(l, s); !ok {
			return false
		}
	}
	return true
}

// profileAt returns the layer indices and norms recorded at step, sorted by
// index. If a layer was recorded twice at step the later row wins.
func profileAt(rows []runfiles.GradNormRow, step int) (idx, norms []float64) {
	byIndex := map[int]float64{}
	for _, r := range rows {
		if r.Step == step {
			byIndex[r.Index] = r.Norm
		}
	}
	return sortedByKey(byIndex)
}

// sortedByKey returns the keys (as floats) and values of m sorted by key.
func sortedByKey(m map[int]float64) (keys, vals []float64) {
	ks := make([]int, 0, len(m))
	for k := range m {
		ks = append(ks, k)
	}
	slices.Sort(ks)
	for _, k := range ks {
		keys = append(keys, float64(k))
		vals = append(vals, m[k])
	}
	return keys, vals
}

// ratioSeries returns, for every step of rows that recorded at least two
// layers, the norm of the lowest-index layer (the first conv) divided by the
// norm of the highest-index layer (the fc layer, in depth order). The
// division follows IEEE rules: 0/0 and Inf/Inf give NaN, x/0 gives ±Inf.
func ratioSeries(rows []runfiles.GradNormRow) (steps, ratios []float64) {
	type ends struct{ first, last runfiles.GradNormRow }
	byStep := map[int]*ends{}
	for _, r := range rows {
		e := byStep[r.Step]
		if e == nil {
			byStep[r.Step] = &ends{r, r}
			continue
		}
		if r.Index <= e.first.Index {
			e.first = r
		}
		if r.Index >= e.last.Index {
			e.last = r
		}
	}
	for _, s := range slices.Sorted(maps.Keys(byStep)) {
		if e := byStep[s]; e.first.Index != e.last.Index {
			steps = append(steps, float64(s))
			ratios = append(ratios, e.first.Norm/e.last.Norm)
		}
	}
	return steps, ratios
}

// responseProfile returns the layer indices and response standard
// deviations recorded at step, sorted by index.
func responseProfile(rows []runfiles.ResponseRow, step int) (idx, std []float64) {
	byIndex := map[int]float64{}
	for _, r := range rows {
		if r.Step == step {
			byIndex[r.Index] = r.Std
		}
	}
	return sortedByKey(byIndex)
}

// sortedDesc returns vs sorted by decreasing value, +Inf first and NaN last.
func sortedDesc(vs []float64) []float64 {
	out := slices.Clone(vs)
	slices.SortStableFunc(out, func(a, b float64) int {
		switch {
		case math.IsNaN(a) || math.IsNaN(b):
			return cmp.Compare(b2i(math.IsNaN(a)), b2i(math.IsNaN(b)))
		}
		return cmp.Compare(b, a)
	})
	return out
}

func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}

// wantLog reports whether values are better shown on a log axis: when one of
// them is not finite, or the positive finite ones span more than two decades.
func wantLog(vs []float64) bool {
	lo, hi := math.Inf(1), 0.0
	for _, v := range vs {
		if !isFinite(v) {
			return true
		}
		if v > 0 {
			lo, hi = min(lo, v), max(hi, v)
		}
	}
	return hi > 100*lo
}

// decimate returns at most about maxPts points of pts, which must be sorted
// by X: it splits pts into maxPts/2 buckets of consecutive points and keeps
// the lowest and the highest point of each, in their original order, so
// spikes survive. pts with at most maxPts points is returned as is.
func decimate(pts plotter.XYs, maxPts int) plotter.XYs {
	if len(pts) <= maxPts || maxPts < 2 {
		return pts
	}
	buckets := maxPts / 2
	out := make(plotter.XYs, 0, 2*buckets)
	for b := range buckets {
		lo, hi := b*len(pts)/buckets, (b+1)*len(pts)/buckets
		out = append(out, minMaxInOrder(pts[lo:hi])...)
	}
	return out
}

// minMaxInOrder returns the lowest and the highest point of a non-empty
// bucket (by Y) in their order in the bucket; one point if they coincide.
func minMaxInOrder(bucket plotter.XYs) plotter.XYs {
	iMin, iMax := 0, 0
	for i, p := range bucket {
		if p.Y < bucket[iMin].Y {
			iMin = i
		}
		if p.Y > bucket[iMax].Y {
			iMax = i
		}
	}
	switch {
	case iMin == iMax:
		return plotter.XYs{bucket[iMin]}
	case iMin < iMax:
		return plotter.XYs{bucket[iMin], bucket[iMax]}
	}
	return plotter.XYs{bucket[iMax], bucket[iMin]}
}
