package nn

import (
	"fmt"
	"slices"
	"testing"
)

// TestFusedResidualTail checks that Residual's fused pass of its body's last
// BatchNorm2D, the addition and the ReLU gives the bits of the layers one by
// one (the body wrapped in another Sequential is not fused), including the
// recomputed BatchNorm2D output, the input gradient and every parameter
// gradient.
func TestFusedResidualTail(t *testing.T) {
	for _, tc := range []struct {
		name      string
		c, oc, st int
	}{{"identity", 4, 4, 1}, {"pad", 3, 6, 2}} {
		t.Run(tc.name, func(t *testing.T) {
			block := func(wrap bool) (*Residual, *BatchNorm2D) {
				body := tinyBody(tc.c, tc.oc, tc.st, ReLU)
				bn := body.Layers[len(body.Layers)-1].(*BatchNorm2D)
				var b Layer = body
				if wrap {
					b = NewSequential(body)
				}
				var sc Layer
				if tc.st != 1 || tc.c != tc.oc {
					sc = NewPadShortcut(tc.c, tc.oc, tc.st)
				}
				r := NewResidual(b, sc, NewActivation(ReLU))
				randomize(r, newRand(3))
				return r, bn
			}
			fused, bnF := block(false)
			plain, bnP := block(true)
			if fused.fusedBody(true) == nil {
				t.Fatal("the block is not fused")
			}
			if plain.fusedBody(true) != nil {
				t.Fatal("the wrapped block is fused")
			}
			rng := newRand(4)
			x := randTensor(rng, 3, tc.c, 6, 6)
			outF, outP := fused.Forward(x, true), plain.Forward(x, true)
			expectClose(t, "output", outF.Data, outP.Data, 0)
			expectClose(t, "BN output", bnF.Output().Data, bnP.Output().Data, 0)
			dout := randTensor(rng, outF.N, outF.C, outF.H, outF.W)
			expectClose(t, "dx", fused.Backward(dout).Data, plain.Backward(dout).Data, 0)
			pf, pp := fused.Params(), plain.Params()
			for i := range pf {
				expectClose(t, pf[i].Name, pf[i].Grad, pp[i].Grad, 0)
			}
			for _, p := range pf {
				for i := range p.Data {
					p.Data[i] += 0.5 // an optimizer step must not change Output
				}
			}
			expectClose(t, "BN output after the update", bnF.Output().Data, bnP.Output().Data, 0)
		})
	}
}

// TestRecycledGradientsDoNotLeak checks that a network's second step, whose
// gradients reuse the first step's buffers, gives the bits of a fresh
// network's first step on the same input.
func TestRecycledGradientsDoNotLeak(t *testing.T) {
	labels := []uint8{0, 1, 2, 3, 4, 0, 1, 2, 3, 4, 0}
	step := func(net *Sequential, x *Tensor) [][]float32 {
		ce := NewSoftmaxCrossEntropy()
		ce.Forward(net.Forward(x, true), labels)
		got := [][]float32{slices.Clone(net.Backward(ce.Backward()).Data)}
		for _, p := range net.Params() {
			got = append(got, slices.Clone(p.Grad))
		}
		return got
	}
	fresh := func() *Sequential {
		net := detNet()
		randomize(net, newRand(6))
		return net
	}
	rng := newRand(8)
	x1, x2 := randTensor(rng, 11, 3, 8, 8), randTensor(rng, 11, 3, 8, 8)
	reused := fresh()
	step(reused, x1)
	got, want := step(reused, x2), step(fresh(), x2)
	for i := range want {
		expectClose(t, fmt.Sprint("tensor ", i), got[i], want[i], 0)
	}
}

// foreign hides the package-internal methods of a layer, as a Layer
// defined outside the package would lack them.
type foreign struct{ Layer }

// TestForeignLayers checks that containers run a Layer without the
// package's internal backward path through its Backward, with the same
// results.
func TestForeignLayers(t *testing.T) {
	build := func(wrap func(Layer) Layer) *Sequential {
		net := NewSequential(
			wrap(NewConv2D("conv1", 3, 4, 3, 1, 1)), NewBatchNorm2D("bn1", 4), wrap(NewActivation(ReLU)),
			NewResidual(NewSequential(wrap(NewConv2D("conv2", 4, 4, 3, 1, 1)), wrap(NewBatchNorm2D("bn2", 4))), nil, wrap(NewActivation(ReLU))),
			NewGlobalAvgPool(), wrap(NewLinear("fc", 4, 3)))
		randomize(net, newRand(9))
		return net
	}
	own := build(func(l Layer) Layer { return l })
	other := build(func(l Layer) Layer { return foreign{l} })
	rng := newRand(10)
	x := randTensor(rng, 5, 3, 6, 6)
	outA, outB := own.Forward(x, true), other.Forward(x, true)
	expectClose(t, "output", outA.Data, outB.Data, 0)
	dout := randTensor(rng, 5, 3, 1, 1)
	expectClose(t, "dx", own.Backward(dout).Data, other.Backward(dout).Data, 0)
	pa, pb := own.Params(), other.Params()
	for i := range pa {
		expectClose(t, pa[i].Name, pa[i].Grad, pb[i].Grad, 0)
	}
}

// TestSmallerBatchReusesBuffers checks that an evaluation on a smaller
// batch between training steps gives the results of the same images in a
// full-sized batch (evaluation treats images independently) and, after
// warm-up, allocates nothing: the layers reshape their buffers in place.
func TestSmallerBatchReusesBuffers(t *testing.T) {
	net, twin := detNet(), detNet()
	randomize(net, newRand(6))
	randomize(twin, newRand(6))
	rng := newRand(11)
	x, big := randTensor(rng, 10, 3, 8, 8), randTensor(rng, 10, 3, 8, 8)
	small := &Tensor{N: 3, C: 3, H: 8, W: 8, Data: big.Data[:3*3*8*8]}
	labels := []uint8{0, 1, 2, 3, 4, 0, 1, 2, 3, 4}
	ce := NewSoftmaxCrossEntropy()
	trainStep := func(n *Sequential) {
		ce.Forward(n.Forward(x, true), labels)
		n.Backward(ce.Backward())
	}
	var evalOut []float32
	step := func() {
		trainStep(net)
		evalOut = net.Forward(small, false).Data
	}
	step()
	trainStep(twin)
	want := twin.Forward(big, false).Data[:len(evalOut)]
	expectClose(t, "smaller-batch output", evalOut, want, 0)
	if raceEnabled {
		return
	}
	if a := testing.AllocsPerRun(5, step); a != 0 {
		t.Errorf("train step + smaller evaluation allocate %v times, want 0", a)
	}
}

// TestSetInferenceFusion checks that SetInferenceFusion reaches every
// Conv2D of a residual net, nested ones included, and that a Conv2D fuses
// the BatchNorm2D and ReLU after it in inference mode only while fusion is
// on, and in training mode always.
func TestSetInferenceFusion(t *testing.T) {
	net := tinyNet(true, ReLU)
	var convs []*Conv2D
	eachLayer(net, func(l Layer) {
		if c, ok := l.(*Conv2D); ok {
			convs = append(convs, c)
		}
	})
	if len(convs) != 5 {
		t.Fatalf("found %d convolutions, want 5", len(convs))
	}
	next := net.Layers[1:3] // bn1, ReLU
	for _, on := range []bool{false, true} {
		net.SetInferenceFusion(on)
		for _, c := range convs {
			if c.NoFusion == on {
				t.Errorf("SetInferenceFusion(%v): %s has NoFusion %v", on, c.Name, c.NoFusion)
			}
		}
		want := 0
		if on {
			want = 2
		}
		if n := convs[0].fuses(next, false); n != want {
			t.Errorf("fusion %v: inference-mode fuses = %d, want %d", on, n, want)
		}
		if n := convs[0].fuses(next, true); n != 2 {
			t.Errorf("fusion %v: training-mode fuses = %d, want 2", on, n)
		}
	}
}
