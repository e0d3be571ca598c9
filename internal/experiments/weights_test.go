package experiments

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/resexp/resexp/internal/runfiles"
	"github.com/resexp/resexp/internal/weights"
)

// TestExportRoundTrip trains a tiny run (option B, so that projection
// shortcuts and their BN travel too), exports it with both naming schemes,
// and checks that eval --weights and a new run started with --init-weights
// give exactly the checkpoint's test loss (BatchNorm running statistics
// included), and that meta.json records the file.
func TestExportRoundTrip(t *testing.T) {
	cfg := tinyConfig()
	cfg.Train.Steps = 5
	cfg.Model.Shortcut = "B"
	dir := t.TempDir()
	if err := train(t, cfg, dir); err != nil {
		t.Fatal(err)
	}
	run, err := OpenRun(dir)
	if err != nil {
		t.Fatal(err)
	}
	want, err := run.Eval("")
	if err != nil {
		t.Fatal(err)
	}
	for _, names := range []string{weights.NamesPyTorch, weights.NamesResexp} {
		e, err := run.Export(names)
		if err != nil {
			t.Fatal(err)
		}
		if e.Step != 5 {
			t.Errorf("exported step %d, want 5", e.Step)
		}
		file := filepath.Join(t.TempDir(), "w.safetensors")
		if err := os.WriteFile(file, e.Bytes, 0o644); err != nil {
			t.Fatal(err)
		}
		got, err := run.Eval(file)
		if err != nil {
			t.Fatal(err)
		}
		if got != want {
			t.Errorf("%s names: eval --weights %+v, checkpoint %+v", names, got, want)
		}
		newRun := filepath.Join(t.TempDir(), "run")
		tr, err := Prepare(cfg, Options{Dir: newRun, InitWeights: file})
		if err != nil {
			t.Fatal(err)
		}
		loss, errRate := tr.Evaluate(tr.test, 0)
		tr.Close()
		if loss != want.Loss || errRate != want.Err {
			t.Errorf("%s names: init-weights run starts at loss %v err %v, want %v %v", names, loss, errRate, want.Loss, want.Err)
		}
		m, err := runfiles.ReadMeta(newRun)
		if err != nil || m.InitWeights == nil || m.InitWeights.Path != file || len(m.InitWeights.SHA256) != 64 {
			t.Errorf("meta.json init_weights = %+v (%v)", m.InitWeights, err)
		}
	}
}

// TestInitWeightsRefusedBeforeWork: weights of another depth are refused
// as bad input, naming the tensor, and no run directory is made.
func TestInitWeightsRefusedBeforeWork(t *testing.T) {
	cfg := tinyConfig()
	cfg.Train.Steps = 1
	dir := t.TempDir()
	if err := train(t, cfg, dir); err != nil {
		t.Fatal(err)
	}
	run, err := OpenRun(dir)
	if err != nil {
		t.Fatal(err)
	}
	e, err := run.Export(weights.NamesPyTorch)
	if err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(t.TempDir(), "w.safetensors")
	if err := os.WriteFile(file, e.Bytes, 0o644); err != nil {
		t.Fatal(err)
	}
	cfg.Model.Depth = 14
	newRun := filepath.Join(t.TempDir(), "run")
	_, err = Prepare(cfg, Options{Dir: newRun, InitWeights: file})
	if !IsBadInput(err) || !strings.Contains(err.Error(), "tensor layers.1.conv1.weight") {
		t.Fatalf("err = %v, want bad input naming layers.1.conv1.weight", err)
	}
	if _, err := os.Stat(newRun); err == nil {
		t.Errorf("run directory %s was created", newRun)
	}
}
