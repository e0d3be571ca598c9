package nn

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"testing"
)

// gradCase is one gradient-check problem: a layer with random parameters,
// an input, and either labels (the loss is SoftmaxCrossEntropy of the
// output) or nil (the loss is Σ out ⊙ R for a fixed random R). Forward runs
// in training mode unless eval.
type gradCase struct {
	name   string
	layer  Layer
	x      *Tensor
	labels []uint8
	eval   bool
}

// Gradient-check settings: central differences with step gradEps on the
// float32 values, compared per tensor as max|a-n| / max(|a|, |n|, gradFloor)
// < gradTol. With gradEps 3e-3 the worst ratio over 30 seeds was 7.3e-3
// (float32 rounding dominates below, BatchNorm's curvature above); a sign
// flip in a backward term gives ratios of 0.2 to 1.
const (
	gradEps   = 3e-3
	gradFloor = 1e-2
	gradTol   = 2e-2
)

// TestGradients checks every gradCase with direct convolutions, and those
// with a 3x3 stride-1 convolution again with Winograd's: F(2x2)
// (ConvWinograd2), and F(4x4) where the kernels can (ConvWinograd).
func TestGradients(t *testing.T) {
	for _, algo := range []ConvAlgo{ConvDirect, ConvWinograd, ConvWinograd2} {
		for _, tc := range gradCases(newRand(1)) {
			if setConvAlgo(tc.layer, algo) == 0 {
				continue
			}
			t.Run(fmt.Sprintf("algo=%v/%s", algo, tc.name), func(t *testing.T) { checkGradients(t, tc) })
		}
	}
}

// setConvAlgo sets Algo of every Conv2D in l and returns how many of them
// run it: all for ConvDirect, the 3x3 stride-1 padding-1 ones for
// ConvWinograd and ConvWinograd2 (and 1 for a layer without any under
// ConvDirect, so that every case runs once).
func setConvAlgo(l Layer, a ConvAlgo) int {
	n := 0
	eachLayer(l, func(l Layer) {
		if c, ok := l.(*Conv2D); ok {
			c.Algo = a
			if a == ConvDirect || c.winograd() {
				n++
			}
		}
	})
	if a == ConvDirect {
		n = max(n, 1)
	}
	return n
}

func gradCases(rng *rand.Rand) []gradCase {
	x := func(n, c, h, w int) *Tensor { return randTensor(rng, n, c, h, w) }
	layer := func(l Layer) Layer { randomize(l, rng); return l }
	bnEval := NewBatchNorm2D("bn", 3)
	randomize(bnEval, rng)
	for c := range 3 {
		bnEval.RunningMean[c] = float32(rng.NormFloat64())
		bnEval.RunningVar[c] = float32(0.5 + rng.Float64())
	}
	return []gradCase{
		{"Conv2D/3x3s1p1", layer(NewConv2D("conv", 3, 4, 3, 1, 1)), x(2, 3, 5, 7), nil, false},
		{"Conv2D/3x3s2p1", layer(NewConv2D("conv", 3, 4, 3, 2, 1)), x(2, 3, 5, 7), nil, false},
		{"Conv2D/3x3s1p0", layer(NewConv2D("conv", 2, 3, 3, 1, 0)), x(2, 2, 5, 7), nil, false},
		{"Conv2D/3x3s2p0", layer(NewConv2D("conv", 2, 3, 3, 2, 0)), x(2, 2, 7, 6), nil, false},
		{"Conv2D/1x1s1", layer(NewConv2D("conv", 3, 4, 1, 1, 0)), x(2, 3, 5, 7), nil, false},
		{"Conv2D/1x1s2", layer(NewConv2D("conv", 3, 4, 1, 2, 0)), x(2, 3, 5, 7), nil, false},
		{"BatchNorm2D/train", layer(NewBatchNorm2D("bn", 4)), x(3, 4, 3, 2), nil, false},
		{"BatchNorm2D/eval", bnEval, x(2, 3, 2, 3), nil, true},
		{"Activation/relu", NewActivation(ReLU), awayFromZero(x(2, 3, 4, 4), 0.1), nil, false},
		{"Activation/tanh", NewActivation(Tanh), x(2, 3, 4, 4), nil, false},
		{"Activation/sigmoid", NewActivation(Sigmoid), x(2, 3, 4, 4), nil, false},
		{"GlobalAvgPool", NewGlobalAvgPool(), x(2, 3, 3, 4), nil, false},
		{"Linear", layer(NewLinear("fc", 12, 5)), x(3, 2, 2, 3), nil, false},
		{"PadShortcut/2to6s2", NewPadShortcut(2, 6, 2), x(2, 2, 5, 5), nil, false},
		{"PadShortcut/3to8s2", NewPadShortcut(3, 8, 2), x(2, 3, 4, 6), nil, false},
		{"PadShortcut/3to4s1", NewPadShortcut(3, 4, 1), x(2, 3, 3, 3), nil, false},
		{"Residual/identity", layer(NewResidual(tinyBody(4, 4, 1, ReLU), nil, NewActivation(ReLU))), x(2, 4, 4, 4), nil, false},
		{"Residual/padShortcut", layer(NewResidual(tinyBody(2, 4, 2, ReLU), NewPadShortcut(2, 4, 2), NewActivation(ReLU))), x(2, 2, 5, 5), nil, false},
		{"Residual/noAct", layer(NewResidual(tinyBody(3, 3, 1, ReLU), nil, nil)), x(2, 3, 3, 4), nil, false},
		{"SoftmaxCrossEntropy", NewSequential(), x(5, 4, 1, 1), []uint8{0, 3, 1, 1, 2}, false},
		{"Net/plain/relu", layer(tinyNet(false, ReLU)), x(3, 3, 5, 5), []uint8{0, 2, 1}, false},
		{"Net/residual/relu", layer(tinyNet(true, ReLU)), x(3, 3, 5, 5), []uint8{0, 2, 1}, false},
		{"Net/plain/tanh", layer(tinyNet(false, Tanh)), x(3, 3, 5, 5), []uint8{0, 2, 1}, false},
		{"Net/residual/sigmoid", layer(tinyNet(true, Sigmoid)), x(3, 3, 5, 5), []uint8{0, 2, 1}, false},
		// Whole 4x4 tiles in rows of 2 and 4 (kernels.Supports4x4): F(4x4)
		// under ConvWinograd where the kernels run it (last, so the cases
		// above draw the same numbers).
		{"Conv2D/3x3s1p1/4x8", layer(NewConv2D("conv", 3, 4, 3, 1, 1)), x(2, 3, 4, 8), nil, false},
		{"Residual/identity/8x16", layer(NewResidual(tinyBody(4, 4, 1, ReLU), nil, NewActivation(ReLU))), x(2, 4, 8, 16), nil, false},
	}
}

// awayFromZero moves every value of t at least d away from 0 so that no
// ReLU input sits within a finite-difference step of the kink.
func awayFromZero(t *Tensor, d float32) *Tensor {
	for i, v := range t.Data {
		t.Data[i] = v + float32(math.Copysign(float64(d), float64(v)))
	}
	return t
}

// tinyBody is a basic block's residual branch: conv3x3-BN-act-conv3x3-BN.
func tinyBody(c, oc, stride int, act ActKind) *Sequential {
	return NewSequential(
		NewConv2D("conv1", c, oc, 3, stride, 1), NewBatchNorm2D("bn1", oc), NewActivation(act),
		NewConv2D("conv2", oc, oc, 3, 1, 1), NewBatchNorm2D("bn2", oc))
}

// tinyNet is a two-block CIFAR-style net on 3-channel input: conv-BN-act,
// a 4-channel block, a stride-2 block to 8 channels, pooling, fc to 3.
func tinyNet(residual bool, act ActKind) *Sequential {
	block := func(c, oc, stride int) Layer {
		body := tinyBody(c, oc, stride, act)
		if !residual {
			return NewSequential(append(body.Layers, NewActivation(act))...)
		}
		var sc Layer
		if stride != 1 || c != oc {
			sc = NewPadShortcut(c, oc, stride)
		}
		return NewResidual(body, sc, NewActivation(act))
	}
	return NewSequential(
		NewConv2D("conv1", 3, 4, 3, 1, 1), NewBatchNorm2D("bn1", 4), NewActivation(act),
		block(4, 4, 1), block(4, 8, 2),
		NewGlobalAvgPool(), NewLinear("fc", 8, 3))
}

// gradTensor is one tensor to check: its values, which the checker perturbs,
// and its analytic gradient.
type gradTensor struct {
	name       string
	data, grad []float32
}

func checkGradients(t *testing.T, tc gradCase) {
	loss, dout := gradLoss(tc)
	dx := tc.layer.Backward(dout)
	tensors := []gradTensor{{"x", tc.x.Data, slices.Clone(dx.Data)}}
	for i, p := range tc.layer.Params() {
		tensors = append(tensors, gradTensor{fmt.Sprintf("%d:%s", i, p.Name), p.Data, slices.Clone(p.Grad)})
	}
	kinks := newKinkWatch(tc.layer)
	for _, g := range tensors {
		num, kind := numericGrad(g.data, loss, kinks)
		compareGrad(t, g.name, g.grad, num, kind)
	}
}

// gradLoss runs the case's forward pass once and returns the loss as a
// function of the current inputs and parameters (accumulated in float64),
// and dLoss/dOutput for that first pass.
func gradLoss(tc gradCase) (func() float64, *Tensor) {
	train := !tc.eval
	out := tc.layer.Forward(tc.x, train)
	if tc.labels != nil {
		ce := NewSoftmaxCrossEntropy()
		ce.Forward(out, tc.labels)
		return func() float64 {
			l, _ := ce.Forward(tc.layer.Forward(tc.x, train), tc.labels)
			return l
		}, ce.Backward()
	}
	r := randTensor(newRand(2), out.N, out.C, out.H, out.W)
	return func() float64 {
		var s float64
		for i, v := range tc.layer.Forward(tc.x, train).Data {
			s += float64(v) * float64(r.Data[i])
		}
		return s
	}, r
}

// numericGrad returns the central-difference gradient of loss with respect
// to every element of data, dividing by the perturbation float32 really
// made. Where one step moves some ReLU input across its kink, the quotient
// would not estimate the derivative, so the one-sided difference on the
// other side is used (kind[i] = oneSided); where both steps cross a kink
// the element is not checked (kind[i] = unchecked).
func numericGrad(data []float32, loss func() float64, kinks *kinkWatch) (g []float32, kind []diffKind) {
	g, kind = make([]float32, len(data)), make([]diffKind, len(data))
	l0 := loss()
	kinks.mark()
	for i, v := range data {
		hi, lo := v+gradEps, v-gradEps
		data[i] = hi
		lp, okp := loss(), kinks.same()
		data[i] = lo
		lm, okm := loss(), kinks.same()
		data[i] = v
		switch {
		case okp && okm:
			g[i] = float32((lp - lm) / (float64(hi) - float64(lo)))
		case okp:
			g[i], kind[i] = float32((lp-l0)/(float64(hi)-float64(v))), oneSided
		case okm:
			g[i], kind[i] = float32((l0-lm)/(float64(v)-float64(lo))), oneSided
		default:
			kind[i] = unchecked
		}
	}
	return g, kind
}

// diffKind says how numericGrad estimated an element's derivative.
type diffKind int

const (
	central diffKind = iota
	oneSided
	unchecked
)

// kinkWatch remembers which outputs of a network's ReLUs are positive.
type kinkWatch struct {
	relus []*Activation
	base  []bool
}

func newKinkWatch(l Layer) *kinkWatch {
	w := &kinkWatch{}
	w.collect(l)
	return w
}

func (w *kinkWatch) collect(l Layer) {
	switch l := l.(type) {
	case *Activation:
		if l.Kind == ReLU {
			w.relus = append(w.relus, l)
		}
	case *Sequential:
		for _, s := range l.Layers {
			w.collect(s)
		}
	case *Residual:
		for _, s := range []Layer{l.Body, l.Shortcut, l.Act} {
			if s != nil {
				w.collect(s)
			}
		}
	}
}

// mark records the ReLU pattern of the latest forward pass.
func (w *kinkWatch) mark() {
	w.base = w.base[:0]
	for _, a := range w.relus {
		for _, v := range a.out.Data {
			w.base = append(w.base, v > 0)
		}
	}
}

// same reports whether the latest forward pass has the marked pattern.
func (w *kinkWatch) same() bool {
	i := 0
	for _, a := range w.relus {
		for _, v := range a.out.Data {
			if (v > 0) != w.base[i] {
				return false
			}
			i++
		}
	}
	return true
}

// compareGrad checks the analytic gradient a against the numeric n on the
// checked elements, and that at least half the elements were checked.
func compareGrad(t *testing.T, name string, a, n []float32, kind []diffKind) {
	t.Helper()
	var ac, nc []float32
	var count [3]int
	for i := range a {
		count[kind[i]]++
		if kind[i] != unchecked {
			ac, nc = append(ac, a[i]), append(nc, n[i])
		}
	}
	diff, scale := maxAbsDiff(ac, nc)
	rel := diff / max(scale, gradFloor)
	t.Logf("%-16s max|a-n| %.2e  rel %.2e  max|grad| %.2e  n=%d one-sided %d unchecked %d",
		name, diff, rel, scale, len(a), count[oneSided], count[unchecked])
	if 2*len(ac) < len(a) {
		t.Errorf("%s: only %d of %d elements free of ReLU kinks", name, len(ac), len(a))
	}
	if rel < gradTol && !math.IsNaN(rel) {
		return
	}
	i := worstIndex(ac, nc)
	t.Errorf("%s: analytic %.6g, numeric %.6g at the %d-th kink-free element; max abs diff %.3g, rel %.3g > %g",
		name, ac[i], nc[i], i, diff, rel, gradTol)
}

// worstIndex returns the index where a and b differ most.
func worstIndex(a, b []float32) int {
	w, d := 0, -1.0
	for i := range a {
		if e := math.Abs(float64(a[i]) - float64(b[i])); e > d || math.IsNaN(e) {
			w, d = i, e
		}
	}
	return w
}

// TestInputGradient checks Sequential.BackwardInput on a tiny plain and a
// tiny residual net whose first Conv2D has NoInputGrad, as a model's has:
// the input gradient against central differences of the loss (accumulated
// in float64), after a training-mode and an inference-mode (fused) Forward;
// the parameter gradients bit for bit those of Backward; and Backward still
// skipping the input gradient: it returns nil and no input-gradient buffer
// exists, neither the net's nor the convolution's, so none was computed.
// All four cases run with direct convolutions, two with Winograd's.
func TestInputGradient(t *testing.T) {
	for _, c := range []struct {
		residual, eval bool
		algo           ConvAlgo
	}{
		{false, false, ConvDirect}, {false, true, ConvDirect}, {true, false, ConvDirect}, {true, true, ConvDirect},
		{false, false, ConvWinograd}, {true, true, ConvWinograd},
	} {
		t.Run(fmt.Sprintf("residual=%v/eval=%v/algo=%v", c.residual, c.eval, c.algo), func(t *testing.T) {
			rng := newRand(12)
			net := tinyNet(c.residual, ReLU)
			net.SetConvAlgo(c.algo)
			eachLayer(net, func(l Layer) {
				if conv, ok := l.(*Conv2D); ok && conv.Algo != c.algo {
					t.Fatalf("SetConvAlgo(%v) left %s at %v", c.algo, conv.Name, conv.Algo)
				}
			})
			randomize(net, rng)
			conv := net.Layers[0].(*Conv2D)
			conv.NoInputGrad = true
			tc := gradCase{layer: net, x: randTensor(rng, 3, 3, 5, 5), labels: []uint8{0, 2, 1}, eval: c.eval}
			loss, dout := gradLoss(tc)
			if dx := net.Backward(dout); dx != nil || net.dx != nil || conv.ownDx != nil {
				t.Fatalf("Backward computed an input gradient (returned %v)", dx)
			}
			want := paramGrads(net)
			dx := slices.Clone(net.BackwardInput(dout).Data)
			for i, g := range paramGrads(net) {
				expectClose(t, "BackwardInput's "+net.Params()[i].Name, g, want[i], 0)
			}
			if d := net.Backward(dout); d != nil {
				t.Fatal("Backward after BackwardInput returned an input gradient")
			}
			num, kind := numericGrad(tc.x.Data, loss, newKinkWatch(net))
			compareGrad(t, "x", dx, num, kind)
		})
	}
}

// paramGrads returns copies of the Grads of l's parameters.
func paramGrads(l Layer) [][]float32 {
	var g [][]float32
	for _, p := range l.Params() {
		g = append(g, slices.Clone(p.Grad))
	}
	return g
}
