package models

import (
	"fmt"

	"github.com/resexp/resexp/internal/nn"
)

// Spec describes a network. Depth must be 6n+2 with n >= 1. InC, H and W are
// the input's channels, height and width; Classes is the number of outputs.
type Spec struct {
	Depth      int
	Residual   bool
	Norm       string // "batch" or "none"
	Activation nn.ActKind
	InC, H, W  int
	Classes    int
}

// Widths are the filter counts of the three stages (the paper's 16, 32, 64).
var Widths = [3]int{16, 32, 64}

// Label names a net the way the paper's figures do: "resnet-56" or "plain-20".
func (s Spec) Label() string {
	if s.Residual {
		return fmt.Sprintf("resnet-%d", s.Depth)
	}
	return fmt.Sprintf("plain-%d", s.Depth)
}

// BlocksPerStage returns n for depth = 6n+2, or an error naming the nearest
// valid depths.
func BlocksPerStage(depth int) (int, error) {
	if depth < 8 || (depth-2)%6 != 0 {
		lo := max(8, depth-((depth-2)%6+6)%6)
		return 0, fmt.Errorf("depth %d is not 6n+2 with n >= 1 (e.g. %d or %d; the paper uses 20, 32, 44, 56, 110, 1202)", depth, lo, lo+6)
	}
	return (depth - 2) / 6, nil
}

// Weighted is a layer whose weight tensor is recorded (conv or fc), in depth
// order; Name is the layer's stable name.
type Weighted struct {
	Name   string
	Weight *nn.Param
}

// Response is a 3x3 conv's normalised output (after BN, before the
// nonlinearity or the addition): the quantity of the paper's Fig. 7.
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
