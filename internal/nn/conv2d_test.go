package nn

import (
	"fmt"
	"os"
	"testing"

	"github.com/resexp/resexp/internal/nn/kernels"
)

// convNaive is the oracle for Conv2D: the direct loops of the convolution
// and of its two gradients, accumulated in float64.
//
//	out[n,o,oh,ow] = Σ_{c,i,j} w[o,c,i,j] * x[n,c,oh*s-p+i,ow*s-p+j]
//	dw[o,c,i,j]    = Σ_{n,oh,ow} dout[n,o,oh,ow] * x[n,c,oh*s-p+i,ow*s-p+j]
//	dx[n,c,ih,iw]  = Σ dout[n,o,oh,ow] * w[o,c,i,j] over ih = oh*s-p+i, iw = ow*s-p+j
func convNaive(x, dout *Tensor, w []float32, oc, k, s, p int) (out, dx *Tensor, dw []float32) {
	oh, ow := (x.H+2*p-k)/s+1, (x.W+2*p-k)/s+1
	out = NewTensor(x.N, oc, oh, ow)
	dx = NewTensor(x.N, x.C, x.H, x.W)
	dx64 := make([]float64, len(dx.Data))
	dw64 := make([]float64, len(w))
	for n := range x.N {
		for o := range oc {
			for y := range oh {
				for z := range ow {
					oi := ((n*oc+o)*oh+y)*ow + z
					var sum float64
					for c := range x.C {
						for i := range k {
							for j := range k {
								ih, iw := y*s-p+i, z*s-p+j
								if ih < 0 || ih >= x.H || iw < 0 || iw >= x.W {
									continue
								}
								xi, wi := ((n*x.C+c)*x.H+ih)*x.W+iw, ((o*x.C+c)*k+i)*k+j
								sum += float64(w[wi]) * float64(x.Data[xi])
								dw64[wi] += float64(dout.Data[oi]) * float64(x.Data[xi])
								dx64[xi] += float64(dout.Data[oi]) * float64(w[wi])
							}
						}
					}
					out.Data[oi] = float32(sum)
				}
			}
		}
	}
	dw = make([]float32, len(w))
	for i, v := range dw64 {
		dw[i] = float32(v)
	}
	for i, v := range dx64 {
		dx.Data[i] = float32(v)
	}
	return out, dx, dw
}

// TestConv2DMatchesNaive checks every way a 3x3 stride-1 convolution can
// run: the implicit GEMM (where kernels.ConvImplicit holds) and im2col,
// each with the direct output and dx and with Winograd's: F(4x4) where
// the kernels can (ConvWinograd) and F(2x2) (ConvWinograd2).
func TestConv2DMatchesNaive(t *testing.T) {
	for _, implicit := range []bool{true, false} {
		for _, algo := range []ConvAlgo{ConvDirect, ConvWinograd, ConvWinograd2} {
			t.Run(fmt.Sprintf("implicit=%v/algo=%v", implicit, algo), func(t *testing.T) {
				testConv2DMatchesNaive(t, implicit, algo)
			})
		}
	}
}

func testConv2DMatchesNaive(t *testing.T, implicit bool, algo ConvAlgo) {
	for _, tc := range []struct{ n, c, h, w, oc, k, s, p int }{
		{3, 5, 9, 7, 6, 3, 1, 1},
		{3, 5, 9, 7, 6, 3, 2, 1},
		{2, 4, 8, 8, 3, 3, 2, 1},
		{3, 5, 9, 7, 6, 1, 1, 0},
		{3, 5, 9, 7, 6, 1, 2, 0},
		{2, 3, 7, 6, 4, 3, 2, 0},
		{2, 3, 6, 5, 2, 5, 1, 2},
		{2, 2, 5, 5, 3, 3, 3, 2},
		{11, 2, 4, 3, 3, 3, 1, 1},
		{1, 1, 1, 1, 1, 1, 1, 0},
		{9, 16, 8, 8, 16, 3, 1, 1},
		{2, 3, 4, 4, 5, 3, 1, 1},
		{2, 2, 2, 2, 3, 3, 1, 1},
		{3, 3, 28, 28, 16, 3, 1, 1},
		{2, 16, 14, 14, 16, 3, 1, 1},
		{2, 32, 7, 7, 40, 3, 1, 1},
		{2, 16, 32, 32, 16, 3, 1, 1},
		{2, 16, 32, 32, 32, 3, 2, 1},
		{3, 6, 14, 14, 8, 3, 2, 1},
		{2, 3, 4, 6, 4, 3, 2, 1},
	} {
		name := fmt.Sprintf("N%dC%d_%dx%d_OC%d_k%ds%dp%d", tc.n, tc.c, tc.h, tc.w, tc.oc, tc.k, tc.s, tc.p)
		t.Run(name, func(t *testing.T) {
			rng := newRand(3)
			l := NewConv2D("conv", tc.c, tc.oc, tc.k, tc.s, tc.p)
			l.im2col, l.Algo = !implicit, algo
			randomize(l, rng)
			x := randTensor(rng, tc.n, tc.c, tc.h, tc.w)
			out := l.Forward(x, true)
			dout := randTensor(rng, out.N, out.C, out.H, out.W)
			dx := l.Backward(dout)
			wantOut, wantDx, wantDw := convNaive(x, dout, l.Weight.Data, tc.oc, tc.k, tc.s, tc.p)
			if !out.SameShape(wantOut) {
				t.Fatalf("output shape %v, want %v", out, wantOut)
			}
			expectClose(t, "out", out.Data, wantOut.Data, 1e-5)
			expectClose(t, "dx", dx.Data, wantDx.Data, 1e-5)
			expectClose(t, "dW", l.Weight.Grad, wantDw, 1e-5)
			if tc.k == 3 && tc.p == 1 && kernels.StrideOK(tc.h, tc.w, tc.s) && l.implicit != (implicit && kernels.ConvImplicit()) {
				t.Fatalf("implicit = %v, want %v", l.implicit, implicit && kernels.ConvImplicit())
			}
			if wino := algo != ConvDirect && tc.k == 3 && tc.s == 1 && tc.p == 1; l.wino != wino {
				t.Fatalf("wino = %v, want %v", l.wino, wino)
			}
			if wino4 := l.wino && algo == ConvWinograd && kernels.Winograd4OK(tc.h, tc.w); l.wino4 != wino4 || l.wino4dx != wino4 {
				t.Fatalf("wino4, wino4dx = %v, %v, want %v", l.wino4, l.wino4dx, wino4)
			}
			if g4 := l.winoGrad && algo == ConvWinograd && kernels.Supports4x4(tc.h, tc.w) && l.gplan4.GradOK(); l.wino4Grad != g4 {
				t.Fatalf("wino4Grad = %v, want %v", l.wino4Grad, g4)
			}
		})
	}
}

// TestConv2DNoInputGrad checks that NoInputGrad returns nil and leaves the
// weight gradient as it is with dx.
func TestConv2DNoInputGrad(t *testing.T) {
	rng := newRand(5)
	a, b := NewConv2D("a", 3, 4, 3, 1, 1), NewConv2D("b", 3, 4, 3, 1, 1)
	randomize(a, rng)
	copy(b.Weight.Data, a.Weight.Data)
	b.NoInputGrad = true
	x := randTensor(rng, 3, 3, 6, 6)
	out := a.Forward(x, true)
	b.Forward(x, true)
	dout := randTensor(rng, out.N, out.C, out.H, out.W)
	a.Backward(dout)
	if dx := b.Backward(dout); dx != nil {
		t.Fatalf("NoInputGrad: Backward returned %v, want nil", dx)
	}
	expectClose(t, "dW", b.Weight.Grad, a.Weight.Grad, 0)
}

// expectClose fails unless max|got-want| <= tol * max(1, max|want|).
func expectClose(t *testing.T, name string, got, want []float32, tol float64) {
	t.Helper()
	diff, scale := maxAbsDiff(got, want)
	if diff > tol*max(1, scale) || diff != diff {
		i := worstIndex(got, want)
		t.Errorf("%s[%d] = %g, want %g (max abs diff %.3g, scale %.3g)", name, i, got[i], want[i], diff, scale)
	}
}

func TestConv2DOutShape(t *testing.T) {
	for _, tc := range []struct{ h, w, k, s, p, oh, ow int }{
		{32, 32, 3, 1, 1, 32, 32},
		{32, 32, 3, 2, 1, 16, 16},
		{28, 28, 3, 2, 1, 14, 14},
		{14, 14, 3, 2, 1, 7, 7},
		{32, 32, 1, 2, 0, 16, 16},
		{5, 7, 3, 2, 0, 2, 3},
	} {
		l := NewConv2D("c", 1, 1, tc.k, tc.s, tc.p)
		if oh, ow := l.OutShape(tc.h, tc.w); oh != tc.oh || ow != tc.ow {
			t.Errorf("k%d s%d p%d on %dx%d: OutShape = %dx%d, want %dx%d", tc.k, tc.s, tc.p, tc.h, tc.w, oh, ow, tc.oh, tc.ow)
		}
	}
}

func BenchmarkConv2D(b *testing.B) {
	for _, tc := range []struct{ n, c, hw, oc, k, s, p int }{
		{32, 16, 32, 16, 3, 1, 1},
		{32, 16, 32, 32, 3, 2, 1},
		{32, 32, 16, 32, 3, 1, 1},
		{32, 64, 8, 64, 3, 1, 1},
		{32, 64, 8, 64, 1, 1, 0},
	} {
		name := fmt.Sprintf("N%d_%dx%dx%d_OC%d_k%ds%d", tc.n, tc.c, tc.hw, tc.hw, tc.oc, tc.k, tc.s)
		rng := newRand(4)
		l := NewConv2D("conv", tc.c, tc.oc, tc.k, tc.s, tc.p)
		randomize(l, rng)
		x := randTensor(rng, tc.n, tc.c, tc.hw, tc.hw)
		out := l.Forward(x, true)
		dout := randTensor(rng, out.N, out.C, out.H, out.W)
		flops := 2 * float64(out.N*out.C*out.H*out.W*tc.c*tc.k*tc.k) // forward; backward is twice that
		b.Run(name+"/forward", func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				l.Forward(x, true)
			}
			b.ReportMetric(flops*float64(b.N)/b.Elapsed().Seconds()/1e9, "GFLOP/s")
		})
		b.Run(name+"/backward", func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				l.Backward(dout)
			}
			b.ReportMetric(2*flops*float64(b.N)/b.Elapsed().Seconds()/1e9, "GFLOP/s")
		})
	}
}

// TestConv2DWinograd4Default checks the default (ConvAuto, RESEXP_CONV
// unset) where F(4x4) pays (AVX-512 or AVX2, 16 channels on 8x8): a
// training-mode Forward (with AVX-512) and its Backward's dx run F(4x4), as
// does an inference-mode Forward; on 32x32 a training-mode Forward runs F(2x2)
// (kernels.Wino4TrainMaxWidth) and, with AVX-512, its Backward F(4x4) for
// the weight gradient; all against the naive convolution, and the
// inference-mode output of conv, batch norm and ReLU fused (the
// convolution's RunEach calling the batch norm's epilogue per image) the
// same bits as unfused.
func TestConv2DWinograd4Default(t *testing.T) {
	if os.Getenv("RESEXP_CONV") != "" || !kernels.Winograd4Pays(16, 16, 8, 8) {
		t.Skip("F(4x4) is not the default here")
	}
	rng := newRand(21)
	build := func(fusion bool) *Sequential {
		s := NewSequential(NewConv2D("conv", 16, 16, 3, 1, 1), NewBatchNorm2D("bn", 16), NewActivation(ReLU))
		randomize(s, newRand(22))
		s.SetInferenceFusion(fusion)
		return s
	}
	fused, plain := build(true), build(false)
	l := fused.Layers[0].(*Conv2D)
	x := randTensor(rng, 5, 16, 8, 8)
	out := l.Forward(x, true)
	if fwd4, _ := kernels.UseWinograd4(16, 16, 8, 8, true); !l.wino || l.wino4 != fwd4 || !l.wino4dx || fwd4 != (kernels.Kernel() == "avx512") {
		t.Fatalf("training: wino, wino4, wino4dx = %v, %v, %v, want true, %v (AVX-512 only), true", l.wino, l.wino4, l.wino4dx, fwd4)
	}
	dout := randTensor(rng, out.N, out.C, out.H, out.W)
	dx := l.Backward(dout)
	if l.wino4Grad { // F(4x4)'s weight gradient pays from 16 pixels wide
		t.Fatal("training: wino4Grad = true on 8x8, want false")
	}
	wantOut, wantDx, wantDw := convNaive(x, dout, l.Weight.Data, 16, 3, 1, 1)
	expectClose(t, "train out", out.Data, wantOut.Data, 1e-5)
	expectClose(t, "dx", dx.Data, wantDx.Data, 1e-5)
	expectClose(t, "dW", l.Weight.Grad, wantDw, 1e-5)
	evalOut := l.Forward(x, false)
	if !l.wino4 {
		t.Fatal("inference: wino4 = false, want true")
	}
	expectClose(t, "eval out", evalOut.Data, wantOut.Data, 1e-5)
	yf, yp := fused.Forward(x, false), plain.Forward(x, false)
	expectClose(t, "fused eval", yf.Data, yp.Data, 0)
	if !fused.Layers[0].(*Conv2D).wino4 || !plain.Layers[0].(*Conv2D).wino4 {
		t.Fatal("the nets' inference-mode Forward did not run F(4x4)")
	}
	wide := NewConv2D("wide", 16, 16, 3, 1, 1)
	randomize(wide, rng)
	x = randTensor(rng, 3, 16, 32, 32)
	out = wide.Forward(x, true)
	if !wide.wino || wide.wino4 {
		t.Fatalf("training 32x32: wino, wino4 = %v, %v, want true, false", wide.wino, wide.wino4)
	}
	dout = randTensor(rng, 3, 16, 32, 32)
	wide.Backward(dout)
	if want := wide.gplan4.GradOK(); wide.winoGrad != want || wide.wino4Grad != want { // AVX-512 only
		t.Fatalf("training 32x32: winoGrad, wino4Grad = %v, %v, want %v, %v", wide.winoGrad, wide.wino4Grad, want, want)
	}
	wantOut, _, wantDw = convNaive(x, dout, wide.Weight.Data, 16, 3, 1, 1)
	expectClose(t, "train out 32x32", out.Data, wantOut.Data, 1e-5)
	expectClose(t, "dW 32x32", wide.Weight.Grad, wantDw, 1e-5)
}
