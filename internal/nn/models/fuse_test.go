package models

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/resexp/resexp/internal/nn"
)

// TestInferenceFusionIsExact checks that an inference-mode Forward, where
// each Conv2D applies the BatchNorm2D after it (and the ReLU, or a
// residual block's addition and ReLU) image by image, gives the outputs and
// batch-norm responses of the same layers run one pass at a time, bit for
// bit, for the architectures resexp builds, with direct convolutions and
// with Winograd's (whose epilogue runs as each image's output completes).
func TestInferenceFusionIsExact(t *testing.T) {
	for _, algo := range []nn.ConvAlgo{nn.ConvDirect, nn.ConvWinograd} {
		t.Run(algo.String(), func(t *testing.T) { testInferenceFusionIsExact(t, algo) })
	}
}

func testInferenceFusionIsExact(t *testing.T, algo nn.ConvAlgo) {
	for _, s := range []Spec{
		{Depth: 20, Residual: true, Norm: "batch", Activation: nn.ReLU, InC: 3, H: 32, W: 32, Classes: 10},
		{Depth: 8, Residual: false, Norm: "batch", Activation: nn.ReLU, InC: 1, H: 28, W: 28, Classes: 10},
		{Depth: 8, Residual: true, Shortcut: "B", Norm: "batch", Activation: nn.ReLU, InC: 3, H: 16, W: 16, Classes: 10},
		{Depth: 11, Block: "bottleneck", Shortcut: "C", PreAct: true, Residual: true, Norm: "batch", Activation: nn.ReLU, InC: 3, H: 16, W: 16, Classes: 7},
		{Depth: 8, Residual: true, Norm: "batch", Activation: nn.Tanh, InC: 1, H: 14, W: 14, Classes: 10},
	} {
		t.Run(s.Label(), func(t *testing.T) {
			m, err := Build(s)
			if err != nil {
				t.Fatal(err)
			}
			m.Net.SetConvAlgo(algo)
			rng := rand.New(rand.NewPCG(5, 6))
			if err := m.Init(rng, "he"); err != nil {
				t.Fatal(err)
			}
			x := nn.NewTensor(13, s.InC, s.H, s.W)
			for i := range x.Data {
				x.Data[i] = float32(rng.NormFloat64())
			}
			y := make([]uint8, x.N)
			loss := nn.NewSoftmaxCrossEntropy()
			loss.Forward(m.Net.Forward(x, true), y) // running statistics away from 0 and 1
			m.Net.Backward(loss.Backward())

			run := func(fuse bool) (out []float32, resp [][]float32) {
				m.Net.SetInferenceFusion(fuse)
				out = append(out, m.Net.Forward(x, false).Data...)
				for _, r := range m.Responses {
					resp = append(resp, append([]float32(nil), r.BN.Output().Data...))
				}
				return out, resp
			}
			want, wantResp := run(false)
			got, gotResp := run(true)
			sameBits(t, "output", got, want)
			for i := range wantResp {
				sameBits(t, m.Responses[i].Name, gotResp[i], wantResp[i])
			}
		})
	}
}

func sameBits(t *testing.T, what string, got, want []float32) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("%s: %d values, want %d", what, len(got), len(want))
	}
	for i := range want {
		if math.Float32bits(got[i]) != math.Float32bits(want[i]) {
			t.Fatalf("%s[%d] = %g, want %g", what, i, got[i], want[i])
		}
	}
}
