//go:build unix

package experiments

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"syscall"
	"time"
)

// lockName is the lock file inside a run directory.
const lockName = ".lock"

// lockWait is how long lockDir keeps trying a run directory whose lock is
// taken, so that a reader probing it for a moment (RunHeld) never makes a
// trainer fail.
const lockWait = 250 * time.Millisecond

// The lock rule. A run directory is written by one process at a time: the
// one holding an exclusive flock(2) on its .lock file. The kernel releases
// the lock when the process ends, however it ends (kill -9 included), so a
// lock is never stale on the host that took it. On a shared file system
// (NFS v4, which Linux's flock uses byte-range locks on) the lock is seen
// by every host, and the server releases the lock of a host that crashed
// when that host's lease expires (90 s by default); resexp never breaks a
// lock itself. The holder writes its host, pid and start time into .lock,
// so that a refusal says who holds the directory.

// errLocked is wrapped by the error of lockDir for a directory another
// process holds.
var errLocked = errors.New("in use by another resexp process")

// lockDir takes the lock of run directory dir (which must exist) and
// returns the function releasing it (safe to call more than once). A
// directory another process holds is an InputError wrapping errLocked and
// naming the holder; a file system without locks is an InputError saying
// so.
func lockDir(dir string) (func(), error) {
	path := filepath.Join(dir, lockName)
	f, err := os.OpenFile(path, os.O_CREATE|os.O_RDWR, 0o644)
	if err != nil {
		return nil, BadInput(fmt.Errorf("run directory %s: %w", dir, err))
	}
	if err := flockWait(f); err != nil {
		holder, _ := os.ReadFile(path)
		f.Close()
		if errors.Is(err, syscall.EWOULDBLOCK) {
			return nil, BadInput(fmt.Errorf("run directory %s is %w (%s); wait for it to finish or choose another --out", dir, errLocked, holderOf(holder)))
		}
		return nil, BadInput(fmt.Errorf("run directory %s: cannot lock %s (%v): the file system does not support locks; use a local folder", dir, path, err))
	}
	host, _ := os.Hostname()
	if err := f.Truncate(0); err == nil {
		fmt.Fprintf(f, "host %s pid %d since %s\n", host, os.Getpid(), time.Now().UTC().Format(time.RFC3339))
	}
	return sync.OnceFunc(func() { f.Close() }), nil
}

// flockWait takes an exclusive flock on f, trying again for lockWait while
// another process holds it; the error is the last attempt's.
func flockWait(f *os.File) error {
	deadline := time.Now().Add(lockWait)
	for {
		err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB)
		if !errors.Is(err, syscall.EWOULDBLOCK) || time.Now().After(deadline) {
			return err
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// holderOf is the holder recorded in a lock file's content.
func holderOf(content []byte) string {
	if s := string(content); len(s) > 0 && len(s) < 200 {
		return "held by " + s[:len(s)-1]
	}
	return "holder unknown"
}

// lock takes the run directory's lock for t (see lockDir), unless
// Options.held gave it one already. The lock ends with the process or
// with t.unlock.
func (t *Trainer) lock() error {
	if t.held != nil {
		t.unlock = t.held
		return nil
	}
	unlock, err := lockDir(t.Dir)
	if err != nil {
		return err
	}
	t.unlock = unlock
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
