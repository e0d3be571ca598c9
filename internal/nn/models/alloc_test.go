//go:build !race

// The race detector's instrumentation allocates, so this test runs without it.

package models

import (
	"math/rand/v2"
	"testing"

	"github.com/resexp/resexp/internal/nn"
)

// TestTrainStepDoesNotAllocate checks the contract of nn's doc.go: once the
// buffers are sized by the first batch, a full training step of a ResNet-8
// (forward, cross-entropy, backward) allocates nothing; nor does a step
// that also computes the input gradient (BackwardInput); both with direct
// convolutions and with Winograd's.
func TestTrainStepDoesNotAllocate(t *testing.T) {
	for _, algo := range []nn.ConvAlgo{nn.ConvDirect, nn.ConvWinograd} {
		t.Run(algo.String(), func(t *testing.T) { testTrainStepAllocs(t, algo) })
	}
}

func testTrainStepAllocs(t *testing.T, algo nn.ConvAlgo) {
	s := Spec{Depth: 8, Residual: true, Norm: "batch", Activation: nn.ReLU, InC: 3, H: 8, W: 8, Classes: 10}
	m, err := Build(s)
	if err != nil {
		t.Fatal(err)
	}
	m.Net.SetConvAlgo(algo)
	rng := rand.New(rand.NewPCG(1, 2))
	if err := m.Init(rng, "he"); err != nil {
		t.Fatal(err)
	}
	x := nn.NewTensor(16, s.InC, s.H, s.W)
	for i := range x.Data {
		x.Data[i] = float32(rng.NormFloat64())
	}
	y := make([]uint8, x.N)
	for i := range y {
		y[i] = uint8(i % s.Classes)
	}
	loss := nn.NewSoftmaxCrossEntropy()
	for _, c := range []struct {
		name     string
		backward func(*nn.Tensor) *nn.Tensor
	}{{"training step", m.Net.Backward}, {"step with the input gradient", m.Net.BackwardInput}} {
		step := func() {
			loss.Forward(m.Net.Forward(x, true), y)
			c.backward(loss.Backward())
		}
		step()
		if a := testing.AllocsPerRun(5, step); a != 0 {
			t.Errorf("%s allocates %v times, want 0", c.name, a)
		}
	}
}
