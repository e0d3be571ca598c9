package plots

import (
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/resexp/resexp/internal/runfiles"
)

// fakeRun describes a synthetic run written by writeFakeRun.
type fakeRun struct {
	depth    int
	residual bool
	steps    int // metrics rows at steps 0..steps-1
	every    int // gradient norms and responses every this many steps
}

func (f fakeRun) label() string {
	if f.residual {
		return fmt.Sprintf("resnet-%d", f.depth)
	}
	return fmt.Sprintf("plain-%d", f.depth)
}

// writeFakeRun writes a run directory under root that looks like a real one:
// deeper plain nets train worse, plain nets' gradients shrink towards the
// input (down to 1e-12 for plain-56), and plain-56 has one gradient norm of
// 0, one NaN and one +Inf.
func writeFakeRun(t testing.TB, root string, f fakeRun) string {
	t.Helper()
	dir := filepath.Join(root, f.label())
	must(t, mkdir(dir))
	start := time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)
	must(t, runfiles.WriteMeta(dir, &runfiles.Meta{Name: f.label(), Label: f.label(), Dataset: "cifar10",
		Depth: f.depth, Residual: f.residual, Params: 269722 * f.depth / 20, Seed: 1, Start: start,
		Status: runfiles.StatusCompleted}))
	rng := rand.New(rand.NewPCG(uint64(f.depth), uint64(b2i(f.residual))))
	writeFakeMetrics(t, dir, f, rng)
	writeFakeGrads(t, dir, f, rng)
	writeFakeResponses(t, dir, f, rng)
	return dir
}

func writeFakeMetrics(t testing.TB, dir string, f fakeRun, rng *rand.Rand) {
	w, err := runfiles.OpenMetrics(dir)
	must(t, err)
	final := 0.05 + 0.002*float64(f.depth)
	if f.residual {
		final = 0.08 - 0.0005*float64(f.depth)
	}
	for s := range f.steps {
		decay := math.Exp(-float64(s) / (float64(f.steps) / 4))
		loss := 2.3*decay + final*(1-decay) + 0.05*rng.NormFloat64()*decay
		r := runfiles.MetricsRow{Step: s, Epoch: float64(s) / 390, LR: 0.1, TrainLoss: loss,
			TrainErr: math.Min(0.9, loss/2.5), TestLoss: math.NaN(), TestErr: math.NaN(),
			ImagesPerSec: 500, ElapsedS: float64(s) / 4}
		if s%50 == 0 || s == f.steps-1 {
			r.TestLoss, r.TestErr = loss*1.2+0.1, math.Min(0.9, loss/2.5+0.04)
		}
		must(t, w.WriteMetrics(r))
	}
	must(t, w.Close())
}

func writeFakeGrads(t testing.TB, dir string, f fakeRun, rng *rand.Rand) {
	w, err := runfiles.OpenGradNorms(dir)
	must(t, err)
	for s := 0; s < f.steps; s += f.every {
		progress := float64(s) / float64(f.steps)
		var rows []runfiles.GradNormRow
		for l := range f.depth {
			depthFromTop := float64(f.depth - 1 - l)
			logNorm := -0.5 + 0.3*rng.NormFloat64() + 2*progress
			if !f.residual {
				logNorm -= depthFromTop * (12.0 / 55) * (1 - 0.5*progress)
			}
			rows = append(rows, runfiles.GradNormRow{Step: s, Index: l, Layer: layerName(l, f.depth), Norm: math.Pow(10, logNorm)})
		}
		if !f.residual && f.depth == 56 {
			switch s {
			case f.every:
				rows[3].Norm = 0
			case 2 * f.every:
				rows[10].Norm = math.NaN()
			case 3 * f.every:
				rows[f.depth-1].Norm = math.Inf(1)
			case 4 * f.every:
				rows[0].Norm = 1e3
			}
		}
		must(t, w.WriteGradNorms(rows))
	}
	must(t, w.Close())
}

func writeFakeResponses(t testing.TB, dir string, f fakeRun, rng *rand.Rand) {
	w, err := runfiles.OpenResponses(dir)
	must(t, err)
	for s := 0; s < f.steps; s += f.every * 10 {
		var rows []runfiles.ResponseRow
		for l := 1; l < f.depth-1; l++ {
			std := 1 + 0.2*rng.NormFloat64()
			if f.residual {
				std = 0.3 + 0.5*math.Exp(-float64(l)/10) + 0.05*rng.NormFloat64()
			}
			rows = append(rows, runfiles.ResponseRow{Step: s, Index: l, Layer: layerName(l, f.depth), Mean: 0, Std: math.Abs(std)})
		}
		must(t, w.WriteResponses(rows))
	}
	must(t, w.Close())
}

// layerName names layer l of a CIFAR net of the given depth (6n+2): conv1,
// stage<k>.block<b>.conv<c>, fc.
func layerName(l, depth int) string {
	n := (depth - 2) / 6
	switch {
	case l == 0:
		return "conv1"
	case l == depth-1:
		return "fc"
	}
	i := l - 1
	return fmt.Sprintf("stage%d.block%d.conv%d", i/(2*n)+1, i%(2*n)/2+1, i%2+1)
}

func must(t testing.TB, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func mkdir(dir string) error { return os.MkdirAll(dir, 0o755) }
