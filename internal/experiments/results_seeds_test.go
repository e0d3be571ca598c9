package experiments

import (
	"math"
	"strings"
	"testing"
)

func seedResult(cfg, label string, residual bool, seed uint64, train, test float64) Result {
	return Result{Name: cfg + "-s" + string(rune('0'+seed)), Config: cfg, Repeat: true, Seed: seed, Label: label, Dataset: "synthetic",
		Depth: 8, Residual: residual, Steps: 6, TrainErr: train, TestErr: test, ValErr: math.NaN(), WallS: 10, Status: "completed"}
}

// TestSeedTables checks the pooled table of two configurations of three
// seeds each: per-configuration mean ± std and the paper's best (mean ±
// std), and the plain − residual row with Welch's test, all in percent.
func TestSeedTables(t *testing.T) {
	rs := []Result{
		seedResult("plain-8", "plain-8", false, 2, 0.30, 0.40),
		seedResult("plain-8", "plain-8", false, 1, 0.20, 0.30),
		seedResult("plain-8", "plain-8", false, 3, 0.40, 0.50),
		seedResult("resnet-8", "resnet-8", true, 1, 0.10, 0.20),
		seedResult("resnet-8", "resnet-8", true, 2, 0.10, 0.25),
		seedResult("resnet-8", "resnet-8", true, 3, 0.10, 0.15),
	}
	groups := GroupResults(rs)
	if !Repeated(groups) || len(groups) != 2 || groups[0].Runs[0].Seed != 1 {
		t.Fatalf("GroupResults = %+v, want two configurations of three runs in seed order", groups)
	}
	_, md := seedTables(groups)
	for _, want := range []string{
		"| plain-8 | 3 | 8 | 0.00M | 6 | 30.00 ± 10.00 | 40.00 ± 10.00 | 30.00 (40.00 ± 10.00) | 30.00–50.00 |",
		"| resnet-8 | 3 | 8 | 0.00M | 6 | 10.00 ± 0.00 | 20.00 ± 5.00 | 15.00 (20.00 ± 5.00) | 15.00–25.00 |",
		"| 8 | plain-8 − resnet-8 | 3 vs 3 | +20.00 pp |",
		"| 3 completed |",
	} {
		if !strings.Contains(string(md), want) {
			t.Errorf("results.md lacks %q:\n%s", want, md)
		}
	}
	cmp := CompareDepths(groups)
	if len(cmp) != 1 || math.Abs(cmp[0].Test.Diff-0.20) > 1e-12 || math.Abs(cmp[0].Train.DF-2) > 1e-12 {
		t.Errorf("CompareDepths = %+v, want test difference 0.20 and train dof 2 (the residual runs do not vary, so only the plain ones' n-1 count)", cmp)
	}
}

// TestOneSeedKeepsTable checks that runs of distinct configurations are
// not pooled, nor a run that is not a repetition with one that is.
func TestOneSeedKeepsTable(t *testing.T) {
	rs := []Result{seedResult("plain-8", "plain-8", false, 1, 0.3, 0.4), seedResult("resnet-8", "resnet-8", true, 1, 0.1, 0.2)}
	if Repeated(GroupResults(rs)) {
		t.Error("Repeated = true for one run per configuration")
	}
	single := rs[0]
	single.Name, single.Repeat = "plain-8", false
	if Repeated(GroupResults([]Result{single, rs[0]})) {
		t.Error("Repeated = true for a run named plain-8 and the repetition plain-8-s1")
	}
}
