package cli

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/resexp/resexp/internal/experiments"
	"github.com/resexp/resexp/internal/plots"
)

type landscapeOptions struct {
	weights, init string
	grid          int
	rng           float64
	samples       int
	seed          uint64
	out, format   string
	force         bool
}

func newLandscapeCmd() *cobra.Command {
	o := &landscapeOptions{}
	c := &cobra.Command{
		Use:   "landscape RUN_DIR [RUN_DIR...] [--grid 21] [--range 1.0] [--samples 2000] [--seed S] [--out DIR]",
		Short: "Measure the loss landscape of trained nets (Li et al. 2018)",
		Long: `The loss and error of a trained net, on the first --samples training images with BatchNorm in
inference mode:

  - along the straight line from its initial weights (rebuilt from the run's seed exactly as
    training drew them, or --init FILE) to its final weights, α from -0.5 to 1.5 in steps of
    1/(grid-1) (Goodfellow et al. 2015); BatchNorm running statistics are interpolated too,
    held at the initial or final ones past the ends;
  - on the plane around its final weights spanned by two random directions drawn from --seed
    with filter-wise normalisation (each filter of a direction scaled to the norm of the
    weight's filter; BatchNorm parameters and biases not moved), grid × grid points from
    -range to range along each (Li et al. 2018).

That is 2(grid-1)+1 + grid² evaluations of --samples images per net (482 for the default grid).
Each point is appended to landscape.csv as soon as it is measured: run the same command again
to continue an interrupted computation (--force starts afresh). Give a plain and a residual run
of one depth to see them side by side on one colour scale:

    resexp landscape results/fig6-cifar10-short/plain-56 results/fig6-cifar10-short/resnet-56

Writes landscape.csv, landscape.json (the choices it was made with), landscape.png and
landscape-line.png into --out (default: the run directory, or the runs' parent directory when
several are given).`,
		Args: minArgs(1),
		RunE: func(c *cobra.Command, args []string) error { return o.run(c, args) },
	}
	f := c.Flags()
	f.StringVar(&o.weights, "weights", "", "safetensors file of the final weights (see resexp export); one run only")
	f.StringVar(&o.init, "init", "", "safetensors file of the initial weights instead of rebuilding them from the run's seed; one run only")
	f.IntVar(&o.grid, "grid", 21, fmt.Sprintf("points per axis of the plane, %d to %d", experiments.MinLandscapeGrid, experiments.MaxLandscapeGrid))
	f.Float64Var(&o.rng, "range", 1.0, "the plane spans -range to range along each direction")
	f.IntVar(&o.samples, "samples", 2000, "evaluate on the first N training images (0 = all)")
	f.Uint64Var(&o.seed, "seed", 1, "seed of the two random directions")
	f.StringVar(&o.out, "out", "", "directory for the table and figures (default: see above)")
	f.StringVar(&o.format, "format", "png", "figure format: png, svg or pdf")
	f.BoolVar(&o.force, "force", false, "start the table in --out afresh instead of continuing it")
	return c
}

func (o *landscapeOptions) options() experiments.LandscapeOptions {
	return experiments.LandscapeOptions{Weights: o.weights, Init: o.init, Grid: o.grid, Range: o.rng, Samples: o.samples, Seed: o.seed}
}

func (o *landscapeOptions) run(c *cobra.Command, dirs []string) error {
	if err := o.options().Check(); err != nil {
		return err
	}
	if o.init != "" && len(dirs) > 1 {
		return badInput("--init %s: applies to one run, but %d are given; measure them one at a time", o.init, len(dirs))
	}
	runs, err := openAnalysisRuns(dirs, o.weights, o.format)
	if err != nil {
		return err
	}
	out := analysisOut(o.out, dirs)
	params := experiments.LandscapeParams{Runs: dirs, Weights: o.weights, Init: o.init, Grid: o.grid, Range: o.rng, Samples: o.samples, Seed: o.seed}
	table, err := experiments.OpenLandscapeTable(out, params, o.force)
	if err != nil {
		return err
	}
	defer table.Close()
	w, ctx := c.OutOrStdout(), c.Context()
	if n := table.Resumed(); n > 0 {
		fmt.Fprintf(w, "continuing %s: %d points measured already\n", table.Path(), n)
	}
	for _, r := range runs {
		opt := o.options()
		bar := newCounter(c.ErrOrStderr(), "landscape "+r.Config.Label(), len(experiments.LandscapePoints(o.grid, o.rng)))
		opt.Done, opt.Progress = table.Done, bar.set
		opt.Point = func(net string, p experiments.LandscapePoint) error {
			if ctx.Err() != nil {
				return fmt.Errorf("%w; the points measured are in %s: run the same command to continue", experiments.ErrInterrupted, table.Path())
			}
			if key := landmark(p); key != "" {
				fmt.Fprintf(w, "%s %s: loss %.6f, error %.2f%%\n", net, key, p.Loss, 100*p.Err)
			}
			return table.Add(net, p)
		}
		label, err := r.Landscape(opt)
		bar.done()
		if err != nil {
			return err
		}
		fmt.Fprintf(w, "%s (%s): landscape measured on %s\n", r.Dir, label, sampleWords(o.samples))
	}
	if err := table.Close(); err != nil {
		return err
	}
	figs, err := plots.DrawLandscape(table.Path(), out, o.format)
	if err != nil {
		return err
	}
	for _, f := range append([]string{table.Path()}, figs...) {
		fmt.Fprintln(w, "wrote", f)
	}
	return nil
}

func sampleWords(n int) string {
	if n == 0 {
		return "all training images"
	}
	return fmt.Sprintf("the first %d training images", n)
}

// landmark names the points whose values the command prints: the line's
// ends (initial and final weights) and the plane's centre; "" for others.
func landmark(p experiments.LandscapePoint) string {
	switch {
	case p.Kind == experiments.LandscapeLine && p.X == 0:
		return "initial weights (line α = 0)"
	case p.Kind == experiments.LandscapeLine && p.X == 1:
		return "final weights (line α = 1)"
	case p.Kind == experiments.LandscapePlane && p.X == 0 && p.Y == 0:
		return "final weights (plane 0, 0)"
	}
	return ""
}
