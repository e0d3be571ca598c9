package models

import (
	"fmt"
	"strconv"

	"github.com/resexp/resexp/internal/nn"
)

// Build constructs the network described by s with zeroed weights; call Init
// before training.
func Build(s Spec) (*Model, error) {
	n, err := s.check()
	if err != nil {
		return nil, err
	}
	b := &builder{spec: s, m: &Model{Spec: s}, c: s.InC, h: s.H, w: s.W}
	layers := b.stem()
	for stage, width := range Widths {
		for blk := 1; blk <= n; blk++ {
			stride := 1
			if stage > 0 && blk == 1 {
				stride = 2
			}
			name := fmt.Sprintf("stage%d.block%d", stage+1, blk)
			layers = append(layers, b.block(name, width, stride, stage == 0 && blk == 1))
		}
	}
	layers = append(layers, b.head()...)
	b.m.Net = nn.NewSequential(layers...)
	return b.m, nil
}

// check returns the blocks per stage of s, or an error naming the first
// value that does not fit.
func (s Spec) check() (int, error) {
	n, err := StageBlocks(s.BlockKind(), s.Depth)
	if err == nil {
		_, err = ParseNorm(string(s.Norm))
	}
	if err == nil {
		_, err = ParseShortcut(string(s.ShortcutKind()))
	}
	switch {
	case err != nil:
		return 0, err
	case !s.Residual && s.ShortcutKind() != ShortcutA:
		return 0, fmt.Errorf("shortcut %s applies to residual nets only", s.Shortcut)
	case !s.Residual && s.ZeroInitResidual:
		return 0, fmt.Errorf("zero-initialised residual branches need a residual net")
	case s.InC < 1 || s.H < 4 || s.W < 4 || s.Classes < 2:
		return 0, fmt.Errorf("input %dx%dx%d with %d classes is too small", s.InC, s.H, s.W, s.Classes)
	}
	return n, nil
}

// builder keeps the model's record lists while the layers are made in depth
// order.
type builder struct {
	spec    Spec
	m       *Model
	c, h, w int // the current activation's shape
}

func (b *builder) row(name, kind string, c, h, w, params int, macs int64) {
	b.m.Table = append(b.m.Table, Row{Index: len(b.m.Table), Name: name, Type: kind,
		Shape: [3]int{c, h, w}, Params: params, MACs: macs})
}

func (b *builder) weighted(name string, w *nn.Param) {
	b.m.Weighted = append(b.m.Weighted, Weighted{Name: name, Weight: w})
}

// convRow is the table row of conv applied to a C×h×w input: the output
// shape [OC, OH, OW], the weights OC*C*KH*KW and the multiply-accumulates
// OH*OW*OC*C*KH*KW per image.
func convRow(conv *nn.Conv2D, h, w int) Row {
	oh, ow := conv.OutShape(h, w)
	return Row{Name: conv.Name, Type: fmt.Sprintf("conv%dx%d/%d", conv.KH, conv.KW, conv.Stride),
		Shape: [3]int{conv.OC, oh, ow}, Params: len(conv.Weight.Data),
		MACs: int64(oh*ow) * int64(len(conv.Weight.Data))}
}

// conv returns a k×k convolution (padding k/2) from the current activation
// to oc channels, recording its weight and table row.
func (b *builder) conv(name string, oc, k, stride int) *nn.Conv2D {
	conv := nn.NewConv2D(name, b.c, oc, k, stride, k/2)
	b.weighted(name, conv.Weight)
	r := convRow(conv, b.h, b.w)
	b.row(r.Name, r.Type, r.Shape[0], r.Shape[1], r.Shape[2], r.Params, r.MACs)
	b.c, b.h, b.w = r.Shape[0], r.Shape[1], r.Shape[2]
	return conv
}

// bn returns BatchNorm over the current activation's channels, or nil if
// the spec's norm is none.
func (b *builder) bn(name string) *nn.BatchNorm2D {
	if b.spec.Norm == NoNorm {
		return nil
	}
	bn := nn.NewBatchNorm2D(name, b.c)
	b.row(name, "batchnorm", b.c, b.h, b.w, 2*b.c, 0)
	b.m.BNs = append(b.m.BNs, bn)
	return bn
}

func (b *builder) act() nn.Layer { return nn.NewActivation(b.spec.Activation) }

// bnAct returns BN (unless norm is none) followed by the activation, and
// the BN (nil if none).
func (b *builder) bnAct(name string) ([]nn.Layer, *nn.BatchNorm2D) {
	bn := b.bn(name)
	if bn == nil {
		return []nn.Layer{b.act()}, nil
	}
	return []nn.Layer{bn, b.act()}, bn
}

func (b *builder) response(conv *nn.Conv2D, bn *nn.BatchNorm2D) {
	if conv != nil && bn != nil && conv.KH == 3 {
		b.m.Responses = append(b.m.Responses, Response{Name: conv.Name, BN: bn})
	}
}

// stem is conv1 (3x3, 16 filters), then bn1 and the activation; in a
// pre-activation net conv1 alone (the first block's BN-act follows it).
func (b *builder) stem() []nn.Layer {
	conv := b.conv("conv1", Widths[0], 3, 1)
	conv.NoInputGrad = true // training needs no image gradient; Net.BackwardInput computes it
	if b.spec.PreAct {
		return []nn.Layer{conv}
	}
	bn := b.bn("bn1")
	b.response(conv, bn)
	if bn == nil {
		return []nn.Layer{conv, b.act()}
	}
	return []nn.Layer{conv, bn, b.act()}
}

// head is global average pooling and the fc layer, after a final BN-act
// ("bn_final") in a pre-activation net.
func (b *builder) head() []nn.Layer {
	var layers []nn.Layer
	if b.spec.PreAct {
		layers, _ = b.bnAct("bn_final")
	}
	c := b.c
	b.row("pool", "avgpool", c, 1, 1, 0, int64(c*b.h*b.w))
	fc := nn.NewLinear("fc", c, b.spec.Classes)
	b.weighted("fc", fc.Weight)
	b.row("fc", "linear", b.spec.Classes, 1, 1, c*b.spec.Classes+b.spec.Classes, int64(c*b.spec.Classes))
	b.c, b.h, b.w = b.spec.Classes, 1, 1
	return append(layers, nn.NewGlobalAvgPool(), fc)
}

// convSpec is one conv of a block's branch: k×k, oc filters, stride.
type convSpec struct{ k, oc, stride int }

// branchConvs lists the convs of a block of the given stage width: basic
// 3x3 (stride) and 3x3; bottleneck 1x1 reduce (stride), 3x3 and 1x1 expand
// to Expansion*width channels. The bottleneck's stride sits on the 1x1
// reduce as in the authors' models (He et al. 2016's resnet-pre-act.lua, the
// 2015 ResNet-50 release); torchvision's "v1.5" moves it to the 3x3.
func (b *builder) branchConvs(width, stride int) []convSpec {
	if b.spec.BlockKind() == Bottleneck {
		return []convSpec{{1, width, stride}, {3, width, 1}, {1, Expansion * width, 1}}
	}
	return []convSpec{{3, width, stride}, {3, width, 1}}
}

// block returns one block named name (e.g. "stage2.block1"). Its branch
// holds convs conv1, conv2[, conv3] with BNs bn1, bn2[, bn3]:
//
//	post-activation: conv1-bn1-act-conv2-bn2[-act-conv3-bn3]
//	pre-activation:  bn1-act-conv1-bn2-act-conv2[-bn3-act-conv3]
//
// A plain block is the branch followed by the activation (nothing in a
// pre-activation net). A residual block adds the shortcut: out =
// act(branch(x) + shortcut(x)) after, out = branch(x) + shortcut(x) before.
// In a pre-activation block whose shortcut is not the identity, and in the
// net's first block, bn1-act runs before the split so that both paths see
// it (He et al. 2016, appendix, and their code's "both_preact").
func (b *builder) block(name string, width, stride int, first bool) nn.Layer {
	c, h, w := b.c, b.h, b.w
	convs := b.branchConvs(width, stride)
	oc := convs[len(convs)-1].oc
	kind := b.shortcutKind(c, oc, stride)
	var pre []nn.Layer
	if b.spec.PreAct && (first || kind != "identity") {
		pre, _ = b.bnAct(name + ".bn1")
		c, h, w = b.c, b.h, b.w
	}
	var body []nn.Layer
	if b.spec.PreAct {
		body = b.preBranch(name, convs, pre != nil)
	} else {
		body = b.postBranch(name, convs)
	}
	if !b.spec.Residual {
		if !b.spec.PreAct {
			body = append(body, b.act())
		}
		return nn.NewSequential(append(pre, body...)...)
	}
	out := [3]int{b.c, b.h, b.w}
	b.c, b.h, b.w = c, h, w
	sc := b.shortcut(name, kind, oc, stride)
	if [3]int{b.c, b.h, b.w} != out {
		panic("models: shortcut and branch shapes differ")
	}
	if b.spec.PreAct {
		res := nn.NewResidual(nn.NewSequential(body...), sc, nil)
		if pre == nil {
			return res
		}
		return nn.NewSequential(append(pre, res)...)
	}
	return nn.NewResidual(nn.NewSequential(body...), sc, b.act())
}

// postBranch is conv-BN-act for each conv, without the last activation.
// It records the branch's last scale: the last BN's gamma, or without BN
// the last conv's weight.
func (b *builder) postBranch(name string, convs []convSpec) []nn.Layer {
	var layers []nn.Layer
	var last *nn.Param
	for i, cs := range convs {
		id := strconv.Itoa(i + 1)
		conv := b.conv(name+".conv"+id, cs.oc, cs.k, cs.stride)
		layers, last = append(layers, conv), conv.Weight
		if bn := b.bn(name + ".bn" + id); bn != nil {
			b.response(conv, bn)
			layers, last = append(layers, bn), bn.Gamma
		}
		if i < len(convs)-1 {
			layers = append(layers, b.act())
		}
	}
	b.branchEnd(last)
	return layers
}

// preBranch is BN-act-conv for each conv, without the first BN-act if
// shared (the caller put it before the split). It records the branch's last
// conv weight as its last scale: zeroing a BN gamma before an activation
// would stop the gradient of the layers after it.
func (b *builder) preBranch(name string, convs []convSpec, shared bool) []nn.Layer {
	var layers []nn.Layer
	var prev *nn.Conv2D
	for i, cs := range convs {
		id := strconv.Itoa(i + 1)
		if i > 0 || !shared {
			ba, bn := b.bnAct(name + ".bn" + id)
			b.response(prev, bn)
			layers = append(layers, ba...)
		}
		prev = b.conv(name+".conv"+id, cs.oc, cs.k, cs.stride)
		layers = append(layers, prev)
	}
	b.branchEnd(prev.Weight)
	return layers
}

func (b *builder) branchEnd(p *nn.Param) {
	if b.spec.Residual {
		b.m.branchEnds = append(b.m.branchEnds, p)
	}
}

// shortcutKind is the shortcut of a residual block from c to oc channels
// with the given stride: "identity", "pad" (option A where dimensions
// change) or "projection" (option B where they change, C everywhere).
func (b *builder) shortcutKind(c, oc, stride int) string {
	change := c != oc || stride != 1
	switch opt := b.spec.ShortcutKind(); {
	case opt == ShortcutC || (opt == ShortcutB && change):
		return "projection"
	case change:
		return "pad"
	}
	return "identity"
}

// shortcut returns the shortcut layer of kind from the current activation
// (nil for the identity). A projection is a 1x1 conv named
// name+".shortcut" with the given stride, followed in a post-activation net
// by BN name+".shortcut.bn" (unless norm is none), as resnet_cifar.py's
// option B. In a pre-activation net it is the conv alone, as in He et al.
// 2016's resnet-pre-act.lua: the sum is normalised by the next block's bn1.
func (b *builder) shortcut(name, kind string, oc, stride int) nn.Layer {
	switch kind {
	case "pad":
		pad := nn.NewPadShortcut(b.c, oc, stride)
		b.c, b.h, b.w = oc, (b.h+stride-1)/stride, (b.w+stride-1)/stride
		return pad
	case "projection":
		conv := b.conv(name+".shortcut", oc, 1, stride)
		if b.spec.PreAct {
			return conv
		}
		if bn := b.bn(name + ".shortcut.bn"); bn != nil {
			return nn.NewSequential(conv, bn)
		}
		return conv
	}
	return nil
}
