package runfiles

import (
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
)

// TruncateAfter prepares a run directory for resuming from a checkpoint taken
// at step: it drops every row with a step greater than step from
// metrics.csv, gradnorms.csv and responses.csv, and a partially written last
// line, rewriting each file atomically. Files that do not exist are skipped.
// Call it before opening writers on the files.
func TruncateAfter(dir string, step int) error {
	for _, name := range []string{MetricsFile, GradNormsFile, ResponsesFile} {
		if err := truncateFile(filepath.Join(dir, name), step); err != nil {
			return err
		}
	}
	return nil
}

func truncateFile(path string, step int) error {
	recs, err := readRecords(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return err
	}
	kept, err := keepUpTo(path, recs, step)
	if err != nil {
		return err
	}
	var buf bytes.Buffer
	w := csv.NewWriter(&buf)
	w.Write(headerFor(filepath.Base(path)))
	w.WriteAll(kept) // WriteAll flushes; a bytes.Buffer does not fail
	if same, _ := sameContent(path, buf.Bytes()); same {
		return nil
	}
	return WriteFileAtomic(path, buf.Bytes())
}

// keepUpTo returns the fields of the records whose step is <= step.
func keepUpTo(path string, recs []record, step int) ([][]string, error) {
	var kept [][]string
	for _, rec := range recs {
		s, err := parseInt(rec.fields[0])
		if err != nil {
			return nil, fmt.Errorf("%s:%d: column step: %w", path, rec.line, err)
		}
		if s <= step {
			kept = append(kept, rec.fields)
		}
	}
	return kept, nil
}

func sameContent(path string, data []byte) (bool, error) {
	old, err := os.ReadFile(path)
	return err == nil && bytes.Equal(old, data), err
}
