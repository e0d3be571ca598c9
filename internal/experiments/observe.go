package experiments

import (
	"fmt"

	"github.com/resexp/resexp/internal/runfiles"
)

// Step is what observers see of the current iteration. The trainer owns
// it: it is valid only during an observer's call, which must not keep it
// or its slices.
type Step struct {
	N     int     // the iteration, from 1
	Loss  float64 // mean training loss of the batch (set after forward)
	Wrong int     // misclassified images of the batch (set after forward)
	// GradNorms holds the L2 norm of each of Model.Weighted's weight
	// gradients, before weight decay and momentum (set after backward).
	GradNorms []float64
	// Diverged is set after backward when the loss or a gradient norm is
	// not finite (it wraps ErrDiverged); the run then records this step,
	// skips the update and stops.
	Diverged error
}

// An Observer is called by the training loop at the points it has methods
// for: any of StartObserver, ForwardObserver, BackwardObserver,
// UpdateObserver, MetricsObserver and CheckpointObserver. Observers are
// called in the order given to Run, after the run directory's own
// recorders; an error from one stops the run with that error. A new
// measurement is a new observer: the loop itself does not change.
type Observer any

// StartObserver is called once, when the run directory is written and
// before the first iteration.
type StartObserver interface{ AtStart(t *Trainer) error }

// ForwardObserver is called after the forward pass and the loss of each
// iteration (BatchNorm outputs hold this batch's responses).
type ForwardObserver interface {
	AfterForward(t *Trainer, s *Step) error
}

// BackwardObserver is called after the backward pass of each iteration and
// before the update: weight gradients and s.GradNorms are this batch's.
type BackwardObserver interface {
	AfterBackward(t *Trainer, s *Step) error
}

// UpdateObserver is called after the weights of each iteration are updated.
type UpdateObserver interface {
	AfterUpdate(t *Trainer, s *Step) error
}

// MetricsObserver is called with every metrics row: every log.every
// iterations, at every evaluation (log.eval_every and the last iteration;
// the row then holds the test and validation figures) and at the iteration
// a run diverged (s.Diverged set, evaluation figures NaN).
type MetricsObserver interface {
	AtMetrics(t *Trainer, s *Step, row *runfiles.MetricsRow) error
}

// CheckpointObserver is called when a checkpoint after step iterations is
// due (log.checkpoint_every, the last iteration, an interruption), before
// the checkpoint is written: files must hold every record up to step when
// it returns.
type CheckpointObserver interface {
	AtCheckpoint(t *Trainer, step int) error
}

// observers are a run's observers sorted by the points they watch.
type observers struct {
	start      []StartObserver
	forward    []ForwardObserver
	backward   []BackwardObserver
	update     []UpdateObserver
	metrics    []MetricsObserver
	checkpoint []CheckpointObserver
}

// add sorts each of list into the points it watches; a value that watches
// none is a programming error.
func (o *observers) add(list ...Observer) {
	for _, x := range list {
		n := len(o.start) + len(o.forward) + len(o.backward) + len(o.update) + len(o.metrics) + len(o.checkpoint)
		o.start = appendIf(o.start, x)
		o.forward = appendIf(o.forward, x)
		o.backward = appendIf(o.backward, x)
		o.update = appendIf(o.update, x)
		o.metrics = appendIf(o.metrics, x)
		o.checkpoint = appendIf(o.checkpoint, x)
		if len(o.start)+len(o.forward)+len(o.backward)+len(o.update)+len(o.metrics)+len(o.checkpoint) == n {
			panic(fmt.Sprintf("experiments: %T is given as an Observer but has none of its methods", x))
		}
	}
}

func appendIf[T any](list []T, x Observer) []T {
	if v, ok := x.(T); ok {
		return append(list, v)
	}
	return list
}

func (o *observers) atStart(t *Trainer) error {
	for _, x := range o.start {
		if err := x.AtStart(t); err != nil {
			return err
		}
	}
	return nil
}

func (o *observers) afterForward(t *Trainer, s *Step) error {
	for _, x := range o.forward {
		if err := x.AfterForward(t, s); err != nil {
			return err
		}
	}
	return nil
}

func (o *observers) afterBackward(t *Trainer, s *Step) error {
	for _, x := range o.backward {
		if err := x.AfterBackward(t, s); err != nil {
			return err
		}
	}
	return nil
}

func (o *observers) afterUpdate(t *Trainer, s *Step) error {
	for _, x := range o.update {
		if err := x.AfterUpdate(t, s); err != nil {
			return err
		}
	}
	return nil
}

func (o *observers) atMetrics(t *Trainer, s *Step, row *runfiles.MetricsRow) error {
	for _, x := range o.metrics {
		if err := x.AtMetrics(t, s, row); err != nil {
			return err
		}
	}
	return nil
}

func (o *observers) atCheckpoint(t *Trainer, step int) error {
	for _, x := range o.checkpoint {
		if err := x.AtCheckpoint(t, step); err != nil {
			return err
		}
	}
	return nil
}

// Hooks is an Observer made of functions, for a caller that only follows
// progress; any may be nil.
type Hooks struct {
	// Start is called once the run directory is written, before step 1.
	Start func(t *Trainer)
	// Step is called after every iteration with its training loss.
	Step func(step int, loss float64)
	// Log is called with every metrics row written, except the row of the
	// step a run diverged at (the run's error reports that).
	Log func(row runfiles.MetricsRow)
}

// AtStart calls h.Start.
func (h Hooks) AtStart(t *Trainer) error {
	if h.Start != nil {
		h.Start(t)
	}
	return nil
}

// AfterUpdate calls h.Step.
func (h Hooks) AfterUpdate(_ *Trainer, s *Step) error {
	if h.Step != nil {
		h.Step(s.N, s.Loss)
	}
	return nil
}

// AtMetrics calls h.Log, except for a diverged step's row.
func (h Hooks) AtMetrics(_ *Trainer, s *Step, row *runfiles.MetricsRow) error {
	if h.Log != nil && s.Diverged == nil {
		h.Log(*row)
	}
	return nil
}
