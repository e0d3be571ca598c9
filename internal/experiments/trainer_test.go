package experiments

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/resexp/resexp/internal/runfiles"
)

func tinyConfig() Config {
	c := Default()
	c.Data.Dataset = "synthetic"
	c.Model.Depth = 8
	c.Train.Steps = 40
	c.Train.BatchSize = 32
	c.Log = LogConfig{Every: 10, EvalEvery: 20, EvalSamples: 128, GradNormEvery: 5, ResponseEvery: 10, CheckpointEvery: 1000}
	return c
}

func train(t *testing.T, cfg Config, dir string) error {
	t.Helper()
	return prepare(t, cfg, dir).Run(context.Background())
}

// prepare is Prepare of a new run in dir, failing the test on error.
func prepare(t *testing.T, cfg Config, dir string) *Trainer {
	t.Helper()
	tr, err := Prepare(cfg, Options{Dir: dir})
	if err != nil {
		t.Fatal(err)
	}
	return tr
}

// readMetrics is runfiles.ReadMetrics, failing the test on error.
func readMetrics(t *testing.T, dir string) []runfiles.MetricsRow {
	t.Helper()
	rows, err := runfiles.ReadMetrics(dir)
	if err != nil {
		t.Fatal(err)
	}
	return rows
}

// TestTrainLearns checks that a small residual net learns the synthetic set:
// the training error of the last interval is well below chance (90%).
func TestTrainLearns(t *testing.T) {
	dir := t.TempDir()
	if err := train(t, tinyConfig(), dir); err != nil {
		t.Fatal(err)
	}
	rows, err := runfiles.ReadMetrics(dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != 4 {
		t.Fatalf("%d metrics rows, want 4 (every 10 of 40 steps)", len(rows))
	}
	first, last := rows[0], rows[len(rows)-1]
	if !(last.TrainLoss < first.TrainLoss) || last.TrainErr > 0.5 {
		t.Errorf("no learning: loss %.3f -> %.3f, train error %.2f -> %.2f", first.TrainLoss, last.TrainLoss, first.TrainErr, last.TrainErr)
	}
	if last.TestErr > 0.5 {
		t.Errorf("final test error %.2f, want < 0.5", last.TestErr)
	}
	m, err := runfiles.ReadMeta(dir)
	if err != nil || m.Status != "completed" || m.Label != "resnet-8" || m.Params == 0 || m.Iterations != 40 {
		t.Errorf("meta %+v, err %v (want completed resnet-8, 40 iterations)", m, err)
	}
}

// TestDeterministic checks that the same config and seed give identical
// gradnorms.csv and responses.csv files and metrics rows (timing columns
// aside).
func TestDeterministic(t *testing.T) {
	cfg := tinyConfig()
	cfg.Train.Steps = 10
	a, b := t.TempDir(), t.TempDir()
	for _, d := range []string{a, b} {
		if err := train(t, cfg, d); err != nil {
			t.Fatal(err)
		}
	}
	for _, f := range []string{runfiles.GradNormsFile, runfiles.ResponsesFile} {
		fa, err := os.ReadFile(filepath.Join(a, f))
		if err != nil {
			t.Fatal(err)
		}
		fb, err := os.ReadFile(filepath.Join(b, f))
		if err != nil {
			t.Fatal(err)
		}
		if len(fa) == 0 || string(fa) != string(fb) {
			t.Errorf("%s differs between two runs with the same seed (%d vs %d bytes)", f, len(fa), len(fb))
		}
	}
	ma, mb := readMetrics(t, a), readMetrics(t, b)
	// Steps 1..10 with log.every 10 and the last step evaluated: one row.
	if len(ma) != 1 || len(mb) != 1 || ma[0].Step != 10 || ma[0].TestLoss != ma[0].TestLoss {
		t.Fatalf("metrics rows %+v and %+v, want one evaluated row at step 10 each", ma, mb)
	}
	for i := range ma {
		if !sameRow(ma[i], mb[i]) {
			t.Errorf("metrics row %d differs: %+v vs %+v", i, ma[i], mb[i])
		}
	}
}

// TestDivergence checks that a non-finite loss or gradient stops the run as
// diverged, naming the step, and leaves readable files.
func TestDivergence(t *testing.T) {
	cfg := tinyConfig()
	cfg.Model.Norm = "none"
	cfg.Train.LR = 1e6
	dir := t.TempDir()
	err := train(t, cfg, dir)
	if !errors.Is(err, ErrDiverged) || !strings.Contains(err.Error(), "at step") {
		t.Fatalf("err = %v, want diverged at a step", err)
	}
	m, _ := runfiles.ReadMeta(dir)
	if m.Status != "diverged" || !strings.Contains(m.Message, "step") {
		t.Errorf("meta status %q message %q", m.Status, m.Message)
	}
	if _, err := runfiles.ReadGradNorms(dir); err != nil {
		t.Errorf("gradnorms after divergence: %v", err)
	}
}

func TestRefusesExistingRun(t *testing.T) {
	dir := t.TempDir()
	cfg := tinyConfig()
	cfg.Train.Steps = 2
	if err := train(t, cfg, dir); err != nil {
		t.Fatal(err)
	}
	_, err := Prepare(cfg, Options{Dir: dir})
	if !IsBadInput(err) || !strings.Contains(err.Error(), "already holds a run") {
		t.Errorf("err = %v, want a refusal", err)
	}
}

func TestValidate(t *testing.T) {
	for _, c := range []struct {
		mutate func(*Config)
		key    string
	}{
		{func(c *Config) { c.Model.Depth = 21 }, "model.depth"},
		{func(c *Config) { c.Train.BatchSize = 0 }, "train.batch_size"},
		{func(c *Config) { c.Train.LR = -1 }, "train.lr"},
		{func(c *Config) { c.Data.Dataset = "imagenet" }, "data.dataset"},
		{func(c *Config) { c.Train.Epochs = 3 }, "train.steps"},
		{func(c *Config) { c.Train.Milestones = []int{50, 10} }, "train.milestones"},
		{func(c *Config) { c.Model.Activation = "gelu" }, "model.activation"},
		{func(c *Config) { c.Log.Every = 0 }, "log.every"},
	} {
		cfg := Default()
		c.mutate(&cfg)
		if err := cfg.Validate(); err == nil || !strings.HasPrefix(err.Error(), "key "+c.key+":") {
			t.Errorf("want an error naming %s, got %v", c.key, err)
		}
	}
	def := Default()
	if err := def.Validate(); err != nil {
		t.Errorf("default config: %v", err)
	}
}

// TestValidationSplit checks that data.validation holds out images whose
// loss and error are recorded beside the test set's, and that a split
// leaving less than a batch is refused.
func TestValidationSplit(t *testing.T) {
	cfg := tinyConfig()
	cfg.Train.Steps = 20
	cfg.Data.Validation = 256
	dir := t.TempDir()
	if err := train(t, cfg, dir); err != nil {
		t.Fatal(err)
	}
	rows, err := runfiles.ReadMetrics(dir)
	if err != nil || len(rows) != 2 {
		t.Fatalf("metrics rows %+v (%v), want 2 (steps 10 and 20)", rows, err)
	}
	last := rows[len(rows)-1]
	if last.ValErr != last.ValErr || last.ValLoss <= 0 || last.TestErr != last.TestErr {
		t.Errorf("last row %+v: want validation and test metrics", last)
	}
	if rows[0].ValErr == rows[0].ValErr {
		t.Errorf("first row %+v: validation measured outside an eval step", rows[0])
	}
	cfg.Data.Validation = 2040
	if _, err := Prepare(cfg, Options{Dir: t.TempDir()}); !IsBadInput(err) || !strings.Contains(err.Error(), "data.validation") {
		t.Errorf("too large a split: err = %v", err)
	}
}

// TestDivergenceRecordsFailingStep checks that the step a run diverges at
// gets its gradient-norm rows and a metrics row with the NaN loss, so the
// files end where the run failed.
func TestDivergenceRecordsFailingStep(t *testing.T) {
	cfg := tinyConfig()
	cfg.Model.Norm = "none"
	cfg.Model.Depth = 26
	cfg.Log.GradNormEvery = 1000
	dir := t.TempDir()
	err := train(t, cfg, dir)
	if !errors.Is(err, ErrDiverged) {
		t.Fatalf("want a diverged run in this configuration (no BN, depth 26, lr 1e6), got %v", err)
	}
	rows, err1 := runfiles.ReadMetrics(dir)
	grads, err2 := runfiles.ReadGradNorms(dir)
	if len(rows) == 0 || len(grads) == 0 || err1 != nil || err2 != nil {
		t.Fatalf("%d metrics rows (%v), %d gradient-norm rows (%v) after divergence", len(rows), err1, len(grads), err2)
	}
	last := rows[len(rows)-1]
	if grads[len(grads)-1].Step != last.Step || !strings.Contains(err.Error(), fmt.Sprintf("step %d", last.Step)) {
		t.Errorf("last metrics step %d, last gradnorm step %d, error %v", last.Step, grads[len(grads)-1].Step, err)
	}
}

// TestResolveAuto checks the data set dependent defaults: the paper's
// per-pixel mean and pad-crop-flip augmentation for CIFAR (He et al. 2015,
// §4.2), per-channel standardisation and no augmentation for MNIST.
func TestResolveAuto(t *testing.T) {
	for _, c := range []struct{ dataset, norm, aug string }{
		{"cifar10", "pixel", "on"}, {"cifar100", "pixel", "on"}, {"mnist", "channel", "off"}, {"synthetic", "channel", "off"},
	} {
		cfg := Default()
		cfg.Data.Dataset = c.dataset
		cfg.ResolveAuto()
		if cfg.Data.Normalize != c.norm || cfg.Data.Augment != c.aug {
			t.Errorf("%s: normalize %s augment %s, want %s %s", c.dataset, cfg.Data.Normalize, cfg.Data.Augment, c.norm, c.aug)
		}
	}
	cfg := Default()
	cfg.Data.Dataset, cfg.Data.Augment = "cifar10", "off"
	cfg.ResolveAuto()
	if a := cfg.augment(); a.PadCrop != 0 || a.FlipH {
		t.Errorf("augment off gives %+v", a)
	}
}

// TestWindowRateAfterResume checks that a metrics window restored from a
// checkpoint keeps averaging loss and error over all its steps, but computes
// images/s from the images this process trained since it started only.
func TestWindowRateAfterResume(t *testing.T) {
	start := time.Unix(1000, 0)
	w := window{loss: 100, wrong: 1280, images: 12800, steps: 100, since: start}
	w.add(1, 64, 128)
	r := w.row(101, start.Add(2*time.Second))
	if r.ImagesPerSec != 64 {
		t.Errorf("images/s %v, want 64 (128 images in 2 s)", r.ImagesPerSec)
	}
	if r.TrainLoss != 101.0/101 || r.TrainErr != 1344.0/12928 {
		t.Errorf("loss %v err %v, want %v and %v (the whole window)", r.TrainLoss, r.TrainErr, 101.0/101, 1344.0/12928)
	}
}
