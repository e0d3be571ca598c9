package experiments

import (
	"context"
	"fmt"
	"math"
	"slices"
	"testing"

	"github.com/resexp/resexp/internal/runfiles"
)

// pointLog is an observer of every point that logs the calls it sees.
type pointLog struct{ calls []string }

func (p *pointLog) log(format string, n int) { p.calls = append(p.calls, fmt.Sprintf(format, n)) }

func (p *pointLog) AtStart(*Trainer) error                  { p.calls = append(p.calls, "start"); return nil }
func (p *pointLog) AfterForward(_ *Trainer, s *Step) error  { p.log("forward %d", s.N); return nil }
func (p *pointLog) AfterBackward(_ *Trainer, s *Step) error { p.log("backward %d", s.N); return nil }
func (p *pointLog) AfterUpdate(_ *Trainer, s *Step) error   { p.log("update %d", s.N); return nil }
func (p *pointLog) AtCheckpoint(_ *Trainer, step int) error { p.log("checkpoint %d", step); return nil }
func (p *pointLog) AtMetrics(_ *Trainer, s *Step, row *runfiles.MetricsRow) error {
	if math.IsNaN(row.TestErr) {
		p.log("row %d", row.Step)
	} else {
		p.log("eval %d", row.Step)
	}
	return nil
}

// TestObserverPoints checks that an observer is called at every point, in
// the loop's order: start; per step forward, backward, update; a metrics
// row every log.every steps (with the evaluation at log.eval_every and the
// last step); a checkpoint every log.checkpoint_every steps and at the end.
func TestObserverPoints(t *testing.T) {
	cfg := tinyConfig()
	cfg.Train.Steps = 4
	cfg.Log = LogConfig{Every: 2, EvalEvery: 3, EvalSamples: 32, GradNormEvery: 1, ResponseEvery: 1, CheckpointEvery: 2}
	tr := prepare(t, cfg, t.TempDir())
	var p pointLog
	if err := tr.Run(context.Background(), &p); err != nil {
		t.Fatal(err)
	}
	want := []string{"start",
		"forward 1", "backward 1", "update 1",
		"forward 2", "backward 2", "update 2", "row 2", "checkpoint 2",
		"forward 3", "backward 3", "update 3", "eval 3",
		"forward 4", "backward 4", "update 4", "eval 4", "checkpoint 4"}
	if !slices.Equal(p.calls, want) {
		t.Errorf("calls:\n%v\nwant\n%v", p.calls, want)
	}
}

// TestObserverMustObserve checks that a value with none of the observer
// methods is refused with a panic naming its type.
func TestObserverMustObserve(t *testing.T) {
	defer func() {
		if r := recover(); r != "experiments: int is given as an Observer but has none of its methods" {
			t.Errorf("panic %v", r)
		}
	}()
	var o observers
	o.add(3)
}

// TestStepAllocs checks that the training step, with the run's recorders
// and a Hooks observer attached, allocates nothing on steps that record
// nothing.
func TestStepAllocs(t *testing.T) {
	cfg := tinyConfig()
	cfg.Train.Steps = 1000
	cfg.Log = LogConfig{Every: 1000, EvalEvery: 1000, EvalSamples: 32, GradNormEvery: 1000, ResponseEvery: 1000, CheckpointEvery: 1000}
	tr := prepare(t, cfg, t.TempDir())
	defer tr.Close()
	tr.obs.add(tr.files.recorders()...)
	tr.obs.add(Hooks{Step: func(int, float64) {}})
	n := 1
	tr.step(n) // step 1 records; warm up buffers
	if a := testing.AllocsPerRun(20, func() { n++; tr.step(n) }); a != 0 {
		t.Errorf("%v allocations per step, want 0", a)
	}
}
