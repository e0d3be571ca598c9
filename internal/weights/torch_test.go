package weights_test

import (
	"encoding/json"
	"fmt"
	"math"
	"os"
	"os/exec"
	"slices"
	"strings"
	"testing"

	"github.com/resexp/resexp/internal/experiments"
)

// torchCase is one net of testdata/torch_probe.py's output.
type torchCase struct {
	Name, Weights, Batch string
	Depth                int
	Shortcut, Dataset    string
	Count                int
	Loss32, Loss64       float64
	Norms32, Norms64     map[string]float64
	InputGrad32          torchInputGrad `json:"input_grad32"`
	InputGrad64          torchInputGrad `json:"input_grad64"`
}

// torchInputGrad is PyTorch's x.grad of a case: its L2 norm and its values
// at the flat indices of resexp probe's (experiments.ProbeInputIndex).
type torchInputGrad struct {
	Norm    float64
	Indices []int
	Values  []float64
}

// runTorch runs testdata/torch_probe.py, which builds the repository's
// reference net (bench/pytorch/resnet_cifar.py), for cases, skipping the
// test when PyTorch is not installed.
func runTorch(t *testing.T, cases ...string) []torchCase {
	t.Helper()
	const python = "/usr/bin/python3"
	if err := exec.Command(python, "-c", "import torch").Run(); err != nil {
		t.Skipf("skipping the PyTorch cross-check: %s -c 'import torch' failed (%v)", python, err)
	}
	dir := t.TempDir()
	cmd := exec.Command(python, append([]string{"testdata/torch_probe.py", dir}, cases...)...)
	cmd.Stderr = os.Stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("torch_probe.py: %v", err)
	}
	var res []torchCase
	if err := json.Unmarshal(out, &res); err != nil {
		t.Fatalf("torch_probe.py output: %v", err)
	}
	return res
}

// Tolerances of the cross-check. The loss of float32 resexp and float32
// PyTorch agrees to ~1e-7. A single layer's weight-gradient norm of these
// nets is not determined to 1e-4 by float32 arithmetic: PyTorch's own
// float32 norms differ from its float64 ones by up to ~1e-3 (ResNet-56),
// and in float64, perturbing only the input by half a float32 ulp moves
// some norms by 1e-4 to 3e-4 (a ReLU's kink crossed). So the norms are held
// to normTol in the median over a net's layers, where a wrong name, layout,
// padding or BatchNorm formula would show, and to maxNormTol, the float32
// noise floor, in every layer.
const (
	lossTol    = 1e-5
	normTol    = 1e-4
	maxNormTol = 3e-3
)

// Tolerances of the input gradient (x.grad), set as the weight-gradient
// norms' above and from what the cases showed (measured with the reference
// of bench/pytorch). Its norm over the whole batch agreed within 2.7e-5
// (PyTorch's float32 from its float64: up to 7.9e-5), so inputNormTol is
// 3e-4. A single value moves when a ReLU's kink is crossed under rounding:
// as a fraction of the largest |value| reported, resexp's differed from
// PyTorch's float32 by up to 3.2e-3 (ResNet-20 option A on CIFAR-10, as
// much from PyTorch's float64), PyTorch's float32 from its float64 by up
// to 3.6e-4 (ResNet-56), and the median over a case's 8 values was up to
// 1.3e-4 (ResNet-56). So each value is held to inputMaxTol, the float32
// noise floor, and the median to inputMedianTol, where a wrong index,
// layout or formula (differences of order 1) would show.
const (
	inputNormTol   = 3e-4
	inputMedianTol = 1e-3
	inputMaxTol    = 2e-2
)

func relDiff(a, b float64) float64 { return math.Abs(a-b) / math.Max(math.Abs(b), 1e-30) }

// probeConfig is the config of a torch case: the reference's depth and
// shortcut, its data set's shape, normalisation none.
func probeConfig(c torchCase) experiments.Config {
	cfg := experiments.Default()
	cfg.Model.Depth, cfg.Model.Residual = c.Depth, c.Shortcut != "plain"
	if c.Shortcut != "plain" {
		cfg.Model.Shortcut = c.Shortcut
	}
	cfg.Data.Dataset, cfg.Data.Normalize = c.Dataset, "none"
	return cfg
}

// TestProbeMatchesPyTorch loads PyTorch-made weights and batches into
// resexp probe and compares the loss (relative difference < 1e-5), every
// conv and fc weight-gradient norm (< 1e-4) and the input gradient (see
// checkInputGrad) with PyTorch's, in float32, for plain nets and options
// A, B and C on CIFAR-10 and MNIST
// shapes (see the tolerances above). It logs the median and largest
// relative differences, and those of resexp and of PyTorch's float32 run
// from PyTorch's float64 run.
func TestProbeMatchesPyTorch(t *testing.T) {
	var specs []string
	for _, ds := range []string{"cifar10", "mnist"} {
		for _, sc := range []string{"plain", "A", "B", "C"} {
			specs = append(specs, fmt.Sprintf("%s-20-%s:20:%s:%s:32", sc, ds, sc, ds))
		}
	}
	specs = append(specs, "A-56-cifar10:56:A:cifar10:16")
	for _, c := range runTorch(t, specs...) {
		r, err := experiments.Probe(probeConfig(c), experiments.ProbeOptions{Weights: c.Weights, Batch: c.Batch, Count: c.Count})
		if err != nil {
			t.Fatalf("%s: %v", c.Name, err)
		}
		if len(r.Layers) != len(c.Norms32) {
			t.Fatalf("%s: %d layers, PyTorch %d", c.Name, len(r.Layers), len(c.Norms32))
		}
		lossRel := relDiff(r.Loss, c.Loss32)
		if lossRel > lossTol {
			t.Errorf("%s: loss %.9g, PyTorch %.9g (relative difference %.2g)", c.Name, r.Loss, c.Loss32, lossRel)
		}
		var worst, worst64, torch64 float64
		var worstName string
		diffs := make([]float64, len(r.Layers))
		for i, l := range r.Layers {
			want, ok := c.Norms32[l.PyTorch]
			if !ok {
				t.Fatalf("%s: layer %s maps to %q, not a PyTorch module", c.Name, l.Layer, l.PyTorch)
			}
			diffs[i] = relDiff(l.Norm, want)
			if diffs[i] > worst {
				worst, worstName = diffs[i], l.Layer
			}
			worst64 = math.Max(worst64, relDiff(l.Norm, c.Norms64[l.PyTorch]))
			torch64 = math.Max(torch64, relDiff(want, c.Norms64[l.PyTorch]))
			if diffs[i] > maxNormTol {
				t.Errorf("%s: %s (%s) gradient norm %.9g, PyTorch %.9g: relative difference %.2g > %.2g",
					c.Name, l.Layer, l.PyTorch, l.Norm, want, diffs[i], maxNormTol)
			}
		}
		slices.Sort(diffs)
		if med := diffs[len(diffs)/2]; med > normTol {
			t.Errorf("%s: median relative difference of the gradient norms %.2g > %.2g", c.Name, med, normTol)
		}
		t.Logf("%-16s loss: rel diff %.1e (from float64: resexp %.1e, torch32 %.1e); norms: median rel diff %.1e, max %.1e at %s (max from float64: resexp %.1e, torch32 %.1e)",
			c.Name, lossRel, relDiff(r.Loss, c.Loss64), relDiff(c.Loss32, c.Loss64), diffs[len(diffs)/2], worst, worstName, worst64, torch64)
		checkInputGrad(t, c, r.InputGrad)
	}
}

// checkInputGrad compares resexp probe's input gradient g with PyTorch's
// x.grad of case c: the same indices, the L2 norm over the batch within
// inputNormTol (relative), and the values, as fractions of the largest
// |value| reported, within inputMaxTol each and inputMedianTol in the
// median. It logs the differences, and those of resexp and of PyTorch's
// float32 run from PyTorch's float64 run.
func checkInputGrad(t *testing.T, c torchCase, g experiments.ProbeInputGrad) {
	t.Helper()
	want, want64 := c.InputGrad32, c.InputGrad64
	if len(g.Values) != len(want.Values) || len(want.Values) == 0 {
		t.Fatalf("%s: %d input-gradient values, PyTorch %d", c.Name, len(g.Values), len(want.Values))
	}
	normRel := relDiff(g.Norm, want.Norm)
	if normRel > inputNormTol {
		t.Errorf("%s: input gradient norm %.9g, PyTorch %.9g: relative difference %.2g > %.2g", c.Name, g.Norm, want.Norm, normRel, inputNormTol)
	}
	var scale, resexp64, torch64 float64
	for _, v := range want.Values {
		scale = math.Max(scale, math.Abs(v))
	}
	diffs := make([]float64, len(g.Values))
	for k, v := range g.Values {
		if v.Index != want.Indices[k] {
			t.Fatalf("%s: input-gradient value %d at index %d, PyTorch's at %d", c.Name, k, v.Index, want.Indices[k])
		}
		diffs[k] = math.Abs(v.Value-want.Values[k]) / scale
		resexp64 = math.Max(resexp64, math.Abs(v.Value-want64.Values[k])/scale)
		torch64 = math.Max(torch64, math.Abs(want.Values[k]-want64.Values[k])/scale)
		if diffs[k] > inputMaxTol {
			t.Errorf("%s: dLoss/dx[%d] = %.9g, PyTorch %.9g: difference %.2g of the largest |value| > %.2g", c.Name, v.Index, v.Value, want.Values[k], diffs[k], inputMaxTol)
		}
	}
	slices.Sort(diffs)
	if med := diffs[len(diffs)/2]; med > inputMedianTol {
		t.Errorf("%s: median difference of the input-gradient values %.2g of the largest > %.2g", c.Name, med, inputMedianTol)
	}
	t.Logf("%-16s input gradient: norm rel diff %.1e (from float64: resexp %.1e, torch32 %.1e); values: median diff %.1e, max %.1e of the largest (max from float64: resexp %.1e, torch32 %.1e)",
		c.Name, normRel, relDiff(g.Norm, want64.Norm), relDiff(want.Norm, want64.Norm), diffs[len(diffs)/2], diffs[len(diffs)-1], resexp64, torch64)
}

// TestLoadRefusesTorchFloat64 refuses a PyTorch state dict saved as
// float64, naming the tensor and the dtype wanted.
func TestLoadRefusesTorchFloat64(t *testing.T) {
	c := runTorch(t, "a:20:A:cifar10:8")[0]
	f64 := strings.TrimSuffix(c.Weights, ".safetensors") + "-f64.safetensors"
	_, err := experiments.Probe(probeConfig(c), experiments.ProbeOptions{Weights: f64, Batch: c.Batch, Count: 8})
	if err == nil || !experiments.IsBadInput(err) || !strings.Contains(err.Error(), "is F64 [16 3 3 3], want F32 [16 3 3 3]") {
		t.Errorf("float64 weights: error %v, want an input error naming conv1.weight's dtype", err)
	}
}
