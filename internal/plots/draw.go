package plots

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
)

// Options control Draw.
type Options struct {
	Format string // png (default), svg or pdf
	Smooth int    // trailing moving-average window for training loss and error; 0 or 1: off
}

// Draw writes every figure the runs have data for into outDir (created if
// needed), then index.html listing them, and returns the paths written:
//
//   - loss: training loss per iteration and test loss, all runs (log y)
//   - error: Fig. 6, training and test error in %, plain | residual panels
//   - gradnorm-profile: per-layer gradient norm at first, middle and last step
//   - gradnorm-heatmap-<run name>: layer × step gradient norms, one per run
//   - gradnorm-ratio: first conv / fc gradient norm over training (log y)
//   - responses: Fig. 7, std of layer responses, if any run recorded them
//
// Runs that repeat one configuration with other seeds (see poolSeeds) are
// drawn as one mean curve with a min–max band in every figure but the
// heat maps, which stay one per run.
//
// A figure that fails does not stop the others; the errors are returned
// together with the paths that were written.
func Draw(runs []*Run, outDir string, opt Options) ([]string, error) {
	format := opt.Format
	if format == "" {
		format = "png"
	}
	if _, err := newCanvas(format, 1, 1); err != nil {
		return nil, err
	}
	if err := os.MkdirAll(outDir, 0o755); err != nil {
		return nil, fmt.Errorf("plots: %w", err)
	}
	styles := runStyles(runs)
	var paths []string
	var entries []indexEntry
	var errs []error
	for _, f := range figures(runs, styles, opt.Smooth) {
		path, err := f.write(outDir, format)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		paths = append(paths, path)
		entries = append(entries, indexEntry{File: filepath.Base(path), Caption: f.caption, Image: format != "pdf"})
	}
	index, err := writeIndex(outDir, entries, runs, styles)
	if err != nil {
		return paths, errors.Join(append(errs, err)...)
	}
	return append(paths, index), errors.Join(errs...)
}

// figures returns the figures there is data for, in index order: heat maps
// per run (in the runs' styles), the others over runs pooled by seed.
func figures(runs []*Run, styles []runStyle, smooth int) []*figure {
	pooled := poolSeeds(runs)
	ps := styles
	if len(pooled) < len(runs) {
		ps = runStyles(pooled)
	}
	all := []*figure{lossFigure(pooled, ps, smooth), errorFigure(pooled, ps, smooth), profileFigure(pooled, ps)}
	names := fileNames(runs)
	for i, r := range runs {
		if len(r.Grads) > 0 {
			all = append(all, heatmapFigure(r, styles[i], names[i]))
		}
	}
	all = append(all, ratioFigure(pooled, ps), responsesFigure(pooled, ps))
	var out []*figure
	for _, f := range all {
		if f != nil {
			out = append(out, f)
		}
	}
	return out
}

var unsafeChars = regexp.MustCompile(`[^A-Za-z0-9._-]+`)

// fileNames returns a file-name-safe, unique name per run, from Meta.Name
// (or the directory name): characters other than letters, digits, '.', '_'
// and '-' become '_', and a name already taken gets "-2", "-3", ...
// appended.
func fileNames(runs []*Run) []string {
	out := make([]string, len(runs))
	taken := map[string]bool{}
	for i, r := range runs {
		base := unsafeChars.ReplaceAllString(firstNonEmpty(r.Meta.Name, filepath.Base(r.Dir)), "_")
		if base == "" || base == "." || base == ".." {
			base = "run"
		}
		n := base
		for k := 2; taken[n]; k++ {
			n = fmt.Sprintf("%s-%d", base, k)
		}
		taken[n], out[i] = true, n
	}
	return out
}
