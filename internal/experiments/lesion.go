package experiments

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"strings"

	"github.com/resexp/resexp/internal/nn"
	"github.com/resexp/resexp/internal/nn/models"
)

// The lesion study of Veit, Wilber & Belongie 2016 ("Residual Networks
// Behave Like Ensembles of Relatively Shallow Networks"): the test error of
// a trained net with blocks deleted. A residual block is reduced to its
// shortcut; a plain block whose input and output shapes match is replaced
// by the identity; a plain block that changes shape cannot be deleted and is
// reported as such.

// LesionOptions choose what Lesion measures.
type LesionOptions struct {
	Weights string // safetensors file of the final weights; "" for the run's own (see openAnalysis)
	Samples int    // the first Samples test images; 0 for all
	Subsets int    // random subsets per number of deleted blocks (>= 1)
	Seed    uint64 // seed of the random subsets
	// Progress, if not nil, is called after each evaluation with the
	// number done and the total (see LesionCount).
	Progress func(done, total int)
}

// Lesion case kinds.
const (
	LesionNone   = "none"   // the trained net, nothing deleted
	LesionSingle = "single" // one block deleted
	LesionRandom = "random" // k blocks drawn at random deleted
)

// LesionCase is one measurement: the test loss and error with the blocks
// Deleted removed. For a block that cannot be deleted (Kind single, Note
// saying why) Loss and Err are NaN: nothing was measured.
type LesionCase struct {
	Kind    string
	K       int      // number of blocks deleted
	Subset  int      // index of the random subset among those of K (0 otherwise)
	Deleted []string // block names, in depth order
	Loss    float64
	Err     float64
	Note    string
}

// LesionResult is the lesion study of one run.
type LesionResult struct {
	Run    string // run directory
	Label  string // e.g. "resnet-56"
	Source string // where the weights came from
	Images int    // test images per measurement
	Blocks int    // blocks of the net
	// Deletable is the number of blocks that can be deleted (all of a
	// residual net's; a plain net's shape-keeping ones).
	Deletable int
	Cases     []LesionCase // none, then single in depth order, then random by K
}

// lesionBlock is one block of a net: its position in the top-level layer
// list, its name, its input and output shape [C, H, W], and what replaces
// it when deleted (nil: nothing, the identity).
type lesionBlock struct {
	index     int
	name      string
	in, out   [3]int
	deletable bool
	residual  bool
	stand     nn.Layer
}

// note is why b cannot be deleted ("" if it can).
func (b lesionBlock) note() string {
	if b.deletable {
		return ""
	}
	return fmt.Sprintf("plain block changes shape %s to %s: cannot be deleted", shapeString(b.in), shapeString(b.out))
}

func shapeString(s [3]int) string { return fmt.Sprintf("%dx%dx%d", s[0], s[1], s[2]) }

// lesionBlocks finds the blocks of m, whose input is [C, H, W] in: the
// top-level layers that are containers (Residual, or Sequential), named
// after their parameters' common prefix ("stage2.block1"). Their shapes come
// from one inference-mode pass of a zero image.
func lesionBlocks(m *models.Model, in [3]int) ([]lesionBlock, error) {
	x := nn.NewTensor(1, in[0], in[1], in[2])
	var blocks []lesionBlock
	for i, l := range m.Net.Layers {
		before := [3]int{x.C, x.H, x.W}
		x = l.Forward(x, false)
		after := [3]int{x.C, x.H, x.W}
		switch l.(type) {
		case *nn.Residual, *nn.Sequential:
		default:
			continue
		}
		stand, residual := shortcutPath(l)
		b := lesionBlock{index: i, name: blockName(l), in: before, out: after, residual: residual, stand: stand}
		b.deletable = residual || before == after
		blocks = append(blocks, b)
	}
	if len(blocks) == 0 {
		return nil, fmt.Errorf("%s: no blocks found", m.Spec.Label())
	}
	return blocks, nil
}

// blockName is the part of the name of l's first parameter before its
// third dot-separated field: "stage2.block1" of
// "stage2.block1.conv1.weight".
func blockName(l nn.Layer) string {
	ps := l.Params()
	if len(ps) == 0 {
		return "?"
	}
	parts := strings.SplitN(ps[0].Name, ".", 3)
	return strings.Join(parts[:min(2, len(parts))], ".")
}

// shortcutPath returns what is left of block l with its residual branch
// removed, and whether l is residual at all. A Residual becomes its
// shortcut followed by its activation (out = Act(Shortcut(x)), an empty
// Sequential for the identity without activation); a pre-activation block
// with layers before the split (Sequential ending in a Residual) keeps them.
// A plain block gives (nil, false): deleting it leaves the identity.
func shortcutPath(l nn.Layer) (nn.Layer, bool) {
	switch l := l.(type) {
	case *nn.Residual:
		var path []nn.Layer
		for _, p := range []nn.Layer{l.Shortcut, l.Act} {
			if p != nil {
				path = append(path, p)
			}
		}
		return nn.NewSequential(path...), true
	case *nn.Sequential:
		if n := len(l.Layers); n > 0 {
			if r, ok := l.Layers[n-1].(*nn.Residual); ok {
				sc, _ := shortcutPath(r)
				return nn.NewSequential(append(slices.Clone(l.Layers[:n-1]), sc)...), true
			}
		}
	}
	return nil, false
}

// lesionedNet returns a net made of the layers of net with the blocks
// deleted (indices into blocks) replaced by their shortcut path or left
// out. It shares every layer with net, whose own layer list and weights
// are not changed.
func lesionedNet(net *nn.Sequential, blocks []lesionBlock, deleted []int) *nn.Sequential {
	gone := map[int]nn.Layer{}
	for _, d := range deleted {
		gone[blocks[d].index] = blocks[d].stand
	}
	var layers []nn.Layer
	for i, l := range net.Layers {
		stand, del := gone[i]
		switch {
		case !del:
			layers = append(layers, l)
		case stand != nil:
			layers = append(layers, stand)
		}
	}
	return nn.NewSequential(layers...)
}

// Lesion measures the run with no block
// deleted, with each block deleted in turn, and with k blocks drawn at
// random deleted for k = 1 .. the number of deletable blocks, opt.Subsets
// distinct subsets each (fewer where fewer exist), on the first
// opt.Samples test images in inference mode. The trained net is not
// changed: each case evaluates a net that shares its layers (see
// lesionedNet), with the evaluation of Eval, so the case with nothing
// deleted equals Eval on the same images bit for bit. A net none of whose
// blocks can be deleted is an InputError; a cancelled ctx stops it before
// the next case with an error wrapping ErrInterrupted.
func (run *Run) Lesion(ctx context.Context, opt LesionOptions) (LesionResult, error) {
	if opt.Subsets < 1 || opt.Samples < 0 {
		return LesionResult{}, BadInput(fmt.Errorf("lesion: subsets %d and samples %d: expected subsets >= 1 and samples >= 0", opt.Subsets, opt.Samples))
	}
	dir := run.Dir
	t, src, err := run.openAnalysis(opt.Weights, nil)
	if err != nil {
		return LesionResult{}, err
	}
	defer t.Close()
	s := t.test
	blocks, err := lesionBlocks(t.Model, [3]int{s.C, s.H, s.W})
	if err != nil {
		return LesionResult{}, err
	}
	can := deletable(blocks)
	if len(can) == 0 {
		return LesionResult{}, BadInput(fmt.Errorf("run %s (%s): every one of its %d blocks changes shape, so none can be deleted; a lesion study needs a residual net or a plain net with blocks that keep their shape",
			dir, t.Model.Spec.Label(), len(blocks)))
	}
	r := LesionResult{Run: dir, Label: t.Model.Spec.Label(), Source: src, Images: s.Len(), Blocks: len(blocks), Deletable: len(can)}
	if opt.Samples > 0 && opt.Samples < s.Len() {
		r.Images = opt.Samples
	}
	plan := lesionPlan(blocks, can, opt)
	done, total := 0, LesionCount(len(can), opt.Subsets)
	for _, p := range plan {
		if p.Note == "" {
			if ctx.Err() != nil {
				return r, fmt.Errorf("lesion of %s: %w after %d of %d evaluations", dir, ErrInterrupted, done, total)
			}
			p.Loss, p.Err = t.evaluateNet(lesionedNet(t.Model.Net, blocks, p.blocks), s, r.Images)
			if done++; opt.Progress != nil {
				opt.Progress(done, total)
			}
		}
		r.Cases = append(r.Cases, p.LesionCase)
	}
	return r, nil
}

// plannedCase is a lesion case to measure, with the indices of the blocks
// it deletes.
type plannedCase struct {
	LesionCase
	blocks []int
}

// lesionPlan lists Lesion's cases in order, unmeasured (Loss and Err NaN):
// nothing deleted, each block in turn (with a Note if it cannot be
// deleted), then opt.Subsets random subsets of the deletable blocks can
// for each k.
func lesionPlan(blocks []lesionBlock, can []int, opt LesionOptions) []plannedCase {
	add := func(plan []plannedCase, kind string, subset int, del []int, note string) []plannedCase {
		c := LesionCase{Kind: kind, K: len(del), Subset: subset, Loss: math.NaN(), Err: math.NaN(), Note: note}
		for _, d := range del {
			c.Deleted = append(c.Deleted, blocks[d].name)
		}
		return append(plan, plannedCase{c, del})
	}
	plan := add(nil, LesionNone, 0, nil, "")
	for i, b := range blocks {
		plan = add(plan, LesionSingle, 0, []int{i}, b.note())
	}
	rng := rand.New(rand.NewPCG(opt.Seed, 0x1e5107))
	for k := 1; k <= len(can); k++ {
		for j, sub := range randomSubsets(rng, can, k, opt.Subsets) {
			plan = add(plan, LesionRandom, j, sub, "")
		}
	}
	return plan
}

// LesionCount is the number of evaluations Lesion makes of a net with d
// deletable blocks and the given subsets per k: one with nothing deleted,
// d single deletions and the random subsets.
func LesionCount(d, subsets int) int {
	n := 1 + d
	for k := 1; k <= d; k++ {
		n += min(subsets, binomial(d, k))
	}
	return n
}

func deletable(blocks []lesionBlock) []int {
	var idx []int
	for i, b := range blocks {
		if b.deletable {
			idx = append(idx, i)
		}
	}
	return idx
}

// randomSubsets draws min(n, C(len(from), k)) distinct k-subsets of from,
// each sorted.
func randomSubsets(rng *rand.Rand, from []int, k, n int) [][]int {
	want := min(n, binomial(len(from), k))
	seen := map[string]bool{}
	var out [][]int
	for len(out) < want {
		perm := rng.Perm(len(from))[:k]
		sub := make([]int, k)
		for i, p := range perm {
			sub[i] = from[p]
		}
		slices.Sort(sub)
		key := fmt.Sprint(sub)
		if !seen[key] {
			seen[key] = true
			out = append(out, sub)
		}
	}
	return out
}

// binomial is C(n, k), saturating at math.MaxInt32.
func binomial(n, k int) int {
	k = min(k, n-k)
	c := 1.0
	for i := 1; i <= k; i++ {
		c = c * float64(n-k+i) / float64(i)
	}
	return int(math.Min(math.Round(c), math.MaxInt32))
}
