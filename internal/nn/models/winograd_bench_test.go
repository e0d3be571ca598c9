//go:build unix

package models

import (
	"math/rand/v2"
	"syscall"
	"testing"
	"time"

	"github.com/resexp/resexp/internal/nn"
	"github.com/resexp/resexp/internal/nn/optim"
)

// BenchmarkWinogradStep compares whole steps of the CIFAR ResNet-20 and
// ResNet-56 at batch 128 with direct convolutions everywhere (ConvDirect,
// as RESEXP_CONV=direct) and with each layer's default (ConvAuto with
// RESEXP_CONV unset: Winograd where kernels.WinogradPays says so): every
// iteration runs one step of each net, interleaved, and the metrics are
// images per CPU-second of the process for each (fairer than wall time on
// a shared machine; with 2 cores the wall rate is up to twice that).
func BenchmarkWinogradStep(b *testing.B) {
	for _, depth := range []int{20, 56} {
		s := Spec{Depth: depth, Residual: true, Norm: "batch", Activation: nn.ReLU, InC: 3, H: 32, W: 32, Classes: 10}
		for _, mode := range []string{"train", "eval"} {
			b.Run(s.Label()+"/"+mode, func(b *testing.B) {
				steps := [2]func(){benchStep(b, s, nn.ConvDirect, mode), benchStep(b, s, nn.ConvAuto, mode)}
				var cpu [2]time.Duration
				for b.Loop() {
					for i, step := range steps {
						c0 := cpuTime()
						step()
						cpu[i] += cpuTime() - c0
					}
				}
				for i, name := range []string{"direct", "default"} {
					if cpu[i] > 0 {
						b.ReportMetric(float64(128*b.N)/cpu[i].Seconds(), name+"-img/cpu-s")
					}
				}
			})
		}
	}
}

// benchStep returns one training (SGD) or evaluation step of the net s at
// batch 128 on random inputs, its convolutions run as algo says, after one
// warm-up step.
func benchStep(b testing.TB, s Spec, algo nn.ConvAlgo, mode string) func() {
	m, err := Build(s)
	if err != nil {
		b.Fatal(err)
	}
	m.Net.SetConvAlgo(algo)
	rng := rand.New(rand.NewPCG(1, 2))
	if err := m.Init(rng, "he"); err != nil {
		b.Fatal(err)
	}
	x := nn.NewTensor(128, s.InC, s.H, s.W)
	for i := range x.Data {
		x.Data[i] = float32(rng.NormFloat64())
	}
	y := make([]uint8, x.N)
	loss := nn.NewSoftmaxCrossEntropy()
	opt := optim.NewSGD(m.Params(), 0.9, 1e-4, false)
	step := func() { loss.Forward(m.Net.Forward(x, false), y) }
	if mode == "train" {
		step = func() {
			loss.Forward(m.Net.Forward(x, true), y)
			m.Net.Backward(loss.Backward())
			opt.Step(0.01)
		}
	}
	step()
	return step
}

// cpuTime returns the user+system CPU time the process has used so far.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
