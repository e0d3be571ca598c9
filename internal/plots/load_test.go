package plots

import (
	"bytes"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/resexp/resexp/internal/runfiles"
)

func TestLoadRunsSweepAndMissingFiles(t *testing.T) {
	root := t.TempDir()
	sweep := filepath.Join(root, "sweep")
	a := writeFakeRun(t, sweep, fakeRun{depth: 20, residual: true, steps: 30, every: 10})
	b := writeFakeRun(t, sweep, fakeRun{depth: 20, residual: false, steps: 30, every: 10})
	must(t, os.Remove(filepath.Join(b, runfiles.GradNormsFile)))
	must(t, os.Remove(filepath.Join(b, runfiles.ResponsesFile)))
	must(t, os.MkdirAll(filepath.Join(sweep, "not-a-run"), 0o755))
	lone := writeFakeRun(t, filepath.Join(root, "other"), fakeRun{depth: 32, residual: true, steps: 30, every: 10})
	must(t, os.Remove(filepath.Join(lone, runfiles.MetaFile)))

	var warn bytes.Buffer
	runs, err := LoadRuns([]string{sweep, lone, a}, &warn)
	if err != nil {
		t.Fatal(err)
	}
	var dirs []string
	for _, r := range runs {
		dirs = append(dirs, r.Dir)
	}
	if want := []string{b, a, lone}; !slices.Equal(dirs, want) { // sorted: plain-20 < resnet-20
		t.Errorf("runs %v, want %v", dirs, want)
	}
	for _, want := range []string{filepath.Join(b, runfiles.GradNormsFile), filepath.Join(b, runfiles.ResponsesFile),
		filepath.Join(lone, runfiles.MetaFile)} {
		if !strings.Contains(warn.String(), want+": missing") {
			t.Errorf("no warning naming %s in\n%s", want, warn.String())
		}
	}
	if runs[2].known() || runs[2].Meta.Label != filepath.Base(lone) || len(runs[2].Grads) == 0 {
		t.Errorf("run without meta.json: %+v", runs[2].Meta)
	}
	paths, err := Draw(runs, t.TempDir(), Options{})
	if err != nil {
		t.Fatal(err)
	}
	if len(paths) != 8 { // loss, error, profile, 2 heatmaps, ratio, responses, index
		t.Errorf("wrote %v", paths)
	}
}

func TestLoadRunsMalformedFileWarns(t *testing.T) {
	dir := writeFakeRun(t, t.TempDir(), fakeRun{depth: 20, residual: true, steps: 30, every: 10})
	path := filepath.Join(dir, runfiles.GradNormsFile)
	f, _ := os.OpenFile(path, os.O_APPEND|os.O_WRONLY, 0)
	f.WriteString("40,0,conv1,oops\n")
	f.Close()
	var warn bytes.Buffer
	runs, err := LoadRuns([]string{dir}, &warn)
	if err != nil || len(runs) != 1 || runs[0].Grads != nil || len(runs[0].Metrics) == 0 {
		t.Fatalf("got %v, %v", runs, err)
	}
	if !strings.Contains(warn.String(), path+":") {
		t.Errorf("warning does not name %s: %s", path, warn.String())
	}
}

func TestLoadRunsErrors(t *testing.T) {
	empty := t.TempDir()
	file := filepath.Join(empty, "x.txt")
	os.WriteFile(file, nil, 0o644)
	headerOnly := t.TempDir()
	must(t, runfiles.WriteMeta(headerOnly, &runfiles.Meta{Name: "h"}))
	w, _ := runfiles.OpenMetrics(headerOnly)
	w.Close()
	tests := []struct {
		name string
		dirs []string
		want string
	}{
		{"missing", []string{filepath.Join(empty, "nope")}, "no such file"},
		{"file", []string{file}, "is not a run directory"},
		{"empty dir", []string{empty}, "nothing to plot"},
		{"no rows", []string{headerOnly}, "nothing to plot"},
		{"none", nil, "nothing to plot"},
	}
	for _, tc := range tests {
		var warn bytes.Buffer
		if _, err := LoadRuns(tc.dirs, &warn); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: got %v, want %q", tc.name, err, tc.want)
		}
	}
}

func TestDrawUnknownFormat(t *testing.T) {
	if _, err := Draw(nil, t.TempDir(), Options{Format: "bmp"}); err == nil || !strings.Contains(err.Error(), "bmp") {
		t.Errorf("got %v", err)
	}
}

// TestDrawDegenerate draws runs whose data are as odd as a diverged, crashed
// or tiny run can make them; nothing may panic or come out blank.
func TestDrawDegenerate(t *testing.T) {
	nan, inf := math.NaN(), math.Inf(1)
	tests := []struct {
		name    string
		metrics []runfiles.MetricsRow
		grads   []runfiles.GradNormRow
		resp    []runfiles.ResponseRow
	}{
		{"one step one layer", []runfiles.MetricsRow{{Step: 0, TrainLoss: 2.3, TrainErr: 0.9, TestLoss: nan, TestErr: nan}},
			[]runfiles.GradNormRow{{Step: 0, Index: 0, Layer: "conv1", Norm: 0.5}}, nil},
		{"all zero", []runfiles.MetricsRow{{Step: 0, TrainLoss: 0, TrainErr: 0, TestLoss: 0, TestErr: 0}, {Step: 1, TrainLoss: 0}},
			[]runfiles.GradNormRow{{Step: 0, Index: 0, Norm: 0}, {Step: 0, Index: 1, Norm: 0}, {Step: 5, Index: 0, Norm: 0}, {Step: 5, Index: 1, Norm: 0}},
			[]runfiles.ResponseRow{{Step: 0, Index: 1, Std: 0}, {Step: 0, Index: 2, Std: 0}}},
		{"all non-finite", []runfiles.MetricsRow{{Step: 0, TrainLoss: nan, TrainErr: nan}, {Step: 1, TrainLoss: inf, TrainErr: inf, TestLoss: inf, TestErr: nan}},
			[]runfiles.GradNormRow{{Step: 0, Index: 0, Norm: nan}, {Step: 0, Index: 1, Norm: inf}, {Step: 1, Index: 0, Norm: math.Inf(-1)}, {Step: 1, Index: 1, Norm: nan}},
			[]runfiles.ResponseRow{{Step: 0, Index: 1, Std: nan}, {Step: 0, Index: 2, Std: inf}}},
		{"extreme", []runfiles.MetricsRow{{Step: 0, TrainLoss: 1e308, TrainErr: 1}, {Step: 10, TrainLoss: 5e-324, TrainErr: 0}},
			[]runfiles.GradNormRow{{Step: 0, Index: 0, Norm: 1e-300}, {Step: 0, Index: 1, Norm: 1e300}, {Step: 7, Index: 0, Norm: 5e-324}, {Step: 7, Index: 1, Norm: math.MaxFloat64}},
			[]runfiles.ResponseRow{{Step: 3, Index: 0, Std: 1e-200}, {Step: 3, Index: 1, Std: 1e200}}},
		{"grads only", nil, []runfiles.GradNormRow{{Step: 3, Index: 0, Norm: 1}, {Step: 3, Index: 4, Norm: 2}, {Step: 9, Index: 4, Norm: 3}}, nil},
		{"responses only", nil, nil, []runfiles.ResponseRow{{Step: 3, Index: 0, Std: 1}}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			for _, residual := range []bool{false, true} {
				run := &Run{Dir: "/x/" + tc.name, Meta: &runfiles.Meta{Name: "r", Label: kindName(residual), Depth: 20, Residual: residual},
					Metrics: tc.metrics, Grads: tc.grads, Responses: tc.resp}
				out := t.TempDir()
				if keep := os.Getenv("PLOTS_KEEP"); keep != "" {
					out = filepath.Join(keep, "degenerate", strings.ReplaceAll(tc.name, " ", "-"), kindName(residual))
				}
				paths, err := Draw([]*Run{run}, out, Options{Smooth: 3})
				if err != nil {
					t.Fatal(err)
				}
				for _, p := range paths {
					if strings.HasSuffix(p, ".png") {
						data, _ := os.ReadFile(p)
						checkPNG(t, p, data, false)
					}
				}
			}
		})
	}
}

func TestFileNames(t *testing.T) {
	runs := []*Run{
		{Dir: "/a/x", Meta: &runfiles.Meta{Name: "resnet 56/α"}},
		{Dir: "/b/x", Meta: &runfiles.Meta{Name: "a"}},
		{Dir: "/c/x", Meta: &runfiles.Meta{Name: "a"}},
		{Dir: "/d/x", Meta: &runfiles.Meta{Name: "a-2"}},
		{Dir: "/e/..", Meta: &runfiles.Meta{}},
	}
	want := []string{"resnet_56_", "a", "a-2", "a-2-2", "run"}
	if got := fileNames(runs); !slices.Equal(got, want) {
		t.Errorf("got %v, want %v", got, want)
	}
}

func TestRunStyles(t *testing.T) {
	mk := func(label string, depth int, residual bool) *Run {
		return &Run{Meta: &runfiles.Meta{Label: label, Name: label + "-dir", Depth: depth, Residual: residual}}
	}
	runs := []*Run{mk("plain-56", 56, false), mk("resnet-20", 20, true), mk("plain-20", 20, false), mk("resnet-56", 56, true)}
	s := runStyles(runs)
	if s[0].Color != seriesColors[1] || s[1].Color != seriesColors[0] || s[2].Color != seriesColors[0] || s[3].Color != seriesColors[1] {
		t.Errorf("colours by depth: %v", s)
	}
	if s[0].Dashes == nil || s[1].Dashes != nil {
		t.Errorf("plain must be dashed, residual solid")
	}
	dup := runStyles([]*Run{mk("x", 20, true), mk("x", 20, true)})
	if dup[0].Color == dup[1].Color || dup[0].Label != "x (x-dir)" || dup[1].Label != "x (x-dir) #2" {
		t.Errorf("duplicates: %+v", dup)
	}
}
