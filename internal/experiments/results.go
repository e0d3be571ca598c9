package experiments

import (
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io/fs"
	"math"
	"os"
	"path/filepath"
	"sort"
	"strconv"

	"github.com/resexp/resexp/internal/runfiles"
)

// Result summarises one run for a results table (He et al. 2015, Table 6
// style). Errors are fractions; NaN where the run has none yet. The test
// error is the final evaluation's: the lowest of the periodic evaluations
// would be a selection on the test set, so it is not reported.
type Result struct {
	Name     string
	Config   string // the configuration the run repeats (runfiles.ConfigName), else Name
	Repeat   bool   // whether the run is a repetition of Config with its seed
	Seed     uint64
	Label    string
	Dataset  string
	Depth    int
	Residual bool
	Params   int
	Steps    int
	// Iterations is the number of iterations the run is to train for
	// (meta.json's; 0 for runs recorded before meta.json held it).
	Iterations   int
	TrainErr     float64 // last metrics row
	TestErr      float64 // last evaluation
	ValErr       float64 // last validation evaluation; NaN without a validation split
	ImagesPerSec float64 // last metrics row
	WallS        float64 // training time, across resumes
	Status       string  // meta.json's; see LiveStatus
}

// Results reads every run directory directly inside dir (those with a
// meta.json), sorted by plain/residual, depth and name.
func Results(dir string) ([]Result, error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, err
	}
	var out []Result
	for _, e := range entries {
		if !e.IsDir() {
			continue
		}
		r, err := result(filepath.Join(dir, e.Name()))
		if errors.Is(err, fs.ErrNotExist) {
			continue
		}
		if err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	sortResults(out)
	return out, nil
}

// sortResults orders rs plain before residual, then by depth and name.
func sortResults(rs []Result) {
	sort.SliceStable(rs, func(i, j int) bool {
		a, b := rs[i], rs[j]
		if a.Residual != b.Residual {
			return !a.Residual
		}
		if a.Depth != b.Depth {
			return a.Depth < b.Depth
		}
		return a.Name < b.Name
	})
}

// ReadResult summarises the run in dir from its meta.json and metrics.csv.
// A missing meta.json gives an error for which errors.Is(err,
// fs.ErrNotExist) holds; a missing metrics.csv gives a result without steps.
func ReadResult(dir string) (Result, error) { return result(dir) }

func result(dir string) (Result, error) {
	m, err := runfiles.ReadMeta(dir)
	if err != nil {
		return Result{}, err
	}
	config, repeat := runfiles.ConfigName(m)
	if !repeat {
		config = filepath.Base(dir)
	}
	r := Result{Name: filepath.Base(dir), Config: config, Repeat: repeat, Seed: m.Seed, Label: m.Label, Dataset: m.Dataset,
		Depth: m.Depth, Residual: m.Residual, Params: m.Params, Iterations: m.Iterations, Status: m.Status,
		TrainErr: math.NaN(), TestErr: math.NaN(), ValErr: math.NaN(), ImagesPerSec: math.NaN()}
	rows, err := runfiles.ReadMetrics(dir)
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return r, err
	}
	for _, row := range rows {
		r.Steps, r.TrainErr, r.ImagesPerSec, r.WallS = row.Step, row.TrainErr, row.ImagesPerSec, row.ElapsedS
		if !math.IsNaN(row.TestErr) {
			r.TestErr = row.TestErr
		}
		if !math.IsNaN(row.ValErr) {
			r.ValErr = row.ValErr
		}
	}
	return r, nil
}

// LiveStatus is the status of the run in dir as it stands now: status,
// meta.json's, except that a run marked running that no process holds (see
// RunHeld) was killed or lost its machine, and is interrupted: it resumes
// from its last checkpoint.
func LiveStatus(dir, status string) string {
	if status == runfiles.StatusRunning && !RunHeld(dir) {
		return runfiles.StatusInterrupted
	}
	return status
}

// WriteResults writes results.csv and results.md for rs into dir,
// atomically: one row per run, or, when some configuration was run with
// more than one seed, the statistics over seeds (see seedTables).
func WriteResults(dir string, rs []Result) error {
	csvData, md := resultsCSV(rs), resultsMarkdown(rs)
	if groups := GroupResults(rs); Repeated(groups) {
		csvData, md = seedTables(groups)
	}
	if err := runfiles.WriteFileAtomic(filepath.Join(dir, "results.csv"), csvData); err != nil {
		return err
	}
	return runfiles.WriteFileAtomic(filepath.Join(dir, "results.md"), md)
}

func resultsCSV(rs []Result) []byte {
	var b bytes.Buffer
	w := csv.NewWriter(&b)
	w.Write([]string{"name", "label", "dataset", "depth", "residual", "params", "seed", "steps", "train_err", "test_err", "val_err", "wall_s", "status"})
	for _, r := range rs {
		w.Write([]string{r.Name, r.Label, r.Dataset, strconv.Itoa(r.Depth), strconv.FormatBool(r.Residual),
			strconv.Itoa(r.Params), strconv.FormatUint(r.Seed, 10), strconv.Itoa(r.Steps), csvFloat(r.TrainErr),
			csvFloat(r.TestErr), csvFloat(r.ValErr), csvFloat(r.WallS), r.Status})
	}
	w.Flush()
	return b.Bytes()
}

func csvFloat(v float64) string {
	if math.IsNaN(v) {
		return ""
	}
	return formatFloat(v)
}

func resultsMarkdown(rs []Result) []byte {
	var b bytes.Buffer
	b.WriteString("| net | depth | params | iterations | train error | test error | val error | wall time | status |\n")
	b.WriteString("|---|---:|---:|---:|---:|---:|---:|---:|---|\n")
	for _, r := range rs {
		fmt.Fprintf(&b, "| %s | %d | %s | %d | %s | %s | %s | %s | %s |\n", r.Name, r.Depth, millions(r.Params),
			r.Steps, percent(r.TrainErr), percent(r.TestErr), percent(r.ValErr), duration(r.WallS), r.Status)
	}
	b.WriteString("\ntest error: the final evaluation (no selection over the periodic evaluations); val error: the held-out validation split, \"-\" without one.\n")
	return b.Bytes()
}

func percent(v float64) string {
	if math.IsNaN(v) {
		return "-"
	}
	return fmt.Sprintf("%.2f%%", 100*v)
}

func millions(n int) string { return fmt.Sprintf("%.2fM", float64(n)/1e6) }

func duration(s float64) string {
	if s < 60 {
		return fmt.Sprintf("%.0fs", s)
	}
	return fmt.Sprintf("%dm%02.0fs", int(s)/60, math.Mod(s, 60))
}
