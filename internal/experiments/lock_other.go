//go:build !unix

package experiments

// lock is a no-op where advisory file locks are not available.
func (t *Trainer) lock() error { return nil }
