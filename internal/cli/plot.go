package cli

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/resexp/resexp/internal/plots"
)

type plotOptions struct {
	out    string
	format string
	smooth int
}

func newPlotCmd() *cobra.Command {
	o := &plotOptions{}
	c := &cobra.Command{
		Use:   "plot RUN_DIR... [--out DIR] [--format png|svg|pdf]",
		Short: "Draw the figures of one or more runs from their run files",
		Long: `Draw loss and error curves, per-layer gradient-norm profiles, heatmaps and ratios, and
response spread (Fig. 7) from the files in each RUN_DIR (a sweep folder of runs works too).
Only the run files are read, so running and crashed runs can be plotted. Writes index.html too.`,
		Args: minArgs(1),
		RunE: func(c *cobra.Command, args []string) error { return o.run(c, args) },
	}
	c.Flags().StringVar(&o.out, "out", "plots", "directory for the figures")
	c.Flags().StringVar(&o.format, "format", "png", "png, svg or pdf")
	c.Flags().IntVar(&o.smooth, "smooth", 0, "moving-average window for loss curves (0 = off)")
	return c
}

func (o *plotOptions) run(c *cobra.Command, dirs []string) error {
	switch o.format {
	case "png", "svg", "pdf":
	default:
		return badInput("--format %q: expected png, svg or pdf", o.format)
	}
	if o.smooth < 0 {
		return badInput("--smooth %d: expected 0 (off) or a window of iterations", o.smooth)
	}
	runs, err := plots.LoadRuns(dirs, c.ErrOrStderr())
	if err != nil {
		return badInput("%v", err)
	}
	files, err := plots.Draw(runs, o.out, plots.Options{Format: o.format, Smooth: o.smooth})
	if err != nil {
		return err
	}
	for _, f := range files {
		fmt.Fprintln(c.OutOrStdout(), "wrote", f)
	}
	return nil
}
