//go:build unix

package experiments

import (
	"os"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"github.com/resexp/resexp/internal/runfiles"
)

// flockFile opens dir/.lock (creating it) and takes a flock of kind how.
func flockFile(t *testing.T, dir string, how int) *os.File {
	t.Helper()
	f, err := os.OpenFile(filepath.Join(dir, lockName), os.O_CREATE|os.O_RDWR, 0o644)
	if err != nil {
		t.Fatal(err)
	}
	if err := syscall.Flock(int(f.Fd()), how|syscall.LOCK_NB); err != nil {
		t.Fatal(err)
	}
	return f
}

// TestRunHeld checks RunHeld and LiveStatus without, with a free and with
// a held lock file, and that probing leaves the lock free for a trainer.
func TestRunHeld(t *testing.T) {
	dir := t.TempDir()
	if RunHeld(dir) || LiveStatus(dir, runfiles.StatusRunning) != runfiles.StatusInterrupted {
		t.Error("no lock file: held, or running stays running")
	}
	f := flockFile(t, dir, syscall.LOCK_EX)
	if !RunHeld(dir) || LiveStatus(dir, runfiles.StatusRunning) != runfiles.StatusRunning {
		t.Error("locked: not held, or running not running")
	}
	if got := LiveStatus(dir, runfiles.StatusCompleted); got != runfiles.StatusCompleted {
		t.Errorf("LiveStatus(completed) = %s", got)
	}
	f.Close()
	if RunHeld(dir) || RunHeld(dir) {
		t.Error("lock released: still held")
	}
	tr := &Trainer{Dir: dir}
	if err := tr.lock(); err != nil {
		t.Fatalf("lock after probes: %v", err)
	}
	tr.unlock()
}

// TestLockWaitsForProbe checks that a trainer's lock waits for a shared
// lock held for a moment (a reader's probe) instead of failing, and still
// fails on a lock that stays taken.
func TestLockWaitsForProbe(t *testing.T) {
	dir := t.TempDir()
	probe := flockFile(t, dir, syscall.LOCK_SH)
	time.AfterFunc(50*time.Millisecond, func() { probe.Close() })
	tr := &Trainer{Dir: dir}
	if err := tr.lock(); err != nil {
		t.Fatalf("lock during a 50 ms probe: %v", err)
	}
	defer tr.unlock()
	other := &Trainer{Dir: dir}
	if err := other.lock(); !IsBadInput(err) {
		t.Errorf("second lock: got %v, want the in-use error", err)
	}
}
