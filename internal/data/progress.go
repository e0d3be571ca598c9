package data

import (
	"errors"
	"fmt"
	"io"
	"time"
)

// Progress follows Download and CopyFrom. For each file or archive
// transferred, Start is called once, then Add any number of times, then
// Done once; Note carries one-line messages about the other steps (a file
// already in place, a source being tried, the final result). Calls come
// from one goroutine, in order.
type Progress interface {
	// Start begins the transfer of file, of total bytes (-1 if unknown).
	Start(file string, total int64)
	// Add reports n more bytes of the current transfer.
	Add(n int64)
	// Done ends the transfer of file: err is nil if the file arrived and
	// verified, else why it did not (the file was then deleted).
	Done(file string, err error)
	// Note reports a step, as one line without a trailing newline.
	Note(line string)
}

// Lines returns a Progress that writes plain lines to w, for logs and
// output that is not a terminal: every step and failure on a line of its
// own, and, while a transfer takes long, a line every linesEvery saying
// how far it got. A quick transfer (a local copy) prints no such line.
func Lines(w io.Writer) Progress { return &lines{w: w, now: time.Now} }

// linesEvery is how often Lines reports on a transfer in progress.
const linesEvery = 5 * time.Second

// lines is the Progress returned by Lines.
type lines struct {
	w          io.Writer
	now        func() time.Time
	file       string
	total, got int64
	last       time.Time // of the Start or the last report
}

func (l *lines) Start(file string, total int64) {
	l.file, l.total, l.got, l.last = file, total, 0, l.now()
}

func (l *lines) Add(n int64) {
	l.got += n
	if t := l.now(); t.Sub(l.last) >= linesEvery {
		l.last = t
		if l.total > 0 {
			fmt.Fprintf(l.w, "  %s: %d%% of %.1f MB\n", l.file, l.got*100/l.total, float64(l.total)/1e6)
		} else {
			fmt.Fprintf(l.w, "  %s: %.1f MB\n", l.file, float64(l.got)/1e6)
		}
	}
}

func (l *lines) Done(file string, err error) {
	if err != nil {
		fmt.Fprintf(l.w, "  %s: failed: %v\n", file, err)
	}
}

func (l *lines) Note(line string) { fmt.Fprintln(l.w, line) }

// quiet is the Progress used when nil is passed: it reports nothing.
type quiet struct{}

func (quiet) Start(string, int64) {}
func (quiet) Add(int64)           {}
func (quiet) Done(string, error)  {}
func (quiet) Note(string)         {}

// orQuiet returns p, or a Progress that reports nothing if p is nil.
func orQuiet(p Progress) Progress {
	if p == nil {
		return quiet{}
	}
	return p
}

// notef sends a formatted line to p.Note.
func notef(p Progress, format string, args ...any) { p.Note(fmt.Sprintf(format, args...)) }

// progressReader passes the bytes read from r to p.Add and turns a body
// that ends before its announced size into an error saying how much
// arrived.
type progressReader struct {
	r          io.Reader
	p          Progress
	total, got int64
}

// track starts a transfer of name (total bytes, -1 if unknown) on p and
// returns r wrapped to report on it; the caller calls p.Done.
func track(r io.Reader, total int64, name string, p Progress) *progressReader {
	p.Start(name, total)
	return &progressReader{r: r, p: p, total: total}
}

func (t *progressReader) Read(b []byte) (int, error) {
	n, err := t.r.Read(b)
	t.got += int64(n)
	if n > 0 {
		t.p.Add(int64(n))
	}
	if errors.Is(err, io.ErrUnexpectedEOF) || (err == io.EOF && t.total > 0 && t.got < t.total) {
		return n, fmt.Errorf("transfer cut off after %d of %d bytes: %w", t.got, t.total, io.ErrUnexpectedEOF)
	}
	return n, err
}
