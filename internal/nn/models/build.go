package models

import (
	"fmt"

	"github.com/resexp/resexp/internal/nn"
)

// Build constructs the network described by s with zeroed weights; call Init
// before training.
func Build(s Spec) (*Model, error) {
	n, err := BlocksPerStage(s.Depth)
	if err != nil {
		return nil, err
	}
	if s.Norm != "batch" && s.Norm != "none" {
		return nil, fmt.Errorf("norm %q is not one of batch, none", s.Norm)
	}
	if s.InC < 1 || s.H < 4 || s.W < 4 || s.Classes < 2 {
		return nil, fmt.Errorf("input %dx%dx%d with %d classes is too small", s.InC, s.H, s.W, s.Classes)
	}
	b := &builder{spec: s, m: &Model{Spec: s}, c: s.InC, h: s.H, w: s.W}
	layers := b.stem()
	c := Widths[0]
	for stage, oc := range Widths {
		for blk := 1; blk <= n; blk++ {
			stride := 1
			if stage > 0 && blk == 1 {
				stride = 2
			}
			layers = append(layers, b.block(fmt.Sprintf("stage%d.block%d", stage+1, blk), c, oc, stride))
			c = oc
		}
	}
	fc := nn.NewLinear("fc", c, s.Classes)
	b.weighted("fc", fc.Weight)
	b.row("pool", "avgpool", c, 1, 1, 0, int64(c*b.h*b.w))
	b.row("fc", "linear", s.Classes, 1, 1, c*s.Classes+s.Classes, int64(c*s.Classes))
	layers = append(layers, nn.NewGlobalAvgPool(), fc)
	b.m.Net = nn.NewSequential(layers...)
	return b.m, nil
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

// convBN returns conv(k×k) followed by BatchNorm (unless norm is none),
// recording the conv's weight and, for 3x3 convs, its response.
func (b *builder) convBN(name, bnName string, c, oc, k, stride int) []nn.Layer {
	conv := nn.NewConv2D(name, c, oc, k, stride, k/2)
	b.weighted(name, conv.Weight)
	oh, ow := conv.OutShape(b.h, b.w)
	b.row(name, fmt.Sprintf("conv%dx%d/%d", k, k, stride), oc, oh, ow, len(conv.Weight.Data), int64(oh*ow*oc*c*k*k))
	b.c, b.h, b.w = oc, oh, ow
	if b.spec.Norm == "none" {
		return []nn.Layer{conv}
	}
	bn := nn.NewBatchNorm2D(bnName, oc)
	b.row(bnName, "batchnorm", oc, oh, ow, 2*oc, 0)
	b.m.BNs = append(b.m.BNs, bn)
	if k == 3 {
		b.m.Responses = append(b.m.Responses, Response{Name: name, BN: bn})
	}
	return []nn.Layer{conv, bn}
}

func (b *builder) act() nn.Layer { return nn.NewActivation(b.spec.Activation) }

// stem is conv1 (3x3, 16 filters) + bn1 + activation.
func (b *builder) stem() []nn.Layer {
	return append(b.convBN("conv1", "bn1", b.spec.InC, Widths[0], 3, 1), b.act())
}

// block is the basic block: conv-BN-act-conv-BN, then the addition of the
// shortcut (residual nets) and the second activation.
func (b *builder) block(name string, c, oc, stride int) nn.Layer {
	body := b.convBN(name+".conv1", name+".bn1", c, oc, 3, stride)
	body = append(body, b.act())
	body = append(body, b.convBN(name+".conv2", name+".bn2", oc, oc, 3, 1)...)
	if !b.spec.Residual {
		return nn.NewSequential(append(body, b.act())...)
	}
	var shortcut nn.Layer
	if stride != 1 || c != oc {
		shortcut = nn.NewPadShortcut(c, oc, stride)
	}
	return nn.NewResidual(nn.NewSequential(body...), shortcut, b.act())
}
