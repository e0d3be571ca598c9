package cli

import (
	"encoding/json"
	"fmt"
	"io"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/resexp/resexp/internal/nn"
	"github.com/resexp/resexp/internal/nn/models"
)

type modelOptions struct {
	depth           int
	residual, plain bool
	dataset         string
	asJSON          bool
}

func newModelCmd() *cobra.Command {
	o := &modelOptions{}
	c := &cobra.Command{
		Use:   "model --depth N [--residual|--plain] [--dataset NAME] [--json]",
		Short: "Print a network's layer table: shapes, parameters, multiply-accumulates",
		Args:  exactArgs(0),
		RunE:  func(c *cobra.Command, _ []string) error { return o.run(c.OutOrStdout()) },
	}
	f := c.Flags()
	f.IntVar(&o.depth, "depth", 20, "network depth, 6n+2")
	f.BoolVar(&o.residual, "residual", false, "identity shortcuts (the default)")
	f.BoolVar(&o.plain, "plain", false, "no shortcuts")
	f.StringVar(&o.dataset, "dataset", "cifar10", "input shape: cifar10 (3x32x32) or mnist, fashion-mnist, synthetic (1x28x28)")
	f.BoolVar(&o.asJSON, "json", false, "print JSON")
	return c
}

func (o *modelOptions) run(w io.Writer) error {
	if o.residual && o.plain {
		return &usageError{msg: "model: --residual and --plain exclude each other"}
	}
	s := models.Spec{Depth: o.depth, Residual: !o.plain, Norm: "batch", Activation: nn.ReLU, InC: 1, H: 28, W: 28, Classes: 10}
	switch o.dataset {
	case "cifar10":
		s.InC, s.H, s.W = 3, 32, 32
	case "mnist", "fashion-mnist", "synthetic":
	default:
		return badInput("--dataset %q: expected cifar10, mnist, fashion-mnist or synthetic", o.dataset)
	}
	m, err := models.Build(s)
	if err != nil {
		return badInput("--depth: %v", err)
	}
	if o.asJSON {
		e := json.NewEncoder(w)
		e.SetIndent("", "  ")
		return e.Encode(map[string]any{"label": s.Label(), "dataset": o.dataset, "params": m.NumParams(), "macs": m.MACs(), "layers": m.Table})
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
	_, err = fmt.Fprintf(w, "%s (%s): %.2fM parameters, %.1fM multiply-accumulates per image (conv + fc)\n",
		s.Label(), o.dataset, float64(m.NumParams())/1e6, float64(m.MACs())/1e6)
	return err
}
