// Package fuzzcheck holds the invariants every fuzz target of a reader of
// outside bytes checks: the reader allocates no more than its input can
// justify, and its error names the file it read.
package fuzzcheck

import (
	"runtime"
	"strings"
	"testing"
)

// Slack is the fixed allocation every reader may make whatever its input:
// buffered readers, a gzip window, a YAML or JSON decoder's tables.
const Slack = 8 << 20

// Alloc runs fn and fails t when it allocated more than Slack plus perByte
// bytes for each of the n input bytes: a reader must refuse a header that
// claims more data than the file holds before allocating for it. The
// count is the process's (runtime.MemStats.TotalAlloc), so fn must be the
// only thing running; fuzz workers run one input at a time.
func Alloc(t testing.TB, n int, perByte int, fn func()) {
	t.Helper()
	AllocUpTo(t, n, uint64(Slack+perByte*n), fn)
}

// AllocUpTo runs fn and fails t when it allocated more than limit bytes
// for an input of n bytes (for readers whose justified allocation is not
// proportional to the input's size, such as a sweep's runs).
func AllocUpTo(t testing.TB, n int, limit uint64, fn func()) {
	t.Helper()
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	fn()
	runtime.ReadMemStats(&after)
	got := after.TotalAlloc - before.TotalAlloc
	if got > limit {
		t.Fatalf("allocated %d bytes for a %d-byte input, more than the %d it can justify", got, n, limit)
	}
}

// NamesFile fails t unless err's message names path and is one line, as
// every error about a file must.
func NamesFile(t testing.TB, err error, path string) {
	t.Helper()
	if msg := err.Error(); !strings.Contains(msg, path) {
		t.Fatalf("error does not name the file %s: %s", path, msg)
	}
	OneLine(t, err)
}

// OneLine fails t unless err's message is one line.
func OneLine(t testing.TB, err error) {
	t.Helper()
	if msg := err.Error(); msg == "" || strings.Contains(msg, "\n") {
		t.Fatalf("error is empty or more than one line: %q", msg)
	}
}
