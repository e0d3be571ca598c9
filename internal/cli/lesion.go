package cli

import (
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"

	"github.com/spf13/cobra"

	"github.com/resexp/resexp/internal/experiments"
	"github.com/resexp/resexp/internal/plots"
	"github.com/resexp/resexp/internal/runfiles"
)

type lesionOptions struct {
	weights string
	samples int
	subsets int
	seed    uint64
	out     string
	format  string
}

func newLesionCmd() *cobra.Command {
	o := &lesionOptions{}
	c := &cobra.Command{
		Use:   "lesion RUN_DIR [RUN_DIR...] [--weights FILE] [--samples N] [--subsets N] [--out DIR]",
		Short: "Delete blocks of a trained net and measure its test error (Veit et al. 2016)",
		Long: `The lesion study of Veit, Wilber & Belongie 2016: the test error of a trained net with each
block deleted in turn, and with k blocks drawn at random deleted (k = 1 .. all, --subsets random
subsets each). A residual block is reduced to its shortcut; a plain block whose input and output
shapes match is replaced by the identity; a plain block that changes shape cannot be deleted, and
the output and lesion.csv say so. The weights are the run's checkpoint, else its exported
weights.safetensors, or --weights FILE. Give a plain and a residual run of one depth to see them
side by side:

    resexp lesion results/fig6-cifar10-short/plain-56 results/fig6-cifar10-short/resnet-56

Writes lesion.csv and lesion.png into --out (default: the run directory, or the runs' parent
directory when several are given).`,
		Args: minArgs(1),
		RunE: func(c *cobra.Command, args []string) error { return o.run(c, args) },
	}
	f := c.Flags()
	f.StringVar(&o.weights, "weights", "", "safetensors weights file to measure (see resexp export); one run only")
	f.IntVar(&o.samples, "samples", 0, "measure on the first N test images (0 = all, the images of resexp eval)")
	f.IntVar(&o.subsets, "subsets", 5, "random subsets of blocks per number deleted")
	f.Uint64Var(&o.seed, "seed", 1, "seed of the random subsets")
	f.StringVar(&o.out, "out", "", "directory for lesion.csv and lesion.png (default: see above)")
	f.StringVar(&o.format, "format", "png", "figure format: png, svg or pdf")
	return c
}

// openAnalysisRuns opens the runs in dirs and checks, before any work,
// that each has final weights (weights applies to a single run), that
// their nets have different labels (the rows of a table are keyed by
// them) and that format is known.
func openAnalysisRuns(dirs []string, weights, format string) ([]*experiments.Run, error) {
	switch format {
	case "png", "svg", "pdf":
	default:
		return nil, badInput("--format %q: expected png, svg or pdf", format)
	}
	if weights != "" && len(dirs) > 1 {
		return nil, badInput("--weights %s: applies to one run, but %d are given; measure them one at a time", weights, len(dirs))
	}
	seen := map[string]string{}
	runs := make([]*experiments.Run, len(dirs))
	for i, d := range dirs {
		r, err := experiments.OpenRun(d)
		if err != nil {
			return nil, err
		}
		if _, err := experiments.FinalWeights(d, weights); err != nil {
			return nil, err
		}
		label := r.Config.Label()
		if prev, ok := seen[label]; ok {
			return nil, badInput("runs %s and %s are both %s; give runs of different nets (e.g. the plain and the residual net of one depth)", prev, d, label)
		}
		seen[label] = d
		runs[i] = r
	}
	return runs, nil
}

// analysisOut is the output directory: out if set, else the run directory
// of a single run, else the parent directory of the first run.
func analysisOut(out string, dirs []string) string {
	switch {
	case out != "":
		return out
	case len(dirs) == 1:
		return dirs[0]
	}
	return filepath.Dir(filepath.Clean(dirs[0]))
}

func (o *lesionOptions) run(c *cobra.Command, dirs []string) error {
	if o.samples < 0 || o.subsets < 1 {
		return badInput("--samples %d, --subsets %d: expected samples >= 0 (0 for all test images) and subsets >= 1", o.samples, o.subsets)
	}
	runs, err := openAnalysisRuns(dirs, o.weights, o.format)
	if err != nil {
		return err
	}
	out, w := analysisOut(o.out, dirs), c.OutOrStdout()
	var results []experiments.LesionResult
	for _, r := range runs {
		var bar *counter
		opt := experiments.LesionOptions{Weights: o.weights, Samples: o.samples, Subsets: o.subsets, Seed: o.seed,
			Progress: func(done, total int) {
				if bar == nil {
					bar = newCounter(c.ErrOrStderr(), "lesion "+r.Config.Label(), total)
				}
				bar.set(done, total)
			}}
		res, err := r.Lesion(c.Context(), opt)
		if bar != nil {
			bar.done()
		}
		if err != nil {
			return err
		}
		printLesion(w, res)
		results = append(results, res)
	}
	if err := os.MkdirAll(out, 0o755); err != nil {
		return badInput("--out %s: %v", out, unwrapPath(err))
	}
	csvPath := filepath.Join(out, runfiles.LesionFile)
	if err := experiments.WriteLesionCSV(csvPath, results); err != nil {
		return err
	}
	fig, err := plots.DrawLesion(csvPath, out, o.format)
	if err != nil {
		return err
	}
	fmt.Fprintln(w, "wrote", csvPath)
	fmt.Fprintln(w, "wrote", fig)
	return nil
}

// printLesion prints a lesion study: the intact net in resexp eval's
// words, each block's deletion, and the random deletions' mean and range.
func printLesion(w io.Writer, r experiments.LesionResult) {
	base := r.Cases[0]
	fmt.Fprintf(w, "%s (%s, %s) with no block deleted: test loss %.4f, test error %.2f%% on %d images\n",
		r.Run, r.Label, r.Source, base.Loss, 100*base.Err, r.Images)
	fmt.Fprintf(w, "%d blocks, %d of them deletable\n", r.Blocks, r.Deletable)
	for _, c := range r.Cases {
		switch {
		case c.Kind == experiments.LesionSingle && c.Note != "":
			fmt.Fprintf(w, "  %-16s %s\n", c.Deleted[0], c.Note)
		case c.Kind == experiments.LesionSingle:
			fmt.Fprintf(w, "  %-16s deleted: test error %6.2f%% (%+.2f)\n", c.Deleted[0], 100*c.Err, 100*(c.Err-base.Err))
		}
	}
	for k := 1; k <= r.Deletable; k++ {
		lo, hi, sum, n := math.Inf(1), math.Inf(-1), 0.0, 0
		for _, c := range r.Cases {
			if c.Kind == experiments.LesionRandom && c.K == k {
				lo, hi, sum, n = min(lo, c.Err), max(hi, c.Err), sum+c.Err, n+1
			}
		}
		fmt.Fprintf(w, "  %2d random blocks deleted (%d subsets): test error mean %.2f%%, range %.2f%% to %.2f%%\n",
			k, n, 100*sum/float64(n), 100*lo, 100*hi)
	}
}
