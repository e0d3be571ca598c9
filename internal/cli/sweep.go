package cli

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"github.com/spf13/cobra"
	"go.yaml.in/yaml/v3"

	"github.com/resexp/resexp/internal/experiments"
	"github.com/resexp/resexp/internal/plots"
)

// sweepFile is a sweep's YAML: a base experiment and a grid of key values.
type sweepFile struct {
	Name string         `yaml:"name"`
	Out  string         `yaml:"out"`
	Base map[string]any `yaml:"base"`
	Grid yaml.Node      `yaml:"grid"`
}

type gridAxis struct {
	key    string
	values []any
}

type sweepOptions struct {
	parallel int
	shard    string
	out      string
}

func newSweepCmd() *cobra.Command {
	o := &sweepOptions{}
	c := &cobra.Command{
		Use:   "sweep FILE [--parallel N] [--shard I/N]",
		Short: "Run a grid of experiments, resumably, and tabulate and plot the results",
		Long: `Run every point of the grid in FILE (a base experiment plus lists of values for config keys)
in its own run directory under the sweep folder (out: in the file, --out, or runs/<file name>).
Running the same command again skips finished runs and resumes interrupted ones. --shard I/N
runs points I, I+N, I+2N, ... (0 <= I < N) so a grid can be spread over machines; without it, a
Slurm array task (SLURM_ARRAY_TASK_ID, SLURM_ARRAY_TASK_COUNT) or a Kubernetes indexed job
(JOB_COMPLETION_INDEX with RESEXP_SHARDS=N) picks its shard. At the end, results.csv,
results.md and the figures (plots/) of every run in the folder are written.`,
		Args: exactArgs(1),
		RunE: func(c *cobra.Command, args []string) error { return o.run(c, args[0]) },
	}
	c.Flags().IntVar(&o.parallel, "parallel", 1, "runs trained at once (they share the cores)")
	c.Flags().StringVar(&o.shard, "shard", "", "run only shard I of N, as I/N with 0 <= I < N")
	c.Flags().StringVar(&o.out, "out", "", "sweep folder (default: the file's out:, else runs/<file name>)")
	return c
}

func (o *sweepOptions) run(c *cobra.Command, path string) error {
	if o.parallel < 1 {
		return badInput("--parallel %d: must be at least 1", o.parallel)
	}
	shard, shards, err := parseShard(o.shard)
	if err != nil {
		return err
	}
	raw, f, err := readSweepFile(path)
	if err != nil {
		return err
	}
	runs, err := expandGrid(path, f)
	if err != nil {
		return err
	}
	dir := sweepDir(o.out, f.Out, path)
	if err := claimSweepDir(dir, path, raw); err != nil {
		return err
	}
	fmt.Fprintf(c.OutOrStdout(), "sweep %s: %d runs, shard %d/%d, %d at once -> %s\n", path, len(runs), shard, shards, o.parallel, dir)
	err = experiments.Sweep(c.Context(), runs, experiments.SweepOptions{Dir: dir, Parallel: o.parallel, Shard: shard, Shards: shards, Log: c.OutOrStdout()})
	if werr := o.summarise(c, dir); werr != nil && err == nil {
		err = werr
	}
	return err
}

// summarise writes the results table and figures of every run in dir.
func (o *sweepOptions) summarise(c *cobra.Command, dir string) error {
	rs, err := experiments.Results(dir)
	if err != nil || len(rs) == 0 {
		return err
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

func readSweepFile(path string) ([]byte, *sweepFile, error) {
	raw, err := os.ReadFile(path)
	if err != nil {
		return nil, nil, badInput("sweep file %s: %v", path, unwrapPath(err))
	}
	var f sweepFile
	dec := yaml.NewDecoder(bytes.NewReader(raw))
	dec.KnownFields(true)
	if err := dec.Decode(&f); err != nil {
		return nil, nil, badInput("sweep file %s: %s (expected keys: name, out, base, grid)", path, oneLine(err.Error()))
	}
	return raw, &f, nil
}

// expandGrid resolves every point of the grid, first axis slowest.
func expandGrid(path string, f *sweepFile) ([]experiments.SweepRun, error) {
	axes, err := gridAxes(path, &f.Grid)
	if err != nil {
		return nil, err
	}
	var runs []experiments.SweepRun
	names := map[string]bool{}
	for _, point := range cartesian(axes) {
		l := newConfigLoader()
		if err := l.merge(f.Base, path+" (base)"); err != nil {
			return nil, err
		}
		for i, a := range axes {
			if err := l.setFrom(a.key, point[i], fmt.Sprintf("sweep file %s: grid", path)); err != nil {
				return nil, err
			}
		}
		cfg, err := l.resolve()
		if err != nil {
			return nil, err
		}
		name := runName(cfg, axes, point)
		if names[name] {
			return nil, badInput("sweep file %s: two grid points are both named %s", path, name)
		}
		names[name] = true
		cfg.Name = name
		runs = append(runs, experiments.SweepRun{Name: name, Cfg: cfg})
	}
	return runs, nil
}

func gridAxes(path string, n *yaml.Node) ([]gridAxis, error) {
	if n.Kind != yaml.MappingNode || len(n.Content) == 0 {
		return nil, badInput("sweep file %s: grid is empty; give lists of values, e.g. grid: {model.depth: [20, 56], model.residual: [false, true]}", path)
	}
	var axes []gridAxis
	known := keyNames()
	for i := 0; i < len(n.Content); i += 2 {
		key := strings.ToLower(n.Content[i].Value)
		var values []any
		if err := n.Content[i+1].Decode(&values); err != nil || len(values) == 0 {
			return nil, badInput("sweep file %s: line %d: grid key %s needs a non-empty list of values", path, n.Content[i].Line, key)
		}
		if !slices.Contains(known, key) {
			return nil, badInput("sweep file %s: line %d: grid key %q is not a config key; known keys: %s", path, n.Content[i].Line, key, strings.Join(known, ", "))
		}
		axes = append(axes, gridAxis{key: key, values: values})
	}
	return axes, nil
}

func cartesian(axes []gridAxis) [][]any {
	points := [][]any{{}}
	for _, a := range axes {
		var next [][]any
		for _, p := range points {
			for _, v := range a.values {
				next = append(next, append(append([]any{}, p...), v))
			}
		}
		points = next
	}
	return points
}

// runName is the net's label ("plain-56") plus key=value for every other
// grid key, so names are stable and say what differs.
func runName(cfg experiments.Config, axes []gridAxis, point []any) string {
	name := cfg.Label()
	for i, a := range axes {
		if a.key == "model.depth" || a.key == "model.residual" {
			continue
		}
		name += "_" + a.key[strings.LastIndex(a.key, ".")+1:] + "=" + fmt.Sprint(point[i])
	}
	return strings.NewReplacer("/", "-", " ", "").Replace(name)
}

func sweepDir(flag, fromFile, path string) string {
	switch {
	case flag != "":
		return flag
	case fromFile != "":
		return fromFile
	}
	return filepath.Join("runs", strings.TrimSuffix(filepath.Base(path), filepath.Ext(path)))
}

// claimSweepDir creates dir and records the sweep file in it; a folder
// holding another sweep is refused.
func claimSweepDir(dir, path string, raw []byte) error {
	own := filepath.Join(dir, "sweep.yaml")
	prev, err := os.ReadFile(own)
	switch {
	case err == nil && !bytes.Equal(prev, raw):
		return badInput("sweep folder %s holds another sweep (its sweep.yaml differs from %s); use --out for another folder", dir, path)
	case err == nil:
		return nil
	case !errors.Is(err, os.ErrNotExist):
		return badInput("sweep folder %s: %v", dir, err)
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return badInput("sweep folder %s: %v", dir, unwrapPath(err))
	}
	return os.WriteFile(own, raw, 0o644)
}

// parseShard reads --shard I/N, or the job-array environment when it is
// empty; no sharding is 0/1.
func parseShard(flag string) (int, int, error) {
	if flag == "" {
		return shardFromEnv()
	}
	i, n, ok := strings.Cut(flag, "/")
	si, err1 := strconv.Atoi(i)
	sn, err2 := strconv.Atoi(n)
	if !ok || err1 != nil || err2 != nil || sn < 1 || si < 0 || si >= sn {
		return 0, 0, badInput("--shard %q: expected I/N with 0 <= I < N, e.g. --shard 0/4", flag)
	}
	return si, sn, nil
}

func shardFromEnv() (int, int, error) {
	env := func(k string) (int, bool, error) {
		v, ok := os.LookupEnv(k)
		if !ok {
			return 0, false, nil
		}
		n, err := strconv.Atoi(v)
		if err != nil {
			return 0, true, badInput("environment %s=%q: expected an integer", k, v)
		}
		return n, true, nil
	}
	if id, ok, err := env("SLURM_ARRAY_TASK_ID"); ok || err != nil {
		count, _, err2 := env("SLURM_ARRAY_TASK_COUNT")
		lo, _, err3 := env("SLURM_ARRAY_TASK_MIN")
		if err := errors.Join(err, err2, err3); err != nil {
			return 0, 0, err
		}
		return checkShard("SLURM_ARRAY_TASK_ID", id-lo, count)
	}
	if id, ok, err := env("JOB_COMPLETION_INDEX"); ok || err != nil {
		count, _, err2 := env("RESEXP_SHARDS")
		if err := errors.Join(err, err2); err != nil {
			return 0, 0, err
		}
		return checkShard("JOB_COMPLETION_INDEX", id, count)
	}
	return 0, 1, nil
}

func checkShard(src string, i, n int) (int, int, error) {
	if n < 1 || i < 0 || i >= n {
		return 0, 0, badInput("%s gives shard %d of %d; expected 0 <= shard < count (set the job array's count variable)", src, i, n)
	}
	return i, n, nil
}
