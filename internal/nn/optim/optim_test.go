package optim

import (
	"math"
	"testing"

	"github.com/resexp/resexp/internal/nn"
)

// TestSGDMatchesTorch checks two updates against torch.optim.SGD's rule
// worked by hand: w=1, grad=0.5, lr=0.1, momentum 0.9, weight decay 0.01.
// Step 1: g=0.51, v=0.51, w=0.949. Step 2: g=0.50949, v=0.968490, w=0.852151.
func TestSGDMatchesTorch(t *testing.T) {
	p := nn.NewParam("w", 1)
	p.Data[0], p.Grad[0] = 1, 0.5
	o := NewSGD([]*nn.Param{p}, 0.9, 0.01, false)
	o.Step(0.1)
	if d := math.Abs(float64(p.Data[0]) - 0.949); d > 1e-6 {
		t.Fatalf("after step 1 w=%v, want 0.949", p.Data[0])
	}
	o.Step(0.1)
	if d := math.Abs(float64(p.Data[0]) - 0.852151); d > 1e-6 {
		t.Fatalf("after step 2 w=%v, want 0.852151", p.Data[0])
	}
}

func TestNesterov(t *testing.T) {
	p := nn.NewParam("w", 1)
	p.Data[0], p.Grad[0] = 1, 1
	o := NewSGD([]*nn.Param{p}, 0.9, 0, true)
	o.Step(0.1) // v=1, w = 1 - 0.1*(1+0.9) = 0.81
	if d := math.Abs(float64(p.Data[0]) - 0.81); d > 1e-6 {
		t.Fatalf("w=%v, want 0.81", p.Data[0])
	}
}

// TestMultiStepPaper checks the paper's CIFAR schedule (§4.2): 0.1, divided
// by 10 at 32k and 48k iterations, with the ResNet-110 warm-up of 0.01.
func TestMultiStepPaper(t *testing.T) {
	s := MultiStep{Base: 0.1, Gamma: 0.1, Milestones: []int{32000, 48000}, WarmupSteps: 400, WarmupLR: 0.01}
	for _, c := range []struct {
		step int
		want float64
	}{{1, 0.01}, {400, 0.01}, {401, 0.1}, {32000, 0.1}, {32001, 0.01}, {48000, 0.01}, {48001, 0.001}, {64000, 0.001}} {
		if got := s.LR(c.step); math.Abs(got-c.want) > 1e-12 {
			t.Errorf("LR(%d) = %v, want %v", c.step, got, c.want)
		}
	}
}

func TestCosine(t *testing.T) {
	s := Cosine{Base: 0.1, Total: 100} // rate of update t (0-based) is 0.05*(1+cos(pi*t/100))
	if got := s.LR(1); got != 0.1 {
		t.Errorf("LR(1) = %v, want 0.1", got)
	}
	if got := s.LR(51); math.Abs(got-0.05) > 1e-12 {
		t.Errorf("LR(51) = %v, want 0.05", got)
	}
	if got := s.LR(101); math.Abs(got) > 1e-12 {
		t.Errorf("LR(101) = %v, want 0", got)
	}
}
