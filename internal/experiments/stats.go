package experiments

import (
	"math"
	"slices"

	"gonum.org/v1/gonum/stat"
	"gonum.org/v1/gonum/stat/distuv"
)

// Statistics over repeated runs (seeds) of one configuration, for the
// results table. The arithmetic is gonum's (stat for the moments and the
// median, distuv's Student's t for quantiles and tail probabilities); this
// file only chooses which of it to use.

// confidence is the two-sided coverage of every interval reported.
const confidence = 0.95

// Summary describes a sample of values, one per seed. N counts the values
// that are not NaN (NaN means "not measured", e.g. a run not evaluated
// yet); the other fields describe those. Std is the sample standard
// deviation (n-1 in the denominator); Median is the lower median for even
// N (gonum's stat.Empirical quantile). CILo and CIHi bound the 95%
// confidence interval of the mean from Student's t with N-1 degrees of
// freedom. With N = 0 every field but N is NaN; with N = 1 Std and the
// interval are NaN.
type Summary struct {
	N                int
	Mean, Std        float64
	Min, Max, Median float64
	CILo, CIHi       float64
}

// Summarize returns the Summary of xs; xs is not modified.
func Summarize(xs []float64) Summary {
	v := measuredValues(xs)
	nan := math.NaN()
	s := Summary{N: len(v), Mean: nan, Std: nan, Min: nan, Max: nan, Median: nan, CILo: nan, CIHi: nan}
	if s.N == 0 {
		return s
	}
	slices.Sort(v)
	s.Mean, s.Min, s.Max = stat.Mean(v, nil), v[0], v[len(v)-1]
	s.Median = stat.Quantile(0.5, stat.Empirical, v, nil)
	if s.N < 2 {
		return s
	}
	s.Std = stat.StdDev(v, nil)
	half := tQuantile(float64(s.N-1)) * stat.StdErr(s.Std, float64(s.N))
	s.CILo, s.CIHi = s.Mean-half, s.Mean+half
	return s
}

// Comparison is Welch's t-test of the difference of two means, mean(a) -
// mean(b), for samples whose variances may differ: Diff, its 95%
// confidence interval [CILo, CIHi], the statistic T, the
// Welch–Satterthwaite degrees of freedom DF and the two-sided p-value P.
// NA and NB count the values used (NaN dropped). Everything but Diff is NaN
// unless both samples have at least two values and a non-zero spread.
type Comparison struct {
	NA, NB     int
	Diff       float64
	CILo, CIHi float64
	T, DF, P   float64
}

// Welch compares the means of a and b with Welch's unequal-variances
// t-test; see Comparison.
func Welch(a, b []float64) Comparison {
	sa, sb := Summarize(a), Summarize(b)
	nan := math.NaN()
	c := Comparison{NA: sa.N, NB: sb.N, Diff: sa.Mean - sb.Mean, CILo: nan, CIHi: nan, T: nan, DF: nan, P: nan}
	if sa.N < 2 || sb.N < 2 {
		return c
	}
	qa, qb := sa.Std*sa.Std/float64(sa.N), sb.Std*sb.Std/float64(sb.N)
	se := math.Sqrt(qa + qb)
	if se == 0 {
		return c
	}
	c.DF = (qa + qb) * (qa + qb) / (qa*qa/float64(sa.N-1) + qb*qb/float64(sb.N-1))
	c.T = c.Diff / se
	t := distuv.StudentsT{Mu: 0, Sigma: 1, Nu: c.DF}
	c.P = 2 * t.Survival(math.Abs(c.T))
	half := tQuantile(c.DF) * se
	c.CILo, c.CIHi = c.Diff-half, c.Diff+half
	return c
}

// tQuantile is the upper (1+confidence)/2 quantile of Student's t with dof
// degrees of freedom: the half-width of a confidence interval in standard
// errors.
func tQuantile(dof float64) float64 {
	return distuv.StudentsT{Mu: 0, Sigma: 1, Nu: dof}.Quantile((1 + confidence) / 2)
}

// measuredValues returns the values of xs that are not NaN, in a new slice.
func measuredValues(xs []float64) []float64 {
	out := make([]float64, 0, len(xs))
	for _, x := range xs {
		if !math.IsNaN(x) {
			out = append(out, x)
		}
	}
	return out
}
