package experiments

import (
	"fmt"
	"math"
	"math/rand/v2"

	"github.com/resexp/resexp/internal/nn"
	"github.com/resexp/resexp/internal/nn/models"
)

// Loss landscapes (Li, Xu, Taylor, Studer & Goldstein 2018, "Visualizing
// the Loss Landscape of Neural Nets"): the loss and error of a trained net
// along the straight line from its initial to its final weights
// (Goodfellow, Vinyals & Saxe 2015), and on a plane through its final
// weights spanned by two random, filter-normalised directions.

// Landscape point kinds.
const (
	LandscapeLine  = "line"  // x is the coefficient α from initial (0) to final (1) weights, y is 0
	LandscapePlane = "plane" // x and y are the coordinates along the two directions
)

// Limits of LandscapeOptions.Grid.
const (
	MinLandscapeGrid = 2
	MaxLandscapeGrid = 401
)

// LandscapeOptions choose what Landscape measures.
type LandscapeOptions struct {
	Weights string // safetensors file of the final weights; "" for the run's own (see openAnalysis)
	// Init is a safetensors file of the initial weights; "" rebuilds them
	// from the run's seed exactly as the trainer drew them.
	Init    string
	Grid    int     // points per axis of the plane (see LandscapeGrid)
	Range   float64 // the plane spans [-Range, Range] along both directions
	Samples int     // the first Samples training images; 0 for all
	Seed    uint64  // seed of the two random directions
	// Done, if not nil, reports a point of the net (its label) as
	// measured already (a resumed table); Landscape skips it.
	Done func(net string, p LandscapePoint) bool
	// Point is called with the net's label and every point measured, in
	// order.
	Point func(net string, p LandscapePoint) error
	// Progress, if not nil, is called after every point (skipped ones
	// too) with the number done and the total.
	Progress func(done, total int)
}

// LandscapePoint is one evaluated point: its kind and coordinates, and the
// mean loss and error of the net there on the training subset.
type LandscapePoint struct {
	Kind      string
	X, Y      float64
	Loss, Err float64
}

// Check refuses a grid outside [MinLandscapeGrid, MaxLandscapeGrid], a
// range that is not positive and finite, and negative samples, naming the
// flag.
func (o LandscapeOptions) Check() error {
	switch {
	case o.Grid < MinLandscapeGrid || o.Grid > MaxLandscapeGrid:
		return BadInput(fmt.Errorf("--grid %d: expected %d to %d points per axis (21 is the default; 51 is a fine grid)", o.Grid, MinLandscapeGrid, MaxLandscapeGrid))
	case !(o.Range > 0) || math.IsInf(o.Range, 0):
		return BadInput(fmt.Errorf("--range %v: expected a positive number (the plane spans -range to range along each direction; 1 is the default)", o.Range))
	case o.Samples < 0:
		return BadInput(fmt.Errorf("--samples %d: expected a positive number of training images (0 for all)", o.Samples))
	}
	return nil
}

// LandscapeLinePoints returns the coefficients α of the line from initial
// (α = 0) to final (α = 1) weights for a grid of g points: k/(g-1) for k
// from -⌊(g-1)/2⌋ to (g-1)+⌊(g-1)/2⌋, so the line runs half its length past
// both ends (-0.5 to 1.5 for g = 21) and holds 0 and 1 exactly.
func LandscapeLinePoints(g int) []float64 {
	m := g - 1
	var a []float64
	for k := -m / 2; k <= m+m/2; k++ {
		a = append(a, float64(k)/float64(m))
	}
	return a
}

// LandscapeGrid returns the g coordinates of the plane's axes, evenly from
// -r to r; for odd g the middle one is exactly 0.
func LandscapeGrid(g int, r float64) []float64 {
	xs := make([]float64, g)
	for i := range xs {
		xs[i] = r * float64(2*i-(g-1)) / float64(g-1)
	}
	return xs
}

// LandscapePoints lists the points Landscape measures, without results:
// the line, then the plane row by row (y outer, x inner).
func LandscapePoints(grid int, r float64) []LandscapePoint {
	var ps []LandscapePoint
	for _, a := range LandscapeLinePoints(grid) {
		ps = append(ps, LandscapePoint{Kind: LandscapeLine, X: a})
	}
	axis := LandscapeGrid(grid, r)
	for _, y := range axis {
		for _, x := range axis {
			ps = append(ps, LandscapePoint{Kind: LandscapePlane, X: x, Y: y})
		}
	}
	return ps
}

// Landscape measures the run at every point of
// LandscapePoints(opt.Grid, opt.Range), except those opt.Done reports,
// calling opt.Point with each, on the first opt.Samples training images
// (without augmentation) with BatchNorm in inference mode:
//
//   - line: every parameter set to (1-α)·initial + α·final, and every
//     BatchNorm running statistic likewise with α clamped to [0, 1] (a
//     variance extrapolated past the ends can turn negative), so α = 0 is
//     the initial net and α = 1 the final one, bit for bit;
//   - plane: every parameter set to final + x·d1 + y·d2 with d1, d2 drawn
//     from opt.Seed and filter-normalised (see filterDirections; BatchNorm
//     parameters and biases not moved), the running statistics final, so
//     (0, 0) is the final net, bit for bit.
//
// It returns the label of the net. The run directory is not written.
func (r *Run) Landscape(opt LandscapeOptions) (string, error) {
	if err := opt.Check(); err != nil {
		return "", err
	}
	var init [][]float32
	keep := func(m *models.Model) error {
		if err := r.loadInit(m, opt.Init); err != nil {
			return err
		}
		init = cloneState(netState(m))
		return nil
	}
	t, _, err := r.openAnalysis(opt.Weights, keep)
	if err != nil {
		return "", err
	}
	defer t.Close()
	state := netState(t.Model)
	final := cloneState(state)
	defer setState(state, final)
	rng := rand.New(rand.NewPCG(opt.Seed, 0x1a5d5))
	params := t.Model.Params()
	d1, d2 := filterDirections(rng, params), filterDirections(rng, params)
	points, label := LandscapePoints(opt.Grid, opt.Range), t.Model.Spec.Label()
	for i, p := range points {
		if opt.Done == nil || !opt.Done(label, p) {
			if p.Kind == LandscapeLine {
				setLine(state, init, final, len(params), p.X)
			} else {
				moveParams(state[:len(params)], final[:len(params)], d1, d2, p.X, p.Y)
				setState(state[len(params):], final[len(params):])
			}
			p.Loss, p.Err = t.Evaluate(t.train, opt.Samples)
			if err := opt.Point(label, p); err != nil {
				return "", err
			}
		}
		if opt.Progress != nil {
			opt.Progress(i+1, len(points))
		}
	}
	return label, nil
}

// loadInit makes m, freshly initialised from the run's seed, hold the
// run's initial weights: those of file if given; a run that started from a
// weights file (meta.json's init_weights) needs it.
func (r *Run) loadInit(m *models.Model, file string) error {
	if file != "" {
		_, err := LoadWeights(m, file)
		return err
	}
	if w := r.Meta.InitWeights; w != nil {
		return BadInput(fmt.Errorf("run %s started from the weights file %s, not from its seed; pass --init %s", r.Dir, w.Path, w.Path))
	}
	return nil
}

// filterDirections returns a random direction in the space of params with
// filter-wise normalisation (Li et al. 2018, §4): for every weight of two
// or more dimensions (conv [OC, C, KH, KW], fc [out, in]) Gaussian entries,
// each filter (slice of the first dimension) scaled to the norm of the
// weight's filter; nil, no move, for BatchNorm parameters and biases.
func filterDirections(rng *rand.Rand, params []*nn.Param) [][]float32 {
	d := make([][]float32, len(params))
	for i, p := range params {
		if len(p.Shape) < 2 {
			continue
		}
		d[i] = make([]float32, len(p.Data))
		for j := range d[i] {
			d[i][j] = float32(rng.NormFloat64())
		}
		size := len(p.Data) / p.Shape[0]
		for f := 0; f < len(p.Data); f += size {
			scaleTo(d[i][f:f+size], p.Data[f:f+size])
		}
	}
	return d
}

// scaleTo scales d to the Euclidean norm of w.
func scaleTo(d, w []float32) {
	nd, nw := norm(d), norm(w)
	if nd == 0 {
		return
	}
	s := nw / nd
	for i := range d {
		d[i] = float32(float64(d[i]) * s)
	}
}

func norm(v []float32) float64 {
	var s float64
	for _, x := range v {
		s += float64(x) * float64(x)
	}
	return math.Sqrt(s)
}

// setLine sets state, whose first n slices are parameters and the rest
// BatchNorm running statistics (see netState), to the line's point a:
// the parameters (1-a)·init + a·final, the statistics the same with a
// clamped to [0, 1].
func setLine(state, init, final [][]float32, n int, a float64) {
	interpolate(state[:n], init[:n], final[:n], a)
	interpolate(state[n:], init[n:], final[n:], min(max(a, 0), 1))
}

// interpolate sets dst = (1-a)·from + a·to, elementwise, computed in
// float64: exactly from at a = 0 and exactly to at a = 1 (finite values).
func interpolate(dst, from, to [][]float32, a float64) {
	for i := range dst {
		for j := range dst[i] {
			dst[i][j] = float32((1-a)*float64(from[i][j]) + a*float64(to[i][j]))
		}
	}
}

// moveParams sets dst = w + x·d1 + y·d2 elementwise, computed in float64
// (exactly w at x = y = 0); a nil direction leaves w.
func moveParams(dst, w, d1, d2 [][]float32, x, y float64) {
	for i := range dst {
		if d1[i] == nil {
			copy(dst[i], w[i])
			continue
		}
		for j := range dst[i] {
			dst[i][j] = float32(float64(w[i][j]) + x*float64(d1[i][j]) + y*float64(d2[i][j]))
		}
	}
}

// setState copies src into dst.
func setState(dst, src [][]float32) {
	for i := range dst {
		copy(dst[i], src[i])
	}
}
