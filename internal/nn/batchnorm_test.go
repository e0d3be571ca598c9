package nn

import (
	"math"
	"testing"
)

// TestBatchNorm2DRunningStats checks one training step by hand on
// x = [1 2 3 4] (one channel, M = 4): mean 2.5, biased variance 1.25 for the
// output, unbiased variance 5/3 for the running estimate, as PyTorch's
// BatchNorm2d(momentum=0.1) does: running_mean = 0.9*0 + 0.1*2.5 = 0.25,
// running_var = 0.9*1 + 0.1*5/3 = 1.0666667.
func TestBatchNorm2DRunningStats(t *testing.T) {
	l := NewBatchNorm2D("bn", 1)
	l.Gamma.Data[0], l.Beta.Data[0] = 2, 0.5
	x := &Tensor{N: 2, C: 1, H: 1, W: 2, Data: []float32{1, 2, 3, 4}}
	out := l.Forward(x, true)
	sd := math.Sqrt(1.25 + 1e-5)
	for i, v := range x.Data {
		want := 2*(float64(v)-2.5)/sd + 0.5
		if math.Abs(float64(out.Data[i])-want) > 1e-6 {
			t.Errorf("train out[%d] = %.7g, want %.7g", i, out.Data[i], want)
		}
	}
	if got := l.RunningMean[0]; math.Abs(float64(got)-0.25) > 1e-7 {
		t.Errorf("RunningMean = %.8g, want 0.25", got)
	}
	if got := l.RunningVar[0]; math.Abs(float64(got)-(0.9+0.1*5.0/3)) > 1e-7 {
		t.Errorf("RunningVar = %.8g, want 1.0666667", got)
	}
	out = l.Forward(x, false)
	sd = math.Sqrt(0.9 + 0.1*5.0/3 + 1e-5)
	for i, v := range x.Data {
		want := 2*(float64(v)-0.25)/sd + 0.5
		if math.Abs(float64(out.Data[i])-want) > 1e-6 {
			t.Errorf("eval out[%d] = %.7g, want %.7g", i, out.Data[i], want)
		}
	}
	if l.RunningMean[0] != float32(0.25) {
		t.Errorf("eval Forward changed RunningMean to %g", l.RunningMean[0])
	}
}

// TestBatchNorm2DBatchStats compares training-mode output with float64
// per-channel statistics on a batch with a large mean, where a one-pass
// E[x²]-E[x]² variance in float32 would lose the digits.
func TestBatchNorm2DBatchStats(t *testing.T) {
	rng := newRand(5)
	x := randTensor(rng, 11, 3, 4, 5)
	for i := range x.Data {
		x.Data[i] = 1000 + x.Data[i]
	}
	l := NewBatchNorm2D("bn", 3)
	out := l.Forward(x, true)
	if l.Output() != out {
		t.Fatal("Output() is not the latest Forward's result")
	}
	for c := range 3 {
		var s, s2 float64
		for n := range x.N {
			for _, v := range plane(x, n, c) {
				s += float64(v)
			}
		}
		m := float64(x.N * x.H * x.W)
		mean := s / m
		for n := range x.N {
			for _, v := range plane(x, n, c) {
				s2 += (float64(v) - mean) * (float64(v) - mean)
			}
		}
		sd := math.Sqrt(s2/m + 1e-5)
		for n := range x.N {
			for i, v := range plane(x, n, c) {
				want := (float64(v) - mean) / sd
				if got := plane(out, n, c)[i]; math.Abs(float64(got)-want) > 1e-3 {
					t.Fatalf("out[%d,%d,%d] = %g, want %g", n, c, i, got, want)
				}
			}
		}
	}
}

func TestBatchNorm2DSingleValuePanics(t *testing.T) {
	defer func() {
		const want = "nn: BatchNorm2D: training needs more than one value per channel"
		if r := recover(); r != want {
			t.Errorf("training on one value per channel: panic %v, want %q", r, want)
		}
	}()
	NewBatchNorm2D("bn", 2).Forward(NewTensor(1, 2, 1, 1), true)
}

// TestFusedBNReLU checks that Sequential's fused BatchNorm2D+ReLU pass and
// Residual's fused add+ReLU give the bits of the layers run one by one.
func TestFusedBNReLU(t *testing.T) {
	rng := newRand(7)
	x := randTensor(rng, 3, 4, 5, 5)
	bnA, bnB := NewBatchNorm2D("a", 4), NewBatchNorm2D("b", 4)
	actA, actB := NewActivation(ReLU), NewActivation(ReLU)
	seq := NewSequential(bnA, actA)
	fused := seq.Forward(x, true)
	plain := actB.Forward(bnB.Forward(x, true), true)
	expectClose(t, "fused BN+ReLU", fused.Data, plain.Data, 0)
	expectClose(t, "BN output", bnA.Output().Data, bnB.Output().Data, 0)
	dout := randTensor(rng, 3, 4, 5, 5)
	dxFused := seq.Backward(dout)
	dxPlain := bnB.Backward(actB.Backward(dout))
	expectClose(t, "fused BN+ReLU dx", dxFused.Data, dxPlain.Data, 0)
	expectClose(t, "fused dGamma", bnA.Gamma.Grad, bnB.Gamma.Grad, 0)
	expectClose(t, "fused dBeta", bnA.Beta.Grad, bnB.Beta.Grad, 0)

	y := randTensor(rng, 3, 4, 5, 5)
	sum := NewActivation(ReLU).forwardSum(x, y)
	for i := range x.Data {
		x.Data[i] += y.Data[i]
	}
	expectClose(t, "fused add+ReLU", sum.Data, NewActivation(ReLU).Forward(x, true).Data, 0)
}

// TestBatchNorm2DPlaneStats checks the per-plane combined batch statistics
// (batchStats) against the textbook two passes in float64 (sum, then
// squared deviations from the batch mean) to 1e-12 relative, on planes of
// one value, on a channel whose mean is 10⁴ standard deviations from 0 and
// on one whose planes have very different means, and that the running
// variance follows from the unbiased variance.
func TestBatchNorm2DPlaneStats(t *testing.T) {
	for _, sh := range [][4]int{{7, 3, 1, 1}, {5, 3, 4, 6}, {2, 3, 32, 32}} {
		rng := newRand(12)
		x := randTensor(rng, sh[0], sh[1], sh[2], sh[3])
		for n := range x.N {
			for i := range plane(x, n, 1) {
				plane(x, n, 1)[i] += 1e4
			}
			for i := range plane(x, n, 2) {
				plane(x, n, 2)[i] = plane(x, n, 2)[i]*1e-3 + float32(n*n)
			}
		}
		l := NewBatchNorm2D("bn", 3)
		l.Forward(x, true)
		m := float64(x.N * x.H * x.W)
		for c := range 3 {
			var s, q float64
			for n := range x.N {
				for _, v := range plane(x, n, c) {
					s += float64(v)
				}
			}
			mean := s / m
			for n := range x.N {
				for _, v := range plane(x, n, c) {
					q += (float64(v) - mean) * (float64(v) - mean)
				}
			}
			invStd := 1 / math.Sqrt(q/m+1e-5)
			if d := math.Abs(l.mean[c] - mean); d > 1e-12*math.Abs(mean) {
				t.Errorf("%v channel %d: mean %.17g, want %.17g", sh, c, l.mean[c], mean)
			}
			if d := math.Abs(l.invStd[c] - invStd); d > 1e-12*invStd {
				t.Errorf("%v channel %d: invStd %.17g, want %.17g", sh, c, l.invStd[c], invStd)
			}
			wantRV := float32(0.9 + 0.1*q/(m-1))
			if got := l.RunningVar[c]; math.Abs(float64(got-wantRV)) > 1e-6*float64(wantRV) {
				t.Errorf("%v channel %d: RunningVar %g, want %g", sh, c, got, wantRV)
			}
		}
	}
}

// TestConvBNTrainingFusionIsExact checks that a training step where each
// Conv2D gathers the next batch norm's statistics image by image (see
// Conv2D.forwardFused) and the second convolution applies the first batch
// norm's map and ReLU to each image before reading it (see
// Sequential.handOn), and in the backward pass each convolution writes the
// next batch norm's input gradient image by image before reading it (see
// Sequential.handBack), gives the bits of the layers run one by one: the
// output, the batch norms' responses and running statistics, the input
// gradient and every parameter gradient; for direct convolution, Winograd
// and the im2col path.
func TestConvBNTrainingFusionIsExact(t *testing.T) {
	build := func(algo ConvAlgo, im2col bool) *Sequential {
		s := NewSequential(NewConv2D("conv1", 3, 5, 3, 1, 1), NewBatchNorm2D("bn1", 5), NewActivation(ReLU),
			NewConv2D("conv2", 5, 4, 3, 1, 1), NewBatchNorm2D("bn2", 4))
		s.SetConvAlgo(algo)
		for _, i := range []int{0, 3} {
			s.Layers[i].(*Conv2D).im2col = im2col
		}
		randomize(s, newRand(13))
		return s
	}
	for _, tc := range []struct {
		name   string
		algo   ConvAlgo
		im2col bool
	}{{"direct", ConvDirect, false}, {"winograd", ConvWinograd, false}, {"winograd2", ConvWinograd2, false}, {"im2col", ConvDirect, true}} {
		t.Run(tc.name, func(t *testing.T) {
			fused, plain := build(tc.algo, tc.im2col), build(tc.algo, tc.im2col)
			if n := fused.Layers[0].(*Conv2D).fuses(fused.Layers[1:], true); n != 2 {
				t.Fatalf("training-mode fuses = %d, want 2", n)
			}
			rng := newRand(14)
			x := randTensor(rng, 6, 3, 8, 10)
			outF := fused.Forward(x, true)
			outP := x
			for _, l := range plain.Layers {
				outP = l.Forward(outP, true)
			}
			expectClose(t, "output", outF.Data, outP.Data, 0)
			for _, i := range []int{1, 4} {
				bnF, bnP := fused.Layers[i].(*BatchNorm2D), plain.Layers[i].(*BatchNorm2D)
				expectClose(t, bnF.Name+" output", bnF.Output().Data, bnP.Output().Data, 0)
				expectClose(t, bnF.Name+" running mean", bnF.RunningMean, bnP.RunningMean, 0)
				expectClose(t, bnF.Name+" running var", bnF.RunningVar, bnP.RunningVar, 0)
			}
			expectClose(t, "ReLU output", fused.Layers[2].(*Activation).out.Data, plain.Layers[2].(*Activation).out.Data, 0)
			dout := randTensor(rng, outF.N, outF.C, outF.H, outF.W)
			dxF := fused.Backward(dout)
			dxP := dout
			for i := len(plain.Layers) - 1; i >= 0; i-- {
				dxP = plain.Layers[i].Backward(dxP)
			}
			expectClose(t, "dx", dxF.Data, dxP.Data, 0)
			pf, pp := fused.Params(), plain.Params()
			for i := range pf {
				expectClose(t, pf[i].Name, pf[i].Grad, pp[i].Grad, 0)
			}
		})
	}
}
