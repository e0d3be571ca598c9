package experiments

import (
	"errors"
	"fmt"
	"math"
	"syscall"
	"time"

	"github.com/resexp/resexp/internal/nn/models"
	"github.com/resexp/resexp/internal/runfiles"
)

// gradNorms writes into dst the L2 norm of each recorded layer's weight
// gradient, accumulated in float64. The trainer calls it after the
// backward pass and before weight decay, momentum and the update, so the
// norms are those of the loss's own gradient.
func gradNorms(dst []float64, layers []models.Weighted) {
	for i, l := range layers {
		var s float64
		for _, g := range l.Weight.Grad {
			s += float64(g) * float64(g)
		}
		dst[i] = math.Sqrt(s)
	}
}

// divergence returns an error wrapping ErrDiverged if the loss or any
// gradient norm is not finite, naming the step and the first such layer in
// depth order.
func divergence(step int, loss float64, norms []float64, layers []models.Weighted) error {
	for i, n := range norms {
		if math.IsNaN(n) || math.IsInf(n, 0) {
			return fmt.Errorf("%w at step %d: gradient of layer %d (%s) is %v (loss %v)", ErrDiverged, step, i, layers[i].Name, n, loss)
		}
	}
	if math.IsNaN(loss) || math.IsInf(loss, 0) {
		return fmt.Errorf("%w at step %d: loss is %v", ErrDiverged, step, loss)
	}
	return nil
}

// recordNow reports whether a record kept every `every` iterations is due
// at s: also always at step 1 (the net at initialisation), the last step,
// and the step a run diverged.
func recordNow(t *Trainer, s *Step, every int) bool {
	return s.N%every == 0 || s.N == 1 || s.N == t.Total || s.Diverged != nil
}

// csvFile is a run file written by a recorder. It is flushed at every
// metrics row, so that a crashed run keeps its records, and at every
// checkpoint, so that the file holds every record up to it.
type csvFile struct{ w *runfiles.CSVWriter }

// AtMetrics flushes the file.
func (f csvFile) AtMetrics(*Trainer, *Step, *runfiles.MetricsRow) error { return f.w.Flush() }

// AtCheckpoint flushes the file.
func (f csvFile) AtCheckpoint(*Trainer, int) error { return f.w.Flush() }

// gradNormRecorder writes gradnorms.csv: the gradient norm of every
// recorded layer, every log.gradnorm_every iterations (see recordNow).
type gradNormRecorder struct {
	csvFile
	rows []runfiles.GradNormRow
}

// AfterBackward writes s's gradient norms when they are due.
func (r *gradNormRecorder) AfterBackward(t *Trainer, s *Step) error {
	if !recordNow(t, s, t.Cfg.Log.GradNormEvery) {
		return nil
	}
	r.rows = r.rows[:0]
	for i, l := range t.Model.Weighted {
		r.rows = append(r.rows, runfiles.GradNormRow{Step: s.N, Index: i, Layer: l.Name, Norm: s.GradNorms[i]})
	}
	return r.w.WriteGradNorms(r.rows)
}

// responseRecorder writes responses.csv: the mean and standard deviation
// of every BatchNorm output of the batch, every log.response_every
// iterations (see recordNow).
type responseRecorder struct {
	csvFile
	rows []runfiles.ResponseRow
}

// AfterBackward writes the batch's response statistics when they are due.
func (r *responseRecorder) AfterBackward(t *Trainer, s *Step) error {
	if !recordNow(t, s, t.Cfg.Log.ResponseEvery) {
		return nil
	}
	r.rows = r.rows[:0]
	for i, resp := range t.Model.Responses {
		mean, std := responseStats(resp.BN.Output().Data)
		r.rows = append(r.rows, runfiles.ResponseRow{Step: s.N, Index: i, Layer: resp.Name, Mean: mean, Std: std})
	}
	return r.w.WriteResponses(r.rows)
}

// metricsRecorder writes metrics.csv, one line per metrics row.
type metricsRecorder struct{ csvFile }

// AtMetrics appends the row and flushes, so a crashed run keeps its curves.
func (r *metricsRecorder) AtMetrics(_ *Trainer, _ *Step, row *runfiles.MetricsRow) error {
	if err := r.w.WriteMetrics(*row); err != nil {
		return err
	}
	return r.w.Flush()
}

// checkpointer writes the checkpoint; it is the last observer called.
type checkpointer struct{}

// AtCheckpoint writes checkpoint/state.safetensors after step iterations.
func (checkpointer) AtCheckpoint(t *Trainer, step int) error { return t.saveCheckpoint(step) }

// responseStats returns the mean and standard deviation of xs in float64.
func responseStats(xs []float32) (mean, std float64) {
	var s, ss float64
	for _, x := range xs {
		s += float64(x)
	}
	mean = s / float64(len(xs))
	for _, x := range xs {
		d := float64(x) - mean
		ss += d * d
	}
	return mean, math.Sqrt(ss / float64(len(xs)))
}

// window accumulates the training loss and error between metrics rows.
// A resumed run restores loss, wrong, images and steps from its checkpoint,
// so that its row averages the same steps as an uninterrupted run's; timed
// counts only the images trained since since, this process's, so that
// images/s never divides images trained before a resume by time after it.
type window struct {
	loss   float64
	wrong  int
	images int
	steps  int
	timed  int
	since  time.Time
}

func (w *window) reset(now time.Time) { *w = window{since: now} }

func (w *window) add(loss float64, wrong, images int) {
	w.loss += loss
	w.wrong += wrong
	w.images += images
	w.timed += images
	w.steps++
}

// row returns the window's averages as a metrics row for step.
func (w *window) row(step int, now time.Time) runfiles.MetricsRow {
	return runfiles.MetricsRow{
		Step:         step,
		TrainLoss:    w.loss / float64(w.steps),
		TrainErr:     float64(w.wrong) / float64(w.images),
		ImagesPerSec: float64(w.timed) / now.Sub(w.since).Seconds(),
	}
}

// status is meta.json's status for a run that ended with err.
func status(err error) string {
	switch {
	case err == nil:
		return "completed"
	case errors.Is(err, ErrDiverged):
		return "diverged"
	case errors.Is(err, ErrInterrupted), errors.Is(err, syscall.ENOSPC):
		return "interrupted"
	}
	return "failed"
}
