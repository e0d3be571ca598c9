package weights

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"github.com/resexp/resexp/internal/nn"
	"github.com/resexp/resexp/internal/nn/models"
)

// torchEntry is one entry of CifarResNet's state_dict.
type torchEntry struct {
	name  string
	shape []int
}

// torchStateDict lists the state_dict of resnet_cifar.py's
// CifarResNet(depth, shortcut, inC, classes), in order, by following its
// constructor: conv1, bn1, layers.i (conv1, bn1, conv2, bn2, proj.0,
// proj.1), fc.
func torchStateDict(depth int, shortcut string, inC, classes int) []torchEntry {
	bn := func(p string, c int) []torchEntry {
		return []torchEntry{{p + ".weight", []int{c}}, {p + ".bias", []int{c}}, {p + ".running_mean", []int{c}},
			{p + ".running_var", []int{c}}, {p + ".num_batches_tracked", []int{}}}
	}
	sd := append([]torchEntry{{"conv1.weight", []int{16, inC, 3, 3}}}, bn("bn1", 16)...)
	n, cin, i := (depth-2)/6, 16, 0
	for s, cout := range []int{16, 32, 64} {
		for j := range n {
			stride, p := 1, fmt.Sprintf("layers.%d.", i)
			if s > 0 && j == 0 {
				stride = 2
			}
			sd = append(sd, torchEntry{p + "conv1.weight", []int{cout, cin, 3, 3}})
			sd = append(sd, bn(p+"bn1", cout)...)
			sd = append(sd, torchEntry{p + "conv2.weight", []int{cout, cout, 3, 3}})
			sd = append(sd, bn(p+"bn2", cout)...)
			if shortcut == "C" || shortcut == "B" && (stride != 1 || cin != cout) {
				sd = append(sd, torchEntry{p + "proj.0.weight", []int{cout, cin, 1, 1}})
				sd = append(sd, bn(p+"proj.1", cout)...)
			}
			cin, i = cout, i+1
		}
	}
	return append(sd, torchEntry{"fc.weight", []int{classes, 64}}, torchEntry{"fc.bias", []int{classes}})
}

func build(t *testing.T, s models.Spec) *models.Model {
	t.Helper()
	m, err := models.Build(s)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// TestStateDictMatchesCifarResNet checks names, shapes and order against
// CifarResNet's state_dict for plain nets and options A, B and C, depths
// 20 and 56, CIFAR-10 and MNIST inputs.
func TestStateDictMatchesCifarResNet(t *testing.T) {
	for _, depth := range []int{20, 56} {
		for _, sc := range []string{"plain", "A", "B", "C"} {
			for _, in := range [][3]int{{3, 32, 32}, {1, 28, 28}} {
				name := fmt.Sprintf("%s-%d-%dx%dx%d", sc, depth, in[0], in[1], in[2])
				t.Run(name, func(t *testing.T) {
					s := models.Spec{Depth: depth, Residual: sc != "plain", Shortcut: models.Shortcut(map[bool]string{true: sc, false: "A"}[sc != "plain"]),
						Norm: "batch", Activation: nn.ReLU, InC: in[0], H: in[1], W: in[2], Classes: 10}
					sd, err := StateDict(build(t, s), NamesPyTorch)
					if err != nil {
						t.Fatal(err)
					}
					want := torchStateDict(depth, sc, in[0], 10)
					if len(sd) != len(want) {
						t.Fatalf("%d tensors, want %d", len(sd), len(want))
					}
					for i, w := range want {
						if sd[i].Name != w.name || !slices.Equal(sd[i].Shape, w.shape) {
							t.Fatalf("entry %d: %s (from %s) %v, want %s %v", i, sd[i].Name, sd[i].Layer, sd[i].Shape, w.name, w.shape)
						}
						if n := len(sd[i].Data); !sd[i].Counter() && n != size(w.shape) {
							t.Fatalf("%s: %d values, want %d", w.name, n, size(w.shape))
						}
					}
				})
			}
		}
	}
}

// TestTorchName spells out the mapping for ResNet-20 (n = 3).
func TestTorchName(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{"conv1.weight", "conv1.weight"},
		{"bn1.running_var", "bn1.running_var"},
		{"stage1.block1.conv1.weight", "layers.0.conv1.weight"},
		{"stage1.block3.bn2.bias", "layers.2.bn2.bias"},
		{"stage2.block1.shortcut.weight", "layers.3.proj.0.weight"},
		{"stage2.block1.shortcut.bn.running_mean", "layers.3.proj.1.running_mean"},
		{"stage3.block3.conv2.weight", "layers.8.conv2.weight"},
		{"fc.bias", "fc.bias"},
	} {
		if got, err := TorchName(c.in, 3); err != nil || got != c.want {
			t.Errorf("TorchName(%q, 3) = %q, %v; want %q", c.in, got, err, c.want)
		}
	}
	for _, bad := range []string{"stage1.block4.conv1.weight", "bn_final.weight", "stage4.block1.conv1.weight"} {
		if got, err := TorchName(bad, 3); err == nil {
			t.Errorf("TorchName(%q, 3) = %q, want an error", bad, got)
		}
	}
}

// TestExpressible: the reference has no bottleneck, pre-activation,
// norm none or tanh nets; resexp names still work for them.
func TestExpressible(t *testing.T) {
	base := models.Spec{Depth: 20, Residual: true, Norm: "batch", Activation: nn.ReLU, InC: 3, H: 32, W: 32, Classes: 10}
	for _, c := range []struct {
		mod  func(*models.Spec)
		want string
	}{
		{func(s *models.Spec) { s.Block, s.Depth, s.Shortcut = "bottleneck", 29, "B" }, "bottleneck"},
		{func(s *models.Spec) { s.PreAct = true }, "pre-activation"},
		{func(s *models.Spec) { s.Norm = "none" }, "norm none"},
		{func(s *models.Spec) { s.Activation = nn.Tanh }, "activation tanh"},
	} {
		s := base
		c.mod(&s)
		m := build(t, s)
		if _, err := StateDict(m, NamesPyTorch); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: StateDict error %v, want one naming %q", s.Label(), err, c.want)
		}
		if _, err := StateDict(m, NamesResexp); err != nil {
			t.Errorf("%s: resexp names: %v", s.Label(), err)
		}
	}
}

func randomize(m *models.Model, seed uint64) {
	rng := rand.New(rand.NewPCG(seed, 1))
	for _, p := range m.Params() {
		for i := range p.Data {
			p.Data[i] = float32(rng.NormFloat64())
		}
	}
	for _, bn := range m.BNs {
		for i := range bn.C {
			bn.RunningMean[i], bn.RunningVar[i] = float32(rng.NormFloat64()), float32(1+rng.Float64())
		}
	}
}

// TestRoundTrip writes a model with both naming schemes and reads it into
// a fresh model of the same spec: every buffer comes back bit for bit.
func TestRoundTrip(t *testing.T) {
	s := models.Spec{Depth: 20, Residual: true, Shortcut: "B", Norm: "batch", Activation: nn.ReLU, InC: 1, H: 28, W: 28, Classes: 10}
	for _, names := range []string{NamesPyTorch, NamesResexp} {
		src, dst := build(t, s), build(t, s)
		randomize(src, 7)
		sd, err := StateDict(src, names)
		if err != nil {
			t.Fatal(err)
		}
		buf, err := Encode(sd, 42, map[string]string{"names": names})
		if err != nil {
			t.Fatal(err)
		}
		f, err := Parse(buf)
		if err != nil {
			t.Fatal(err)
		}
		if f.Step != 42 || f.Names != names {
			t.Errorf("step %d names %s, want 42 %s", f.Step, f.Names, names)
		}
		if err := f.Load(dst); err != nil {
			t.Fatal(err)
		}
		want, _ := StateDict(src, names)
		got, _ := StateDict(dst, names)
		for i := range want {
			if !slices.Equal(got[i].Data, want[i].Data) {
				t.Errorf("%s names: %s differs after the round trip", names, want[i].Name)
			}
		}
	}
}

// TestLoadRefuses: another depth, a missing or extra tensor, a wrong dtype
// and damaged files are refused with one line naming the problem.
func TestLoadRefuses(t *testing.T) {
	spec := func(depth int) models.Spec {
		return models.Spec{Depth: depth, Residual: true, Norm: "batch", Activation: nn.ReLU, InC: 3, H: 32, W: 32, Classes: 10}
	}
	encode := func(m *models.Model, edit func([]Tensor) []Tensor) []byte {
		sd, err := StateDict(m, NamesPyTorch)
		if err != nil {
			t.Fatal(err)
		}
		buf, err := Encode(edit(sd), 0, nil)
		if err != nil {
			t.Fatal(err)
		}
		return buf
	}
	keep := func(sd []Tensor) []Tensor { return sd }
	good := encode(build(t, spec(20)), keep)
	for _, c := range []struct {
		name string
		buf  []byte
		want string
	}{
		{"depth 56", encode(build(t, spec(56)), keep), "tensor layers.3.conv1.weight is F32 [16 16 3 3], want F32 [32 16 3 3], for resnet-20 (the file holds 9 blocks per stage: depth 56"},
		{"missing", encode(build(t, spec(20)), func(sd []Tensor) []Tensor { return sd[1:] }), "tensor conv1.weight is missing"},
		{"extra", encode(build(t, spec(20)), func(sd []Tensor) []Tensor {
			return append(sd, Tensor{Name: "layers.0.extra", Shape: []int{1}, Data: []float32{1}})
		}), "tensor layers.0.extra is not a tensor of the model"},
		{"truncated", good[:len(good)-100], "metadata incomplete buffer"},
		{"short header", good[:500], "not a safetensors file, or truncated: the header length says"},
		{"tiny", []byte{1, 2}, "shorter than the 8-byte header length"},
		{"text", []byte("this is not a safetensors file at all"), "not a safetensors file"},
	} {
		f, err := Parse(c.buf)
		if err == nil {
			err = f.Load(build(t, spec(20)))
		}
		if err == nil || !strings.Contains(err.Error(), c.want) || strings.Contains(err.Error(), "\n") {
			t.Errorf("%s: error %v, want one line containing %q", c.name, err, c.want)
		}
	}
}
