package experiments

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/resexp/resexp/internal/runfiles"
)

// TestOpenRun checks that OpenRun reads back exactly the config a run was
// started with, and refuses a directory that is not a run and a damaged
// config.yaml (unknown key, wrong type, invalid value) as bad input naming
// the directory and what is wrong.
func TestOpenRun(t *testing.T) {
	cfg := tinyConfig()
	cfg.Train.Steps = 2
	dir := t.TempDir()
	if err := train(t, cfg, dir); err != nil {
		t.Fatal(err)
	}
	run, err := OpenRun(dir)
	if err != nil {
		t.Fatal(err)
	}
	want := cfg
	want.ResolveAuto()
	if run.Config.Label() != "resnet-8" || run.Config.Train.Steps != 2 || run.Config.Data.Normalize != want.Data.Normalize || run.Meta.Status != runfiles.StatusCompleted {
		t.Errorf("OpenRun: config %+v, meta %+v", run.Config, run.Meta)
	}
	if _, step, err := run.LoadNet(); err != nil || step != 2 {
		t.Errorf("LoadNet: step %d, err %v; want step 2", step, err)
	}

	if _, err := OpenRun(t.TempDir()); !IsBadInput(err) || !strings.Contains(err.Error(), "is not a run directory (no meta.json)") {
		t.Errorf("empty dir: err = %v", err)
	}
	path := filepath.Join(dir, runfiles.ConfigFile)
	good, _ := os.ReadFile(path)
	for _, c := range []struct{ name, from, to, want string }{
		{"unknown key", "depth: 8", "dpth: 8", "field dpth not found"},
		{"wrong type", "steps: 2", "steps: fast", "cannot unmarshal !!str `fast` into int"},
		{"invalid value", "depth: 8", "depth: 9", "key model.depth: depth 9 is not 6n+2"},
	} {
		bad := strings.Replace(string(good), c.from, c.to, 1)
		if bad == string(good) {
			t.Fatalf("%s: %q not in config.yaml", c.name, c.from)
		}
		os.WriteFile(path, []byte(bad), 0o644)
		_, err := OpenRun(dir)
		if !IsBadInput(err) || !strings.Contains(err.Error(), dir+" is not a run directory, or its config.yaml is damaged: ") || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: err = %v, want bad input mentioning %q", c.name, err, c.want)
		}
	}
}
