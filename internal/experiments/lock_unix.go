//go:build unix

package experiments

import (
	"fmt"
	"os"
	"path/filepath"
	"syscall"
)

// lockName is the lock file inside a run directory.
const lockName = ".lock"

// lock takes an exclusive advisory lock on the run directory, refusing a
// directory that another process is writing. The lock ends with the process
// or with t.unlock.
func (t *Trainer) lock() error {
	path := filepath.Join(t.Dir, lockName)
	f, err := os.OpenFile(path, os.O_CREATE|os.O_RDWR, 0o644)
	if err != nil {
		return BadInput(fmt.Errorf("run directory %s: %w", t.Dir, err))
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		f.Close()
		return BadInput(fmt.Errorf("run directory %s is in use by another resexp process; wait for it to finish or choose another --out", t.Dir))
	}
	t.unlock = func() { f.Close() }
	return nil
}
