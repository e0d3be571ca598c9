package experiments

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/resexp/resexp/internal/nn/models"
)

// exportedWeights is the file resexp export writes into a run directory by
// default; an analysis falls back to it when the run has no checkpoint (a
// run committed under results/ keeps only its exported weights).
const exportedWeights = "weights.safetensors"

// openAnalysis prepares the run in dir (resolved config cfg) for
// measurement without writing anything: it loads the data, builds the
// model, initialises it from the run's seed exactly as the trainer does
// (so the model first holds the run's initial weights), calls atInit (if
// not nil) with it, and then loads the final weights and BatchNorm
// statistics: those of weightsFile if given, else of the run's
// checkpoint, else of the run's exported weights.safetensors. It returns
// the prepared trainer (Close it) and a description of where the final
// weights came from. A run with none of them, or a file that does not fit
// the model, is an InputError naming the file.
func openAnalysis(cfg Config, dir, weightsFile string, atInit func(*models.Model) error) (*Trainer, string, error) {
	if err := cfg.Validate(); err != nil {
		return nil, "", BadInput(err)
	}
	t := &Trainer{Cfg: cfg, Dir: dir, unlock: func() {}}
	if err := t.setup(); err != nil {
		return nil, "", err
	}
	src, err := t.loadFinal(atInit, weightsFile)
	if err != nil {
		t.Close()
		return nil, "", err
	}
	return t, src, nil
}

// loadFinal calls atInit with the freshly initialised model and loads the
// final weights as openAnalysis describes.
func (t *Trainer) loadFinal(atInit func(*models.Model) error, weightsFile string) (string, error) {
	if atInit != nil {
		if err := atInit(t.Model); err != nil {
			return "", err
		}
	}
	file, err := FinalWeights(t.Dir, weightsFile)
	if err != nil {
		return "", err
	}
	if file == CheckpointPath(t.Dir) {
		pos, err := t.loadCheckpoint()
		return fmt.Sprintf("checkpoint at step %d", pos.Step), err
	}
	f, _, err := loadWeights(t.Model, file)
	if err != nil {
		return "", err
	}
	return fmt.Sprintf("weights file %s (step %d)", file, f.Step), nil
}

// FinalWeights is the file an analysis of the run in dir takes its final
// weights from: weightsFile if not empty, else the run's checkpoint if it
// has one, else its exported weights.safetensors. A run with neither is an
// InputError naming both; the files are only looked for, not read.
func FinalWeights(dir, weightsFile string) (string, error) {
	if weightsFile != "" {
		return weightsFile, nil
	}
	for _, f := range []string{CheckpointPath(dir), filepath.Join(dir, exportedWeights)} {
		if _, err := os.Stat(f); !errors.Is(err, fs.ErrNotExist) {
			return f, nil
		}
	}
	return "", BadInput(fmt.Errorf("run directory %s has no checkpoint (%s) and no exported weights (%s); pass --weights FILE",
		dir, CheckpointPath(dir), filepath.Join(dir, exportedWeights)))
}

// netState lists the model's float32 state in a fixed order: every
// parameter, then each BatchNorm's running mean and variance. The slices
// are the model's own storage.
func netState(m *models.Model) [][]float32 {
	var s [][]float32
	for _, p := range m.Params() {
		s = append(s, p.Data)
	}
	for _, bn := range m.BNs {
		s = append(s, bn.RunningMean, bn.RunningVar)
	}
	return s
}

// cloneState returns a deep copy of s.
func cloneState(s [][]float32) [][]float32 {
	c := make([][]float32, len(s))
	for i, v := range s {
		c[i] = append([]float32(nil), v...)
	}
	return c
}
