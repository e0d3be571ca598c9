package optim

import (
	"fmt"
	"math"
)

// Schedule gives the learning rate for an iteration (1-based: the rate used
// by the step-th update).
type Schedule interface {
	LR(step int) float64
}

// MultiStep is the paper's schedule: Base, multiplied by Gamma at each
// milestone (the rate is Base*Gamma^k from iteration Milestones[k-1]+1 on),
// with an optional warm-up at WarmupLR for the first WarmupSteps iterations
// (the paper's ResNet-110 recipe: 0.01 for ~400 iterations).
type MultiStep struct {
	Base        float64
	Gamma       float64
	Milestones  []int
	WarmupSteps int
	WarmupLR    float64
}

// LR implements Schedule.
func (s MultiStep) LR(step int) float64 {
	if step <= s.WarmupSteps {
		return s.WarmupLR
	}
	lr := s.Base
	for _, m := range s.Milestones {
		if step > m {
			lr *= s.Gamma
		}
	}
	return lr
}

// Cosine decays from Base to 0 over Total iterations (after an optional
// constant warm-up, as in MultiStep).
type Cosine struct {
	Base        float64
	Total       int
	WarmupSteps int
	WarmupLR    float64
}

// LR implements Schedule.
func (s Cosine) LR(step int) float64 {
	if step <= s.WarmupSteps {
		return s.WarmupLR
	}
	t := float64(step-1-s.WarmupSteps) / float64(max(1, s.Total-s.WarmupSteps))
	return s.Base * 0.5 * (1 + math.Cos(math.Pi*min(t, 1)))
}

// ScheduleNames lists the schedule kinds New accepts.
var ScheduleNames = []string{"multistep", "cosine", "constant"}

// NewSchedule builds a schedule by kind; total is the run's length in
// iterations (used by cosine).
func NewSchedule(kind string, base, gamma float64, milestones []int, warmupSteps int, warmupLR float64, total int) (Schedule, error) {
	switch kind {
	case "multistep":
		return MultiStep{Base: base, Gamma: gamma, Milestones: milestones, WarmupSteps: warmupSteps, WarmupLR: warmupLR}, nil
	case "constant":
		return MultiStep{Base: base, Gamma: 1, WarmupSteps: warmupSteps, WarmupLR: warmupLR}, nil
	case "cosine":
		return Cosine{Base: base, Total: total, WarmupSteps: warmupSteps, WarmupLR: warmupLR}, nil
	}
	return nil, fmt.Errorf("schedule %q is not one of multistep, cosine, constant", kind)
}
