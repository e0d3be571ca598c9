package experiments

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"sync"

	"github.com/resexp/resexp/internal/runfiles"
)

// SweepRun is one point of a grid: a stable run name and its resolved
// config.
type SweepRun struct {
	Name string
	Cfg  Config
}

// SweepOptions control a sweep. The runs of Shard (NoShard for all) are
// this process's; Parallel of them train at once. Log receives one line
// per event (start, finish, skip) and per metrics row.
type SweepOptions struct {
	Dir      string
	Parallel int
	Shard    Shard
	Log      io.Writer
}

// Sweep trains this shard's runs in opt.Dir/<name>, skipping completed,
// diverged and failed runs and resuming interrupted ones from their
// checkpoints, so the same command can be repeated until the grid is done.
// A diverged run is a result, not an error. Sweep stops at the first input
// error or interruption.
func Sweep(ctx context.Context, runs []SweepRun, opt SweepOptions) error {
	mine := opt.Shard.Of(len(runs))
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var (
		mu   sync.Mutex
		errs []error
		wg   sync.WaitGroup
		sem  = make(chan struct{}, max(1, opt.Parallel))
	)
	logf := func(format string, args ...any) {
		mu.Lock()
		defer mu.Unlock()
		fmt.Fprintf(opt.Log, format+"\n", args...)
	}
	for n, i := range mine {
		sem <- struct{}{}
		if ctx.Err() != nil {
			break
		}
		wg.Add(1)
		go func(n int, r SweepRun) {
			defer func() { <-sem; wg.Done() }()
			tag := fmt.Sprintf("[%d/%d] %s", n+1, len(mine), r.Name)
			if err := sweepOne(ctx, r, filepath.Join(opt.Dir, r.Name), tag, logf); err != nil {
				mu.Lock()
				errs = append(errs, fmt.Errorf("%s: %w", r.Name, err))
				mu.Unlock()
				if IsBadInput(err) || errors.Is(err, ErrInterrupted) {
					cancel()
				}
			}
		}(n, runs[i])
	}
	wg.Wait()
	return errors.Join(errs...)
}

// sweepOne brings one run of a sweep forward: new, resumed or skipped. It
// decides while holding the run directory's lock, which the run then
// keeps, so that of several sweep processes sharing the folder (shards,
// or the same command started twice) exactly one trains each run; a run
// another process holds is skipped.
func sweepOne(ctx context.Context, r SweepRun, dir, tag string, logf func(string, ...any)) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return BadInput(fmt.Errorf("run directory %s: %v", dir, WithoutPath(err)))
	}
	unlock, err := lockDir(dir)
	if errors.Is(err, errLocked) {
		logf("%s: %s, skipped", tag, oneLine(err.Error()))
		return nil
	}
	if err != nil {
		return err
	}
	defer unlock()
	opt, skip, err := sweepAction(dir)
	if err != nil || skip != "" {
		if skip != "" {
			logf("%s: %s, skipped", tag, skip)
		}
		return err
	}
	opt.held = unlock
	t, err := Prepare(r.Cfg, opt)
	if err != nil {
		return err
	}
	verb := "started"
	if opt.Resume {
		verb = fmt.Sprintf("resumed after step %d", t.StartStep())
	}
	logf("%s: %s, %d iterations -> %s", tag, verb, t.Total, dir)
	err = t.Run(ctx, Hooks{Log: func(row runfiles.MetricsRow) {
		logf("%s: step %d/%d loss %.4f err %.2f%% %.0f img/s", tag, row.Step, t.Total, row.TrainLoss, 100*row.TrainErr, row.ImagesPerSec)
	}})
	switch {
	case errors.Is(err, ErrDiverged):
		logf("%s: %v", tag, err)
		return nil
	case err != nil:
		return err
	}
	logf("%s: completed", tag)
	return nil
}

// sweepAction decides what to do with the run directory dir: start it,
// resume it, or skip it (with the reason).
func sweepAction(dir string) (Options, string, error) {
	m, err := runfiles.ReadMeta(dir)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return Options{Dir: dir, Force: true}, "", nil
	case err != nil:
		return Options{}, "", BadInput(fmt.Errorf("%s: %v; delete the directory to run it again", dir, err))
	}
	switch m.Status {
	case runfiles.StatusCompleted, runfiles.StatusDiverged, runfiles.StatusFailed:
		return Options{}, m.Status + " before (delete " + dir + " to run it again)", nil
	}
	if _, err := os.Stat(CheckpointPath(dir)); err == nil {
		return Options{Dir: dir, Resume: true}, "", nil
	}
	return Options{Dir: dir, Force: true}, "", nil
}

// ErrIncomplete is wrapped by the error of a collection whose grid has
// runs that are missing or unfinished.
var ErrIncomplete = errors.New("incomplete")

// Pending is a run of a grid without a final result: Why says what is
// missing ("no run directory", "interrupted after step 40", ...).
type Pending struct {
	Name string
	Why  string
}

// Collect reads the run directory dir/<name> of every run of the grid
// (shards may have written them from several machines) and returns the
// results of those that have one, sorted as Results sorts them, and the
// runs that are missing or unfinished, in grid order. A run is finished
// when it completed or diverged. dir must be this sweep's folder (or not
// exist yet): another sweep's is an InputError. Collect writes nothing.
func (f *SweepFile) Collect(dir string, runs []SweepRun) ([]Result, []Pending, error) {
	if _, err := f.checkSweepDir(dir); err != nil {
		return nil, nil, err
	}
	var rs []Result
	var pending []Pending
	for _, run := range runs {
		r, err := result(filepath.Join(dir, run.Name))
		switch {
		case errors.Is(err, fs.ErrNotExist):
			pending = append(pending, Pending{run.Name, "no run directory (or no meta.json in it)"})
			continue
		case err != nil:
			pending = append(pending, Pending{run.Name, oneLine(err.Error())})
			continue
		}
		rs = append(rs, r)
		if r.Status != runfiles.StatusCompleted && r.Status != runfiles.StatusDiverged {
			pending = append(pending, Pending{run.Name, fmt.Sprintf("%s after step %d", r.Status, r.Steps)})
		}
	}
	sortResults(rs)
	return rs, pending, nil
}

func oneLine(s string) string { return strings.Join(strings.Fields(s), " ") }
