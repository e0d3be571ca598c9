package experiments

import (
	"errors"
	"strings"
	"testing"
)

// TestValidateModel checks the model keys: allowed values, the depth rule
// of each block kind and the options that need a residual net.
func TestValidateModel(t *testing.T) {
	for _, c := range []struct {
		set  func(m *ModelConfig)
		want string // "" = valid
	}{
		{func(m *ModelConfig) {}, ""},
		{func(m *ModelConfig) { m.Block, m.Depth, m.Shortcut, m.PreAct = "bottleneck", 164, "B", true }, ""},
		{func(m *ModelConfig) { m.Shortcut, m.ZeroInitResidual, m.Norm = "C", true, "none" }, ""},
		{func(m *ModelConfig) { m.Residual = false }, ""},
		{func(m *ModelConfig) { m.Depth = 21 }, "key model.depth: depth 21 is not 6n+2"},
		{func(m *ModelConfig) { m.Block, m.Depth = "bottleneck", 56+1 }, "key model.depth: depth 57 is not 9n+2"},
		{func(m *ModelConfig) { m.Depth = 29 }, "29 fits model.block: bottleneck"},
		{func(m *ModelConfig) { m.Block = "wide" }, `key model.block: "wide" is not one of basic, bottleneck`},
		{func(m *ModelConfig) { m.Shortcut = "b" }, `key model.shortcut: "b" is not one of A, B, C`},
		{func(m *ModelConfig) { m.Residual, m.Shortcut = false, "B" },
			"key model.shortcut: B applies to residual nets; set model.residual: true or drop it"},
		{func(m *ModelConfig) { m.Residual, m.ZeroInitResidual = false, true }, "key model.zero_init_residual: applies to residual nets"},
	} {
		cfg := Default()
		c.set(&cfg.Model)
		err := cfg.Validate()
		var ke *KeyError
		switch {
		case c.want == "" && err != nil:
			t.Errorf("%+v: %v, want valid", cfg.Model, err)
		case c.want != "" && (err == nil || !strings.Contains(err.Error(), c.want)):
			t.Errorf("%+v: %v, want an error containing %q", cfg.Model, err, c.want)
		case c.want != "" && (!errors.As(err, &ke) || !strings.HasPrefix(c.want, "key ") && !strings.HasPrefix(ke.Key, "model.")):
			t.Errorf("%+v: %v is not a *KeyError about a model key", cfg.Model, err)
		case c.want != "" && strings.HasPrefix(c.want, "key ") && !strings.HasPrefix(c.want, "key "+ke.Key+": "):
			t.Errorf("%+v: KeyError.Key %q, want the key in %q", cfg.Model, ke.Key, c.want)
		}
	}
}

// TestSpecCarriesModelKeys checks that every model key reaches models.Spec.
func TestSpecCarriesModelKeys(t *testing.T) {
	cfg := Default()
	cfg.Model = ModelConfig{Depth: 164, Residual: true, Block: "bottleneck", Shortcut: "B", PreAct: true,
		Norm: "none", Activation: "tanh", Init: "he", ZeroInitResidual: true}
	s := cfg.Spec(3, 32, 32, 10)
	if s.Block != "bottleneck" || s.Shortcut != "B" || !s.PreAct || s.Norm != "none" || !s.ZeroInitResidual || s.Activation.String() != "tanh" {
		t.Errorf("spec %+v does not carry %+v", s, cfg.Model)
	}
	if got := cfg.Label(); got != "resnet-164-bottleneck-B-preact" {
		t.Errorf("label %q", got)
	}
}
