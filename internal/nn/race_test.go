//go:build race

package nn

// raceEnabled is set under the race detector, whose instrumentation
// allocates (and makes sync.Pool drop items), so allocation counts are moot.
const raceEnabled = true
