//go:build !unix

package experiments

import "errors"

// errLocked is never returned where advisory file locks are not available.
var errLocked = errors.New("in use by another resexp process")

// lockDir is a no-op where advisory file locks are not available.
func lockDir(string) (func(), error) { return func() {}, nil }

// lock is a no-op where advisory file locks are not available.
func (t *Trainer) lock() error {
	if t.held != nil {
		t.unlock = t.held
	}
	return nil
}

// RunHeld cannot tell where advisory file locks are not available; it
// reports true, so that meta.json's status is taken as it is.
func RunHeld(dir string) bool { return true }
