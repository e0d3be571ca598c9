package experiments

import (
	"bufio"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/resexp/resexp/internal/data"
	"github.com/resexp/resexp/internal/runfiles"
)

// Version is resexp's release version, shown by `resexp version` and
// recorded in meta.json.
const Version = "0.1.0-dev"

// checkRunDir refuses a directory that already holds a run unless force.
func checkRunDir(dir string, force bool) error {
	_, err := os.Stat(filepath.Join(dir, runfiles.MetaFile))
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return nil
	case err != nil:
		return BadInput(fmt.Errorf("run directory %s: %w", dir, err))
	case force:
		return nil
	}
	return BadInput(fmt.Errorf("run directory %s already holds a run; pass --force to replace it, --out to choose another directory, or --resume %s to continue it", dir, dir))
}

// createFiles makes the run directory and writes config.yaml, meta.json and
// the CSV headers. With force, the previous run's files are removed first.
func (t *Trainer) createFiles(force bool) error {
	if err := os.MkdirAll(t.Dir, 0o755); err != nil {
		return BadInput(fmt.Errorf("run directory %s: %w", t.Dir, err))
	}
	if err := t.lock(); err != nil {
		return err
	}
	if force {
		for _, f := range []string{runfiles.MetricsFile, runfiles.GradNormsFile, runfiles.ResponsesFile, runfiles.MetaFile, filepath.Join(runfiles.CheckpointDir, CheckpointName)} {
			if err := os.Remove(filepath.Join(t.Dir, f)); err != nil && !errors.Is(err, fs.ErrNotExist) {
				return err
			}
		}
	}
	cfg, err := yaml.Marshal(&t.Cfg)
	if err != nil {
		return err
	}
	if err := runfiles.WriteFileAtomic(filepath.Join(t.Dir, runfiles.ConfigFile), cfg); err != nil {
		return err
	}
	t.meta = newMeta(t)
	if err := runfiles.WriteMeta(t.Dir, &t.meta); err != nil {
		return err
	}
	t.files, err = openRunWriter(t.Dir)
	return err
}

// resume restores the run in t.Dir from its checkpoint: model, optimiser,
// data position and metrics window; run-file rows after the checkpoint's
// step (written before a crash) are dropped. A run stopped before its
// first checkpoint starts over from step 0 (see restart), so that a run
// directory can always be resumed.
func (t *Trainer) resume() error {
	if _, err := os.Stat(filepath.Join(t.Dir, runfiles.MetaFile)); err != nil {
		return BadInput(fmt.Errorf("--resume %s: not a run directory (no %s)", t.Dir, runfiles.MetaFile))
	}
	if _, err := os.Stat(CheckpointPath(t.Dir)); errors.Is(err, fs.ErrNotExist) {
		return t.restart()
	}
	if err := t.lock(); err != nil {
		return err
	}
	pos, err := t.loadCheckpoint()
	if err != nil {
		return err
	}
	meta, err := runfiles.ReadMeta(t.Dir)
	if err != nil {
		return BadInput(err)
	}
	if err := runfiles.TruncateAfter(t.Dir, pos.Step); err != nil {
		return err
	}
	t.meta = *meta
	t.meta.Status, t.meta.End, t.meta.Message = runfiles.StatusRunning, nil, ""
	if err := runfiles.WriteMeta(t.Dir, &t.meta); err != nil {
		return err
	}
	t.loader.Seek(pos.Epoch, pos.Pos)
	t.startStep, t.elapsed0 = pos.Step, pos.ElapsedS
	t.window = window{loss: pos.Loss, wrong: pos.Wrong, images: pos.Images, steps: pos.Steps}
	t.files, err = openRunWriter(t.Dir)
	return err
}

// restart starts the run in t.Dir again from step 0, replacing its files:
// it was stopped (killed, or interrupted by a signal before its first
// iteration) before it saved a checkpoint. t.Cfg is the run's own config
// (Run.Resume); a run that started from a weights file starts from it
// again, refused as an InputError if the file changed since.
func (t *Trainer) restart() error {
	meta, err := runfiles.ReadMeta(t.Dir)
	if err != nil {
		return BadInput(err)
	}
	opt := Options{Dir: t.Dir, Force: true}
	var want string
	if iw := meta.InitWeights; iw != nil {
		opt.InitWeights, want = iw.Path, iw.SHA256
	}
	return t.createFrom(opt, want)
}

func newMeta(t *Trainer) runfiles.Meta {
	return runfiles.Meta{
		Name: filepath.Base(t.Dir), Label: t.Model.Spec.Label(),
		Dataset: t.Cfg.Data.Dataset, Depth: t.Cfg.Model.Depth, Residual: t.Cfg.Model.Residual,
		Params: t.Model.NumParams(), Version: Version, Revision: Revision(),
		GoVersion: runtime.Version(), CPU: CPUName(), Seed: t.Cfg.Seed, Iterations: t.Total,
		Start: time.Now(), Status: "running", DataFiles: fileSums(t.train, t.test),
	}
}

func fileSums(sets ...*data.Set) []runfiles.FileSum {
	var out []runfiles.FileSum
	for _, s := range sets {
		for _, f := range s.Files {
			out = append(out, runfiles.FileSum{Path: f.Path, SHA256: f.SHA256, Size: f.Size})
		}
	}
	return out
}

// revision returns the VCS revision the binary was built from ("+dirty"
// when the tree had changes), or "" when the build has none.
func revision() (string, bool) {
	info, ok := debug.ReadBuildInfo()
	if !ok {
		return "", false
	}
	var rev, dirty string
	for _, s := range info.Settings {
		switch s.Key {
		case "vcs.revision":
			rev = s.Value
		case "vcs.modified":
			if s.Value == "true" {
				dirty = "+dirty"
			}
		}
	}
	return rev + dirty, rev != ""
}

// Revision is the VCS revision of this binary, or "unknown".
func Revision() string {
	if r, ok := revision(); ok {
		return r
	}
	return "unknown"
}

// CPUName is the processor's model name from /proc/cpuinfo, or GOARCH where
// that is not available.
func CPUName() string {
	f, err := os.Open("/proc/cpuinfo")
	if err != nil {
		return runtime.GOARCH
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if k, v, ok := strings.Cut(sc.Text(), ":"); ok && strings.TrimSpace(k) == "model name" {
			return strings.TrimSpace(v)
		}
	}
	return runtime.GOARCH
}

// runWriter holds a run's open CSV files, each written by its recorder.
type runWriter struct {
	metrics metricsRecorder
	grads   gradNormRecorder
	resp    responseRecorder
}

func openRunWriter(dir string) (*runWriter, error) {
	var w runWriter
	var err error
	if w.metrics.w, err = runfiles.OpenMetrics(dir); err != nil {
		return nil, err
	}
	if w.grads.w, err = runfiles.OpenGradNorms(dir); err != nil {
		return nil, err
	}
	if w.resp.w, err = runfiles.OpenResponses(dir); err != nil {
		return nil, err
	}
	return &w, nil
}

// recorders are the observers that write the run files, in the order
// they are called.
func (w *runWriter) recorders() []Observer { return []Observer{&w.grads, &w.resp, &w.metrics} }

func (w *runWriter) close() error {
	if w == nil {
		return nil
	}
	return errors.Join(w.metrics.w.Close(), w.grads.w.Close(), w.resp.w.Close())
}
