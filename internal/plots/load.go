package plots

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/resexp/resexp/internal/runfiles"
)

// Run is what the figures are drawn from: one run directory's files.
type Run struct {
	Dir       string
	Meta      *runfiles.Meta // never nil; a stand-in named after Dir if meta.json is missing
	Metrics   []runfiles.MetricsRow
	Grads     []runfiles.GradNormRow
	Responses []runfiles.ResponseRow
	// Seeds are the repetitions of one configuration this Run stands for
	// (see poolSeeds), which then holds no rows itself; nil for a run.
	Seeds []*Run

	noMeta bool // meta.json was missing or unreadable: depth and kind unknown
}

// known reports whether the run's depth and kind (plain or residual) are
// known, which the figures comparing plain and residual nets need.
func (r *Run) known() bool { return !r.noMeta }

func (r *Run) usable() bool {
	return len(r.Metrics) > 0 || len(r.Grads) > 0 || len(r.Responses) > 0
}

// LoadRuns reads the run directories dirs. A directory holding no run files
// but run directories (a sweep folder) stands for those of its
// subdirectories that have a meta.json, in name order. A missing or
// unreadable file is reported on warn, naming the file, and only the figures
// needing it lose the run. LoadRuns fails if a path is not a directory or if
// no run has any data to draw.
func LoadRuns(dirs []string, warn io.Writer) ([]*Run, error) {
	expanded, err := expandDirs(dirs, warn)
	if err != nil {
		return nil, err
	}
	var runs []*Run
	for _, d := range expanded {
		if r := loadRun(d, warn); r.usable() {
			runs = append(runs, r)
		} else {
			fmt.Fprintf(warn, "warning: %s: no data to plot; run skipped\n", d)
		}
	}
	if len(runs) == 0 {
		return nil, fmt.Errorf("plots: nothing to plot in %s: no run directory with metrics.csv, gradnorms.csv or responses.csv rows", strings.Join(dirs, ", "))
	}
	return runs, nil
}

// expandDirs replaces every sweep folder among dirs by its run directories
// and drops repeats.
func expandDirs(dirs []string, warn io.Writer) ([]string, error) {
	var out []string
	seen := map[string]bool{}
	add := func(d string) {
		if !seen[filepath.Clean(d)] {
			seen[filepath.Clean(d)] = true
			out = append(out, d)
		}
	}
	for _, d := range dirs {
		fi, err := os.Stat(d)
		if err != nil {
			return nil, fmt.Errorf("plots: %w", err)
		}
		if !fi.IsDir() {
			return nil, fmt.Errorf("plots: %s is not a run directory", d)
		}
		if isRunDir(d) {
			add(d)
			continue
		}
		subs, err := sweepRuns(d)
		if err != nil {
			return nil, err
		}
		if len(subs) == 0 {
			fmt.Fprintf(warn, "warning: %s: neither a run directory (no %s, %s or %s) nor a folder of run directories; skipped\n",
				d, runfiles.MetaFile, runfiles.MetricsFile, runfiles.GradNormsFile)
		}
		for _, s := range subs {
			add(s)
		}
	}
	return out, nil
}

// isRunDir reports whether dir holds any of a run's files.
func isRunDir(dir string) bool {
	for _, name := range []string{runfiles.MetaFile, runfiles.MetricsFile, runfiles.GradNormsFile, runfiles.ResponsesFile} {
		if exists(filepath.Join(dir, name)) {
			return true
		}
	}
	return false
}

// sweepRuns returns the subdirectories of dir that have a meta.json, sorted.
func sweepRuns(dir string) ([]string, error) {
	ents, err := os.ReadDir(dir)
	if err != nil {
		return nil, fmt.Errorf("plots: %w", err)
	}
	var out []string
	for _, e := range ents {
		sub := filepath.Join(dir, e.Name())
		if e.IsDir() && exists(filepath.Join(sub, runfiles.MetaFile)) {
			out = append(out, sub)
		}
	}
	return out, nil
}

func exists(path string) bool {
	_, err := os.Stat(path)
	return err == nil
}

// loadRun reads what it can of dir, warning about the rest.
func loadRun(dir string, warn io.Writer) *Run {
	r := &Run{Dir: dir}
	meta, err := runfiles.ReadMeta(dir)
	if err != nil {
		warnFile(warn, dir, runfiles.MetaFile, err, "depth and plain/residual unknown: left out of error.png and gradnorm-profile.png")
		base := filepath.Base(filepath.Clean(dir))
		meta, r.noMeta = &runfiles.Meta{Name: base, Label: base}, true
	}
	r.Meta = meta
	r.Metrics = loadFile(warn, dir, runfiles.MetricsFile, runfiles.ReadMetrics, "no loss or error curves")
	r.Grads = loadFile(warn, dir, runfiles.GradNormsFile, runfiles.ReadGradNorms, "no gradient-norm figures")
	r.Responses = loadFile(warn, dir, runfiles.ResponsesFile, runfiles.ReadResponses, "no response figure")
	return r
}

// loadFile reads one CSV file of dir with read; on error it warns, saying
// what is lost, and returns nil.
func loadFile[T any](warn io.Writer, dir, name string, read func(string) ([]T, error), lost string) []T {
	rows, err := read(dir)
	if err != nil {
		warnFile(warn, dir, name, err, lost)
		return nil
	}
	return rows
}

func warnFile(warn io.Writer, dir, name string, err error, lost string) {
	if errors.Is(err, fs.ErrNotExist) {
		fmt.Fprintf(warn, "warning: %s: missing; %s for this run\n", filepath.Join(dir, name), lost)
		return
	}
	fmt.Fprintf(warn, "warning: %v; %s for this run\n", err, lost)
}
