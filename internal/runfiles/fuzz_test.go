package runfiles

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/resexp/resexp/internal/fuzzcheck"
)

// FuzzReadRunFiles feeds the run-file readers plot uses (metrics.csv,
// gradnorms.csv, responses.csv, meta.json) the input as the file selected
// by which: rows or an error naming the file (and line), one line, no
// panic, no allocation beyond a few times the input's size. The seeds are
// the files writeAll writes; testdata/fuzz/FuzzReadRunFiles holds slices of
// a real run's files.
func FuzzReadRunFiles(f *testing.F) {
	dir := f.TempDir()
	writeAll(f, dir)
	if err := WriteMeta(dir, &Meta{Name: "resnet-8", Depth: 8, Residual: true, Status: StatusCompleted}); err != nil {
		f.Fatal(err)
	}
	for i, name := range fuzzFiles {
		b, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			f.Fatal(err)
		}
		f.Add(uint8(i), b)
	}
	f.Fuzz(func(t *testing.T, which uint8, b []byte) {
		name := fuzzFiles[int(which)%len(fuzzFiles)]
		dir := t.TempDir()
		path := filepath.Join(dir, name)
		if err := os.WriteFile(path, b, 0o644); err != nil {
			t.Fatal(err)
		}
		var err error
		fuzzcheck.Alloc(t, len(b), 64, func() { err = readRunFile(dir, name) })
		if err != nil {
			fuzzcheck.NamesFile(t, err, path)
		}
	})
}

// fuzzFiles are the files FuzzReadRunFiles picks from.
var fuzzFiles = []string{MetricsFile, GradNormsFile, ResponsesFile, MetaFile}

// readRunFile reads dir/name with its reader, discarding the rows.
func readRunFile(dir, name string) error {
	var err error
	switch name {
	case MetricsFile:
		_, err = ReadMetrics(dir)
	case GradNormsFile:
		_, err = ReadGradNorms(dir)
	case ResponsesFile:
		_, err = ReadResponses(dir)
	default:
		_, err = ReadMeta(dir)
	}
	return err
}
