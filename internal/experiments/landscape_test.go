package experiments

import (
	"errors"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/resexp/resexp/internal/nn"
	"github.com/resexp/resexp/internal/nn/models"
	"github.com/resexp/resexp/internal/runfiles"
)

// TestFilterDirectionsNorms checks filter-wise normalisation: every filter
// of a direction (each output channel of a conv weight, each row of the fc
// weight) has the norm of the weight's filter, to float32 precision, and
// BatchNorm parameters and biases get no direction.
func TestFilterDirectionsNorms(t *testing.T) {
	s := models.Spec{Depth: 8, Residual: true, Shortcut: "B", Norm: "batch", Activation: nn.ReLU, InC: 3, H: 8, W: 8, Classes: 10}
	m := lesionModel(t, s, 9)
	params := m.Params()
	d := filterDirections(rand.New(rand.NewPCG(1, 2)), params)
	filters := 0
	for i, p := range params {
		if len(p.Shape) < 2 {
			if d[i] != nil {
				t.Errorf("%s: a direction for a BatchNorm parameter or bias", p.Name)
			}
			continue
		}
		size := len(p.Data) / p.Shape[0]
		for f := 0; f < len(p.Data); f += size {
			nw, nd := norm(p.Data[f:f+size]), norm(d[i][f:f+size])
			if math.Abs(nd-nw) > 1e-6*nw || nw == 0 {
				t.Errorf("%s filter %d: direction norm %v, weight norm %v", p.Name, f/size, nd, nw)
			}
			filters++
		}
	}
	if filters != 16+(16+16)+(32+32+32)+(64+64+64)+10 { // conv1, three blocks (two with a projection), fc
		t.Errorf("%d filters checked", filters)
	}
}

// landscapeRun trains a small residual net on the synthetic set for a few
// steps and returns its config and directory.
func landscapeRun(t *testing.T) (Config, string) {
	t.Helper()
	cfg := tinyConfig()
	cfg.Train.Steps = 6
	dir := t.TempDir()
	if err := train(t, cfg, dir); err != nil {
		t.Fatal(err)
	}
	return cfg, dir
}

// collect runs Landscape and returns its points by kind and coordinates.
func collect(t *testing.T, dir string, opt LandscapeOptions) map[[3]float64]LandscapePoint {
	t.Helper()
	got := map[[3]float64]LandscapePoint{}
	opt.Point = func(_ string, p LandscapePoint) error {
		got[[3]float64{b2f(p.Kind == LandscapeLine), p.X, p.Y}] = p
		return nil
	}
	if _, err := openRun(t, dir).Landscape(opt); err != nil {
		t.Fatal(err)
	}
	return got
}

func b2f(b bool) float64 {
	if b {
		return 1
	}
	return 0
}

// TestLandscapeEndpoints checks that the line at α = 0 has the loss the
// trainer's freshly initialised net has on the same training images, that
// the line at α = 1 and the plane's (0, 0) have the loss of the final
// weights there, bit for bit, and that the other points differ.
func TestLandscapeEndpoints(t *testing.T) {
	cfg, dir := landscapeRun(t)
	const samples = 96
	fresh, err := Prepare(cfg, Options{Dir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	initLoss, initErr := fresh.Evaluate(fresh.train, samples)
	fresh.Close()
	final, _, err := openRun(t, dir).openAnalysis("", nil)
	if err != nil {
		t.Fatal(err)
	}
	finalLoss, finalErr := final.Evaluate(final.train, samples)
	final.Close()

	got := collect(t, dir, LandscapeOptions{Grid: 3, Range: 0.5, Samples: samples, Seed: 4})
	if len(got) != 5+9 {
		t.Fatalf("%d points, want 5 on the line and 9 on the plane", len(got))
	}
	check := func(key [3]float64, loss, errRate float64) {
		t.Helper()
		if p := got[key]; p.Loss != loss || p.Err != errRate {
			t.Errorf("point %v: loss %v error %v, want %v and %v", key, p.Loss, p.Err, loss, errRate)
		}
	}
	check([3]float64{1, 0, 0}, initLoss, initErr)
	check([3]float64{1, 1, 0}, finalLoss, finalErr)
	check([3]float64{0, 0, 0}, finalLoss, finalErr)
	if initLoss == finalLoss || got[[3]float64{0, 0.5, 0.5}].Loss == finalLoss {
		t.Errorf("init, final and a corner of the plane have the same loss %v", finalLoss)
	}
}

// TestLandscapePoints checks the line's and the plane's coordinates.
func TestLandscapePoints(t *testing.T) {
	line := LandscapeLinePoints(21)
	if len(line) != 41 || line[0] != -0.5 || line[10] != 0 || line[30] != 1 || line[40] != 1.5 {
		t.Errorf("line of grid 21: %v", line)
	}
	if g := LandscapeGrid(5, 2); !slices.Equal(g, []float64{-2, -1, 0, 1, 2}) {
		t.Errorf("grid 5, range 2: %v", g)
	}
	if n := len(LandscapePoints(21, 1)); n != 41+441 {
		t.Errorf("%d points for grid 21", n)
	}
}

// TestLandscapeResume checks that a landscape interrupted after a few
// points and continued through its table gives the rows of one computed
// at once, each point once, and that a table made with other choices is
// refused.
func TestLandscapeResume(t *testing.T) {
	_, dir := landscapeRun(t)
	params := LandscapeParams{Runs: []string{dir}, Grid: 3, Range: 1, Samples: 64, Seed: 2}
	opt := LandscapeOptions{Grid: 3, Range: 1, Samples: 64, Seed: 2}
	run := func(out string, stopAfter int) error {
		tab, err := OpenLandscapeTable(out, params, false)
		if err != nil {
			t.Fatal(err)
		}
		defer tab.Close()
		o := opt
		o.Done = tab.Done
		n := 0
		stop := errors.New("stop")
		o.Point = func(net string, p LandscapePoint) error {
			if n == stopAfter {
				return stop
			}
			n++
			return tab.Add(net, p)
		}
		_, err = openRun(t, dir).Landscape(o)
		if err == stop {
			return nil
		}
		return err
	}
	once, twice := t.TempDir(), t.TempDir()
	for _, c := range []struct {
		out  string
		stop int
	}{{once, -1}, {twice, 5}, {twice, -1}} {
		if err := run(c.out, c.stop); err != nil {
			t.Fatal(err)
		}
	}
	a, errA := runfiles.ReadTable(filepath.Join(once, runfiles.LandscapeFile), runfiles.LandscapeHeader)
	b, errB := runfiles.ReadTable(filepath.Join(twice, runfiles.LandscapeFile), runfiles.LandscapeHeader)
	if errA != nil || errB != nil || len(a) != 14 || !slices.EqualFunc(a, b, slices.Equal[[]string]) {
		t.Errorf("resumed table differs from the one computed at once (%v, %v):\n%v\n%v", errA, errB, a, b)
	}
	params.Grid = 5
	if _, err := OpenLandscapeTable(twice, params, false); !IsBadInput(err) {
		t.Errorf("a table of grid 3 continued with grid 5: err %v, want an input error", err)
	}
	if tab, err := OpenLandscapeTable(twice, params, true); err != nil || tab.Resumed() != 0 {
		t.Errorf("--force: err %v", err)
	} else {
		tab.Close()
	}
	if _, err := os.Stat(filepath.Join(twice, landscapeParamsFile)); err != nil {
		t.Error(err)
	}
}

// TestSetLine checks the line's state: parameters extrapolated past both
// ends, running statistics held at the ends' (a variance of 4 extrapolated
// to α = -0.5 would be -0.5), both exact at α = 0 and 1.
func TestSetLine(t *testing.T) {
	init, final := [][]float32{{1}, {1}}, [][]float32{{3}, {4}}
	state := [][]float32{{0}, {0}}
	for _, c := range []struct{ a, param, stat float64 }{{-0.5, 0, 1}, {0, 1, 1}, {0.5, 2, 2.5}, {1, 3, 4}, {1.5, 4, 4}} {
		setLine(state, init, final, 1, c.a)
		if state[0][0] != float32(c.param) || state[1][0] != float32(c.stat) {
			t.Errorf("α = %v: parameter %v, statistic %v; want %v, %v", c.a, state[0][0], state[1][0], c.param, c.stat)
		}
	}
}
