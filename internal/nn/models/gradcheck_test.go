package models

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/resexp/resexp/internal/nn"
)

// Gradient-check settings, as internal/nn/gradcheck_test.go: central
// differences with step gradEps on the float32 values, the loss accumulated
// in float64, compared per tensor as max|a-n| / max(|a|, |n|, gradFloor) <
// gradTol. The nets use smooth activations (tanh, sigmoid) so that no
// finite-difference step crosses a ReLU kink; the nn package checks ReLU
// itself.
const (
	gradEps   = 3e-3
	gradFloor = 1e-2
	gradTol   = 2e-2
	gradPer   = 3 // elements checked per tensor: the two largest gradients and one at random
)

// tinySpec is a net of the smallest depth of its block on 2x8x8 inputs and
// 3 classes (stage 3 runs on 2x2 maps).
func tinySpec(block Block, shortcut Shortcut, residual, preact bool, norm Norm, act nn.ActKind, zero bool) Spec {
	depth := 8
	if block == "bottleneck" {
		depth = 11
	}
	return Spec{Depth: depth, Residual: residual, Block: block, Shortcut: shortcut, PreAct: preact, Norm: norm,
		Activation: act, ZeroInitResidual: zero, InC: 2, H: 8, W: 8, Classes: 3}
}

// TestGradientsVariants checks analytic against numeric gradients of the
// cross-entropy loss for every block, shortcut option, ordering and
// normalisation, in training mode, for every parameter tensor and the input
// (through Sequential.BackwardInput: the first convolution has NoInputGrad),
// with direct convolutions and with Winograd's for the 3x3 stride-1 ones.
func TestGradientsVariants(t *testing.T) {
	for _, c := range []struct {
		name string
		spec Spec
	}{
		{"basic/A", tinySpec("basic", "A", true, false, "batch", nn.Tanh, false)},
		{"basic/B", tinySpec("basic", "B", true, false, "batch", nn.Tanh, false)},
		{"basic/C", tinySpec("basic", "C", true, false, "batch", nn.Tanh, false)},
		{"basic/plain/sigmoid", tinySpec("basic", "A", false, false, "batch", nn.Sigmoid, false)},
		{"bottleneck/A", tinySpec("bottleneck", "A", true, false, "batch", nn.Tanh, false)},
		{"bottleneck/B", tinySpec("bottleneck", "B", true, false, "batch", nn.Tanh, false)},
		{"bottleneck/C/none", tinySpec("bottleneck", "C", true, false, "none", nn.Tanh, false)},
		{"bottleneck/plain", tinySpec("bottleneck", "A", false, false, "batch", nn.Tanh, false)},
		{"preact/basic/A", tinySpec("basic", "A", true, true, "batch", nn.Tanh, false)},
		{"preact/basic/B", tinySpec("basic", "B", true, true, "batch", nn.Tanh, false)},
		{"preact/bottleneck/B", tinySpec("bottleneck", "B", true, true, "batch", nn.Tanh, false)},
		{"preact/plain", tinySpec("basic", "A", false, true, "batch", nn.Tanh, false)},
		{"zeroinit/batch", tinySpec("basic", "A", true, false, "batch", nn.Tanh, true)},
		{"zeroinit/none", tinySpec("basic", "B", true, false, "none", nn.Tanh, true)},
		{"zeroinit/preact/none", tinySpec("bottleneck", "B", true, true, "none", nn.Tanh, true)},
	} {
		for _, algo := range []nn.ConvAlgo{nn.ConvDirect, nn.ConvWinograd} {
			t.Run(algo.String()+"/"+c.name, func(t *testing.T) { checkNet(t, c.spec, algo) })
		}
	}
}

// checkNet builds and initialises the net, gives the BatchNorm scales and
// shifts random values (unless they were zero-initialised) and compares the
// gradients, its convolutions run as algo says.
func checkNet(t *testing.T, s Spec, algo nn.ConvAlgo) {
	m, err := Build(s)
	if err != nil {
		t.Fatal(err)
	}
	m.Net.SetConvAlgo(algo)
	rng := rand.New(rand.NewPCG(3, 4))
	if err := m.Init(rng, "he"); err != nil {
		t.Fatal(err)
	}
	for _, bn := range m.BNs {
		for _, p := range bn.Params() {
			for i, v := range p.Data {
				if v != 0 || p == bn.Beta {
					p.Data[i] = float32(0.5 + rng.Float64())
				}
			}
		}
	}
	x := nn.NewTensor(3, s.InC, s.H, s.W)
	for i := range x.Data {
		x.Data[i] = float32(rng.NormFloat64())
	}
	labels := []uint8{0, 2, 1}
	ce := nn.NewSoftmaxCrossEntropy()
	loss := func() float64 {
		l, _ := ce.Forward(m.Net.Forward(x, true), labels)
		return l
	}
	loss()
	dx := slices.Clone(m.Net.BackwardInput(ce.Backward()).Data) // dLoss/dx too
	checkTensor(t, "x", x.Data, dx, loss, rng)
	for _, p := range m.Params() {
		checkTensor(t, p.Name, p.Data, slices.Clone(p.Grad), loss, rng)
	}
}

// checkTensor compares the analytic gradient grad of data with central
// differences at gradPer elements: the largest |grad| ones and one at
// random.
func checkTensor(t *testing.T, name string, data, grad []float32, loss func() float64, rng *rand.Rand) {
	t.Helper()
	idx := make([]int, len(data))
	for i := range idx {
		idx[i] = i
	}
	slices.SortStableFunc(idx, func(a, b int) int {
		return -cmpAbs(grad[a], grad[b])
	})
	pick := append(idx[:min(gradPer-1, len(idx))], rng.IntN(len(data)))
	var diff, scale float64
	worst := ""
	for _, i := range pick {
		v := data[i]
		hi, lo := v+gradEps, v-gradEps
		data[i] = hi
		lp := loss()
		data[i] = lo
		lm := loss()
		data[i] = v
		num := (lp - lm) / (float64(hi) - float64(lo))
		a := float64(grad[i])
		if d := math.Abs(a - num); d > diff || math.IsNaN(d) {
			diff, worst = d, fmt.Sprintf("element %d: analytic %.6g, numeric %.6g", i, a, num)
		}
		scale = max(scale, math.Abs(a), math.Abs(num))
	}
	if rel := diff / max(scale, gradFloor); !(rel < gradTol) {
		t.Errorf("%s: %s; max abs diff %.3g, rel %.3g > %g", name, worst, diff, rel, gradTol)
	}
}

func cmpAbs(a, b float32) int {
	x, y := math.Abs(float64(a)), math.Abs(float64(b))
	switch {
	case x < y:
		return -1
	case x > y:
		return 1
	}
	return 0
}
