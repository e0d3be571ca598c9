package plots

import (
	"math"
	"slices"
	"testing"

	"github.com/resexp/resexp/internal/runfiles"
)

// seedRun is an in-memory run named name with seed seed whose metrics have
// training loss losses[i] at step steps[i].
func seedRun(name string, seed uint64, steps []int, losses []float64) *Run {
	r := &Run{Dir: "sweep/" + name, Meta: &runfiles.Meta{Name: name, Label: "plain-8", Dataset: "synthetic", Depth: 8, Seed: seed}}
	for i, s := range steps {
		r.Metrics = append(r.Metrics, runfiles.MetricsRow{Step: s, TrainLoss: losses[i], TestLoss: math.NaN(), TestErr: math.NaN()})
	}
	return r
}

// TestPoolSeeds checks which runs are pooled: repetitions of one
// configuration (by name and seed) are, a run without the seed suffix, a
// repeated seed or another folder is not; order follows the first run.
func TestPoolSeeds(t *testing.T) {
	a := seedRun("plain-8-s2", 2, []int{1}, []float64{1})
	b := seedRun("plain-8-s1", 1, []int{1}, []float64{1})
	single := seedRun("plain-8", 1, []int{1}, []float64{1})
	other := seedRun("plain-8-s3", 3, []int{1}, []float64{1})
	other.Dir = "elsewhere/plain-8-s3"
	pooled := poolSeeds([]*Run{single, a, other, b})
	if len(pooled) != 3 || pooled[0] != single || pooled[2] != other {
		t.Fatalf("poolSeeds gave %d runs, want single, the pooled pair, other", len(pooled))
	}
	if p := pooled[1]; p.Meta.Name != "plain-8" || !slices.Equal(p.Seeds, []*Run{b, a}) || p.Metrics != nil {
		t.Errorf("pooled run %q has seeds %v and %d rows; want plain-8, seeds 1 and 2 in order, no rows", p.Meta.Name, p.Seeds, len(p.Metrics))
	}
	twin := seedRun("plain-8-s1", 1, []int{1}, []float64{1})
	twin.Meta.Name = "plain-8-s1"
	if got := poolSeeds([]*Run{b, twin}); len(got) != 2 {
		t.Errorf("two runs with seed 1 were pooled")
	}
}

// TestPooledSeries checks the mean and the min–max band at the steps all
// seeds share, and that a NaN in one seed makes the band NaN there.
func TestPooledSeries(t *testing.T) {
	r := &Run{Seeds: []*Run{
		seedRun("plain-8-s1", 1, []int{0, 10, 20, 30}, []float64{1, 4, 2, 8}),
		seedRun("plain-8-s2", 2, []int{0, 10, 20}, []float64{3, 2, math.NaN()}),
		seedRun("plain-8-s3", 3, []int{0, 10, 20}, []float64{2, 3, 1}),
	}}
	s := pooledSeries(r, trainLoss(0))
	if !slices.Equal(s.x, []float64{0, 10, 20}) || !slices.Equal(s.y[:2], []float64{2, 3}) ||
		!slices.Equal(s.lo[:2], []float64{1, 2}) || !slices.Equal(s.hi[:2], []float64{3, 4}) {
		t.Errorf("pooled = %+v; want x 0 10 20, mean 2 3, lo 1 2, hi 3 4", s)
	}
	if !math.IsNaN(s.y[2]) || !math.IsNaN(s.lo[2]) || !math.IsNaN(s.hi[2]) {
		t.Errorf("at step 20 (NaN in seed 2) got mean %g, band %g..%g; want NaN", s.y[2], s.lo[2], s.hi[2])
	}
	if got := bandPoints(s, false, 0, 0); len(got) != 4 || got[0].Y != 1 || got[3].Y != 3 {
		t.Errorf("band outline %v; want lo 1, 2 then hi 4, 3", got)
	}
	one := pooledSeries(r.Seeds[0], trainLoss(0))
	if one.banded() || len(one.x) != 4 {
		t.Errorf("a single run's series %+v has a band or lost points", one)
	}
}
