package nn_test

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/resexp/resexp/internal/nn"
	"github.com/resexp/resexp/internal/nn/models"
)

// BenchmarkTrainFusion measures a ResNet-20 training step (forward,
// cross-entropy, backward) at batch 128 with the training-mode fusions on
// and off (see trainFusion), in alternating rounds within one process
// (each round swaps which goes first), so that on a shared machine both see
// the same load: compare the medians of the rounds' img/s. The two give the
// same bits (TestTrainFusionIsExact).
func BenchmarkTrainFusion(b *testing.B) {
	const batch, rounds = 128, 6
	m, x, y := fusionNet(b, 20, batch)
	loss := nn.NewSoftmaxCrossEntropy()
	step := func() {
		loss.Forward(m.Net.Forward(x, true), y)
		m.Net.Backward(loss.Backward())
	}
	defer nn.SetTrainFusion(nn.SetTrainFusion(true))
	for r := range rounds {
		for _, on := range []bool{r%2 == 0, r%2 != 0} {
			b.Run(fmt.Sprintf("fusion=%v/round=%d", on, r), func(b *testing.B) {
				nn.SetTrainFusion(on)
				step()
				b.ReportAllocs()
				b.ResetTimer()
				for b.Loop() {
					step()
				}
				b.ReportMetric(float64(b.N*batch)/b.Elapsed().Seconds(), "img/s")
			})
		}
	}
}

// fusionNet returns a He-initialised CIFAR ResNet of the given depth, an
// input batch of standard normal images and labels cycling through the
// classes.
func fusionNet(tb testing.TB, depth, batch int) (*models.Model, *nn.Tensor, []uint8) {
	s := models.Spec{Depth: depth, Residual: true, Norm: "batch", Activation: nn.ReLU, InC: 3, H: 32, W: 32, Classes: 10}
	rng := rand.New(rand.NewPCG(1, 2))
	m, err := models.Build(s)
	if err == nil {
		err = m.Init(rng, "he")
	}
	if err != nil {
		tb.Fatal(err)
	}
	x, y := nn.NewTensor(batch, s.InC, s.H, s.W), make([]uint8, batch)
	for i := range x.Data {
		x.Data[i] = float32(rng.NormFloat64())
		y[i%batch] = uint8(i % s.Classes)
	}
	return m, x, y
}

// TestTrainFusionIsExact checks that a ResNet-20 training step (output,
// input gradient, every parameter gradient, the running statistics) has
// the same bits with the training-mode fusions on and off.
func TestTrainFusionIsExact(t *testing.T) {
	defer nn.SetTrainFusion(nn.SetTrainFusion(true))
	run := func(on bool) [][]float32 {
		nn.SetTrainFusion(on)
		m, x, y := fusionNet(t, 20, 12)
		loss := nn.NewSoftmaxCrossEntropy()
		var got [][]float32
		got = append(got, append([]float32(nil), m.Net.Forward(x, true).Data...))
		loss.Forward(m.Net.Forward(x, true), y) // a second step: running statistics moved
		got = append(got, append([]float32(nil), m.Net.BackwardInput(loss.Backward()).Data...))
		for _, p := range m.Params() {
			got = append(got, append([]float32(nil), p.Grad...))
		}
		for _, r := range m.Responses {
			got = append(got, append([]float32(nil), r.BN.RunningVar...), append([]float32(nil), r.BN.Output().Data...))
		}
		return got
	}
	want, got := run(false), run(true)
	for i := range want {
		for j := range want[i] {
			if math.Float32bits(got[i][j]) != math.Float32bits(want[i][j]) {
				t.Fatalf("tensor %d [%d]: fused %g, unfused %g", i, j, got[i][j], want[i][j])
			}
		}
	}
}
