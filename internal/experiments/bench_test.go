package experiments

import (
	"testing"

	"github.com/resexp/resexp/internal/nn"
	"github.com/resexp/resexp/internal/nn/models"
)

// BenchmarkTrainStep measures one training step (forward, loss, backward,
// SGD update) and one evaluation forward pass of CIFAR-shaped residual nets
// at batch 128, per op, with images/s and allocations per step; compare runs
// with benchstat. A steady-state step allocates nothing.
func BenchmarkTrainStep(b *testing.B) {
	const batch = 128
	for _, depth := range []int{20, 56} {
		s := models.Spec{Depth: depth, Residual: true, Norm: "batch", Activation: nn.ReLU, InC: 3, H: 32, W: 32, Classes: 10}
		st, err := NewBenchSteps(s, batch)
		if err != nil {
			b.Fatal(err)
		}
		for _, mode := range []struct {
			name string
			fn   func()
		}{{"train", st.Train}, {"eval", st.Eval}} {
			b.Run(s.Label()+"/"+mode.name, func(b *testing.B) {
				mode.fn() // warm-up: buffers are sized on the first step
				b.ReportAllocs()
				b.ResetTimer()
				for b.Loop() {
					mode.fn()
				}
				b.ReportMetric(float64(b.N*batch)/b.Elapsed().Seconds(), "img/s")
			})
		}
	}
}
