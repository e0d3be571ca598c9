//go:build unix

package serve

import (
	"os"
	"path/filepath"
	"syscall"
	"testing"
)

// holdLock takes the run lock of dir the way a training process does, until
// the test ends.
func holdLock(t *testing.T, dir string) {
	t.Helper()
	f, err := os.OpenFile(filepath.Join(dir, ".lock"), os.O_CREATE|os.O_RDWR, 0o644)
	check(t, err)
	check(t, syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB))
	t.Cleanup(func() { f.Close() })
}
