package experiments

import (
	"bytes"
	"cmp"
	"encoding/csv"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
)

// ConfigResult pools the runs of one configuration repeated with several
// seeds (runs with the same Result.Config that are repetitions; any other
// run is a ConfigResult of its own): the final training, test and
// validation errors summarised over the runs.
type ConfigResult struct {
	Config           string
	Runs             []Result // in seed order
	Train, Test, Val Summary
	Wall             Summary // training time in seconds
}

// first is the run standing for the configuration's shared fields
// (label, dataset, depth, kind, parameters).
func (g *ConfigResult) first() Result { return g.Runs[0] }

// GroupResults pools rs by configuration, in the order in which each
// configuration first appears in rs.
func GroupResults(rs []Result) []ConfigResult {
	type key struct {
		config string
		repeat bool
	}
	var out []ConfigResult
	at := map[key]int{}
	for _, r := range rs {
		k := key{r.Config, r.Repeat}
		i, ok := at[k]
		if !ok {
			i, at[k] = len(out), len(out)
			out = append(out, ConfigResult{Config: r.Config})
		}
		out[i].Runs = append(out[i].Runs, r)
	}
	for i := range out {
		g := &out[i]
		slices.SortStableFunc(g.Runs, func(a, b Result) int { return cmp.Compare(a.Seed, b.Seed) })
		g.Train, g.Test = Summarize(column(g.Runs, trainErr)), Summarize(column(g.Runs, testErr))
		g.Val, g.Wall = Summarize(column(g.Runs, valErr)), Summarize(column(g.Runs, wallS))
	}
	return out
}

// Repeated reports whether some configuration of groups has more than one
// run: whether the statistics over seeds apply.
func Repeated(groups []ConfigResult) bool {
	return slices.ContainsFunc(groups, func(g ConfigResult) bool { return len(g.Runs) > 1 })
}

func trainErr(r Result) float64 { return r.TrainErr }
func testErr(r Result) float64  { return r.TestErr }
func valErr(r Result) float64   { return r.ValErr }
func wallS(r Result) float64    { return r.WallS }

// column returns field of every run.
func column(rs []Result, field func(Result) float64) []float64 {
	out := make([]float64, len(rs))
	for i, r := range rs {
		out[i] = field(r)
	}
	return out
}

// PlainResidual compares a plain configuration with the residual one of
// the same depth, data set and other settings: plain minus residual final
// test and training error (Welch's t-test).
type PlainResidual struct {
	Depth           int
	Plain, Residual string // configuration names
	Test, Train     Comparison
}

// CompareDepths pairs every plain configuration of groups with its
// residual twin (same depth and data set, and a name that differs only in
// the net's label, e.g. "plain-20_lr=0.1" and "resnet-20_lr=0.1") and
// compares them, in the order of the plain configurations.
func CompareDepths(groups []ConfigResult) []PlainResidual {
	twin := map[string]*ConfigResult{}
	for i := range groups {
		if g := &groups[i]; g.first().Residual {
			twin[pairKey(g)] = g
		}
	}
	var out []PlainResidual
	for i := range groups {
		p := &groups[i]
		r, ok := twin[pairKey(p)]
		if p.first().Residual || !ok {
			continue
		}
		out = append(out, PlainResidual{Depth: p.first().Depth, Plain: p.Config, Residual: r.Config,
			Test:  Welch(column(p.Runs, testErr), column(r.Runs, testErr)),
			Train: Welch(column(p.Runs, trainErr), column(r.Runs, trainErr))})
	}
	return out
}

// pairKey is what a plain configuration and its residual twin share.
func pairKey(g *ConfigResult) string {
	f := g.first()
	return fmt.Sprintf("%s|%d|%s", f.Dataset, f.Depth, strings.TrimPrefix(g.Config, f.Label))
}

// seedTables returns results.csv and results.md for configurations run
// with several seeds.
func seedTables(groups []ConfigResult) (csvData, md []byte) {
	cmp := CompareDepths(groups)
	return seedCSV(groups, cmp), seedMarkdown(groups, cmp)
}

// seedCSVHeader is the long format of results.csv with seeds: one row per
// configuration and metric (kind "config") and per depth and metric (kind
// "plain-residual": mean is the difference of means, n and n2 the plain
// and residual run counts, t, df and p_value Welch's test).
var seedCSVHeader = []string{"kind", "name", "label", "dataset", "depth", "residual", "params", "steps", "metric",
	"n", "mean", "std", "min", "max", "median", "ci95_lo", "ci95_hi", "n2", "t", "df", "p_value", "wall_s", "status"}

func seedCSV(groups []ConfigResult, cmp []PlainResidual) []byte {
	var b bytes.Buffer
	w := csv.NewWriter(&b)
	w.Write(seedCSVHeader)
	for i := range groups {
		g := &groups[i]
		f := g.first()
		for _, m := range g.metrics() {
			w.Write([]string{"config", g.Config, f.Label, f.Dataset, strconv.Itoa(f.Depth), strconv.FormatBool(f.Residual),
				strconv.Itoa(f.Params), strconv.Itoa(g.minSteps()), m.name, strconv.Itoa(m.s.N), csvFloat(m.s.Mean),
				csvFloat(m.s.Std), csvFloat(m.s.Min), csvFloat(m.s.Max), csvFloat(m.s.Median), csvFloat(m.s.CILo),
				csvFloat(m.s.CIHi), "", "", "", "", csvFloat(g.Wall.Mean), g.status()})
		}
	}
	for _, c := range cmp {
		for _, m := range []struct {
			name string
			c    Comparison
		}{{"test_err", c.Test}, {"train_err", c.Train}} {
			w.Write([]string{"plain-residual", c.Plain + " - " + c.Residual, "", "", strconv.Itoa(c.Depth), "", "", "",
				m.name, strconv.Itoa(m.c.NA), csvFloat(m.c.Diff), "", "", "", "", csvFloat(m.c.CILo), csvFloat(m.c.CIHi),
				strconv.Itoa(m.c.NB), csvFloat(m.c.T), csvFloat(m.c.DF), csvFloat(m.c.P), "", ""})
		}
	}
	w.Flush()
	return b.Bytes()
}

// namedSummary is one metric of a configuration, named as in results.csv.
type namedSummary struct {
	name string
	s    Summary
}

// metrics returns the configuration's summarised errors; val_err only if
// some run has a validation split.
func (g *ConfigResult) metrics() []namedSummary {
	out := []namedSummary{{"train_err", g.Train}, {"test_err", g.Test}}
	if g.Val.N > 0 {
		out = append(out, namedSummary{"val_err", g.Val})
	}
	return out
}

// minSteps is the iterations every run of g has reached.
func (g *ConfigResult) minSteps() int {
	return slices.MinFunc(g.Runs, func(a, b Result) int { return a.Steps - b.Steps }).Steps
}

// steps is the iterations of g's runs: one number, or "lo–hi" if they
// differ.
func (g *ConfigResult) steps() string {
	hi := slices.MaxFunc(g.Runs, func(a, b Result) int { return a.Steps - b.Steps }).Steps
	if lo := g.minSteps(); lo != hi {
		return fmt.Sprintf("%d–%d", lo, hi)
	}
	return strconv.Itoa(hi)
}

// status counts g's runs by status, e.g. "3 completed" or "2 completed,
// 1 running", statuses in first-seen order.
func (g *ConfigResult) status() string {
	var order []string
	count := map[string]int{}
	for _, r := range g.Runs {
		if count[r.Status] == 0 {
			order = append(order, r.Status)
		}
		count[r.Status]++
	}
	parts := make([]string, len(order))
	for i, s := range order {
		parts[i] = fmt.Sprintf("%d %s", count[s], s)
	}
	return strings.Join(parts, ", ")
}

func seedMarkdown(groups []ConfigResult, cmp []PlainResidual) []byte {
	var b bytes.Buffer
	val := slices.ContainsFunc(groups, func(g ConfigResult) bool { return g.Val.N > 0 })
	b.WriteString("| net | n | depth | params | iterations | train error (mean ± std) | test error (mean ± std) | test error: best (mean ± std) | test min–max | test 95% CI |")
	sep := "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|"
	if val {
		b.WriteString(" val error |")
		sep += "---:|"
	}
	b.WriteString(" wall time (mean) | status |\n" + sep + "---:|---|\n")
	for i := range groups {
		g := &groups[i]
		f := g.first()
		fmt.Fprintf(&b, "| %s | %d | %d | %s | %s | %s | %s | %s | %s | %s |", g.Config, len(g.Runs), f.Depth,
			millions(f.Params), g.steps(), meanStd(g.Train), meanStd(g.Test), bestMeanStd(g.Test),
			pctRange(g.Test.Min, g.Test.Max), pctRange(g.Test.CILo, g.Test.CIHi))
		if val {
			fmt.Fprintf(&b, " %s |", meanStd(g.Val))
		}
		fmt.Fprintf(&b, " %s | %s |\n", duration(g.Wall.Mean), g.status())
	}
	b.WriteString("\nErrors in %, over the n seeds of each net: mean ± sample std of the final evaluation (no selection over the periodic evaluations); " +
		"best = the lowest final test error of the n runs, as He et al. report \"best (mean ± std)\"; 95% CI of the mean from Student's t with n-1 degrees of freedom.\n")
	if len(cmp) > 0 {
		b.WriteString(comparisonMarkdown(cmp))
	}
	return b.Bytes()
}

func comparisonMarkdown(cmp []PlainResidual) string {
	var b strings.Builder
	b.WriteString("\nPlain − residual at each depth (Welch's t-test; differences in percentage points, pp):\n\n")
	b.WriteString("| depth | compared | n | test error difference | 95% CI | p | train error difference | 95% CI | p |\n")
	b.WriteString("|---:|---|---:|---:|---:|---:|---:|---:|---:|\n")
	for _, c := range cmp {
		fmt.Fprintf(&b, "| %d | %s − %s | %d vs %d | %s | %s | %s | %s | %s | %s |\n", c.Depth, c.Plain, c.Residual,
			c.Test.NA, c.Test.NB, pp(c.Test.Diff), ppRange(c.Test.CILo, c.Test.CIHi), pValue(c.Test.P),
			pp(c.Train.Diff), ppRange(c.Train.CILo, c.Train.CIHi), pValue(c.Train.P))
	}
	return b.String()
}

// meanStd formats an error summary as "9.53 ± 0.41" (percent), or the
// mean alone for one run.
func meanStd(s Summary) string {
	switch {
	case s.N == 0:
		return "-"
	case math.IsNaN(s.Std):
		return fmt.Sprintf("%.2f", 100*s.Mean)
	}
	return fmt.Sprintf("%.2f ± %.2f", 100*s.Mean, 100*s.Std)
}

// bestMeanStd is the paper's form "6.43 (6.61 ± 0.16)": the lowest value,
// then mean ± std, in percent.
func bestMeanStd(s Summary) string {
	if s.N == 0 {
		return "-"
	}
	return fmt.Sprintf("%.2f (%s)", 100*s.Min, meanStd(s))
}

func pctRange(lo, hi float64) string {
	if math.IsNaN(lo) || math.IsNaN(hi) {
		return "-"
	}
	return fmt.Sprintf("%.2f–%.2f", 100*lo, 100*hi)
}

func pp(v float64) string {
	if math.IsNaN(v) {
		return "-"
	}
	return fmt.Sprintf("%+.2f pp", 100*v)
}

func ppRange(lo, hi float64) string {
	if math.IsNaN(lo) || math.IsNaN(hi) {
		return "-"
	}
	return fmt.Sprintf("[%+.2f, %+.2f]", 100*lo, 100*hi)
}

func pValue(p float64) string {
	switch {
	case math.IsNaN(p):
		return "-"
	case p < 0.001:
		return "<0.001"
	}
	return fmt.Sprintf("%.3f", p)
}
