// Package experiments runs resexp's experiments: the typed, validated
// configuration, the training loop and its observers (see Observer), the
// run directory it writes (config.yaml, meta.json, metrics.csv,
// gradnorms.csv, responses.csv, checkpoint/) and reads back (OpenRun), and
// sweeps over grids of configs (SweepFile, Sweep).
//
// It sits between the command line (internal/cli) and the engine
// (internal/nn, internal/data, internal/runfiles); it never prints on its own
// behalf, reporting progress through observers such as Hooks.
package experiments
