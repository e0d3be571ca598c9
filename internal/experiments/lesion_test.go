package experiments

import (
	"context"
	"math"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/resexp/resexp/internal/nn"
	"github.com/resexp/resexp/internal/nn/models"
)

// lesionModel builds s with He weights and random BatchNorm parameters and
// running statistics (so that no BN is the identity), all from seed.
func lesionModel(t *testing.T, s models.Spec, seed uint64) *models.Model {
	t.Helper()
	m, err := models.Build(s)
	if err != nil {
		t.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(seed, 1))
	if err := m.Init(rng, "he"); err != nil {
		t.Fatal(err)
	}
	for _, bn := range m.BNs {
		for c := range bn.RunningMean {
			bn.RunningMean[c] = float32(0.2 * rng.NormFloat64())
			bn.RunningVar[c] = float32(0.5 + rng.Float64())
			bn.Gamma.Data[c] = float32(0.5 + rng.Float64())
			bn.Beta.Data[c] = float32(0.1 * rng.NormFloat64())
		}
	}
	return m
}

// copyByName sets every parameter and running statistic of dst to those
// of the same name in src.
func copyByName(t *testing.T, dst, src *models.Model) {
	t.Helper()
	params := map[string][]float32{}
	for _, p := range src.Params() {
		params[p.Name] = p.Data
	}
	for _, bn := range src.BNs {
		params[bn.Name+".running_mean"], params[bn.Name+".running_var"] = bn.RunningMean, bn.RunningVar
	}
	set := func(name string, d []float32) {
		s, ok := params[name]
		if !ok || len(s) != len(d) {
			t.Fatalf("no tensor %s of size %d in the source", name, len(d))
		}
		copy(d, s)
	}
	for _, p := range dst.Params() {
		set(p.Name, p.Data)
	}
	for _, bn := range dst.BNs {
		set(bn.Name+".running_mean", bn.RunningMean)
		set(bn.Name+".running_var", bn.RunningVar)
	}
}

func randomInput(s models.Spec, n int, seed uint64) *nn.Tensor {
	rng := rand.New(rand.NewPCG(seed, 2))
	x := nn.NewTensor(n, s.InC, s.H, s.W)
	for i := range x.Data {
		x.Data[i] = float32(rng.NormFloat64())
	}
	return x
}

func forwardCopy(net nn.Layer, x *nn.Tensor) []float32 {
	return slices.Clone(net.Forward(x, false).Data)
}

func sameBits(t *testing.T, what string, got, want []float32) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("%s: %d values, want %d", what, len(got), len(want))
	}
	for i := range got {
		if math.Float32bits(got[i]) != math.Float32bits(want[i]) {
			t.Fatalf("%s: value %d is %v, want %v (not bit-identical)", what, i, got[i], want[i])
		}
	}
}

// blockIndices returns the positions in blocks of the named blocks.
func blockIndices(t *testing.T, blocks []lesionBlock, names ...string) []int {
	t.Helper()
	var idx []int
	for _, n := range names {
		i := slices.IndexFunc(blocks, func(b lesionBlock) bool { return b.name == n })
		if i < 0 {
			t.Fatalf("no block %s", n)
		}
		idx = append(idx, i)
	}
	return idx
}

// TestLesionEqualsRebuiltNet checks that deleting the second block of every
// stage of a depth-14 net (two blocks per stage) gives, bit for bit, the
// output of the depth-8 net built without them that holds the same
// weights, plain and residual: a deleted plain block is the identity, a
// deleted residual block with an identity shortcut is ReLU of its input, a
// ReLU output already.
func TestLesionEqualsRebuiltNet(t *testing.T) {
	for _, residual := range []bool{false, true} {
		s := models.Spec{Depth: 14, Residual: residual, Norm: "batch", Activation: nn.ReLU, InC: 3, H: 12, W: 12, Classes: 10}
		deep := lesionModel(t, s, 3)
		s.Depth = 8
		shallow := lesionModel(t, s, 4)
		copyByName(t, shallow, deep)
		x := randomInput(s, 5, 7)
		blocks, err := lesionBlocks(deep, [3]int{s.InC, s.H, s.W})
		if err != nil {
			t.Fatal(err)
		}
		del := blockIndices(t, blocks, "stage1.block2", "stage2.block2", "stage3.block2")
		got := forwardCopy(lesionedNet(deep.Net, blocks, del), x)
		sameBits(t, s.Label()+" lesioned vs rebuilt", got, forwardCopy(shallow.Net, x))
	}
}

// TestLesionDownsamplingBlock checks that deleting a residual block whose
// shortcut pads and subsamples (option A) or projects (option B) gives, bit
// for bit, the output of the same net with that block's branch made exactly
// zero (its last BN's gamma and beta zeroed), and that the trained net
// itself is left as it was: same layers, same output.
func TestLesionDownsamplingBlock(t *testing.T) {
	for _, sc := range []models.Shortcut{models.ShortcutA, models.ShortcutB} {
		s := models.Spec{Depth: 8, Residual: true, Shortcut: sc, Norm: "batch", Activation: nn.ReLU, InC: 3, H: 12, W: 12, Classes: 10}
		m := lesionModel(t, s, 5)
		zero := lesionModel(t, s, 5)
		for _, bn := range zero.BNs {
			if bn.Name == "stage2.block1.bn2" {
				clear(bn.Gamma.Data)
				clear(bn.Beta.Data)
			}
		}
		x := randomInput(s, 4, 8)
		before, layers := forwardCopy(m.Net, x), slices.Clone(m.Net.Layers)
		blocks, err := lesionBlocks(m, [3]int{s.InC, s.H, s.W})
		if err != nil {
			t.Fatal(err)
		}
		got := forwardCopy(lesionedNet(m.Net, blocks, blockIndices(t, blocks, "stage2.block1")), x)
		sameBits(t, s.Label()+" lesioned vs zero branch", got, forwardCopy(zero.Net, x))
		if slices.Equal(got, before) {
			t.Errorf("%s: deleting stage2.block1 changed nothing", s.Label())
		}
		if !slices.Equal(m.Net.Layers, layers) {
			t.Errorf("%s: the trained net's layer list changed", s.Label())
		}
		sameBits(t, s.Label()+" trained net after the lesion", forwardCopy(m.Net, x), before)
	}
}

// TestLesionBlocks checks which blocks can be deleted: all of a residual
// net's (pre-activation too), a plain net's except those that change shape,
// none of a plain bottleneck net with one block per stage.
func TestLesionBlocks(t *testing.T) {
	for _, c := range []struct {
		spec  models.Spec
		fixed []string // blocks that cannot be deleted
		n     int
	}{
		{models.Spec{Depth: 14, Norm: "batch", Activation: nn.ReLU}, []string{"stage2.block1", "stage3.block1"}, 6},
		{models.Spec{Depth: 14, Residual: true, Norm: "batch", Activation: nn.ReLU}, nil, 6},
		{models.Spec{Depth: 8, Residual: true, PreAct: true, Shortcut: "B", Norm: "batch", Activation: nn.ReLU}, nil, 3},
		{models.Spec{Depth: 11, Block: "bottleneck", Norm: "batch", Activation: nn.ReLU}, []string{"stage1.block1", "stage2.block1", "stage3.block1"}, 3},
	} {
		s := c.spec
		s.InC, s.H, s.W, s.Classes = 1, 8, 8, 10
		blocks, err := lesionBlocks(lesionModel(t, s, 1), [3]int{1, 8, 8})
		if err != nil {
			t.Fatal(err)
		}
		var fixed []string
		for _, b := range blocks {
			if !b.deletable {
				fixed = append(fixed, b.name)
			}
		}
		if len(blocks) != c.n || !slices.Equal(fixed, c.fixed) {
			t.Errorf("%s: %d blocks, fixed %v; want %d, fixed %v", s.Label(), len(blocks), fixed, c.n, c.fixed)
		}
	}
}

// TestLesionNoneEqualsEval checks that the lesion study's measurement with
// nothing deleted is Eval's on the whole test set, bit for bit, and that
// the study has the cases it promises.
func TestLesionNoneEqualsEval(t *testing.T) {
	cfg := tinyConfig()
	cfg.Train.Steps = 4
	cfg.Model.Depth = 14
	dir := t.TempDir()
	if err := train(t, cfg, dir); err != nil {
		t.Fatal(err)
	}
	run := openRun(t, dir)
	ev, err := run.Eval("")
	if err != nil {
		t.Fatal(err)
	}
	done := 0
	r, err := run.Lesion(context.Background(), LesionOptions{Subsets: 2, Seed: 1, Progress: func(d, total int) { done = d }})
	if err != nil {
		t.Fatal(err)
	}
	none := r.Cases[0]
	if none.Kind != LesionNone || none.Loss != ev.Loss || none.Err != ev.Err || r.Images != ev.Images {
		t.Errorf("nothing deleted: %+v on %d images; eval %+v", none, r.Images, ev)
	}
	want := LesionCount(6, 2) // 1 + 6 + (2+2+2+2+2+1)
	if len(r.Cases) != want || done != want || want != 18 {
		t.Errorf("%d cases, %d reported done, LesionCount %d; want 18", len(r.Cases), done, want)
	}
}

// TestLesionCount checks the evaluation counts the README states: 159 for
// resnet-56 (27 deletable blocks) and 147 for plain-56 (25) with 5
// subsets, 107 for resnet-56 with 3.
func TestLesionCount(t *testing.T) {
	for _, c := range []struct{ d, subsets, want int }{{27, 5, 159}, {25, 5, 147}, {27, 3, 107}, {1, 5, 3}} {
		if got := LesionCount(c.d, c.subsets); got != c.want {
			t.Errorf("LesionCount(%d, %d) = %d, want %d", c.d, c.subsets, got, c.want)
		}
	}
}

// openRun is OpenRun, failing the test on error.
func openRun(t *testing.T, dir string) *Run {
	t.Helper()
	r, err := OpenRun(dir)
	if err != nil {
		t.Fatal(err)
	}
	return r
}
