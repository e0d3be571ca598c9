package experiments

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	"go.yaml.in/yaml/v3"

	"github.com/resexp/resexp/internal/nn/models"
	"github.com/resexp/resexp/internal/nn/optim"
	"github.com/resexp/resexp/internal/runfiles"
)

// Run is a run directory opened for reading: its resolved config (as
// written to config.yaml when the run started) and its meta.json. It is
// the one way into a finished or interrupted run: eval, export, resume and
// any analysis of a trained net go through OpenRun.
type Run struct {
	Dir    string
	Config Config
	Meta   *runfiles.Meta
}

// OpenRun opens the run directory dir: it reads meta.json and config.yaml,
// refusing unknown keys, values of the wrong type and invalid configs. A
// directory that is not a run, or whose files are damaged, is an
// InputError naming the directory and the file.
func OpenRun(dir string) (*Run, error) {
	meta, err := runfiles.ReadMeta(dir)
	if fi, serr := os.Stat(dir); errors.Is(err, fs.ErrNotExist) || serr != nil || !fi.IsDir() {
		return nil, BadInput(fmt.Errorf("%s is not a run directory (no %s); give a directory written by resexp train or sweep", dir, runfiles.MetaFile))
	}
	if err != nil {
		return nil, BadInput(fmt.Errorf("%s: %v; the run directory is damaged", dir, err))
	}
	cfg, err := readRunConfig(filepath.Join(dir, runfiles.ConfigFile))
	if err != nil {
		return nil, BadInput(fmt.Errorf("%s is not a run directory, or its %s is damaged: %v", dir, runfiles.ConfigFile, err))
	}
	return &Run{Dir: dir, Config: cfg, Meta: meta}, nil
}

// readRunConfig reads a config.yaml written by createFiles: every key of
// Config, none unknown, each of its type; the result is validated.
func readRunConfig(path string) (Config, error) {
	raw, err := os.ReadFile(path)
	if err != nil {
		return Config{}, WithoutPath(err)
	}
	cfg := Default()
	dec := yaml.NewDecoder(bytes.NewReader(raw))
	dec.KnownFields(true)
	if err := dec.Decode(&cfg); err != nil {
		return Config{}, fmt.Errorf("%s", oneLine(err.Error()))
	}
	return cfg, cfg.Validate()
}

// LoadNet builds the run's model and loads the weights and BatchNorm
// statistics of its checkpoint; it returns the model and the checkpoint's
// step. It reads neither the data set nor anything but the checkpoint.
func (r *Run) LoadNet() (*models.Model, int, error) { return r.net("") }

// Weights builds the run's model and loads the safetensors weights file at
// path (see LoadWeights) into it; it returns the model and the file's
// recorded step (0 if none).
func (r *Run) Weights(path string) (*models.Model, int, error) { return r.net(path) }

func (r *Run) net(weightsFile string) (*models.Model, int, error) {
	m, err := buildModel(r.Config)
	if err != nil {
		return nil, 0, err
	}
	step, err := r.load(m, weightsFile)
	return m, step, err
}

// load reads into m, a model built from the run's config, the weights and
// BatchNorm statistics of the run's checkpoint (weightsFile "") or of the
// safetensors file weightsFile, and returns their step. On error m is
// unchanged.
func (r *Run) load(m *models.Model, weightsFile string) (int, error) {
	if weightsFile != "" {
		f, _, err := loadWeights(m, weightsFile)
		if err != nil {
			return 0, err
		}
		return f.Step, nil
	}
	t := &Trainer{Cfg: r.Config, Dir: r.Dir, Model: m, opt: optim.NewSGD(m.Params(), 0, 0, false)}
	pos, err := t.loadCheckpoint()
	return pos.Step, err
}

// Resume prepares the run to continue from its checkpoint with its own
// config (see Prepare with Options.Resume); forceMemory skips the memory
// pre-flight (Options.ForceMemory).
func (r *Run) Resume(forceMemory bool) (*Trainer, error) {
	return Prepare(r.Config, Options{Dir: r.Dir, Resume: true, ForceMemory: forceMemory})
}

// WithoutPath returns the cause of a *fs.PathError without its operation
// and path (e.g. "no such file or directory"), for messages that name the
// file already; any other error is returned as it is.
func WithoutPath(err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}
