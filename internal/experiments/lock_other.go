//go:build !unix

package experiments

// lock is a no-op where advisory file locks are not available.
func (t *Trainer) lock() error { return nil }

// RunHeld cannot tell where advisory file locks are not available; it
// reports true, so that meta.json's status is taken as it is.
func RunHeld(dir string) bool { return true }
