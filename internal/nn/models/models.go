package models

import (
	"cmp"
	"fmt"

	"github.com/resexp/resexp/internal/nn"
)

// Spec describes a network.
//
// Depth must be 6n+2 for basic blocks and 9n+2 for bottleneck blocks, with
// n >= 1 blocks per stage. Block is Basic (two 3x3 convs) or Bottleneck
// (1x1 reduce, 3x3, 1x1 expand to 4x the stage width); empty means Basic.
// Shortcut is the residual nets' shortcut option of He et al. 2015, §3.3:
// A identity, zero-padded where dimensions change (empty means A); B a
// 1x1 projection conv (with BN in a post-activation net) where dimensions
// change, identity elsewhere; C a projection on every shortcut. A plain
// net takes no option but A. A bottleneck net changes dimensions at the
// first block of every stage (16 to 64 channels in stage 1): option A pads
// there, and He et al. 2016's ResNet-164 and -1001 are option B.
// PreAct selects He et al. 2016's pre-activation ordering (BN-act-conv,
// nothing after the addition, a final BN-act before pooling). Norm is
// BatchNorm or NoNorm. ZeroInitResidual makes Init zero the last scale of each
// residual branch (residual nets only; see Init). InC, H and W are the
// input's channels, height and width; Classes is the number of outputs.
type Spec struct {
	Depth            int
	Residual         bool
	Block            Block
	Shortcut         Shortcut
	PreAct           bool
	Norm             Norm
	Activation       nn.ActKind
	ZeroInitResidual bool
	InC, H, W        int
	Classes          int
}

// Widths are the filter counts of the three stages (the paper's 16, 32, 64).
// In a bottleneck block they are the widths of the 1x1 reduce and the 3x3
// conv; the block's output has Expansion times as many channels (64, 128,
// 256, as He et al. 2016's CIFAR ResNet-164).
var Widths = [3]int{16, 32, 64}

// Expansion is the ratio of a bottleneck block's output channels to its
// stage width.
const Expansion = 4

// BlockKind returns Block, with empty meaning Basic.
func (s Spec) BlockKind() Block { return cmp.Or(s.Block, Basic) }

// ShortcutKind returns Shortcut, with empty meaning ShortcutA.
func (s Spec) ShortcutKind() Shortcut { return cmp.Or(s.Shortcut, ShortcutA) }

// Label names a net the way the paper's figures do: "resnet-56" or
// "plain-20", with the non-default architecture choices appended, as in
// "resnet-164-bottleneck-B-preact".
func (s Spec) Label() string {
	l := fmt.Sprintf("plain-%d", s.Depth)
	if s.Residual {
		l = fmt.Sprintf("resnet-%d", s.Depth)
	}
	if s.BlockKind() != Basic {
		l += "-" + s.BlockKind().String()
	}
	if s.Residual && s.ShortcutKind() != ShortcutA {
		l += "-" + s.ShortcutKind().String()
	}
	if s.PreAct {
		l += "-preact"
	}
	return l
}

// BlocksPerStage returns n for depth = 6n+2 (basic blocks), or an error
// naming the nearest valid depths.
func BlocksPerStage(depth int) (int, error) { return StageBlocks(Basic, depth) }

// StageBlocks returns the number of blocks per stage n of a net of block
// kind and depth: depth = 6n+2 for Basic (or empty), 9n+2 for Bottleneck
// (each block holds 2 or 3 convs, plus the first conv and the fc layer).
// The error names the nearest valid depths, or the block kinds.
func StageBlocks(block Block, depth int) (int, error) {
	per, examples := 6, "20, 32, 44, 56, 110, 1202"
	switch block {
	case Basic, "":
	case Bottleneck:
		per, examples = 9, "164, 1001"
	default:
		_, err := ParseBlock(string(block))
		return 0, err
	}
	if depth < per+2 || (depth-2)%per != 0 {
		lo := max(per+2, depth-((depth-2)%per+per)%per)
		return 0, fmt.Errorf("depth %d is not %dn+2 with n >= 1 for %s blocks (e.g. %d or %d; the papers use %s)",
			depth, per, cmp.Or(block, Basic), lo, lo+per, examples)
	}
	return (depth - 2) / per, nil
}

// Weighted is a layer whose weight tensor is recorded (conv or fc), in depth
// order; Name is the layer's stable name.
type Weighted struct {
	Name   string
	Weight *nn.Param
}

// Response is a 3x3 conv's normalised output (after BN, before the
// nonlinearity or the addition): the quantity of the paper's Fig. 7. In a
// pre-activation net it is the BN that follows the conv inside its branch,
// so a branch's last conv, whose output goes unnormalised into the
// addition, has none.
type Response struct {
	Name string
	BN   *nn.BatchNorm2D
}

// Model is a built network with the handles the training loop records.
type Model struct {
	Spec      Spec
	Net       *nn.Sequential
	Weighted  []Weighted
	Responses []Response
	BNs       []*nn.BatchNorm2D
	Table     []Row

	// branchEnds holds, per residual branch, the scale Init zeroes for
	// Spec.ZeroInitResidual.
	branchEnds []*nn.Param
}

// Row describes one layer for `resexp model`: Shape is the output's
// [C, H, W]; MACs are multiply-accumulates per image in the forward pass
// (convolutions and the fc layer; the pooling row counts its additions).
type Row struct {
	Index  int    `json:"index"`
	Name   string `json:"name"`
	Type   string `json:"type"`
	Shape  [3]int `json:"shape"`
	Params int    `json:"params"`
	MACs   int64  `json:"macs"`
}

// MACs is the forward multiply-accumulates per image of the conv and fc
// layers, the count the paper's FLOPs figures use.
func (m *Model) MACs() int64 {
	var n int64
	for _, r := range m.Table {
		if r.Type != "avgpool" {
			n += r.MACs
		}
	}
	return n
}

// Params returns every trainable parameter in depth order.
func (m *Model) Params() []*nn.Param { return m.Net.Params() }

// NumParams is the total number of trainable scalars.
func (m *Model) NumParams() int {
	n := 0
	for _, p := range m.Params() {
		n += len(p.Data)
	}
	return n
}
