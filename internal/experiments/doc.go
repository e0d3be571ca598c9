// Package experiments runs resexp's experiments: the typed, validated
// configuration, the training loop with its hooks, and the run directory it
// writes (config.yaml, meta.json, metrics.csv, gradnorms.csv, responses.csv).
//
// It sits between the command line (internal/cli) and the engine
// (internal/nn, internal/data, internal/runfiles); it never prints on its own
// behalf, reporting progress through Hooks.
package experiments
