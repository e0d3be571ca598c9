package nn

import (
	"fmt"
	"math"
	"runtime"
	"slices"
	"sync/atomic"
	"testing"
)

func TestParallelForCoversRange(t *testing.T) {
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(0))
	for _, procs := range []int{1, 2, 5} {
		runtime.GOMAXPROCS(procs)
		for _, n := range []int{0, 1, 3, 8, 13, 128} {
			var hits [128]atomic.Int32
			var calls atomic.Int32
			parallelFor(n, func(c, lo, hi int) {
				if wlo, whi := chunkRange(n, numChunks(n), c); lo != wlo || hi != whi {
					t.Errorf("n=%d chunk %d: [%d,%d), want [%d,%d)", n, c, lo, hi, wlo, whi)
				}
				calls.Add(1)
				for i := lo; i < hi; i++ {
					hits[i].Add(1)
				}
			})
			if int(calls.Load()) != numChunks(n) {
				t.Errorf("procs %d n=%d: %d calls, want %d", procs, n, calls.Load(), numChunks(n))
			}
			for i := range n {
				if hits[i].Load() != 1 {
					t.Errorf("procs %d n=%d: index %d visited %d times", procs, n, i, hits[i].Load())
				}
			}
		}
	}
}

// detNet is a conv-BN-ReLU stem, an identity block and a downsampling
// option-A block: every batch reduction of the package on one path.
func detNet() *Sequential {
	return NewSequential(
		NewConv2D("conv1", 3, 4, 3, 1, 1), NewBatchNorm2D("bn1", 4), NewActivation(ReLU),
		NewResidual(tinyBody(4, 4, 1, ReLU), nil, NewActivation(ReLU)),
		NewResidual(tinyBody(4, 8, 2, ReLU), NewPadShortcut(4, 8, 2), NewActivation(ReLU)),
		NewConv2D("proj", 8, 6, 1, 1, 0), NewBatchNorm2D("bn3", 6),
		NewGlobalAvgPool(), NewLinear("fc", 6, 5))
}

// stepBits runs one forward and backward pass of a fresh detNet with the
// given GOMAXPROCS and convolution method and returns every output and
// gradient as raw bits.
func stepBits(procs int, algo ConvAlgo) [][]uint32 {
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(procs))
	net := detNet()
	net.SetConvAlgo(algo)
	rng := newRand(6)
	randomize(net, rng)
	x := randTensor(rng, 13, 3, 8, 8)
	out := net.Forward(x, true)
	ce := NewSoftmaxCrossEntropy()
	ce.Forward(out, []uint8{0, 1, 2, 3, 4, 0, 1, 2, 3, 4, 0, 1, 2})
	dx := net.Backward(ce.Backward())
	bits := [][]uint32{toBits(out.Data), toBits(dx.Data)}
	for _, p := range net.Params() {
		bits = append(bits, toBits(p.Grad))
	}
	for _, l := range net.Layers {
		if bn, ok := l.(*BatchNorm2D); ok {
			bits = append(bits, toBits(bn.RunningMean), toBits(bn.RunningVar))
		}
	}
	return bits
}

func toBits(v []float32) []uint32 {
	b := make([]uint32, len(v))
	for i, f := range v {
		b[i] = math.Float32bits(f)
	}
	return b
}

// TestDeterministicAcrossGOMAXPROCS checks that one training step gives the
// same bits whether one goroutine or several run the chunks (batch 13 makes
// the chunks unequal), with direct convolutions and with Winograd's (F(4x4)
// where the kernels can, and F(2x2)).
func TestDeterministicAcrossGOMAXPROCS(t *testing.T) {
	for _, algo := range []ConvAlgo{ConvDirect, ConvWinograd, ConvWinograd2} {
		want := stepBits(1, algo)
		for _, procs := range []int{2, 3, 8} {
			got := stepBits(procs, algo)
			for i := range want {
				if !slices.Equal(got[i], want[i]) {
					t.Errorf("%v, GOMAXPROCS %d: tensor %d differs from GOMAXPROCS 1", algo, procs, i)
				}
			}
		}
	}
}

// TestNoAllocsAfterWarmup proves the steady-state training step of a
// conv/BN/ReLU/residual stack (and of a whole tiny net with its loss)
// does not allocate, with the chunks spread over two goroutines.
func TestNoAllocsAfterWarmup(t *testing.T) {
	if raceEnabled {
		t.Skip("the race detector allocates")
	}
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(2))
	block := NewResidual(tinyBody(4, 4, 1, ReLU), nil, NewActivation(ReLU))
	down := NewResidual(tinyBody(4, 8, 2, ReLU), NewPadShortcut(4, 8, 2), NewActivation(ReLU))
	net := tinyNet(true, ReLU)
	for _, tc := range []struct {
		name  string
		layer Layer
		c     int
	}{{"identityBlock", block, 4}, {"padBlock", down, 4}, {"tinyNet", net, 3}} {
		rng := newRand(7)
		randomize(tc.layer, rng)
		x := randTensor(rng, 10, tc.c, 8, 8)
		labels := []uint8{0, 1, 2, 0, 1, 2, 0, 1, 2, 0}
		ce := NewSoftmaxCrossEntropy()
		step := func() {
			out := tc.layer.Forward(x, true)
			dout := out
			if tc.layer == net {
				ce.Forward(out, labels)
				dout = ce.Backward()
			}
			tc.layer.Backward(dout)
		}
		step()
		if a := testing.AllocsPerRun(20, step); a != 0 {
			t.Errorf("%s: %v allocations per step after warm-up", tc.name, a)
		}
	}
}

func BenchmarkParallelFor(b *testing.B) {
	for _, n := range []int{8, 128} {
		b.Run(fmt.Sprint("N", n), func(b *testing.B) {
			fn := func(c, lo, hi int) {}
			b.ReportAllocs()
			for b.Loop() {
				parallelFor(n, fn)
			}
		})
	}
}
