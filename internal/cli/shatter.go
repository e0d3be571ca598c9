package cli

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/resexp/resexp/internal/experiments"
	"github.com/resexp/resexp/internal/plots"
	"github.com/resexp/resexp/internal/runfiles"
)

type shatterOptions struct {
	residual, plain bool
	points          int
	weights         string
	images          []int
	out             string
	loader          *configLoader
}

func newShatterCmd() *cobra.Command {
	o := &shatterOptions{loader: newConfigLoader()}
	c := &cobra.Command{
		Use:   "shatter RUN_DIR... [--weights FILE] | --depth N --plain|--residual [--dataset NAME] [--data-dir DIR] [--seed S] [--points 256] [--images A,B] [--out DIR]",
		Short: "Shattered gradients: a net's input gradient along a line between two images, and its autocorrelation",
		Long: `Shattered gradients (Balduzzi et al. 2017). On the straight line x(t) = a + t(b - a),
t in [0, 1], between test images a and b (--images, normalised as in training) take --points
evenly spaced inputs and compute, with BatchNorm in inference mode, f = the logit of image a's
class and its gradient with respect to the input. Reported per point: f, df/dt (the gradient
along the line, grad . (b - a)) and the gradient's norm; per lag k: the autocorrelation of
df/dt and the mean cosine similarity of the full input gradients k points apart. The
gradients of a deep plain net decorrelate like white noise; a ResNet's stay correlated.

With RUN_DIR (one or more) each run's net is analysed at initialisation, rebuilt from the
run's config and seed exactly as the trainer initialises it, and with its trained weights:
its checkpoint, or RUN_DIR/weights.safetensors when it has none, or with one RUN_DIR the
--weights file. With --depth N and --plain,
--residual or both, the nets of that depth are analysed at initialisation, with the config's
defaults and --dataset, --data-dir and --seed. Nets are drawn side by side in the order given.

Writes shatter.csv (long format: net,state,step,class,quantity,index,t,value) and shatter.png
into --out (default: the run directory when one is given, else ./shatter).`,
		RunE: func(c *cobra.Command, args []string) error { return o.run(c, args) },
	}
	f := c.Flags()
	f.Int("depth", 0, "depth of the nets at initialisation: 6n+2 (instead of RUN_DIR)")
	f.BoolVar(&o.plain, "plain", false, "with --depth: the plain net")
	f.BoolVar(&o.residual, "residual", false, "with --depth: the residual net (both flags: side by side)")
	f.String("dataset", "", "with --depth: the data set whose input shape, classes and test images to use")
	f.String("data-dir", "", "with --depth: directory holding the data set's files (default data/<dataset>)")
	f.Uint64("seed", 0, "with --depth: the seed of the initialisation")
	f.StringVar(&o.weights, "weights", "", "with one RUN_DIR: its trained weights from this safetensors file instead of its checkpoint")
	f.IntVar(&o.points, "points", experiments.DefaultShatterPoints, fmt.Sprintf("points on the line (%d to %d)", experiments.MinShatterPoints, experiments.MaxShatterPoints))
	f.IntSliceVar(&o.images, "images", []int{0, 1}, "indices of the two test images the line joins")
	f.StringVar(&o.out, "out", "", "directory for shatter.csv and shatter.png (default: RUN_DIR if one, else shatter)")
	for flag, key := range map[string]string{"depth": "model.depth", "dataset": "data.dataset", "data-dir": "data.dir", "seed": "seed"} {
		o.loader.bind(f, flag, key)
	}
	return c
}

func (o *shatterOptions) run(c *cobra.Command, dirs []string) error {
	nets, err := o.nets(c, dirs)
	if err != nil {
		return err
	}
	if len(o.images) != 2 {
		return badInput("--images %v: expected two test image indices, e.g. --images 0,1", o.images)
	}
	rs, err := experiments.Shatter(nets, experiments.ShatterOptions{Points: o.points, Images: [2]int{o.images[0], o.images[1]}})
	if err != nil {
		return err
	}
	out := o.outDir(dirs)
	csvPath := filepath.Join(out, runfiles.ShatterFile)
	w := c.OutOrStdout()
	printShatter(w, rs)
	if err := writeShatterCSV(out, csvPath, rs); err != nil {
		return err
	}
	png, err := plots.DrawShatter(csvPath, out, "png")
	if err != nil {
		return err
	}
	fmt.Fprintln(w, "wrote", csvPath)
	fmt.Fprintln(w, "wrote", png)
	return nil
}

// nets resolves the nets to analyse: the runs in dirs, or the nets the
// --depth flags describe. Mixing the two, or giving neither, is refused.
func (o *shatterOptions) nets(c *cobra.Command, dirs []string) ([]experiments.ShatterNet, error) {
	var depthFlags []string
	for _, name := range []string{"depth", "plain", "residual", "dataset", "data-dir", "seed"} {
		if c.Flags().Changed(name) {
			depthFlags = append(depthFlags, "--"+name)
		}
	}
	switch {
	case len(dirs) > 0 && len(depthFlags) > 0:
		return nil, &usageError{msg: fmt.Sprintf("shatter: give run directories or --depth N --plain|--residual, not both (got %s and %s); a run's config decides its net", dirs[0], depthFlags[0])}
	case o.weights != "" && len(dirs) != 1:
		return nil, &usageError{msg: fmt.Sprintf("shatter --weights takes one run directory, got %d", len(dirs))}
	case len(dirs) > 0:
		return runNets(dirs, o.weights)
	case !c.Flags().Changed("depth"):
		return nil, &usageError{msg: "shatter needs RUN_DIR... or --depth N --plain|--residual; see 'resexp shatter --help'"}
	case !o.plain && !o.residual:
		return nil, &usageError{msg: "shatter --depth: add --plain, --residual or both"}
	}
	var nets []experiments.ShatterNet
	for _, residual := range []bool{false, true} {
		if (residual && !o.residual) || (!residual && !o.plain) {
			continue
		}
		flag := map[bool]string{false: "flag --plain", true: "flag --residual"}[residual]
		if err := o.loader.setFrom("model.residual", residual, flag); err != nil {
			return nil, err
		}
		cfg, err := o.loader.resolve()
		if err != nil {
			return nil, err
		}
		nets = append(nets, experiments.ShatterNet{Cfg: cfg})
	}
	return nets, nil
}

// runNets opens each run directory; weights (for one run) is its weights
// file ("" for its own).
func runNets(dirs []string, weights string) ([]experiments.ShatterNet, error) {
	nets := make([]experiments.ShatterNet, len(dirs))
	for i, d := range dirs {
		run, err := experiments.OpenRun(d)
		if err != nil {
			return nil, err
		}
		nets[i] = experiments.ShatterNet{Run: run, Weights: weights}
	}
	return nets, nil
}

// outDir is --out, or its default: the run directory when there is one,
// else "shatter".
func (o *shatterOptions) outDir(dirs []string) string {
	switch {
	case o.out != "":
		return o.out
	case len(dirs) == 1:
		return dirs[0]
	}
	return "shatter"
}

// writeShatterCSV creates out and writes the results to path in it.
func writeShatterCSV(out, path string, rs []*experiments.ShatterResult) error {
	if err := os.MkdirAll(out, 0o755); err != nil {
		return fmt.Errorf("shatter: %w", err)
	}
	if err := experiments.WriteShatterCSV(path, rs); err != nil {
		return fmt.Errorf("shatter: %w", err)
	}
	return nil
}

// printShatter prints what was measured and, per net and state, the
// autocorrelation of df/dt at lag 1, the first lag where it falls below
// 1/2, and the mean cosine of the input gradients at lag 1.
func printShatter(w io.Writer, rs []*experiments.ShatterResult) {
	r0 := rs[0]
	fmt.Fprintf(w, "f = logit of image a's class, on %d points of the line between test images %d and %d (BatchNorm in inference mode)\n",
		r0.Points, r0.Images[0], r0.Images[1])
	tw := tabwriter.NewWriter(w, 2, 8, 2, ' ', 0)
	fmt.Fprintln(tw, "net\tdataset\tclass\tstate\tstep\tacf(1)\tacf < 0.5 from lag\tcosine(1)")
	for _, r := range rs {
		for _, s := range r.States {
			half := "none"
			if k := s.DecorrelationLag(0.5); k > 0 {
				half = strconv.Itoa(k)
			}
			fmt.Fprintf(tw, "%s\t%s\t%d\t%s\t%d\t%.3f\t%s\t%.3f\n", r.Name, r.Dataset, r.Class, s.State, s.Step, s.ACF[1], half, s.Cosine[1])
		}
	}
	tw.Flush()
}
