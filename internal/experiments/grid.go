package experiments

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/resexp/resexp/internal/runfiles"
)

// SweepFile is a sweep's YAML, read and checked by ReadSweepFile: a base
// experiment (config keys, nested as in a config file) and a grid of values
// for config keys.
type SweepFile struct {
	Path string         // the file as named by the user
	Raw  []byte         // its bytes, recorded as the sweep folder's sweep.yaml
	Name string         // name: (informational)
	Out  string         // out: the sweep folder, "" for the default
	Base map[string]any // base: settings shared by every run
	Grid []GridAxis     // grid: in file order
	// Seeds are the seeds every grid point is run with (seeds:, or
	// SetSeeds); none: each point runs once with its config's seed.
	Seeds []uint64
}

// GridAxis is one key of a sweep's grid and the values it takes.
type GridAxis struct {
	Key    string // a config key, lower case (e.g. "train.lr")
	Values []any  // as decoded from YAML, never empty
}

// Setting is one config key's value at a grid point.
type Setting struct {
	Key   string
	Value any
}

// ResolveFunc resolves the config of one grid point: base (the base: of the
// sweep file path, which messages name) with point's settings applied on
// top, validated. The command line supplies it so that a sweep file's values are
// read, checked and reported exactly as a config file's are.
type ResolveFunc func(path string, base map[string]any, point []Setting) (Config, error)

// sweepYAML is the file's layout; grid is kept as a node for its order and
// line numbers.
type sweepYAML struct {
	Name  string         `yaml:"name"`
	Out   string         `yaml:"out"`
	Base  map[string]any `yaml:"base"`
	Grid  yaml.Node      `yaml:"grid"`
	Seeds yaml.Node      `yaml:"seeds"`
}

// ReadSweepFile reads the sweep file at path and checks its layout and grid
// keys against known (the config keys). Every problem is an InputError
// naming the file (and line) and what is expected.
func ReadSweepFile(path string, known []string) (*SweepFile, error) {
	raw, err := os.ReadFile(path)
	if err != nil {
		return nil, BadInput(fmt.Errorf("sweep file %s: %v", path, WithoutPath(err)))
	}
	var y sweepYAML
	dec := yaml.NewDecoder(bytes.NewReader(raw))
	dec.KnownFields(true)
	if err := dec.Decode(&y); err != nil {
		return nil, BadInput(fmt.Errorf("sweep file %s: %s (expected keys: name, out, base, grid, seeds)", path, oneLine(err.Error())))
	}
	axes, err := gridAxes(path, &y.Grid, known)
	if err != nil {
		return nil, err
	}
	seeds, err := ParseSeeds(path, &y.Seeds)
	if err != nil {
		return nil, err
	}
	f := &SweepFile{Path: path, Raw: raw, Name: y.Name, Out: y.Out, Base: y.Base, Grid: axes}
	return f, f.SetSeeds(seeds, "seeds:")
}

// SetSeeds makes every grid point run once per seed (see WithSeeds);
// source names where the seeds come from, for the message refusing them
// when the grid sets the seed itself or when the sweep would have more
// than MaxSweepRuns runs (InputErrors).
func (f *SweepFile) SetSeeds(seeds []uint64, source string) error {
	if len(seeds) > 0 && slices.ContainsFunc(f.Grid, func(a GridAxis) bool { return a.Key == "seed" }) {
		return BadInput(fmt.Errorf("sweep file %s: %s repeats the grid with seeds, but the grid sets seed itself; drop seed from grid or drop %s", f.Path, source, source))
	}
	if n := runCount(f.Grid, len(seeds)); n > MaxSweepRuns {
		return BadInput(fmt.Errorf("sweep file %s: the grid times %s makes more than %d runs; split the sweep into several files", f.Path, source, MaxSweepRuns))
	}
	f.Seeds = seeds
	return nil
}

// MaxSweepRuns is the most runs a sweep may have (grid points times
// seeds), a hundred times the largest shipped sweep. It bounds what a
// sweep file of a few lines can make resexp allocate: 40 keys of 2 values
// each would be 2^40 runs, each resolved config ~130 KB.
const MaxSweepRuns = 10000

// runCount is the number of runs of a grid with the given number of
// seeds (0: none), or MaxSweepRuns+1 when it is larger.
func runCount(axes []GridAxis, seeds int) int {
	n := max(seeds, 1)
	for _, a := range axes {
		if n > MaxSweepRuns/len(a.Values) {
			return MaxSweepRuns + 1
		}
		n *= len(a.Values)
	}
	if n > MaxSweepRuns {
		return MaxSweepRuns + 1
	}
	return n
}

func gridAxes(path string, n *yaml.Node, known []string) ([]GridAxis, error) {
	if n.Kind != yaml.MappingNode || len(n.Content) == 0 {
		return nil, BadInput(fmt.Errorf("sweep file %s: grid is empty; give lists of values, e.g. grid: {model.depth: [20, 56], model.residual: [false, true]}", path))
	}
	var axes []GridAxis
	for i := 0; i < len(n.Content); i += 2 {
		key := strings.ToLower(n.Content[i].Value)
		var values []any
		if err := n.Content[i+1].Decode(&values); err != nil || len(values) == 0 {
			return nil, BadInput(fmt.Errorf("sweep file %s: line %d: grid key %s needs a non-empty list of values", path, n.Content[i].Line, key))
		}
		if !slices.Contains(known, key) {
			return nil, BadInput(fmt.Errorf("sweep file %s: line %d: grid key %q is not a config key; known keys: %s", path, n.Content[i].Line, key, strings.Join(known, ", ")))
		}
		axes = append(axes, GridAxis{Key: key, Values: values})
	}
	return axes, nil
}

// Points returns every point of the grid axes, the first axis slowest: the
// product of their value lists, each point one Setting per axis in axis
// order.
func Points(axes []GridAxis) [][]Setting {
	points := [][]Setting{{}}
	for _, a := range axes {
		next := make([][]Setting, 0, len(points)*len(a.Values))
		for _, p := range points {
			for _, v := range a.Values {
				next = append(next, append(slices.Clip(p), Setting{Key: a.Key, Value: v}))
			}
		}
		points = next
	}
	return points
}

// Runs resolves every point of the grid (see Points) into a named run, in
// grid order, then repeats them with f.Seeds (see WithSeeds). Two points
// with the same name are an InputError.
func (f *SweepFile) Runs(resolve ResolveFunc) ([]SweepRun, error) {
	var runs []SweepRun
	names := map[string]bool{}
	for _, point := range Points(f.Grid) {
		cfg, err := resolve(f.Path, f.Base, point)
		if err != nil {
			return nil, err
		}
		name := RunName(cfg, point)
		if names[name] {
			return nil, BadInput(fmt.Errorf("sweep file %s: two grid points are both named %s", f.Path, name))
		}
		names[name] = true
		cfg.Name = name
		runs = append(runs, SweepRun{Name: name, Cfg: cfg})
	}
	return WithSeeds(runs, f.Seeds), nil
}

// RunName is the name of a grid point's run: the net's label ("plain-56")
// plus _key=value for every other setting (the last part of the key), so
// that names are stable and say what differs.
func RunName(cfg Config, point []Setting) string {
	name := cfg.Label()
	for _, s := range point {
		if s.Key == "model.depth" || s.Key == "model.residual" {
			continue
		}
		name += "_" + s.Key[strings.LastIndex(s.Key, ".")+1:] + "=" + fmt.Sprint(s.Value)
	}
	return strings.NewReplacer("/", "-", " ", "").Replace(name)
}

// Dir is the sweep folder: flag if set, else the file's out:, else
// runs/<file name without extension>.
func (f *SweepFile) Dir(flag string) string {
	switch {
	case flag != "":
		return flag
	case f.Out != "":
		return f.Out
	}
	return filepath.Join("runs", strings.TrimSuffix(filepath.Base(f.Path), filepath.Ext(f.Path)))
}

// sweepRecord is the copy of the sweep file kept in its folder.
const sweepRecord = "sweep.yaml"

// ClaimSweepDir creates dir and records the sweep file in it as sweep.yaml;
// a folder whose sweep.yaml differs (another sweep's) is an InputError.
func (f *SweepFile) ClaimSweepDir(dir string) error {
	exists, err := f.checkSweepDir(dir)
	if err != nil || exists {
		return err
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return BadInput(fmt.Errorf("sweep folder %s: %v", dir, WithoutPath(err)))
	}
	return runfiles.WriteFileAtomic(filepath.Join(dir, sweepRecord), f.Raw)
}

// checkSweepDir reports whether dir records this sweep; another sweep's
// folder is an InputError, a folder without a record is not.
func (f *SweepFile) checkSweepDir(dir string) (bool, error) {
	prev, err := os.ReadFile(filepath.Join(dir, sweepRecord))
	switch {
	case err == nil && !bytes.Equal(prev, f.Raw):
		return false, BadInput(fmt.Errorf("sweep folder %s holds another sweep (its %s differs from %s); use --out for another folder", dir, sweepRecord, f.Path))
	case err == nil:
		return true, nil
	case !errors.Is(err, os.ErrNotExist):
		return false, BadInput(fmt.Errorf("sweep folder %s: %v", dir, err))
	}
	return false, nil
}
