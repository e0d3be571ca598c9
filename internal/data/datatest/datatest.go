// Package datatest finds real copies of the data sets for tests that need
// them, and skips those tests with a clear message when there are none.
//
// A set NAME is looked for in $RESEXP_DATA/NAME (RESEXP_DATA is a folder
// holding cifar10/, mnist/, ... as `resexp data download NAME --dir
// $RESEXP_DATA/NAME` leaves them), then in data/NAME at the repository root
// (where `resexp data download NAME` puts it by default).
package datatest

import (
	"os"
	"path/filepath"
	"testing"
)

// Env is the environment variable naming the folder of real data sets.
const Env = "RESEXP_DATA"

// Dir returns the folder holding a copy of set name ($RESEXP_DATA/name,
// else data/name at the repository root), or "" if neither exists. It
// does not verify the files: the tests that use it do.
func Dir(name string) string {
	var dirs []string
	if env := os.Getenv(Env); env != "" {
		dirs = append(dirs, filepath.Join(env, name))
	}
	if root := repoRoot(); root != "" {
		dirs = append(dirs, filepath.Join(root, "data", name))
	}
	for _, d := range dirs {
		if isSetDir(d) {
			return d
		}
	}
	return ""
}

// Real returns Dir(name) or skips t, naming where it looked.
func Real(t testing.TB, name string) string {
	t.Helper()
	d := Dir(name)
	if d == "" {
		t.Skipf("no real %s copy: set %s to a folder holding %s/, or run `resexp data download %s` at the repository root; skipping",
			name, Env, name, name)
	}
	return d
}

// isSetDir reports whether d is a folder with at least one file in it
// (data/NAME may exist holding only its README).
func isSetDir(d string) bool {
	entries, err := os.ReadDir(d)
	if err != nil {
		return false
	}
	for _, e := range entries {
		if e.Type().IsRegular() && e.Name() != "README.md" {
			return true
		}
	}
	return false
}

// repoRoot returns the folder holding go.mod, found from the working
// directory upwards (a test's working directory is its package's folder);
// "" if there is none.
func repoRoot() string {
	d, err := os.Getwd()
	if err != nil {
		return ""
	}
	for {
		if _, err := os.Stat(filepath.Join(d, "go.mod")); err == nil {
			return d
		}
		up := filepath.Dir(d)
		if up == d {
			return ""
		}
		d = up
	}
}
