package models

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/resexp/resexp/internal/nn"
)

func cifar(depth int, residual bool) Spec {
	return Spec{Depth: depth, Residual: residual, Norm: "batch", Activation: nn.ReLU, InC: 3, H: 32, W: 32, Classes: 10}
}

// TestParamCountsPaper checks the parameter counts of He et al. 2015, §4.2
// and Table 6 (option A shortcuts, CIFAR-10): ResNet-20 0.27M = 269,722 and
// ResNet-56 0.85M = 853,018 exactly; 32, 44, 110 and 1202 to the table's
// rounding (0.46M, 0.66M, 1.7M, 19.4M). The plain net of each depth has the
// same parameters. The MNIST stem has 1 input channel: 2*16*9 = 288 fewer.
func TestParamCountsPaper(t *testing.T) {
	for _, c := range []struct {
		depth int
		exact int
		round float64 // millions, to the paper's precision
		prec  float64
	}{
		{20, 269722, 0.27, 0.005}, {32, 0, 0.46, 0.005}, {44, 0, 0.66, 0.005},
		{56, 853018, 0.85, 0.005}, {110, 0, 1.7, 0.05}, {1202, 0, 19.4, 0.05},
	} {
		for _, residual := range []bool{false, true} {
			m, err := Build(cifar(c.depth, residual))
			if err != nil {
				t.Fatal(err)
			}
			got := m.NumParams()
			if c.exact != 0 && got != c.exact {
				t.Errorf("%s: %d parameters, want %d", m.Spec.Label(), got, c.exact)
			}
			if d := float64(got)/1e6 - c.round; d < -c.prec || d > c.prec {
				t.Errorf("%s: %.3fM parameters, want %.2fM", m.Spec.Label(), float64(got)/1e6, c.round)
			}
		}
	}
	s := cifar(20, true)
	s.InC, s.H, s.W = 1, 28, 28
	if m, _ := Build(s); m.NumParams() != 269722-288 {
		t.Errorf("MNIST resnet-20: %d parameters, want %d", m.NumParams(), 269722-288)
	}
}

// TestMACs checks forward multiply-accumulates per image against
// conv_macs() of shared/bench/resnet_cifar.py (conv + fc): ResNet-20
// 40,551,040 (~40.6M), ResNet-56 125,485,696, ResNet-110 252,887,680; MNIST
// ResNet-20 30,821,248.
func TestMACs(t *testing.T) {
	for _, c := range []struct {
		spec Spec
		want int64
	}{{cifar(20, true), 40551040}, {cifar(56, false), 125485696}, {cifar(110, true), 252887680},
		{Spec{Depth: 20, Residual: true, Norm: "batch", InC: 1, H: 28, W: 28, Classes: 10}, 30821248}} {
		m, err := Build(c.spec)
		if err != nil {
			t.Fatal(err)
		}
		if got := m.MACs(); got != c.want {
			t.Errorf("%s %dx%d: %d MACs, want %d", m.Spec.Label(), c.spec.H, c.spec.W, got, c.want)
		}
	}
}

// TestLayerNames checks the stable names and depth order of recorded layers:
// depth-1 convs then the fc layer.
func TestLayerNames(t *testing.T) {
	m, _ := Build(cifar(20, true))
	if len(m.Weighted) != 20 {
		t.Fatalf("%d recorded layers, want 20 (depth)", len(m.Weighted))
	}
	var names []string
	for _, w := range m.Weighted {
		names = append(names, w.Name)
		if !strings.HasSuffix(w.Weight.Name, ".weight") || strings.TrimSuffix(w.Weight.Name, ".weight") != w.Name {
			t.Errorf("layer %s has weight %s", w.Name, w.Weight.Name)
		}
	}
	want := "conv1 stage1.block1.conv1 stage1.block1.conv2 stage1.block2.conv1"
	if got := strings.Join(names[:4], " "); got != want {
		t.Errorf("first layers %q, want %q", got, want)
	}
	if names[19] != "fc" || names[18] != "stage3.block3.conv2" {
		t.Errorf("last layers %v", names[17:])
	}
	if len(m.Responses) != 19 {
		t.Errorf("%d response layers, want 19 (every 3x3 conv)", len(m.Responses))
	}
}

func TestBadDepth(t *testing.T) {
	for _, d := range []int{0, 2, 19, 21, 57} {
		if _, err := Build(cifar(d, true)); err == nil || !strings.Contains(err.Error(), fmt.Sprint(d)) {
			t.Errorf("depth %d: err %v, want a refusal naming it", d, err)
		}
	}
}

// TestForwardShapes runs a batch through MNIST- and CIFAR-shaped nets.
func TestForwardShapes(t *testing.T) {
	for _, s := range []Spec{cifar(8, true), cifar(8, false), {Depth: 8, Residual: true, Norm: "none", Activation: nn.Tanh, InC: 1, H: 28, W: 28, Classes: 10}} {
		m, err := Build(s)
		if err != nil {
			t.Fatal(err)
		}
		if err := m.Init(rand.New(rand.NewPCG(1, 2)), "he"); err != nil {
			t.Fatal(err)
		}
		x := nn.NewTensor(2, s.InC, s.H, s.W)
		for i := range x.Data {
			x.Data[i] = float32(i%7) - 3
		}
		out := m.Net.Forward(x, true)
		if out.Shape() != [4]int{2, 10, 1, 1} {
			t.Errorf("%s: output %v, want [2 10 1 1]", s.Label(), out)
		}
		dx := m.Net.Backward(out)
		if !dx.SameShape(x) {
			t.Errorf("%s: dx %v, want %v", s.Label(), dx, x)
		}
	}
}
