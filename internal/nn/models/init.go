package models

import (
	"fmt"
	"math"
	"math/rand/v2"
	"strings"

	"github.com/resexp/resexp/internal/nn"
)

// InitSchemes lists the weight initialisations Init accepts.
var InitSchemes = []string{"he", "xavier"}

// Init draws every conv and fc weight from one seeded RNG, in depth order.
//
// "he" (He et al. 2015, "Delving deep into rectifiers"): conv weights
// N(0, 2/fan_out) with fan_out = OC*KH*KW, as PyTorch's
// kaiming_normal_(mode="fan_out") in the reference ResNet. "xavier": conv
// weights N(0, 2/(fan_in+fan_out)). The fc layer takes PyTorch's default for
// both: weight and bias uniform in ±1/sqrt(fan_in). BatchNorm starts at
// gamma 1, beta 0.
//
// With Spec.ZeroInitResidual, every residual branch then starts as zero, so
// that each block starts as its shortcut and a deep net without
// normalisation starts stable (Goyal et al. 2017; Zhang et al. 2019,
// "Fixup"): the branch's last BN gamma is set to 0 in a post-activation net
// with BN, otherwise the weight of its last conv (in a pre-activation net a
// zero gamma would be followed by a ReLU and stop its own gradient). The
// zeroed weights are drawn first, so the RNG stream and every other weight
// are the same as without the option.
func (m *Model) Init(rng *rand.Rand, scheme string) error {
	std, err := stdFunc(scheme)
	if err != nil {
		return err
	}
	for _, w := range m.Weighted {
		if w.Name == "fc" {
			continue
		}
		s := std(w.Weight)
		for i := range w.Weight.Data {
			w.Weight.Data[i] = float32(rng.NormFloat64() * s)
		}
	}
	fc := m.Net.Layers[len(m.Net.Layers)-1].(*nn.Linear)
	bound := 1 / math.Sqrt(float64(fc.In))
	for _, p := range []*nn.Param{fc.Weight, fc.Bias} {
		for i := range p.Data {
			p.Data[i] = float32((2*rng.Float64() - 1) * bound)
		}
	}
	if m.Spec.ZeroInitResidual {
		for _, p := range m.branchEnds {
			clear(p.Data)
		}
	}
	return nil
}

func stdFunc(scheme string) (func(*nn.Param) float64, error) {
	switch scheme {
	case "he":
		return func(p *nn.Param) float64 { return math.Sqrt(2 / float64(p.FanOut())) }, nil
	case "xavier":
		return func(p *nn.Param) float64 { return math.Sqrt(2 / float64(p.FanIn()+p.FanOut())) }, nil
	}
	return nil, fmt.Errorf("init %q is not one of %s", scheme, strings.Join(InitSchemes, ", "))
}
