package experiments

import (
	"context"
	"math/rand/v2"
	"time"

	"github.com/resexp/resexp/internal/nn"
	"github.com/resexp/resexp/internal/nn/models"
	"github.com/resexp/resexp/internal/nn/optim"
)

// BenchResult is the throughput of one network at one batch size.
// GFLOP/s count 2 FLOPs per multiply-accumulate of the conv and fc layers:
// a forward pass is 2*MACs per image, a training step 6*MACs (forward, and
// backward for inputs and weights), the convention of the paper's FLOPs.
type BenchResult struct {
	Label         string
	Batch         int
	Mode          string // "train" or "eval"
	ImagesPerSec  float64
	GFLOPS        float64
	Steps         int
	SecondsPerRun float64
}

// Bench measures training (forward, cross-entropy, backward and an SGD step
// with momentum 0.9 and weight decay 1e-4) and evaluation (forward in
// inference mode) on random N(0,1) inputs, like bench/pytorch/bench_torch.py.
// Each mode runs 2 warm-up steps, then steps until minTime has passed (and at
// least 3 steps). modes lists "train" and/or "eval" in the order to run them;
// none means both, train first.
func Bench(ctx context.Context, spec models.Spec, batch int, minTime time.Duration, modes ...string) ([]BenchResult, error) {
	st, err := NewBenchSteps(spec, batch)
	if err != nil {
		return nil, err
	}
	if len(modes) == 0 {
		modes = []string{"train", "eval"}
	}
	var out []BenchResult
	for _, name := range modes {
		mode := struct {
			name  string
			fn    func()
			flops float64
		}{"train", st.Train, 6}
		if name == "eval" {
			mode.name, mode.fn, mode.flops = "eval", st.Eval, 2
		}
		steps, secs, err := timeSteps(ctx, mode.fn, minTime)
		if err != nil {
			return out, err
		}
		ips := float64(steps*batch) / secs
		out = append(out, BenchResult{Label: spec.Label(), Batch: batch, Mode: mode.name, ImagesPerSec: ips,
			GFLOPS: ips * mode.flops * float64(st.MACs) / 1e9, Steps: steps, SecondsPerRun: secs})
	}
	return out, nil
}

// BenchSteps holds one benchmark network and its fixed random batch. Train
// runs one training step (forward, cross-entropy, backward, SGD update),
// Eval one inference-mode forward pass with the loss; MACs is the network's
// forward multiply-accumulates per image.
type BenchSteps struct {
	Train, Eval func()
	MACs        int64
}

// NewBenchSteps builds spec's network with He initialisation and a batch of
// N(0,1) images with random labels, as Bench measures them.
func NewBenchSteps(spec models.Spec, batch int) (*BenchSteps, error) {
	m, err := models.Build(spec)
	if err != nil {
		return nil, BadInput(err)
	}
	rng := rand.New(rand.NewPCG(1, 2))
	if err := m.Init(rng, "he"); err != nil {
		return nil, err
	}
	x := nn.NewTensor(batch, spec.InC, spec.H, spec.W)
	for i := range x.Data {
		x.Data[i] = float32(rng.NormFloat64())
	}
	y := make([]uint8, batch)
	for i := range y {
		y[i] = uint8(rng.IntN(spec.Classes))
	}
	loss := nn.NewSoftmaxCrossEntropy()
	opt := optim.NewSGD(m.Params(), 0.9, 1e-4, false)
	return &BenchSteps{
		Train: func() {
			loss.Forward(m.Net.Forward(x, true), y)
			m.Net.Backward(loss.Backward())
			opt.Step(0.01)
		},
		Eval: func() { loss.Forward(m.Net.Forward(x, false), y) },
		MACs: m.MACs(),
	}, nil
}

func timeSteps(ctx context.Context, fn func(), minTime time.Duration) (int, float64, error) {
	fn()
	fn()
	start := time.Now()
	n := 0
	for n < 3 || time.Since(start) < minTime {
		if ctx.Err() != nil {
			return n, 0, ErrInterrupted
		}
		fn()
		n++
	}
	return n, time.Since(start).Seconds(), nil
}
