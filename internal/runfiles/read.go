package runfiles

import (
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
)

// record is one CSV data row and the 1-based line it starts on.
type record struct {
	line   int
	fields []string
}

// ReadMetrics reads dir/metrics.csv. A missing file gives an error for which
// errors.Is(err, fs.ErrNotExist) holds.
func ReadMetrics(dir string) ([]MetricsRow, error) {
	return readRows(filepath.Join(dir, MetricsFile), parseMetrics)
}

// ReadGradNorms reads dir/gradnorms.csv, rows in file order.
func ReadGradNorms(dir string) ([]GradNormRow, error) {
	return readRows(filepath.Join(dir, GradNormsFile), parseGradNorm)
}

// ReadResponses reads dir/responses.csv, rows in file order.
func ReadResponses(dir string) ([]ResponseRow, error) {
	return readRows(filepath.Join(dir, ResponsesFile), parseResponse)
}

// readRows reads the CSV file at path and converts every data row with
// parse; a conversion error names the file and line.
func readRows[T any](path string, parse func([]string) (T, error)) ([]T, error) {
	recs, err := readRecords(path)
	if err != nil {
		return nil, err
	}
	rows := make([]T, 0, len(recs))
	for _, rec := range recs {
		r, err := parse(rec.fields)
		if err != nil {
			return nil, fmt.Errorf("%s:%d: %w", path, rec.line, err)
		}
		rows = append(rows, r)
	}
	return rows, nil
}

// readRecords reads the data rows of the CSV file at path after checking its
// header. A last line without "\n" is skipped as partially written; a file
// with no complete line has no rows.
func readRecords(path string) ([]record, error) {
	return readRecordsWith(path, headerFor(filepath.Base(path)))
}

// readRecordsWith is readRecords of a file with the given header.
func readRecordsWith(path string, header []string) ([]record, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	data = completeLines(data)
	if len(data) == 0 {
		return nil, nil
	}
	r := csv.NewReader(bytes.NewReader(data))
	r.FieldsPerRecord = len(header)
	got, err := r.Read()
	if err != nil || !slices.Equal(got, header) {
		return nil, headerError(path, firstLine(data), header)
	}
	var recs []record
	for {
		fields, err := r.Read()
		if errors.Is(err, io.EOF) {
			return recs, nil
		}
		if err != nil {
			return nil, csvError(path, err)
		}
		line, _ := r.FieldPos(0)
		recs = append(recs, record{line: line, fields: fields})
	}
}

// completeLines returns the prefix of data that ends with its last "\n".
func completeLines(data []byte) []byte {
	return data[:bytes.LastIndexByte(data, '\n')+1]
}

func firstLine(data []byte) string {
	line, _, _ := bytes.Cut(data, []byte{'\n'})
	return strings.TrimSuffix(string(line), "\r")
}

func headerError(path, got string, want []string) error {
	return fmt.Errorf("%s:1: header is %q, want %q: not a resexp %s file",
		path, got, strings.Join(want, ","), filepath.Base(path))
}

// csvError turns an encoding/csv error into one naming the file and line.
func csvError(path string, err error) error {
	var pe *csv.ParseError
	if errors.As(err, &pe) {
		return fmt.Errorf("%s:%d: %w", path, pe.Line, pe.Err)
	}
	return fmt.Errorf("%s: %w", path, err)
}
