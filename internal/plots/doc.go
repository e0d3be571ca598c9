// Package plots draws resexp's figures from run directories, and only from
// them: it reads the files package runfiles writes and never the training
// code's memory, so figures can be redrawn at any time, also for a crashed
// run.
//
// Every figure answers one question (see Draw). Runs of one depth share a
// colour; plain nets are drawn dashed and residual nets solid, and every
// legend entry carries the run's label (Meta.Label, e.g. "plain-56").
// Legends sit beside the data, never on it.
//
// Non-finite and non-positive values are data, not errors: on a log axis a
// value <= 0, NaN or -Inf is drawn at a floor below the smallest positive
// value and +Inf at a ceiling above the largest finite one, each such point
// marked with a cross that the legend explains. In metrics.csv a NaN means
// "not measured" and is left out instead. Nothing in this package panics on
// such data.
//
// The data transforms (clamping, smoothing, step selection, heat-map grids,
// ratio series) are small pure functions kept apart from the drawing code.
package plots
