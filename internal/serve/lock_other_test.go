//go:build !unix

package serve

import "testing"

// holdLock skips the test: without advisory file locks a live run cannot be
// told from a killed one (see experiments.RunHeld).
func holdLock(t *testing.T, dir string) {
	t.Skip("run locks need flock, which this platform lacks")
}
