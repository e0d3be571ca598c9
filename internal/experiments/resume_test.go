package experiments

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/resexp/resexp/internal/runfiles"
)

// TestResumeIsExact interrupts a run mid-interval (step 17 of 40, between
// metrics rows, gradient-norm and checkpoint records), resumes it, and
// checks that gradnorms.csv and responses.csv are byte-identical to an
// uninterrupted run with the same seed, and metrics.csv is identical in
// every column but the two timing ones (images_per_sec, elapsed_s).
func TestResumeIsExact(t *testing.T) {
	cfg := tinyConfig()
	cfg.Log.CheckpointEvery = 15
	ref, cut := t.TempDir(), t.TempDir()
	if err := train(t, cfg, ref); err != nil {
		t.Fatal(err)
	}

	tr, err := Prepare(cfg, Options{Dir: cut})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	err = tr.Run(ctx, Hooks{Step: func(step int, _ float64) {
		if step == 17 {
			cancel()
		}
	}})
	if !errors.Is(err, ErrInterrupted) || !strings.Contains(err.Error(), "after step 17") {
		t.Fatalf("interrupted run: err = %v", err)
	}
	if m, _ := runfiles.ReadMeta(cut); m.Status != "interrupted" {
		t.Fatalf("status %q after interrupt, want interrupted", m.Status)
	}

	tr, err = Prepare(cfg, Options{Dir: cut, Resume: true})
	if err != nil {
		t.Fatal(err)
	}
	if tr.StartStep() != 17 {
		t.Fatalf("resumed at step %d, want 17", tr.StartStep())
	}
	if err := tr.Run(context.Background(), Hooks{}); err != nil {
		t.Fatal(err)
	}
	sameRunFiles(t, ref, cut)
}

// sameRunFiles fails t unless the runs in a and b have equal metrics
// (timing columns aside), gradient norms and responses, and b completed.
func sameRunFiles(t *testing.T, a, b string) {
	t.Helper()
	for _, f := range []string{runfiles.GradNormsFile, runfiles.ResponsesFile} {
		x, _ := os.ReadFile(filepath.Join(a, f))
		y, _ := os.ReadFile(filepath.Join(b, f))
		if len(x) == 0 || string(x) != string(y) {
			t.Errorf("%s differs from the uninterrupted run's (%d vs %d bytes)", f, len(x), len(y))
		}
	}
	ma, mb := readMetrics(t, a), readMetrics(t, b)
	if len(ma) != len(mb) || len(ma) == 0 {
		t.Fatalf("metrics rows: %d, uninterrupted %d", len(mb), len(ma))
	}
	for i := range ma {
		if !sameRow(ma[i], mb[i]) {
			t.Errorf("metrics row %d: %+v, uninterrupted %+v", i, mb[i], ma[i])
		}
	}
	if m, err := runfiles.ReadMeta(b); err != nil || m.Status != runfiles.StatusCompleted {
		t.Errorf("meta.json: %+v, %v; want status completed", m, err)
	}
}

// shortConfig is the run the kill, full-disk and checkpoint fuzz tests
// train: resnet-8 on the synthetic set, 60 iterations of batch 8, a
// checkpoint every 10, every file written often.
func shortConfig() Config {
	c := tinyConfig()
	c.Train.Steps, c.Train.BatchSize = 60, 8
	c.Log = LogConfig{Every: 5, EvalEvery: 20, EvalSamples: 16, GradNormEvery: 1, ResponseEvery: 5, CheckpointEvery: 10}
	return c
}

func sameRow(a, b runfiles.MetricsRow) bool {
	eq := func(x, y float64) bool { return x == y || (x != x && y != y) }
	return a.Step == b.Step && eq(a.Epoch, b.Epoch) && eq(a.LR, b.LR) && eq(a.TrainLoss, b.TrainLoss) &&
		eq(a.TrainErr, b.TrainErr) && eq(a.TestLoss, b.TestLoss) && eq(a.TestErr, b.TestErr)
}

// TestResumeRefusals checks that a run without a checkpoint, a damaged
// checkpoint, a checkpoint of another model and a locked run directory are
// refused as bad input, leaving the files untouched.
func TestResumeRefusals(t *testing.T) {
	cfg := tinyConfig()
	cfg.Train.Steps = 4
	dir := t.TempDir()
	if err := train(t, cfg, dir); err != nil {
		t.Fatal(err)
	}
	ck := CheckpointPath(dir)
	good, err := os.ReadFile(ck)
	if err != nil {
		t.Fatal(err)
	}
	other := cfg
	other.Model.Depth = 14
	damaged := append([]byte{}, good...)
	damaged[len(damaged)-3] ^= 0xff
	for _, c := range []struct {
		name string
		cfg  Config
		file []byte
		want string
	}{
		{"truncated", cfg, good[:len(good)/2], "not a valid safetensors file"},
		{"flipped byte", cfg, damaged, "SHA-256"},
		{"other model", other, good, "config.yaml builds"},
		{"empty", cfg, nil, "not a valid safetensors file"},
	} {
		if err := os.WriteFile(ck, c.file, 0o644); err != nil {
			t.Fatal(err)
		}
		metrics, _ := os.ReadFile(filepath.Join(dir, runfiles.MetricsFile))
		_, err := Prepare(c.cfg, Options{Dir: dir, Resume: true})
		if !IsBadInput(err) || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: err = %v, want bad input mentioning %q", c.name, err, c.want)
		}
		after, _ := os.ReadFile(filepath.Join(dir, runfiles.MetricsFile))
		if string(after) != string(metrics) {
			t.Errorf("%s: metrics.csv changed by a refused resume", c.name)
		}
	}
	if _, err := Prepare(cfg, Options{Dir: t.TempDir(), Resume: true}); !IsBadInput(err) || !strings.Contains(err.Error(), "not a run directory") {
		t.Errorf("empty dir: err = %v", err)
	}

	os.WriteFile(ck, good, 0o644)
	held, err := Prepare(cfg, Options{Dir: dir, Resume: true})
	if err != nil {
		t.Fatal(err)
	}
	defer held.Close()
	if _, err := Prepare(cfg, Options{Dir: dir, Resume: true}); !IsBadInput(err) || !strings.Contains(err.Error(), "in use") {
		t.Errorf("locked dir: err = %v", err)
	}
}
