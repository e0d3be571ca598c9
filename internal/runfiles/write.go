package runfiles

import (
	"bufio"
	"encoding/csv"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
)

// CSVWriter appends rows to one of a run directory's CSV files. Rows are
// buffered: call Flush to hand them to the operating system (a crash of the
// process then loses nothing) and Close when done. A CSVWriter is not safe
// for concurrent use.
type CSVWriter struct {
	path   string
	name   string   // base name: which file, and so which Write method fits
	header []string // the file's header row
	f      *os.File
	w      *csv.Writer
}

// OpenMetrics opens dir/metrics.csv for appending, creating it if needed.
func OpenMetrics(dir string) (*CSVWriter, error) { return openCSV(dir, MetricsFile) }

// OpenGradNorms opens dir/gradnorms.csv for appending, creating it if needed.
func OpenGradNorms(dir string) (*CSVWriter, error) { return openCSV(dir, GradNormsFile) }

// OpenResponses opens dir/responses.csv for appending, creating it if needed.
func OpenResponses(dir string) (*CSVWriter, error) { return openCSV(dir, ResponsesFile) }

// openCSV opens dir/name for appending. A new or empty file (or one holding
// only part of the header) gets the header; an existing file must start with
// it, or openCSV fails naming the file. A partially written last line is
// dropped so that appended rows start on a line of their own.
func openCSV(dir, name string) (*CSVWriter, error) {
	return openCSVWith(filepath.Join(dir, name), headerFor(name))
}

// openCSVWith is openCSV of the file at path with the given header.
func openCSVWith(path string, header []string) (*CSVWriter, error) {
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o644)
	if err != nil {
		return nil, err
	}
	w := &CSVWriter{path: path, name: filepath.Base(path), header: header, f: f, w: csv.NewWriter(f)}
	if err := w.prepare(); err != nil {
		f.Close()
		return nil, err
	}
	return w, nil
}

// prepare checks or writes the header and positions the file at the end of
// its last complete line.
func (w *CSVWriter) prepare() error {
	header := w.header
	first, err := bufio.NewReader(w.f).ReadString('\n')
	if err != nil && err != io.EOF {
		return fmt.Errorf("%s: %w", w.path, err)
	}
	want := strings.Join(header, ",")
	if !strings.HasSuffix(first, "\n") && strings.HasPrefix(want, first) {
		return w.restart(header)
	}
	if got := strings.TrimRight(first, "\r\n"); got != want {
		return headerError(w.path, got, header)
	}
	end, err := endOfLastLine(w.f)
	if err != nil {
		return fmt.Errorf("%s: %w", w.path, err)
	}
	if err := w.f.Truncate(end); err != nil {
		return fmt.Errorf("%s: %w", w.path, err)
	}
	_, err = w.f.Seek(end, io.SeekStart)
	return err
}

// restart empties the file and writes the header.
func (w *CSVWriter) restart(header []string) error {
	if err := w.f.Truncate(0); err != nil {
		return fmt.Errorf("%s: %w", w.path, err)
	}
	if _, err := w.f.Seek(0, io.SeekStart); err != nil {
		return fmt.Errorf("%s: %w", w.path, err)
	}
	return w.write(header)
}

// endOfLastLine returns the offset just past the last "\n" in f (0 if none).
func endOfLastLine(f *os.File) (int64, error) {
	size, err := f.Seek(0, io.SeekEnd)
	if err != nil {
		return 0, err
	}
	buf := make([]byte, 4096)
	for end := size; end > 0; {
		start := max(end-int64(len(buf)), 0)
		n, err := f.ReadAt(buf[:end-start], start)
		if err != nil && err != io.EOF {
			return 0, err
		}
		if i := strings.LastIndexByte(string(buf[:n]), '\n'); i >= 0 {
			return start + int64(i) + 1, nil
		}
		end = start
	}
	return 0, nil
}

// WriteMetrics appends r. It panics if w is not a metrics.csv writer.
func (w *CSVWriter) WriteMetrics(r MetricsRow) error {
	w.mustBe(MetricsFile)
	return w.write(metricsRecord(r))
}

// WriteGradNorms appends rows in order. It panics if w is not a
// gradnorms.csv writer.
func (w *CSVWriter) WriteGradNorms(rows []GradNormRow) error {
	w.mustBe(GradNormsFile)
	for _, r := range rows {
		if err := w.write(gradNormRecord(r)); err != nil {
			return err
		}
	}
	return nil
}

// WriteResponses appends rows in order. It panics if w is not a
// responses.csv writer.
func (w *CSVWriter) WriteResponses(rows []ResponseRow) error {
	w.mustBe(ResponsesFile)
	for _, r := range rows {
		if err := w.write(responseRecord(r)); err != nil {
			return err
		}
	}
	return nil
}

func (w *CSVWriter) mustBe(name string) {
	if w.name != name {
		panic("runfiles: writing " + name + " rows to " + w.name)
	}
}

func (w *CSVWriter) write(rec []string) error {
	if err := w.w.Write(rec); err != nil {
		return fmt.Errorf("%s: %w", w.path, err)
	}
	return nil
}

// Flush writes buffered rows to the file.
func (w *CSVWriter) Flush() error {
	w.w.Flush()
	if err := w.w.Error(); err != nil {
		return fmt.Errorf("%s: %w", w.path, err)
	}
	return nil
}

// Close flushes, fsyncs and closes the file.
func (w *CSVWriter) Close() error {
	err := w.Flush()
	if err == nil {
		err = w.f.Sync()
	}
	if cerr := w.f.Close(); err == nil && cerr != nil {
		err = fmt.Errorf("%s: %w", w.path, cerr)
	}
	return err
}
