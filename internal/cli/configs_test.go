package cli

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
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
			if _, _, err := readSweep(f); err != nil {
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
