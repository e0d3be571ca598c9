package experiments

import (
	"math"
	"testing"
)

func near(t *testing.T, what string, got, want, tol float64) {
	t.Helper()
	if math.Abs(got-want) > tol {
		t.Errorf("%s = %.12g, want %.12g (±%g)", what, got, want, tol)
	}
}

// TestSummarizeHandWorked checks Summarize on 1..5 (shuffled, with a NaN
// that must be dropped) against values worked by hand: mean 3, sample
// variance 10/4, median 3, and the 95% interval 3 ± t·s/√5 with the
// tabulated quantile t(0.975, 4 dof) = 2.776445105.
func TestSummarizeHandWorked(t *testing.T) {
	s := Summarize([]float64{4, 1, math.NaN(), 5, 3, 2})
	if s.N != 5 || s.Min != 1 || s.Max != 5 || s.Median != 3 {
		t.Fatalf("N, min, max, median = %d, %g, %g, %g; want 5, 1, 5, 3", s.N, s.Min, s.Max, s.Median)
	}
	near(t, "mean", s.Mean, 3, 1e-12)
	near(t, "std", s.Std, math.Sqrt(2.5), 1e-12)
	half := 2.776445105 * math.Sqrt(2.5) / math.Sqrt(5)
	near(t, "CI low", s.CILo, 3-half, 1e-8)
	near(t, "CI high", s.CIHi, 3+half, 1e-8)
}

// TestSummarizeSecondFormula compares gonum's mean and sample standard
// deviation with the two-pass textbook formulas on uneven data.
func TestSummarizeSecondFormula(t *testing.T) {
	xs := []float64{0.0931, 0.0328, 0.0953, 0.1102, 0.0712, 0.0044}
	sum := 0.0
	for _, x := range xs {
		sum += x
	}
	mean := sum / float64(len(xs))
	ss := 0.0
	for _, x := range xs {
		ss += (x - mean) * (x - mean)
	}
	s := Summarize(xs)
	near(t, "mean", s.Mean, mean, 1e-15)
	near(t, "std", s.Std, math.Sqrt(ss/float64(len(xs)-1)), 1e-15)
	if s.Median != 0.0712 {
		t.Errorf("median of 6 values = %g, want the lower median 0.0712", s.Median)
	}
}

// TestSummarizeSmall checks the NaN contract: no values, or one value.
func TestSummarizeSmall(t *testing.T) {
	if s := Summarize([]float64{math.NaN()}); s.N != 0 || !math.IsNaN(s.Mean) || !math.IsNaN(s.Min) {
		t.Errorf("Summarize(NaN) = %+v, want N 0 and NaN fields", s)
	}
	s := Summarize([]float64{0.25})
	if s.N != 1 || s.Mean != 0.25 || s.Min != 0.25 || s.Median != 0.25 || !math.IsNaN(s.Std) || !math.IsNaN(s.CILo) {
		t.Errorf("Summarize(0.25) = %+v, want mean/min/median 0.25 and NaN std and interval", s)
	}
}

// TestWelchTwoDOF checks Welch's test where the degrees of freedom are
// exactly 2 (two samples of two with equal variance), for which Student's
// t has closed forms: CDF(t) = 1/2 + t/(2√(2+t²)) and quantile(p) =
// (2p-1)/√(2p(1-p)). a = {0, 2}, b = {3, 5}: difference -3, standard error
// √2.
func TestWelchTwoDOF(t *testing.T) {
	c := Welch([]float64{0, 2}, []float64{3, 5})
	tt := -3 / math.Sqrt2
	near(t, "diff", c.Diff, -3, 1e-12)
	near(t, "T", c.T, tt, 1e-12)
	near(t, "DF", c.DF, 2, 1e-12)
	cdf := 0.5 + math.Abs(tt)/(2*math.Sqrt(2+tt*tt))
	near(t, "P", c.P, 2*(1-cdf), 1e-10)
	q := (2*0.975 - 1) / math.Sqrt(2*0.975*0.025)
	near(t, "CI low", c.CILo, -3-q*math.Sqrt2, 1e-8)
	near(t, "CI high", c.CIHi, -3+q*math.Sqrt2, 1e-8)
	if c.NA != 2 || c.NB != 2 {
		t.Errorf("NA, NB = %d, %d; want 2, 2", c.NA, c.NB)
	}
}

// TestWelchUnequal checks the Welch–Satterthwaite degrees of freedom on
// samples of different spread, worked by hand: a = {1, 2, 3} (variance 1),
// b = {4, 6, 8} (variance 4): se² = 1/3 + 4/3, df = (5/3)² / ((1/3)²/2 +
// (4/3)²/2) = 50/17, T = -4/√(5/3).
func TestWelchUnequal(t *testing.T) {
	c := Welch([]float64{1, 2, 3}, []float64{8, 4, 6})
	near(t, "DF", c.DF, 50.0/17, 1e-12)
	near(t, "T", c.T, -4/math.Sqrt(5.0/3), 1e-12)
	if !(c.P > 0.05 && c.P < 0.06) {
		t.Errorf("P = %g, want between 0.05 and 0.06 (|T| 3.10 on 2.94 dof)", c.P)
	}
}

// TestWelchUndefined checks that too few values or no spread leave the
// test undefined (NaN) but still give the difference.
func TestWelchUndefined(t *testing.T) {
	for _, c := range []Comparison{Welch([]float64{1}, []float64{2, 3}), Welch([]float64{1, 1}, []float64{2, 2})} {
		if math.IsNaN(c.Diff) || !math.IsNaN(c.P) || !math.IsNaN(c.CILo) || !math.IsNaN(c.DF) {
			t.Errorf("Welch = %+v, want a difference and NaN test", c)
		}
	}
}
