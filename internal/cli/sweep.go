package cli

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"github.com/spf13/cobra"

	"github.com/resexp/resexp/internal/experiments"
	"github.com/resexp/resexp/internal/plots"
)

type sweepOptions struct {
	parallel int
	shard    string
	out      string
	collect  bool
	seeds    int
}

func newSweepCmd() *cobra.Command {
	o := &sweepOptions{}
	c := &cobra.Command{
		Use:   "sweep FILE [--parallel N] [--shard I/N] [--seeds N] [--collect] [--out DIR]",
		Short: "Run a grid of experiments, resumably, and tabulate and plot the results",
		Long: `Run every point of the grid in FILE (a base experiment plus lists of values for config keys)
in its own run directory under the sweep folder (out: in the file, --out, or runs/<file name>).
Running the same command again skips finished runs and resumes interrupted ones. --shard I/N
runs points I, I+N, I+2N, ... (0 <= I < N) so a grid can be spread over machines; without it, a
Slurm array task (SLURM_ARRAY_TASK_ID, SLURM_ARRAY_TASK_COUNT) or a Kubernetes indexed job
(JOB_COMPLETION_INDEX with RESEXP_SHARDS=N) picks its shard. At the end, results.csv,
results.md and the figures (plots/) of every run in the folder are written.

seeds: in FILE (a list, seeds: [1, 2, 3], or a count, seeds: 3 for 1 to 3) or --seeds N (seeds
1 to N, overriding the file) runs every grid point once per seed, in run directories named
<point>-s<seed>; the table then gives n, mean ± std, min–max and 95% confidence intervals per
configuration and compares plain and residual nets of each depth (Welch's t-test), and the
figures draw the mean over seeds with a min–max band.

--collect trains nothing: it reads the run directory of every point of the grid (written by
any number of shards into the same folder), writes results.csv, results.md and the figures,
and prints one line per run that is missing or unfinished. It exits 0 when every run has
completed (or diverged, which is a result), 1 when some are missing or unfinished.`,
		Args: exactArgs(1),
		RunE: func(c *cobra.Command, args []string) error { return o.run(c, args[0]) },
	}
	c.Flags().IntVar(&o.parallel, "parallel", 1, "runs trained at once (they share the cores)")
	c.Flags().StringVar(&o.shard, "shard", "", "run only shard I of N, as I/N with 0 <= I < N")
	c.Flags().StringVar(&o.out, "out", "", "sweep folder (default: the file's out:, else runs/<file name>)")
	c.Flags().IntVar(&o.seeds, "seeds", 0, "run every grid point with seeds 1..N (overrides the file's seeds:)")
	c.Flags().BoolVar(&o.collect, "collect", false, "train nothing: tabulate and plot the grid's runs and name those missing or unfinished")
	return c
}

func (o *sweepOptions) run(c *cobra.Command, path string) error {
	if o.collect {
		return o.runCollect(c, path)
	}
	if o.parallel < 1 {
		return badInput("--parallel %d: must be at least 1", o.parallel)
	}
	shard, err := experiments.ParseShard(o.shard, os.LookupEnv)
	if err != nil {
		return err
	}
	f, runs, err := o.readSweep(c, path)
	if err != nil {
		return err
	}
	dir := f.Dir(o.out)
	if err := ensureSweepData(c, runs); err != nil {
		return err
	}
	if err := f.ClaimSweepDir(dir); err != nil {
		return err
	}
	fmt.Fprintf(c.OutOrStdout(), "sweep %s: %d runs, shard %d/%d, %d at once -> %s\n", path, len(runs), shard.I, shard.N, o.parallel, dir)
	err = experiments.Sweep(c.Context(), runs, experiments.SweepOptions{Dir: dir, Parallel: o.parallel, Shard: shard, Log: c.OutOrStdout()})
	rs, rerr := experiments.Results(dir)
	if werr := errors.Join(rerr, summarise(c, dir, rs)); werr != nil && err == nil {
		err = werr
	}
	return err
}

// runCollect tabulates the grid's runs without training and fails with
// experiments.ErrIncomplete (exit code 1) naming those not finished.
// ensureSweepData fetches, once each, the data sets the runs train on that
// are fetched on first use (ensureData), before any run starts.
func ensureSweepData(c *cobra.Command, runs []experiments.SweepRun) error {
	seen := map[string]bool{}
	for _, r := range runs {
		key := r.Cfg.Data.Dataset + "\x00" + r.Cfg.DataDir()
		if seen[key] {
			continue
		}
		seen[key] = true
		if err := ensureData(c, r.Cfg); err != nil {
			return err
		}
	}
	return nil
}

func (o *sweepOptions) runCollect(c *cobra.Command, path string) error {
	if c.Flags().Changed("shard") || c.Flags().Changed("parallel") {
		return &usageError{msg: "sweep --collect trains nothing and reads every shard's runs; drop --shard and --parallel"}
	}
	f, runs, err := o.readSweep(c, path)
	if err != nil {
		return err
	}
	dir := f.Dir(o.out)
	rs, pending, err := f.Collect(dir, runs)
	if err != nil {
		return err
	}
	w := c.OutOrStdout()
	fmt.Fprintf(w, "sweep %s: %d runs in %s, %d finished\n", path, len(runs), dir, len(runs)-len(pending))
	for _, p := range pending {
		fmt.Fprintf(w, "not finished: %s: %s\n", p.Name, p.Why)
	}
	if err := summarise(c, dir, rs); err != nil {
		return err
	}
	if len(pending) > 0 {
		return fmt.Errorf("sweep %s: %w: %d of %d runs missing or unfinished in %s; run the sweep (or its shards) again to finish them", path, experiments.ErrIncomplete, len(pending), len(runs), dir)
	}
	return nil
}

// readSweep checks --seeds and reads the sweep file at path (see
// readSweep).
func (o *sweepOptions) readSweep(c *cobra.Command, path string) (*experiments.SweepFile, []experiments.SweepRun, error) {
	if c.Flags().Changed("seeds") && (o.seeds < 1 || o.seeds > experiments.MaxSweepRuns) {
		return nil, nil, badInput("--seeds %d: expected a count of at least 1 and at most %d (seeds 1 to N)", o.seeds, experiments.MaxSweepRuns)
	}
	return readSweep(path, o.seeds)
}

// readSweep reads the sweep file at path and resolves its grid into runs,
// each point's config read as a config file's would be, repeated with
// seeds 1..seeds if seeds > 0, else with the file's seeds: (if any).
func readSweep(path string, seeds int) (*experiments.SweepFile, []experiments.SweepRun, error) {
	f, err := experiments.ReadSweepFile(path, keyNames())
	if err != nil {
		return nil, nil, err
	}
	if seeds > 0 {
		if err := f.SetSeeds(experiments.SeedRange(seeds), "--seeds"); err != nil {
			return nil, nil, err
		}
	}
	runs, err := f.Runs(resolvePoint)
	return f, runs, err
}

// resolvePoint is the experiments.ResolveFunc of the command line: the
// sweep's base read as a config file, the point's settings as --set.
func resolvePoint(path string, base map[string]any, point []experiments.Setting) (experiments.Config, error) {
	l := newConfigLoader()
	if err := l.merge(base, path+" (base)"); err != nil {
		return experiments.Config{}, err
	}
	for _, s := range point {
		if err := l.setFrom(s.Key, s.Value, "sweep file "+path+": grid"); err != nil {
			return experiments.Config{}, err
		}
	}
	return l.resolve()
}

// summarise writes the results table rs and the figures of every run in
// dir, and prints the table.
func summarise(c *cobra.Command, dir string, rs []experiments.Result) error {
	if len(rs) == 0 {
		return nil
	}
	if err := experiments.WriteResults(dir, rs); err != nil {
		return err
	}
	md, _ := os.ReadFile(filepath.Join(dir, "results.md"))
	fmt.Fprintf(c.OutOrStdout(), "\n%s\nwrote %s and %s\n", md, filepath.Join(dir, "results.csv"), filepath.Join(dir, "results.md"))
	runs, err := plots.LoadRuns([]string{dir}, c.ErrOrStderr())
	if err != nil {
		return nil // nothing plottable yet
	}
	files, err := plots.Draw(runs, filepath.Join(dir, "plots"), plots.Options{Format: "png"})
	if len(files) > 0 {
		fmt.Fprintf(c.OutOrStdout(), "figures: %s\n", filepath.Join(dir, "plots", "index.html"))
	}
	return err
}
