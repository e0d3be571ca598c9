package weights

import (
	"fmt"
	"strings"

	"github.com/resexp/resexp/internal/nn"
	"github.com/resexp/resexp/internal/nn/models"
)

// Tensor is one entry of a state dict. Name is its name in the file, Layer
// its resexp name; Data aliases the model's buffer (a Param's Data or a
// BatchNorm's running statistics), so reading into it changes the model.
// A num_batches_tracked entry has Data nil and Shape empty: an I64 scalar
// that resexp does not keep.
type Tensor struct {
	Name, Layer string
	Shape       []int
	Data        []float32
}

// Counter reports whether t is a num_batches_tracked entry.
func (t Tensor) Counter() bool { return t.Data == nil }

// StateDict lists m's tensors in the order of a PyTorch state_dict(): each
// layer's parameters in depth order, every BatchNorm's weight and bias
// followed by its running_mean, running_var and num_batches_tracked. Names
// follow the scheme names (NamesPyTorch or NamesResexp); NamesPyTorch
// returns Expressible's error for a net the reference cannot express.
func StateDict(m *models.Model, names string) ([]Tensor, error) {
	rename, err := renamer(m.Spec, names)
	if err != nil {
		return nil, err
	}
	bns := map[string]*nn.BatchNorm2D{}
	for _, bn := range m.BNs {
		bns[bn.Name] = bn
	}
	var sd []Tensor
	for _, p := range m.Params() {
		sd = append(sd, Tensor{Layer: p.Name, Shape: p.Shape, Data: p.Data})
		if bn, ok := bns[strings.TrimSuffix(p.Name, ".bias")]; ok && strings.HasSuffix(p.Name, ".bias") {
			sd = append(sd, Tensor{Layer: bn.Name + ".running_mean", Shape: []int{bn.C}, Data: bn.RunningMean},
				Tensor{Layer: bn.Name + ".running_var", Shape: []int{bn.C}, Data: bn.RunningVar},
				Tensor{Layer: bn.Name + ".num_batches_tracked", Shape: []int{}})
		}
	}
	for i := range sd {
		if sd[i].Name, err = rename(sd[i].Layer); err != nil {
			return nil, err
		}
	}
	return sd, nil
}

// renamer returns the function that names a resexp tensor in scheme names
// for a net of spec s.
func renamer(s models.Spec, names string) (func(string) (string, error), error) {
	switch names {
	case NamesResexp:
		return func(name string) (string, error) { return name, nil }, nil
	case NamesPyTorch:
		if err := Expressible(s); err != nil {
			return nil, err
		}
		n, err := models.StageBlocks(models.Basic, s.Depth)
		if err != nil {
			return nil, err
		}
		return func(name string) (string, error) { return TorchName(name, n) }, nil
	}
	return nil, fmt.Errorf("names %q is not one of %s, %s", names, NamesPyTorch, NamesResexp)
}

// size is the number of elements of shape (1 for a scalar).
func size(shape []int) int {
	n := 1
	for _, s := range shape {
		n *= s
	}
	return n
}
