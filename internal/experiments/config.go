package experiments

import (
	"fmt"
	"slices"
	"strings"

	"github.com/resexp/resexp/internal/data"
	"github.com/resexp/resexp/internal/nn"
	"github.com/resexp/resexp/internal/nn/models"
	"github.com/resexp/resexp/internal/nn/optim"
)

// Config is a whole experiment. Its mapstructure/yaml keys are the config
// file's keys (model.depth, train.lr, ...); Default fills every one.
type Config struct {
	Name  string      `mapstructure:"name" yaml:"name"`
	Seed  uint64      `mapstructure:"seed" yaml:"seed"`
	Model ModelConfig `mapstructure:"model" yaml:"model"`
	Data  DataConfig  `mapstructure:"data" yaml:"data"`
	Train TrainConfig `mapstructure:"train" yaml:"train"`
	Log   LogConfig   `mapstructure:"log" yaml:"log"`
}

// ModelConfig selects the network; see models.Spec for the meaning of each
// key. Block is basic or bottleneck, Shortcut A, B or C (residual nets
// only), PreAct the pre-activation ordering, ZeroInitResidual zeroes the
// last scale of each residual branch at initialisation (residual nets only).
type ModelConfig struct {
	Depth            int    `mapstructure:"depth" yaml:"depth"`
	Residual         bool   `mapstructure:"residual" yaml:"residual"`
	Block            string `mapstructure:"block" yaml:"block"`
	Shortcut         string `mapstructure:"shortcut" yaml:"shortcut"`
	PreAct           bool   `mapstructure:"preact" yaml:"preact"`
	Norm             string `mapstructure:"norm" yaml:"norm"`
	Activation       string `mapstructure:"activation" yaml:"activation"`
	Init             string `mapstructure:"init" yaml:"init"`
	ZeroInitResidual bool   `mapstructure:"zero_init_residual" yaml:"zero_init_residual"`
}

// DataConfig selects the data set and its preprocessing.
type DataConfig struct {
	Dataset string `mapstructure:"dataset" yaml:"dataset"`
	Dir     string `mapstructure:"dir" yaml:"dir"`
	// Label picks CIFAR-100's fine (100 classes) or coarse (20) labels.
	Label     string `mapstructure:"label" yaml:"label"`
	Normalize string `mapstructure:"normalize" yaml:"normalize"`
	// Validation holds out the last N training images as a validation
	// split (the paper's 45k/5k CIFAR-10 split is 5000).
	Validation int `mapstructure:"validation" yaml:"validation"`
	// Augment is "auto" (the paper's augmentation for CIFAR, none for the
	// others), "on" or "off"; when on, PadCrop pixels of zero padding with a
	// random crop back to the image size, and a random horizontal flip if
	// Flip.
	Augment string `mapstructure:"augment" yaml:"augment"`
	PadCrop int    `mapstructure:"pad_crop" yaml:"pad_crop"`
	Flip    bool   `mapstructure:"flip" yaml:"flip"`
}

// TrainConfig is the optimisation recipe. Steps and Epochs are exclusive;
// Milestones are iterations.
type TrainConfig struct {
	Steps       int     `mapstructure:"steps" yaml:"steps"`
	Epochs      int     `mapstructure:"epochs" yaml:"epochs"`
	BatchSize   int     `mapstructure:"batch_size" yaml:"batch_size"`
	LR          float64 `mapstructure:"lr" yaml:"lr"`
	Momentum    float64 `mapstructure:"momentum" yaml:"momentum"`
	WeightDecay float64 `mapstructure:"weight_decay" yaml:"weight_decay"`
	Nesterov    bool    `mapstructure:"nesterov" yaml:"nesterov"`
	Schedule    string  `mapstructure:"schedule" yaml:"schedule"`
	Milestones  []int   `mapstructure:"milestones" yaml:"milestones"`
	// MilestoneEpochs gives the multistep milestones in epochs instead of
	// iterations (exclusive with Milestones).
	MilestoneEpochs []int   `mapstructure:"milestone_epochs" yaml:"milestone_epochs"`
	Gamma           float64 `mapstructure:"gamma" yaml:"gamma"`
	WarmupSteps     int     `mapstructure:"warmup_steps" yaml:"warmup_steps"`
	WarmupLR        float64 `mapstructure:"warmup_lr" yaml:"warmup_lr"`
}

// LogConfig sets what is recorded and how often (in iterations).
// EvalSamples limits intermediate test evaluations to the first N test
// images (0 = all); the final evaluation always uses the whole test set.
type LogConfig struct {
	Every         int `mapstructure:"every" yaml:"every"`
	EvalEvery     int `mapstructure:"eval_every" yaml:"eval_every"`
	EvalSamples   int `mapstructure:"eval_samples" yaml:"eval_samples"`
	GradNormEvery int `mapstructure:"gradnorm_every" yaml:"gradnorm_every"`
	ResponseEvery int `mapstructure:"response_every" yaml:"response_every"`
	// CheckpointEvery is the interval of checkpoints; one is also written at
	// the end and when the run is interrupted.
	CheckpointEvery int `mapstructure:"checkpoint_every" yaml:"checkpoint_every"`
}

// DefaultDataset is the data set of Default: MNIST, so the first run a
// new user makes is on real data.
const DefaultDataset = "mnist"

// Default is the built-in experiment: a residual 20-layer net on MNIST for
// 200 iterations (MNIST is fetched on first use; see
// data.Dataset.FetchOnFirstUse). Tests and smoke runs set data.dataset:
// synthetic, which is generated in memory and needs no download.
func Default() Config {
	return Config{
		Seed: 1,
		Model: ModelConfig{Depth: 20, Residual: true, Block: models.Basic.String(), Shortcut: models.ShortcutA.String(),
			Norm: models.BatchNorm.String(), Activation: nn.ReLU.String(), Init: "he"},
		Data: DataConfig{Dataset: DefaultDataset, Normalize: "auto", Label: data.LabelFine,
			Augment: "auto", PadCrop: 4, Flip: true},
		Train: TrainConfig{
			Steps: 200, BatchSize: 128, LR: 0.1, Momentum: 0.9, WeightDecay: 1e-4,
			Schedule: "multistep", Gamma: 0.1, Milestones: []int{}, MilestoneEpochs: []int{}, WarmupLR: 0.01,
		},
		Log: LogConfig{Every: 20, EvalEvery: 100, GradNormEvery: 10, ResponseEvery: 50, CheckpointEvery: 1000},
	}
}

// Label is the net's name in figures: "resnet-56" or "plain-20".
func (c *Config) Label() string { return c.Spec(1, 1, 1, 2).Label() }

// RunName is Name, or "<label>-<dataset>" when Name is empty.
func (c *Config) RunName() string {
	if c.Name != "" {
		return c.Name
	}
	return c.Label() + "-" + c.Data.Dataset
}

// DataDir is Data.Dir, or data.DefaultDir of the data set ("data/<dataset>")
// when it is empty.
func (c *Config) DataDir() string {
	if c.Data.Dir != "" {
		return c.Data.Dir
	}
	return data.DefaultDir(c.Data.Dataset)
}

// ResolveAuto replaces the "auto" choices by what they mean for the data
// set (its data.Dataset's Normalize and Augment), so a run's config.yaml
// records what was done: CIFAR-10/100 get the paper's per-pixel mean
// subtraction and pad-crop-flip augmentation, the 28x28 sets per-channel
// standardisation and no augmentation. An unknown data set is left as it
// is (Validate refuses it).
func (c *Config) ResolveAuto() {
	d, err := data.Lookup(c.Data.Dataset)
	if err != nil {
		return
	}
	if c.Data.Normalize == "auto" {
		c.Data.Normalize = d.Normalize
	}
	if c.Data.Augment == "auto" {
		c.Data.Augment = map[bool]string{true: "on", false: "off"}[d.Augment]
	}
}

// augment is the data augmentation c asks for (after ResolveAuto).
func (c *Config) augment() data.Augment {
	if c.Data.Augment != "on" {
		return data.Augment{}
	}
	return data.Augment{PadCrop: c.Data.PadCrop, FlipH: c.Data.Flip}
}

func (c *Config) loadOptions() data.LoadOptions { return data.LoadOptions{Label: c.Data.Label} }

// Spec is the model spec for inputs of c×h×w and the given classes. The
// model keys are taken as they are (Validate checks them; a value that
// does not parse makes a Spec that models.Build refuses).
func (c *Config) Spec(inC, h, w, classes int) models.Spec {
	act, _ := nn.ParseActKind(c.Model.Activation)
	m := c.Model
	return models.Spec{Depth: m.Depth, Residual: m.Residual, Block: models.Block(m.Block), Shortcut: models.Shortcut(m.Shortcut),
		PreAct: m.PreAct, Norm: models.Norm(m.Norm), Activation: act, ZeroInitResidual: m.ZeroInitResidual,
		InC: inC, H: h, W: w, Classes: classes}
}

// Validate checks every value before any work starts. The error (the first
// problem found, on one line) is a *KeyError naming the key and what is
// allowed.
func (c *Config) Validate() error {
	var errs []error
	add := func(key, format string, args ...any) {
		errs = append(errs, KeyErrorf(key, format, args...))
	}
	c.Model.validate(add)
	oneOf(add, "data.dataset", c.Data.Dataset, data.Names()...)
	oneOf(add, "data.normalize", c.Data.Normalize, "auto", "none", "channel", "pixel")
	oneOf(add, "data.augment", c.Data.Augment, "auto", "on", "off")
	if err := c.loadOptions().Validate(c.Data.Dataset); err != nil && slices.Contains(data.Names(), c.Data.Dataset) {
		add("data.label", "%v", err)
	}
	oneOf(add, "train.schedule", c.Train.Schedule, optim.ScheduleNames...)
	c.validateNumbers(add)
	if len(errs) > 0 {
		return errs[0]
	}
	return nil
}

// validate checks the model keys: each value is one of those allowed, the
// depth fits the block (6n+2 basic, 9n+2 bottleneck), and the options of
// residual nets are not set on a plain net.
func (m *ModelConfig) validate(add func(key, format string, args ...any)) {
	oneOf(add, "model.block", m.Block, models.KindNames(models.Blocks)...)
	if block, err := models.ParseBlock(m.Block); err == nil {
		if _, err := models.StageBlocks(block, m.Depth); err != nil {
			add("model.depth", "%v%s", err, otherBlockHint(block, m.Depth))
		}
	}
	oneOf(add, "model.shortcut", m.Shortcut, models.KindNames(models.Shortcuts)...)
	if sc, err := models.ParseShortcut(m.Shortcut); err == nil && !m.Residual && sc != models.ShortcutA {
		add("model.shortcut", "%s applies to residual nets; set model.residual: true or drop it", m.Shortcut)
	}
	if !m.Residual && m.ZeroInitResidual {
		add("model.zero_init_residual", "applies to residual nets; set model.residual: true or drop it")
	}
	oneOf(add, "model.norm", m.Norm, models.KindNames(models.Norms)...)
	oneOf(add, "model.activation", m.Activation, "relu", "tanh", "sigmoid")
	oneOf(add, "model.init", m.Init, models.InitSchemes...)
}

// otherBlockHint suggests the other block kind when depth fits it.
func otherBlockHint(block models.Block, depth int) string {
	for _, b := range models.Blocks {
		if _, err := models.StageBlocks(b, depth); b != block && err == nil {
			return fmt.Sprintf("; %d fits model.block: %s", depth, b)
		}
	}
	return ""
}

func (c *Config) validateNumbers(add func(key, format string, args ...any)) {
	t := c.Train
	switch {
	case t.Steps < 0 || t.Epochs < 0:
		add("train.steps", "must not be negative (got steps %d, epochs %d)", t.Steps, t.Epochs)
	case t.Steps > 0 && t.Epochs > 0:
		add("train.steps", "and train.epochs are exclusive; set one (got steps %d, epochs %d)", t.Steps, t.Epochs)
	case t.Steps == 0 && t.Epochs == 0:
		add("train.steps", "set train.steps or train.epochs to a positive number")
	}
	if t.BatchSize < 1 {
		add("train.batch_size", "must be at least 1 (got %d)", t.BatchSize)
	}
	positive(add, "train.lr", t.LR)
	nonNegative(add, "train.momentum", t.Momentum)
	nonNegative(add, "train.weight_decay", t.WeightDecay)
	positive(add, "train.gamma", t.Gamma)
	nonNegative(add, "train.warmup_lr", t.WarmupLR)
	if t.WarmupSteps < 0 {
		add("train.warmup_steps", "must not be negative (got %d)", t.WarmupSteps)
	}
	if !slices.IsSorted(t.Milestones) || slices.ContainsFunc(t.Milestones, func(m int) bool { return m < 1 }) {
		add("train.milestones", "must be increasing positive iterations (got %v)", t.Milestones)
	}
	if !slices.IsSorted(t.MilestoneEpochs) || slices.ContainsFunc(t.MilestoneEpochs, func(m int) bool { return m < 1 }) {
		add("train.milestone_epochs", "must be increasing positive epochs (got %v)", t.MilestoneEpochs)
	}
	if len(t.Milestones) > 0 && len(t.MilestoneEpochs) > 0 {
		add("train.milestone_epochs", "and train.milestones are exclusive; give milestones in iterations or in epochs (got %v and %v)", t.Milestones, t.MilestoneEpochs)
	}
	if c.Data.Validation < 0 {
		add("data.validation", "must not be negative (got %d)", c.Data.Validation)
	}
	if c.Data.PadCrop < 0 {
		add("data.pad_crop", "must not be negative (got %d)", c.Data.PadCrop)
	}
	l := c.Log
	for _, kv := range []struct {
		key string
		v   int
	}{{"log.every", l.Every}, {"log.eval_every", l.EvalEvery}, {"log.gradnorm_every", l.GradNormEvery}, {"log.response_every", l.ResponseEvery}, {"log.checkpoint_every", l.CheckpointEvery}} {
		if kv.v < 1 {
			add(kv.key, "must be at least 1 (got %d)", kv.v)
		}
	}
	if l.EvalSamples < 0 {
		add("log.eval_samples", "must not be negative (got %d)", l.EvalSamples)
	}
}

func oneOf(add func(string, string, ...any), key, v string, allowed ...string) {
	if !slices.Contains(allowed, v) {
		add(key, "%q is not one of %s", v, strings.Join(allowed, ", "))
	}
}

func positive(add func(string, string, ...any), key string, v float64) {
	if !(v > 0) {
		add(key, "must be positive (got %v)", v)
	}
}

func nonNegative(add func(string, string, ...any), key string, v float64) {
	if !(v >= 0) {
		add(key, "must not be negative (got %v)", v)
	}
}
