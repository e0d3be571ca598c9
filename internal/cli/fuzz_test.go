package cli

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/resexp/resexp/internal/experiments"
	"github.com/resexp/resexp/internal/fuzzcheck"
)

// addConfigs adds every shipped config (configs/*.yaml) to f's seeds.
func addConfigs(f *testing.F) {
	paths, err := filepath.Glob("../../configs/*.yaml")
	if err != nil || len(paths) == 0 {
		f.Fatalf("no shipped configs in ../../configs: %v", err)
	}
	for _, p := range paths {
		b, err := os.ReadFile(p)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
}

// fuzzInput writes b to name in a fresh folder and returns its path.
func fuzzInput(t *testing.T, name string, b []byte) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(path, b, 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// runAlloc is what resolving one run of a sweep may allocate (measured:
// ~130 KB, the config loader of its point).
const runAlloc = 256 << 10

// checkRefusal fails t unless err is an input error (exit code 2) of one
// line naming path.
func checkRefusal(t *testing.T, err error, path string) {
	t.Helper()
	if code := exitCode(err); code != ExitBadInput {
		t.Fatalf("exit code %d, want %d, for: %v", code, ExitBadInput, err)
	}
	fuzzcheck.NamesFile(t, err, path)
}

// FuzzConfigFile feeds experiment configs to the two readers of config
// YAML: `train -c FILE` (the config loader and the validation train
// uses) and a run directory's config.yaml (experiments.OpenRun, which
// resume, eval and export use). Each gives a valid config or refuses the
// file with exit code 2 and one line naming it; no panic, no allocation
// beyond the input's size. Seeds: the shipped configs.
func FuzzConfigFile(f *testing.F) {
	addConfigs(f)
	f.Fuzz(func(t *testing.T, b []byte) {
		path := fuzzInput(t, "config.yaml", b)
		var err error
		fuzzcheck.Alloc(t, len(b), 1024, func() {
			l := newConfigLoader()
			if err = l.readFile(path); err == nil {
				_, err = l.resolve()
			}
		})
		if err != nil {
			checkRefusal(t, err, path)
		}
		dir := filepath.Dir(path)
		if err := os.WriteFile(filepath.Join(dir, "meta.json"), []byte("{}\n"), 0o644); err != nil {
			t.Fatal(err)
		}
		fuzzcheck.Alloc(t, len(b), 1024, func() { _, err = experiments.OpenRun(dir) })
		if err != nil {
			checkRefusal(t, err, dir)
		}
	})
}

// FuzzSweepFile feeds sweep files to the reader `resexp sweep` uses
// (readSweep: layout, grid keys, seeds, every point resolved as a config):
// runs, or a refusal with exit code 2 and one line naming the file; no
// panic, and no allocation beyond the input's size and runAlloc per run
// of the most a sweep may have (experiments.MaxSweepRuns), however many
// its grid and seeds multiply to. Seeds: the shipped configs.
func FuzzSweepFile(f *testing.F) {
	f.Add([]byte("grid: {model.depth: [8]}\nseeds: 1000000000000\n")) // crashed (out of memory) before MaxSweepRuns
	addConfigs(f)
	f.Fuzz(func(t *testing.T, b []byte) {
		path := fuzzInput(t, "sweep.yaml", b)
		var runs []experiments.SweepRun
		var err error
		limit := uint64(fuzzcheck.Slack + 4096*len(b) + runAlloc*experiments.MaxSweepRuns)
		fuzzcheck.AllocUpTo(t, len(b), limit, func() { _, runs, err = readSweep(path, 0) })
		if err != nil {
			checkRefusal(t, err, path)
			return
		}
		if len(runs) == 0 {
			t.Fatalf("a sweep file with no runs was accepted")
		}
	})
}
