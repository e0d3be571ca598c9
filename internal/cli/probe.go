package cli

import (
	"encoding/json"
	"fmt"
	"io"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/resexp/resexp/internal/experiments"
)

type probeOptions struct {
	model  *trainOptions // the model flags, -c and --set, resolved as train does
	run    string        // --run: the run directory whose net is probed
	opt    experiments.ProbeOptions
	asJSON bool
}

func newProbeCmd() *cobra.Command {
	o := &probeOptions{model: &trainOptions{loader: newConfigLoader()}}
	// Probe's input is bytes/255 unless the user asks for more (see Long).
	o.model.loader.v.SetDefault("data.normalize", "none")
	c := &cobra.Command{
		Use:   "probe (--weights FILE [-c FILE] [--depth N] [--residual|--plain] [--set key=value] | --run DIR [--weights FILE]) --batch FILE [--labels FILE] [--count N] [--json]",
		Short: "Print the loss and per-layer gradient norms of one batch for given weights",
		Long: `Build the model of the config (-c, --depth, --residual/--plain, --dataset, --set), load the
weights file (safetensors with resnet_cifar.py's PyTorch names, or resexp's; see resexp export),
read the first --count records of the batch file, run one forward pass with BatchNorm in
training mode (batch statistics) and one backward pass, and print the mean cross-entropy loss
and the L2 norm of dLoss/dW of every conv and fc weight (before weight decay), in
gradnorms.csv's order, with each layer's PyTorch name beside it, and the loss's gradient with
respect to the input x (the batch after normalisation): its L2 norm over the batch and its
values at 8 flat NCHW indices k(n-1)/7, k = 0..7, n = N*C*H*W (what PyTorch's x.grad holds).

The batch file is a CIFAR-10 binary batch (data_batch_1.bin, ...; records of a label byte and
a 3x32x32 image) or an IDX image file (MNIST, Fashion-MNIST; gzipped or not) whose labels
file is found beside it by its standard name (train-images-idx3-ubyte -> train-labels-idx1-ubyte)
or given with --labels. Without --dataset (or data.dataset) the format picks cifar10 or mnist.
No augmentation is applied. Normalisation defaults to data.normalize: none (x = byte/255) so
that the input is the same in any framework; set data.normalize to channel or pixel to
normalise with statistics computed from the probed batch itself.

With --run DIR the model and data set are the run's (its config.yaml) and the weights its
checkpoint's, or --weights FILE's; the input is bytes/255 (data.normalize none).`,
		Args: exactArgs(0),
		RunE: func(c *cobra.Command, _ []string) error { return o.exec(c) },
	}
	f := c.Flags()
	f.StringVar(&o.opt.Weights, "weights", "", "safetensors weights file (required without --run)")
	f.StringVar(&o.run, "run", "", "probe the net of this run directory (its config.yaml; its checkpoint without --weights)")
	f.StringVar(&o.opt.Batch, "batch", "", "CIFAR-10 .bin or IDX images file (required)")
	f.StringVar(&o.opt.Labels, "labels", "", "IDX labels file (default: found beside --batch)")
	f.IntVar(&o.opt.Count, "count", experiments.DefaultProbeCount, "records to read from the start of the batch file")
	f.BoolVar(&o.asJSON, "json", false, "print JSON")
	f.StringVarP(&o.model.configFile, "config", "c", "", "YAML experiment config file (its model and data keys)")
	f.Int("depth", 0, "network depth: 6n+2 for basic blocks, 9n+2 for bottleneck")
	f.BoolVar(&o.model.residual, "residual", false, "identity shortcuts (a ResNet)")
	f.BoolVar(&o.model.plain, "plain", false, "no shortcuts (the plain net of the same depth)")
	f.String("dataset", "", "input shape and classes: cifar10, mnist, ... (default: from the batch file's format)")
	f.StringArrayVar(&o.model.sets, "set", nil, "set any config key, e.g. --set model.shortcut=B (repeatable)")
	o.model.loader.bind(f, "depth", "model.depth")
	o.model.loader.bind(f, "dataset", "data.dataset")
	return c
}

func (o *probeOptions) exec(c *cobra.Command) error {
	if (o.opt.Weights == "" && o.run == "") || o.opt.Batch == "" {
		return &usageError{msg: "probe needs --weights FILE (or --run DIR) and --batch FILE; see 'resexp probe --help'"}
	}
	cfg, err := o.config(c)
	if err != nil {
		return err
	}
	r, err := experiments.Probe(cfg, o.opt)
	if err != nil {
		return err
	}
	if o.asJSON {
		e := json.NewEncoder(c.OutOrStdout())
		e.SetIndent("", "  ")
		return e.Encode(r)
	}
	return printProbe(c.OutOrStdout(), r)
}

// config is the probed net's config: the run's with --run (model flags
// refused), else resolved from the model flags as train does.
func (o *probeOptions) config(c *cobra.Command) (experiments.Config, error) {
	if o.run == "" {
		cfg, err := o.model.config(c)
		o.opt.InferDataset = o.model.loader.source("data.dataset") == "config"
		return cfg, err
	}
	for _, f := range []string{"config", "depth", "residual", "plain", "dataset", "set"} {
		if c.Flags().Changed(f) {
			return experiments.Config{}, &usageError{msg: fmt.Sprintf("probe --run takes the model and data set from the run's config.yaml; drop --%s", f)}
		}
	}
	run, err := experiments.OpenRun(o.run)
	if err != nil {
		return experiments.Config{}, err
	}
	o.opt.Run = run
	cfg := run.Config
	cfg.Data.Normalize = "none"
	return cfg, nil
}

func printProbe(w io.Writer, r experiments.ProbeResult) error {
	fmt.Fprintf(w, "%s on %d %s images of %s (normalize %s), weights %s\n", r.Label, r.Images, r.Dataset, r.Batch, r.Normalize, r.Weights)
	fmt.Fprintf(w, "loss %.7g (%d of %d wrong), BatchNorm in training mode\n", r.Loss, r.Wrong, r.Images)
	tw := tabwriter.NewWriter(w, 2, 8, 2, ' ', 0)
	fmt.Fprintf(tw, "index\tlayer\tpytorch\tgrad_norm\n")
	for _, l := range r.Layers {
		fmt.Fprintf(tw, "%d\t%s\t%s\t%.7g\n", l.Index, l.Layer, l.PyTorch, l.Norm)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	g := r.InputGrad
	fmt.Fprintf(w, "input gradient dLoss/dx: norm %.7g; at flat NCHW index", g.Norm)
	for _, v := range g.Values {
		fmt.Fprintf(w, " %d: %.7g", v.Index, v.Value)
	}
	_, err := fmt.Fprintln(w)
	return err
}
