package cli

import (
	"fmt"
	"io"
	"strings"

	"github.com/spf13/pflag"

	"github.com/spf13/cobra"

	"github.com/resexp/resexp/internal/data"
	"github.com/resexp/resexp/internal/experiments"
	"github.com/resexp/resexp/internal/runfiles"
)

type trainOptions struct {
	configFile      string
	residual, plain bool
	sets            []string
	out             string
	force           bool
	forceMemory     bool
	resume          string
	initWeights     string
	loader          *configLoader
}

func newTrainCmd() *cobra.Command {
	o := &trainOptions{loader: newConfigLoader()}
	c := &cobra.Command{
		Use:   "train [-c FILE] [flags]",
		Short: "Train one network and write its run directory",
		Long: `Train one plain or residual network and write its run directory (config.yaml, meta.json,
metrics.csv, gradnorms.csv, responses.csv). Values come from, in order of precedence:
--set and flags, RESEXP_* environment variables (RESEXP_TRAIN_LR for train.lr),
the -c config file, built-in defaults. With no arguments it trains the built-in default,
resnet-20 on MNIST for 200 iterations; MNIST is downloaded into data/mnist on first use
(--dataset synthetic trains on a built-in set that needs no download, in seconds).`,
		Args: exactArgs(0),
		RunE: func(c *cobra.Command, _ []string) error { return o.run(c) },
	}
	f := c.Flags()
	f.StringVarP(&o.configFile, "config", "c", "", "YAML experiment config file")
	f.Int("depth", 0, "network depth: 6n+2 for basic blocks (20, 32, 44, 56, 110), 9n+2 for bottleneck")
	f.BoolVar(&o.residual, "residual", false, "identity shortcuts (a ResNet)")
	f.BoolVar(&o.plain, "plain", false, "no shortcuts (the plain net of the same depth)")
	f.String("dataset", "", "data set: "+strings.Join(data.Names(), ", ")+" (default "+experiments.DefaultDataset+")")
	f.String("data-dir", "", "directory holding the data set's files (default data/<dataset>)")
	f.Int("steps", 0, "training iterations")
	f.Int("epochs", 0, "training epochs (instead of --steps)")
	f.Int("batch-size", 0, "images per iteration")
	f.Float64("lr", 0, "base learning rate")
	f.Uint64("seed", 0, "seed of every random choice (init, data order, augmentation)")
	f.String("name", "", "run name (default <label>-<dataset>, e.g. resnet-56-mnist)")
	f.StringVar(&o.out, "out", "", "run directory (default runs/<name>)")
	f.BoolVar(&o.force, "force", false, "replace an existing run directory")
	f.BoolVar(&o.forceMemory, "force-memory", false, "train even when the memory estimate (see resexp model --batch-size) exceeds the memory available")
	f.StringVar(&o.resume, "resume", "", "continue the interrupted run in this directory from its checkpoint, exactly")
	f.StringVar(&o.initWeights, "init-weights", "", "start from the weights of this safetensors file (see resexp export) instead of a random init")
	f.StringArrayVar(&o.sets, "set", nil, "set any config key, e.g. --set model.norm=none (repeatable)")
	for flag, key := range map[string]string{"depth": "model.depth", "dataset": "data.dataset", "data-dir": "data.dir",
		"steps": "train.steps", "epochs": "train.epochs", "batch-size": "train.batch_size", "lr": "train.lr",
		"seed": "seed", "name": "name"} {
		o.loader.bind(f, flag, key)
	}
	return c
}

// config resolves the experiment from file, environment, flags and --set.
func (o *trainOptions) config(c *cobra.Command) (experiments.Config, error) {
	l := o.loader
	if o.configFile != "" {
		if err := l.readFile(o.configFile); err != nil {
			return experiments.Config{}, err
		}
	}
	if o.residual && o.plain {
		return experiments.Config{}, &usageError{msg: "train: --residual and --plain exclude each other"}
	}
	if o.residual || o.plain {
		flag := "flag --plain"
		if o.residual {
			flag = "flag --residual"
		}
		if err := l.setFrom("model.residual", o.residual, flag); err != nil {
			return experiments.Config{}, err
		}
	}
	if c.Flags().Changed("steps") && !c.Flags().Changed("epochs") {
		l.v.Set("train.epochs", 0)
	}
	if c.Flags().Changed("epochs") && !c.Flags().Changed("steps") {
		l.v.Set("train.steps", 0)
	}
	for _, kv := range o.sets {
		if err := l.set(kv); err != nil {
			return experiments.Config{}, err
		}
	}
	return l.resolve()
}

func (o *trainOptions) run(c *cobra.Command) error {
	var t *experiments.Trainer
	var err error
	if o.resume != "" {
		t, err = o.prepareResume(c)
	} else {
		t, err = o.prepare(c)
	}
	if err != nil {
		return err
	}
	out := c.OutOrStdout()
	p := newProgress(out, t.Total)
	err = t.Run(c.Context(), experiments.Hooks{
		Start: func(t *experiments.Trainer) { printStart(out, t) },
		Step:  p.step,
		Log:   p.log,
	})
	p.done()
	if err != nil {
		return fmt.Errorf("run %s: %w", t.Dir, err)
	}
	fmt.Fprintf(out, "run %s completed; plot it with: resexp plot %s\n", t.Dir, t.Dir)
	return nil
}

func (o *trainOptions) prepare(c *cobra.Command) (*experiments.Trainer, error) {
	cfg, err := o.config(c)
	if err != nil {
		return nil, err
	}
	if err := ensureData(c, cfg); err != nil {
		return nil, err
	}
	return experiments.Prepare(cfg, experiments.Options{Dir: o.out, Force: o.force, InitWeights: o.initWeights, ForceMemory: o.forceMemory})
}

// prepareResume continues a run with the config it was started with; any
// flag that would change the experiment is refused.
func (o *trainOptions) prepareResume(c *cobra.Command) (*experiments.Trainer, error) {
	var changed []string
	c.Flags().Visit(func(f *pflag.Flag) {
		if f.Name != "resume" && f.Name != "force-memory" {
			changed = append(changed, "--"+f.Name)
		}
	})
	if len(changed) > 0 {
		return nil, &usageError{msg: fmt.Sprintf("train --resume continues a run with its own config.yaml; drop %s", strings.Join(changed, " "))}
	}
	run, err := experiments.OpenRun(o.resume)
	if err != nil {
		return nil, err
	}
	return run.Resume(o.forceMemory)
}

func printStart(w io.Writer, t *experiments.Trainer) {
	from := ""
	if t.StartStep() > 0 {
		from = fmt.Sprintf(", resuming after step %d", t.StartStep())
	}
	fmt.Fprintf(w, "%s on %s: %d parameters, %d iterations of batch %d, seed %d%s -> %s/{%s,%s}\n",
		t.Model.Spec.Label(), t.Cfg.Data.Dataset, t.Model.NumParams(), t.Total, t.Cfg.Train.BatchSize,
		t.Cfg.Seed, from, t.Dir, runfiles.MetricsFile, runfiles.GradNormsFile)
}
