package models

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
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
// conv_macs() of bench/pytorch/resnet_cifar.py (conv + fc): ResNet-20
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
		if dx := m.Net.Backward(out); dx != nil {
			t.Errorf("%s: dx %v, want nil (the image needs no gradient)", s.Label(), dx)
		}
	}
}

// TestOneByOneConv checks the 1x1 convolution that changes a tensor's depth
// (Szegedy et al. 2015's inception example): 32 filters of
// 1x1x192 on a 28x28x192 input give 28x28x32, with 32*192 = 6,144 weights
// and 28*28*32*192 = 4,816,896 multiply-accumulates per image.
func TestOneByOneConv(t *testing.T) {
	conv := nn.NewConv2D("reduce", 192, 32, 1, 1, 0)
	out := conv.Forward(nn.NewTensor(1, 192, 28, 28), false)
	if out.Shape() != [4]int{1, 32, 28, 28} || len(conv.Weight.Data) != 6144 {
		t.Errorf("1x1 conv: output %v with %d weights, want [1 32 28 28] with 6144", out, len(conv.Weight.Data))
	}
	want := Row{Name: "reduce", Type: "conv1x1/1", Shape: [3]int{32, 28, 28}, Params: 6144, MACs: 4816896}
	if got := convRow(conv, 28, 28); got != want {
		t.Errorf("table row %+v, want %+v", got, want)
	}
}

func variant(depth int, block Block, shortcut Shortcut, preact bool) Spec {
	s := cifar(depth, true)
	s.Block, s.Shortcut, s.PreAct = block, shortcut, preact
	return s
}

// TestParamCountsVariants checks shortcut options and bottleneck nets.
// Option B ResNet-20 adds resnet_cifar.py's two projections, 1x1 conv + BN,
// 16→32 and 32→64: 269,722 + (16*32+2*32) + (32*64+2*64) = 272,474; its
// MACs add conv_macs()'s 16*16*32*16 + 8*8*64*32 = 262,144 to 40,551,040.
// Option C projects all nine shortcuts: 3*(16*16+32) + (16*32+64) +
// 2*(32*32+64) + (32*64+128) + 2*(64*64+128) = 14,240 more parameters and
// 3*32*32*16*16 + 16*16*32*16 + 2*16*16*32*32 + 8*8*64*32 + 2*8*8*64*64 =
// 2,097,152 more MACs. Pre-activation moves the BNs but keeps their count.
// He et al. 2016 ("Identity Mappings", Table 2 and 3) give the pre-activation
// bottleneck ResNet-164 1.7M and ResNet-1001 10.2M parameters; the layers of
// the authors' resnet-pre-act.lua (stem conv; per unit BN-ReLU-1x1 (stride)
// -BN-ReLU-3x3-BN-ReLU-1x1 expand; a bare 1x1 projection at each stage's
// first unit; final BN) count 1,703,258 and 10,327,706 (10.33M: the table's
// 10.2M is not this net's count) with 244,500,992 and 1,487,849,984 MACs.
// The post-activation option-B ResNet-164 adds the three projection BNs:
// 2*(64+128+256) = 896 parameters.
func TestParamCountsVariants(t *testing.T) {
	for _, c := range []struct {
		spec   Spec
		params int     // exact, or 0
		round  float64 // millions, or 0
		macs   int64   // or 0
	}{
		{variant(20, "basic", "B", false), 272474, 0, 40551040 + 262144},
		{variant(20, "basic", "C", false), 269722 + 14240, 0, 40551040 + 2097152},
		{variant(20, "basic", "A", true), 269722, 0, 40551040},
		{variant(56, "basic", "A", true), 853018, 0, 125485696},
		{variant(164, "bottleneck", "B", true), 1703258, 1.7, 244500992},
		{variant(164, "bottleneck", "B", false), 1703258 + 896, 1.7, 244500992},
		{variant(1001, "bottleneck", "B", true), 10327706, 0, 1487849984},
	} {
		m, err := Build(c.spec)
		if err != nil {
			t.Fatal(err)
		}
		got := m.NumParams()
		if c.params != 0 && got != c.params {
			t.Errorf("%s: %d parameters, want %d", m.Spec.Label(), got, c.params)
		}
		if d := float64(got)/1e6 - c.round; c.round != 0 && math.Abs(d) > 0.05 {
			t.Errorf("%s: %.3fM parameters, want %.1fM", m.Spec.Label(), float64(got)/1e6, c.round)
		}
		if c.macs != 0 && m.MACs() != c.macs {
			t.Errorf("%s: %d MACs, want %d", m.Spec.Label(), m.MACs(), c.macs)
		}
		if sum := tableParams(m); sum != got {
			t.Errorf("%s: table rows sum to %d parameters, the net has %d", m.Spec.Label(), sum, got)
		}
	}
}

func tableParams(m *Model) int {
	n := 0
	for _, r := range m.Table {
		n += r.Params
	}
	return n
}

// TestVariantNames checks the stable names of recorded layers: projection
// shortcuts after their block's convs, bottleneck conv1..conv3, the
// pre-activation net's final BN, and the response layers.
func TestVariantNames(t *testing.T) {
	for _, c := range []struct {
		spec      Spec
		weighted  int
		names     string // Weighted[from:from+3]
		from      int
		responses int
		row       string // a table row name
	}{
		{variant(20, "basic", "B", false), 22, "stage2.block1.conv1 stage2.block1.conv2 stage2.block1.shortcut", 7, 19, "stage2.block1.shortcut.bn"},
		{variant(20, "basic", "C", false), 29, "stage1.block1.conv1 stage1.block1.conv2 stage1.block1.shortcut", 1, 19, "stage3.block3.shortcut.bn"},
		{variant(11, "bottleneck", "B", false), 14, "stage1.block1.conv1 stage1.block1.conv2 stage1.block1.conv3", 1, 4, "stage1.block1.shortcut"},
		{variant(20, "basic", "A", true), 20, "stage1.block1.conv1 stage1.block1.conv2 stage1.block2.conv1", 1, 9, "bn_final"},
		{variant(11, "bottleneck", "B", true), 14, "stage1.block1.conv3 stage1.block1.shortcut stage2.block1.conv1", 3, 3, "stage2.block1.bn1"},
	} {
		m, err := Build(c.spec)
		if err != nil {
			t.Fatal(err)
		}
		var names []string
		for _, w := range m.Weighted {
			names = append(names, w.Name)
		}
		if len(names) != c.weighted || strings.Join(names[c.from:c.from+3], " ") != c.names || names[len(names)-1] != "fc" {
			t.Errorf("%s: %d recorded layers %v, want %d with %q from %d and fc last", m.Spec.Label(), len(names), names, c.weighted, c.names, c.from)
		}
		if len(m.Responses) != c.responses {
			t.Errorf("%s: %d response layers, want %d", m.Spec.Label(), len(m.Responses), c.responses)
		}
		seen := map[string]bool{}
		for _, p := range m.Params() {
			if seen[p.Name] {
				t.Errorf("%s: parameter name %s used twice", m.Spec.Label(), p.Name)
			}
			seen[p.Name] = true
		}
		if !slices.ContainsFunc(m.Table, func(r Row) bool { return r.Name == c.row }) {
			t.Errorf("%s: no table row %s", m.Spec.Label(), c.row)
		}
		if len(m.Table) != c.spec.Depth+len(m.BNs)+1+c.weighted-c.spec.Depth {
			t.Errorf("%s: %d table rows, want one per conv, BN, pool and fc", m.Spec.Label(), len(m.Table))
		}
	}
}

// TestZeroInitResidual checks that the option zeroes each residual branch's
// last BN gamma (post-activation with BN) or last conv (without BN, or
// pre-activation) and leaves every other weight as drawn without it.
func TestZeroInitResidual(t *testing.T) {
	for _, c := range []struct {
		spec   Spec
		zeroed string // suffix of the zeroed parameters
	}{
		{variant(20, "basic", "A", false), ".bn2.weight"},
		{variant(11, "bottleneck", "B", false), ".bn3.weight"},
		{variant(20, "basic", "A", true), ".conv2.weight"},
		{Spec{Depth: 20, Residual: true, Norm: "none", InC: 3, H: 32, W: 32, Classes: 10}, ".conv2.weight"},
	} {
		ref, _ := Build(c.spec)
		c.spec.ZeroInitResidual = true
		m, _ := Build(c.spec)
		for _, mm := range []*Model{ref, m} {
			if err := mm.Init(rand.New(rand.NewPCG(1, 2)), "he"); err != nil {
				t.Fatal(err)
			}
		}
		zeroed := 0
		for i, p := range m.Params() {
			allZero := !slices.ContainsFunc(p.Data, func(v float32) bool { return v != 0 })
			want := strings.HasPrefix(p.Name, "stage") && strings.HasSuffix(p.Name, c.zeroed)
			switch {
			case want && !allZero:
				t.Errorf("%s: %s not zeroed", m.Spec.Label(), p.Name)
			case !want && !slices.Equal(p.Data, ref.Params()[i].Data):
				t.Errorf("%s: %s differs from the draw without zero init", m.Spec.Label(), p.Name)
			}
			if want {
				zeroed++
			}
		}
		if n, _ := StageBlocks(c.spec.Block, c.spec.Depth); zeroed != 3*n {
			t.Errorf("%s: %d zeroed tensors, want one per block (%d)", m.Spec.Label(), zeroed, 3*n)
		}
	}
}

// TestBadSpecs checks that Build refuses what does not fit, naming it.
func TestBadSpecs(t *testing.T) {
	plainB := cifar(20, false)
	plainB.Shortcut = "B"
	plainZero := cifar(20, false)
	plainZero.ZeroInitResidual = true
	for _, c := range []struct {
		spec Spec
		want string
	}{
		{variant(20, "wide", "A", false), `block "wide"`},
		{variant(57, "bottleneck", "A", false), "depth 57 is not 9n+2"},
		{variant(29, "basic", "A", false), "depth 29 is not 6n+2"},
		{variant(20, "basic", "D", false), `shortcut "D"`},
		{plainB, "shortcut B applies to residual nets"},
		{plainZero, "residual net"},
	} {
		if _, err := Build(c.spec); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%+v: err %v, want one containing %q", c.spec, err, c.want)
		}
	}
	for _, c := range []struct {
		spec Spec
		want string
	}{{cifar(20, true), "resnet-20"}, {variant(164, "bottleneck", "B", true), "resnet-164-bottleneck-B-preact"}, {cifar(56, false), "plain-56"}} {
		if got := c.spec.Label(); got != c.want {
			t.Errorf("label %q, want %q", got, c.want)
		}
	}
}
