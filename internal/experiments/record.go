package experiments

import (
	"errors"
	"fmt"
	"math"
	"time"

	"github.com/resexp/resexp/internal/nn/models"
	"github.com/resexp/resexp/internal/runfiles"
)

// gradNorms writes into dst the L2 norm of each recorded layer's weight
// gradient, accumulated in float64. It runs after the backward pass and
// before weight decay, momentum and the update, so each norm is that of the
// loss's own gradient, without the weight-decay term.
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
type window struct {
	loss   float64
	wrong  int
	images int
	steps  int
	since  time.Time
}

func (w *window) reset(now time.Time) { *w = window{since: now} }

func (w *window) add(loss float64, wrong, images int) {
	w.loss += loss
	w.wrong += wrong
	w.images += images
	w.steps++
}

// row returns the window's averages as a metrics row for step.
func (w *window) row(step int, now time.Time) runfiles.MetricsRow {
	return runfiles.MetricsRow{
		Step:         step,
		TrainLoss:    w.loss / float64(w.steps),
		TrainErr:     float64(w.wrong) / float64(w.images),
		ImagesPerSec: float64(w.images) / now.Sub(w.since).Seconds(),
	}
}

// status is meta.json's status for a run that ended with err.
func status(err error) string {
	switch {
	case err == nil:
		return "completed"
	case errors.Is(err, ErrDiverged):
		return "diverged"
	case errors.Is(err, ErrInterrupted):
		return "interrupted"
	}
	return "failed"
}
