package cli

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/resexp/resexp/internal/runfiles"
)

// TestShippedConfigs resolves every file in configs/: sweep files (those
// with a grid) through readSweep, the others as train configs, so a
// shipped config with an unknown key or an impossible value fails here.
func TestShippedConfigs(t *testing.T) {
	files, _ := filepath.Glob("../../configs/*.yaml")
	if len(files) < 5 {
		t.Fatalf("found %d configs", len(files))
	}
	for _, f := range files {
		raw, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		if strings.Contains(string(raw), "\ngrid:") {
			if _, _, err := readSweep(f, 0); err != nil {
				t.Errorf("%s: %v", f, err)
			}
			continue
		}
		l := newConfigLoader()
		if err := l.readFile(f); err != nil {
			t.Errorf("%s: %v", f, err)
			continue
		}
		if _, err := l.resolve(); err != nil {
			t.Errorf("%s: %v", f, err)
		}
	}
}

// TestDemoSeedsIsTheDemo checks that configs/demo-seeds.yaml runs exactly
// the demo's nets and settings, each with seeds 1, 2 and 3: every seeded
// run's config is a demo run's with only the seed and the name changed.
func TestDemoSeedsIsTheDemo(t *testing.T) {
	_, demo, err := readSweep("../../configs/demo.yaml", 0)
	if err != nil {
		t.Fatal(err)
	}
	_, seeded, err := readSweep("../../configs/demo-seeds.yaml", 0)
	if err != nil {
		t.Fatal(err)
	}
	if len(seeded) != 3*len(demo) {
		t.Fatalf("demo-seeds has %d runs, want 3 × %d", len(seeded), len(demo))
	}
	for i, r := range seeded {
		d := demo[i/3]
		want := d.Cfg
		want.Seed, want.Name = uint64(i%3+1), runfiles.SeedName(d.Name, uint64(i%3+1))
		if r.Name != want.Name || !reflect.DeepEqual(r.Cfg, want) {
			t.Errorf("run %d: %s with config\n%+v\nwant %s with\n%+v", i, r.Name, r.Cfg, want.Name, want)
		}
	}
}
