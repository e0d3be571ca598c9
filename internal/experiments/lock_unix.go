//go:build unix

package experiments

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"syscall"
	"time"
)

// lockName is the lock file inside a run directory.
const lockName = ".lock"

// lockWait is how long lock keeps trying a run directory whose lock is
// taken, so that a reader probing it for a moment (RunHeld) never makes a
// trainer fail.
const lockWait = 250 * time.Millisecond

// lock takes an exclusive advisory lock on the run directory, refusing a
// directory that another process is writing. The lock ends with the process
// or with t.unlock.
func (t *Trainer) lock() error {
	path := filepath.Join(t.Dir, lockName)
	f, err := os.OpenFile(path, os.O_CREATE|os.O_RDWR, 0o644)
	if err != nil {
		return BadInput(fmt.Errorf("run directory %s: %w", t.Dir, err))
	}
	deadline := time.Now().Add(lockWait)
	for syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB) != nil {
		if time.Now().After(deadline) {
			f.Close()
			return BadInput(fmt.Errorf("run directory %s is in use by another resexp process; wait for it to finish or choose another --out", t.Dir))
		}
		time.Sleep(10 * time.Millisecond)
	}
	t.unlock = func() { f.Close() }
	return nil
}

// RunHeld reports whether a process holds the lock of the run directory
// dir, that is, is training it now. It takes a shared lock and drops it at
// once, which a trainer starting at that moment waits for (see lock). A
// directory without a lock file is not held.
func RunHeld(dir string) bool {
	f, err := os.Open(filepath.Join(dir, lockName))
	if err != nil {
		return false
	}
	defer f.Close()
	err = syscall.Flock(int(f.Fd()), syscall.LOCK_SH|syscall.LOCK_NB)
	if err == nil {
		syscall.Flock(int(f.Fd()), syscall.LOCK_UN)
	}
	return errors.Is(err, syscall.EWOULDBLOCK)
}
