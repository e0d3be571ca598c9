package experiments

import (
	"math"
	"testing"

	"github.com/resexp/resexp/internal/data"
	"github.com/resexp/resexp/internal/nn/models"
)

// measuredRSS is the peak RSS (KiB, /usr/bin/time -v) of `resexp train
// --dataset synthetic --depth D --batch-size B --steps 3` (training) and
// of `resexp eval` on that run (evaluation at the same batch size), as
// recorded in README's Reliability section.
var measuredRSS = []struct {
	depth, batch int
	train, eval  int64
}{
	{20, 8, 47304, 0},
	{20, 32, 85716, 0},
	{20, 128, 239700, 170836},
	{56, 128, 527700, 440276},
	{110, 128, 959752, 844116},
}

// TestMemoryEstimate checks EstimateMemory (plus the synthetic set's
// bytes) against the measured peaks: within 15% each, as the README says.
func TestMemoryEstimate(t *testing.T) {
	set := int64((data.SyntheticTrain + data.SyntheticTest) * (28*28 + 1))
	for _, c := range measuredRSS {
		cfg := tinyConfig()
		cfg.Model.Depth = c.depth
		m, err := models.Build(cfg.Spec(1, 28, 28, 10))
		if err != nil {
			t.Fatal(err)
		}
		mem := EstimateMemory(m, c.batch)
		for _, x := range []struct {
			what          string
			est, measured int64
		}{{"training", mem.Train + set, c.train * 1024}, {"evaluation", mem.Eval + set, c.eval * 1024}} {
			if x.measured == 0 {
				continue
			}
			if d := float64(x.est-x.measured) / float64(x.measured); math.Abs(d) > 0.15 {
				t.Errorf("depth %d batch %d %s: estimate %d bytes, measured %d (%+.0f%%)", c.depth, c.batch, x.what, x.est, x.measured, 100*d)
			}
		}
	}
}

// TestLargestBatch checks that the batch size checkMemory names fits and
// one more does not.
func TestLargestBatch(t *testing.T) {
	cfg := tinyConfig()
	m, err := models.Build(cfg.Spec(1, 28, 28, 10))
	if err != nil {
		t.Fatal(err)
	}
	mem := EstimateMemory(m, 128)
	const limit, extra = 200 << 20, 5 << 20
	b := mem.largestBatch(limit, extra)
	if b < 1 || EstimateMemory(m, b).Train+extra > limit || EstimateMemory(m, b+1).Train+extra <= limit {
		t.Errorf("largestBatch = %d: %d bytes at it, %d at one more, limit %d", b, EstimateMemory(m, b).Train+extra, EstimateMemory(m, b+1).Train+extra, limit)
	}
}
