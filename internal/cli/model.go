package cli

import (
	"cmp"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/resexp/resexp/internal/data"
	"github.com/resexp/resexp/internal/experiments"
	"github.com/resexp/resexp/internal/nn/models"
)

type modelOptions struct {
	depth           int
	residual, plain bool
	block, shortcut string
	preact          bool
	norm            string
	dataset         string
	batch           int
	asJSON          bool
}

func newModelCmd() *cobra.Command {
	o := &modelOptions{}
	c := &cobra.Command{
		Use: "model --depth N [--residual|--plain] [--block basic|bottleneck] [--shortcut A|B|C] [--preact] " +
			"[--norm batch|none] [--dataset NAME] [--json]",
		Short: "Print a network's layer table: shapes, parameters, multiply-accumulates",
		Long: `Print a network's layer table: index, the stable layer name that gradnorms.csv and
responses.csv use, type, output shape (channels x height x width), parameters and
multiply-accumulates per image, with totals, and the memory a process training or evaluating
the net at --batch-size needs: activations kept for backward, weights, gradients, momentum and
workspace, plus the process itself but not the data set (train adds its size and refuses a run
that does not fit; see README, Reliability). The options are the model.* config keys.`,
		Args: exactArgs(0),
		RunE: func(c *cobra.Command, _ []string) error { return o.run(c.OutOrStdout()) },
	}
	f := c.Flags()
	f.IntVar(&o.depth, "depth", 20, "network depth: 6n+2 for basic blocks, 9n+2 for bottleneck blocks")
	f.BoolVar(&o.residual, "residual", false, "shortcuts (the default)")
	f.BoolVar(&o.plain, "plain", false, "no shortcuts")
	f.StringVar(&o.block, "block", "basic", "basic (two 3x3 convs) or bottleneck (1x1, 3x3, 1x1 with 4x expansion)")
	f.StringVar(&o.shortcut, "shortcut", "A", "A (zero-padded identity), B (projection where dimensions change) or C (projection everywhere)")
	f.BoolVar(&o.preact, "preact", false, "pre-activation blocks (BN-ReLU-conv, He et al. 2016)")
	f.StringVar(&o.norm, "norm", "batch", "batch or none")
	f.StringVar(&o.dataset, "dataset", "cifar10", "input shape and classes: "+datasetShapes())
	f.IntVar(&o.batch, "batch-size", 128, "batch size of the memory estimate")
	f.BoolVar(&o.asJSON, "json", false, "print JSON")
	return c
}

// modelFlags maps the model keys to the flags of `resexp model`.
var modelFlags = map[string]string{"model.depth": "--depth", "model.block": "--block",
	"model.shortcut": "--shortcut", "model.norm": "--norm"}

// spec validates the options as the model.* config keys and returns the
// spec of the net for the dataset's input shape.
func (o *modelOptions) spec() (models.Spec, error) {
	if o.residual && o.plain {
		return models.Spec{}, &usageError{msg: "model: --residual and --plain exclude each other"}
	}
	cfg := experiments.Default()
	cfg.Model.Depth, cfg.Model.Residual, cfg.Model.PreAct = o.depth, !o.plain, o.preact
	cfg.Model.Block, cfg.Model.Shortcut, cfg.Model.Norm = o.block, o.shortcut, o.norm
	if err := cfg.Validate(); err != nil {
		var ke *experiments.KeyError
		k := ""
		if errors.As(err, &ke) {
			k = ke.Key
		}
		return models.Spec{}, badInput("flag %s: %v", cmp.Or(modelFlags[k], "--"+k), err)
	}
	d, err := data.Lookup(o.dataset)
	if err != nil {
		return models.Spec{}, badInput("flag --dataset: %v", err)
	}
	return cfg.Spec(d.C, d.H, d.W, d.Classes), nil
}

func (o *modelOptions) run(w io.Writer) error {
	s, err := o.spec()
	if err != nil {
		return err
	}
	if o.batch < 1 {
		return badInput("flag --batch-size: %d, expected at least 1", o.batch)
	}
	m, err := models.Build(s)
	if err != nil {
		return badInput("%v", err)
	}
	mem := experiments.EstimateMemory(m, o.batch)
	if o.asJSON {
		e := json.NewEncoder(w)
		e.SetIndent("", "  ")
		return e.Encode(map[string]any{"label": s.Label(), "dataset": o.dataset, "block": o.block, "shortcut": o.shortcut,
			"preact": o.preact, "norm": o.norm, "params": m.NumParams(), "macs": m.MACs(), "layers": m.Table,
			"batch_size": o.batch, "train_bytes": mem.Train, "eval_bytes": mem.Eval})
	}
	tw := tabwriter.NewWriter(w, 2, 8, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintf(tw, "index\tname\ttype\toutput\tparams\tMACs\t\n")
	for _, r := range m.Table {
		fmt.Fprintf(tw, "%d\t%s\t%s\t%dx%dx%d\t%d\t%d\t\n", r.Index, r.Name, r.Type, r.Shape[0], r.Shape[1], r.Shape[2], r.Params, r.MACs)
	}
	fmt.Fprintf(tw, "\ttotal\t\t\t%d\t%d\t\n", m.NumParams(), m.MACs())
	if err := tw.Flush(); err != nil {
		return err
	}
	_, err = fmt.Fprintf(w, "%s (%s): %.2fM parameters, %.1fM multiply-accumulates per image (conv + fc)\n"+
		"memory at batch %d (estimate, without the data set): training %s, evaluation %s\n",
		s.Label(), o.dataset, float64(m.NumParams())/1e6, float64(m.MACs())/1e6,
		o.batch, experiments.FormatBytes(mem.Train), experiments.FormatBytes(mem.Eval))
	return err
}

// datasetShapes lists the data sets with their input shapes for help
// texts: "mnist (1x28x28), ..., cifar10 (3x32x32), ...".
func datasetShapes() string {
	var parts []string
	for _, d := range data.All() {
		parts = append(parts, fmt.Sprintf("%s (%dx%dx%d)", d.Name, d.C, d.H, d.W))
	}
	return strings.Join(parts, ", ")
}
