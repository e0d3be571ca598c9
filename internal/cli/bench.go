package cli

import (
	"fmt"
	"runtime"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/resexp/resexp/internal/data"
	"github.com/resexp/resexp/internal/experiments"
	"github.com/resexp/resexp/internal/nn"
	"github.com/resexp/resexp/internal/nn/kernels"
	"github.com/resexp/resexp/internal/nn/models"
)

type benchOptions struct {
	depth, batch, repeat int
	residual, plain      bool
	dataset, mode        string
	minTime              time.Duration
}

func newBenchCmd() *cobra.Command {
	o := &benchOptions{}
	c := &cobra.Command{
		Use:   "bench [--depth N] [--batch-size N] [--plain|--residual]",
		Short: "Measure training and evaluation throughput (images/s, GFLOP/s)",
		Long: `Measure training (forward, loss, backward, SGD step) and evaluation (forward only)
throughput on random inputs, as the project's PyTorch throughput script does for PyTorch
(see BENCHMARKS.md), so the two can be compared side by side in one sitting. One line per
measurement, in that script's key=value format; --repeat N measures every mode N times in turn.`,
		Args: exactArgs(0),
		RunE: func(c *cobra.Command, _ []string) error { return o.run(c) },
	}
	f := c.Flags()
	f.IntVar(&o.depth, "depth", 20, "network depth, 6n+2")
	f.IntVar(&o.batch, "batch-size", 128, "images per step")
	f.BoolVar(&o.residual, "residual", false, "identity shortcuts (the default)")
	f.BoolVar(&o.plain, "plain", false, "no shortcuts")
	f.StringVar(&o.dataset, "dataset", "cifar10", "input shape and classes of random inputs: "+datasetShapes())
	f.DurationVar(&o.minTime, "min-time", 5*time.Second, "measure each mode for at least this long")
	f.IntVar(&o.repeat, "repeat", 1, "measure every mode this many times, alternating")
	f.StringVar(&o.mode, "mode", "train,eval", "modes to measure: train, eval or train,eval")
	return c
}

func (o *benchOptions) run(c *cobra.Command) error {
	if o.residual && o.plain {
		return &usageError{msg: "bench: --residual and --plain exclude each other"}
	}
	if o.batch < 1 {
		return badInput("--batch-size %d: must be at least 1", o.batch)
	}
	if o.repeat < 1 {
		return badInput("--repeat %d: must be at least 1", o.repeat)
	}
	var modes []string
	for _, m := range strings.Split(o.mode, ",") {
		if m != "train" && m != "eval" {
			return badInput("--mode %q: expected train, eval or train,eval", o.mode)
		}
		modes = append(modes, m)
	}
	d, err := data.Lookup(o.dataset)
	if err != nil {
		return badInput("--dataset: %v", err)
	}
	s := models.Spec{Depth: o.depth, Residual: !o.plain, Norm: "batch", Activation: nn.ReLU, InC: d.C, H: d.H, W: d.W, Classes: d.Classes}
	for rep := range o.repeat {
		res, err := experiments.Bench(c.Context(), s, o.batch, o.minTime, modes...)
		for _, r := range res {
			fmt.Fprintf(c.OutOrStdout(), "resexp threads=%d kernel=%s cfg=%s/%s mode=%s batch=%d img_s=%.1f gflop_s=%.1f steps=%d rep=%d\n",
				runtime.GOMAXPROCS(0), kernels.Kernel(), r.Label, o.dataset, r.Mode, r.Batch, r.ImagesPerSec, r.GFLOPS, r.Steps, rep)
		}
		if err != nil {
			return err
		}
	}
	return nil
}
