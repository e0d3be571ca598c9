package experiments

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/resexp/resexp/internal/nn/models"
)

// ExportedWeights is the file resexp export writes into a run directory by
// default; an analysis falls back to it when the run has no checkpoint (a
// run committed under results/ keeps only its exported weights).
const ExportedWeights = "weights.safetensors"

// openAnalysis prepares the run for measurement without writing anything:
// it loads the data, builds the model, initialises it from the run's seed
// exactly as the trainer does (so the model first holds the run's initial
// weights), calls atInit (if not nil) with it, and then loads the final
// weights and BatchNorm statistics from the file FinalWeights names. It
// returns the prepared trainer (Close it) and a description of where the
// final weights came from. A run without final weights, or a file that
// does not fit the model, is an InputError naming the file.
func (r *Run) openAnalysis(weightsFile string, atInit func(*models.Model) error) (*Trainer, string, error) {
	file, err := FinalWeights(r.Dir, weightsFile)
	if err != nil {
		return nil, "", err
	}
	t := &Trainer{Cfg: r.Config, Dir: r.Dir, unlock: func() {}}
	if err := t.setup(); err != nil {
		return nil, "", err
	}
	src, err := r.loadFinal(t.Model, atInit, file)
	if err != nil {
		t.Close()
		return nil, "", err
	}
	return t, src, nil
}

// loadFinal calls atInit with m, freshly initialised, then loads the final
// weights from file (the run's checkpoint or a weights file) into m.
func (r *Run) loadFinal(m *models.Model, atInit func(*models.Model) error, file string) (string, error) {
	if atInit != nil {
		if err := atInit(m); err != nil {
			return "", err
		}
	}
	step, err := r.loadFile(m, file)
	if file == CheckpointPath(r.Dir) {
		return fmt.Sprintf("checkpoint at step %d", step), err
	}
	return fmt.Sprintf("weights file %s (step %d)", file, step), err
}

// loadFile loads into m the weights and BatchNorm statistics of file, a
// name FinalWeights returned: the run's checkpoint or a safetensors weights
// file. It returns their step.
func (r *Run) loadFile(m *models.Model, file string) (int, error) {
	if file == CheckpointPath(r.Dir) {
		return r.load(m, "")
	}
	return r.load(m, file)
}

// FinalWeights is the file an analysis of the run in dir takes its final
// weights from: weightsFile if not empty, else the run's checkpoint if it
// has one, else its exported weights.safetensors. A run with neither is an
// InputError naming both; the files are only looked for, not read.
func FinalWeights(dir, weightsFile string) (string, error) {
	if weightsFile != "" {
		return weightsFile, nil
	}
	for _, f := range []string{CheckpointPath(dir), filepath.Join(dir, ExportedWeights)} {
		if _, err := os.Stat(f); !errors.Is(err, fs.ErrNotExist) {
			return f, nil
		}
	}
	return "", BadInput(fmt.Errorf("run directory %s has no checkpoint (%s) and no exported weights (%s); pass --weights FILE",
		dir, CheckpointPath(dir), filepath.Join(dir, ExportedWeights)))
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
