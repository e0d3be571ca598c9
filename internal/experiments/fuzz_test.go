package experiments

import (
	"encoding/binary"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/resexp/resexp/internal/fuzzcheck"
	"github.com/resexp/resexp/internal/nn/optim"
	"github.com/resexp/resexp/internal/runfiles"
)

// fuzzCheckpointConfig is the run whose checkpoints FuzzCheckpoint reads:
// shortConfig's net, 2 iterations.
func fuzzCheckpointConfig() Config {
	c := shortConfig()
	c.Train.Steps = 2
	return c
}

// FuzzCheckpoint feeds checkpoint files to the checkpoint reader resume,
// eval and export use (loadCheckpoint, through a Trainer as Run.load
// builds it): the model's state is restored, or the file is refused with
// an InputError naming it; no panic, no allocation beyond the input's
// size. A checkpoint is a JSON header (tensor names, dtypes, shapes,
// payload offsets, metadata) and ~600 KB of tensor bytes; the fuzzer
// mutates the header (where the offsets and counts are) and where the
// payload is cut off, since inputs of that size leave it almost no
// executions. The seed is the checkpoint of a 2-step run of resnet-8.
func FuzzCheckpoint(f *testing.F) {
	cfg := fuzzCheckpointConfig()
	dir := f.TempDir()
	tr, err := Prepare(cfg, Options{Dir: dir})
	if err != nil {
		f.Fatal(err)
	}
	if err := tr.Run(f.Context()); err != nil {
		f.Fatal(err)
	}
	seed, err := os.ReadFile(CheckpointPath(dir))
	if err != nil {
		f.Fatal(err)
	}
	n := binary.LittleEndian.Uint64(seed)
	header, payload := seed[8:8+n], seed[8+n:]
	f.Add(header, uint32(len(payload)))
	f.Add(header, uint32(len(payload)/2))
	m, err := buildModel(cfg)
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, header []byte, keep uint32) {
		b := binary.LittleEndian.AppendUint64(nil, uint64(len(header)))
		b = append(append(b, header...), payload[:int(keep)%(len(payload)+1)]...)
		dir := t.TempDir()
		path := CheckpointPath(dir)
		if err := os.MkdirAll(filepath.Join(dir, runfiles.CheckpointDir), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, b, 0o644); err != nil {
			t.Fatal(err)
		}
		tr := &Trainer{Cfg: cfg, Dir: dir, Model: m, opt: optim.NewSGD(m.Params(), 0.9, 0, false)}
		var err error
		fuzzcheck.Alloc(t, len(b), 16, func() { _, err = tr.loadCheckpoint() })
		if err == nil {
			return
		}
		if !IsBadInput(err) {
			t.Fatalf("not an InputError: %v", err)
		}
		fuzzcheck.NamesFile(t, err, path)
	})
}

// TestSweepRunLimit is the regression test of FuzzSweepFile's crash: a
// sweep file of one line asking for 10^12 seeds ran out of memory; now it
// and a grid multiplying to more than MaxSweepRuns runs are refused with
// an InputError naming the file, and a sweep of exactly MaxSweepRuns runs
// is accepted.
func TestSweepRunLimit(t *testing.T) {
	for name, tc := range map[string]struct {
		yaml string
		ok   bool
	}{
		"seed count":       {"grid: {model.depth: [8]}\nseeds: 1000000000000\n", false},
		"grid product":     {"grid: {model.depth: [8, 14, 20, 26, 32, 38, 44, 50, 56, 62], seed: [1, 2, 3, 4, 5, 6, 7, 8, 9, 10], train.lr: [1, 2, 3, 4, 5, 6, 7, 8, 9, 10], train.steps: [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11]}\n", false},
		"grid times seeds": {"grid: {model.depth: [8, 14]}\nseeds: 5001\n", false},
		"at the limit":     {"grid: {model.depth: [8, 14]}\nseeds: 5000\n", true},
	} {
		t.Run(name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "s.yaml")
			if err := os.WriteFile(path, []byte(tc.yaml), 0o644); err != nil {
				t.Fatal(err)
			}
			f, err := ReadSweepFile(path, []string{"model.depth", "seed", "train.lr", "train.steps"})
			if tc.ok {
				if err != nil || runCount(f.Grid, len(f.Seeds)) != MaxSweepRuns {
					t.Fatalf("refused or miscounted a sweep of %d runs: %v", MaxSweepRuns, err)
				}
				return
			}
			if !IsBadInput(err) || !strings.Contains(err.Error(), path) || !strings.Contains(err.Error(), "10000") {
				t.Fatalf("want an InputError naming %s and the limit, got %v", path, err)
			}
		})
	}
}
