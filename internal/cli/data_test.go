package cli

import (
	"bytes"
	"context"
	"errors"
	"path/filepath"
	"strings"
	"testing"

	"github.com/resexp/resexp/internal/data/datatest"
)

// TestDataDownloadFrom copies the real CIFAR-10 files with
// `resexp data download cifar10 --from`, verifies them with
// `resexp data verify`, and checks a second download keeps them.
func TestDataDownloadFrom(t *testing.T) {
	src := datatest.Real(t, "cifar10")
	if testing.Short() {
		t.Skip("-short: not copying 184 MB")
	}
	dir := filepath.Join(t.TempDir(), "cifar10")
	code, stdout, stderr := runCLI("data", "download", "cifar10", "--from", src, "--dir", dir)
	if code != 0 || stdout != "cifar10 is in "+dir+"\n" || !strings.Contains(stderr, "cifar10: all 6 files in "+dir+" verified") {
		t.Fatalf("download: exit %d\nstdout:\n%s\nstderr:\n%s", code, stdout, stderr)
	}
	code, stdout, stderr = runCLI("data", "verify", "cifar10", "--dir", dir)
	// sha256 of test_batch.bin as extracted from the canonical cifar-10-binary.tar.gz
	if code != 0 || strings.Count(stdout, "\nok ")+1 != 6 || !strings.Contains(stdout, "test_batch.bin sha256 8e2eb146ae340b09e24670f29cabc6326dba54da8789dab6768acf480273f65b (30730000 bytes)") {
		t.Errorf("verify: exit %d\nstdout:\n%s\nstderr:\n%s", code, stdout, stderr)
	}
	code, _, stderr = runCLI("data", "download", "cifar10", "--from", src, "--dir", dir)
	if code != 0 || strings.Count(stderr, "already there, checksum ok") != 6 || strings.Contains(stderr, "copied") {
		t.Errorf("second download: exit %d\nstderr:\n%s", code, stderr)
	}
}

// runCLI runs resexp in-process and returns its exit code and output.
func runCLI(args ...string) (int, string, string) {
	var stdout, stderr bytes.Buffer
	code := run(context.Background(), args, &stdout, &stderr)
	return code, stdout.String(), stderr.String()
}

// TestBarProgress drives the terminal progress through a good and a
// failed transfer: notes and failures come out as lines.
func TestBarProgress(t *testing.T) {
	var out bytes.Buffer
	p := &barProgress{w: &out}
	p.Note("x: fetching 1 file(s)")
	p.Start("a.bin", 1000)
	p.Add(600)
	p.Add(400)
	p.Done("a.bin", nil)
	p.Start("b.bin", -1)
	p.Add(10)
	p.Done("b.bin", errors.New("cut off"))
	p.Note("done")
	for _, want := range []string{"x: fetching 1 file(s)\n", "  b.bin: failed: cut off\n", "done\n"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("output %q lacks %q", out.String(), want)
		}
	}
	if _, ok := downloadProgress(&out).(*barProgress); ok {
		t.Error("a buffer got a progress bar, want plain lines")
	}
}
