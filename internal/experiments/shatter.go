package experiments

import (
	"fmt"
	"math"
	"path/filepath"

	"github.com/resexp/resexp/internal/nn"
	"github.com/resexp/resexp/internal/nn/models"
)

// Shattered gradients (Balduzzi et al. 2017, "The Shattered Gradients
// Problem: If resnets are the answer, then what is the question?").
//
// The paper feeds a net with a scalar input 256 points of a line and looks
// at the gradient of its scalar output as a function of the input: a
// shallow net's is a random walk (brown noise, correlated from one point to
// the next), a deep plain net's white noise, a ResNet's stays correlated.
// resexp's nets take images, so the line is the straight segment between
// two test images, x(t) = a + t·(b − a) for t in [0, 1], in the net's
// normalised input space, and the scalar output is f = the logit of image
// a's class. At each of P points t_i = i/(P−1) Shatter computes, with
// BatchNorm in inference mode (a function of one image):
//
//   - output: f(x(t_i));
//   - grad: df(x(t))/dt = ∇ₓf · (b − a), the gradient of the 1-D function
//     along the line, the paper's quantity;
//   - grad_norm: ‖∇ₓf(x(t_i))‖;
//
// and, over lags k = 0 .. P/4 (P/4 in units of points, the lag's distance
// along the line being k/(P−1)):
//
//   - acf: the sample autocorrelation of grad (see autocorrelation);
//   - cosine: the mean cosine similarity of the full input gradients ∇ₓf
//     at points k apart, which also sees directions other than b − a.

// Points along the line: the default and the accepted range.
const (
	DefaultShatterPoints = 256
	MinShatterPoints     = 8
	MaxShatterPoints     = 4096
)

// shatterChunk is the number of line points per forward and backward pass,
// which bounds the memory of the activations kept for the backward pass
// (they grow with the batch and the depth).
const shatterChunk = 32

// ShatterNet is one net to analyse: a run (see OpenRun), whose config
// builds the net and whose weights are the trained net, or, with Run nil,
// the net of Cfg at initialisation only.
type ShatterNet struct {
	Run *Run
	// Weights is the file of the run's trained weights; "" means the
	// run's own (see FinalWeights).
	Weights string
	Cfg     Config // used when Run is nil
}

// config is the config of the net: its run's or Cfg.
func (n ShatterNet) config() Config {
	if n.Run != nil {
		return n.Run.Config
	}
	return n.Cfg
}

// ShatterOptions are the line's points and its two end images.
type ShatterOptions struct {
	Points int    // points on the line, MinShatterPoints..MaxShatterPoints (0 means DefaultShatterPoints)
	Images [2]int // indices of the test images a (t = 0) and b (t = 1)
}

// ShatterState is the analysis of one set of weights: its quantities along
// the line (indexed by point) and by lag (see the comment at the top of
// this file).
type ShatterState struct {
	State string // "init" (as the trainer initialises from the seed) or "trained"
	Step  int    // the trained weights' step; 0 at initialisation
	T     []float64
	// Output, Grad and GradNorm are f, df/dt and ‖∇ₓf‖ at each point.
	Output, Grad, GradNorm []float64
	// ACF and Cosine are indexed by lag, from 0.
	ACF, Cosine []float64
}

// DecorrelationLag is the first lag at which the autocorrelation of df/dt
// is below level, or 0 if it is not within the lags computed (or is NaN).
func (s ShatterState) DecorrelationLag(level float64) int {
	for k, r := range s.ACF {
		if r < level {
			return k
		}
	}
	return 0
}

// ShatterResult is one net's analysis: at initialisation and, for a run
// directory, with its trained weights.
type ShatterResult struct {
	Name     string // the net's label, made unique among the results (see uniqueNames)
	Label    string // e.g. "plain-20"
	Residual bool
	Dataset  string
	Run      string // run directory; "" for a net at initialisation only
	Images   [2]int // test images a and b
	Labels   [2]int // their classes
	Class    int    // the class whose logit is differentiated: a's
	Points   int    // points on the line
	States   []ShatterState

	init, trained *models.Model // the nets at initialisation and trained (nil without a run)
	trainedStep   int
	a, b          []float32 // the line's end images, normalised
	shape         [3]int    // C, H, W
}

// Shatter analyses each net along the line between test images
// opt.Images of its data set (normalised as its config says, with
// statistics of the training set, as the trainer does). Every net is
// analysed at initialisation, built and initialised exactly as the trainer
// does from its config's seed; a net with a run directory also with the
// run's trained weights (see FinalWeights).
// All input (configs, point count, image indices, weights) is checked
// before any net is evaluated; problems are InputErrors naming the flag,
// key or file.
func Shatter(nets []ShatterNet, opt ShatterOptions) ([]*ShatterResult, error) {
	if opt.Points == 0 {
		opt.Points = DefaultShatterPoints
	}
	if opt.Points < MinShatterPoints || opt.Points > MaxShatterPoints {
		return nil, BadInput(fmt.Errorf("--points %d: expected %d to %d points on the line (default %d)", opt.Points, MinShatterPoints, MaxShatterPoints, DefaultShatterPoints))
	}
	if opt.Images[0] == opt.Images[1] {
		return nil, BadInput(fmt.Errorf("--images %d,%d: the line needs two different test images", opt.Images[0], opt.Images[1]))
	}
	results := make([]*ShatterResult, len(nets))
	for i, n := range nets {
		r, err := prepareShatter(n, opt)
		if err != nil {
			return nil, err
		}
		results[i] = r
	}
	uniqueNames(results)
	for _, r := range results {
		r.run()
	}
	return results, nil
}

// prepareShatter builds n's net as the trainer initialises it, loads its
// trained weights if it has a run directory, and reads the line's end
// images; it evaluates nothing.
func prepareShatter(n ShatterNet, opt ShatterOptions) (*ShatterResult, error) {
	cfg := n.config()
	if err := cfg.Validate(); err != nil {
		return nil, BadInput(err)
	}
	var final string
	if n.Run != nil {
		var err error
		if final, err = FinalWeights(n.Run.Dir, n.Weights); err != nil {
			return nil, err
		}
	}
	t := &Trainer{Cfg: cfg, unlock: func() {}}
	if err := t.setup(); err != nil {
		return nil, err
	}
	defer t.Close()
	s := t.test
	for _, i := range opt.Images {
		if i < 0 || i >= s.Len() {
			return nil, BadInput(fmt.Errorf("--images %d,%d: the %s test set has images 0 to %d", opt.Images[0], opt.Images[1], s.Name, s.Len()-1))
		}
	}
	r := &ShatterResult{Label: t.Model.Spec.Label(), Residual: t.Model.Spec.Residual, Dataset: s.Name,
		Images: opt.Images, Points: opt.Points, init: t.Model, shape: [3]int{s.C, s.H, s.W}}
	r.a, r.Labels[0] = testImage(t, opt.Images[0])
	r.b, r.Labels[1] = testImage(t, opt.Images[1])
	r.Class = r.Labels[0]
	if n.Run == nil {
		return r, nil
	}
	r.Run = n.Run.Dir
	var err error
	r.trained, r.trainedStep, err = n.Run.finalNet(final)
	return r, err
}

// testImage returns test image i of t's data set, normalised as t's
// training input, and its label.
func testImage(t *Trainer, i int) ([]float32, int) {
	x := make([]float32, t.test.ImageSize())
	y := make([]uint8, 1)
	t.test.Fill(x, y, i, i+1, t.norm)
	return x, int(y[0])
}

// finalNet builds the run's model with the weights of file, the run's
// checkpoint or a weights file (see FinalWeights), and returns it with the
// weights' step.
func (r *Run) finalNet(file string) (*models.Model, int, error) {
	if file == CheckpointPath(r.Dir) {
		return r.LoadNet()
	}
	return r.Weights(file)
}

// uniqueNames sets each result's Name to its Label, followed by its run
// directory when two results share a label.
func uniqueNames(rs []*ShatterResult) {
	count := map[string]int{}
	for _, r := range rs {
		count[r.Label]++
	}
	for i, r := range rs {
		r.Name = r.Label
		if count[r.Label] > 1 {
			r.Name = fmt.Sprintf("%s (%s)", r.Label, runTag(r.Run, i))
		}
	}
}

// runTag names a result among others of the same label: its run
// directory's base name, or "#i" for a net at initialisation.
func runTag(run string, i int) string {
	if run != "" {
		return filepath.Base(run)
	}
	return fmt.Sprintf("#%d", i+1)
}

// run computes r's states: at initialisation, then trained if r has a run.
func (r *ShatterResult) run() {
	r.States = append(r.States, r.state("init", 0, r.init))
	if r.trained != nil {
		r.States = append(r.States, r.state("trained", r.trainedStep, r.trained))
	}
}

// state analyses the net of m along r's line.
func (r *ShatterResult) state(name string, step int, m *models.Model) ShatterState {
	p := lineGradients(m.Net, r.a, r.b, r.shape, r.Class, r.Points)
	maxLag := r.Points / 4
	return ShatterState{State: name, Step: step, T: p.t, Output: p.output, Grad: p.grad, GradNorm: p.gradNorm,
		ACF: autocorrelation(p.grad, maxLag), Cosine: lagCosine(p.grads, maxLag)}
}

// lineProfile is a net's scalar output and its input gradient at points
// of a line; see lineGradients.
type lineProfile struct {
	t, output, grad, gradNorm []float64
	grads                     [][]float32 // ∇ₓf at each point, C·H·W values
}

// lineGradients evaluates net in inference mode at the points x(t_i) =
// a + t_i·(b − a), t_i = i/(points−1), of the images a and b (shape
// C, H, W), and returns per point f = the logit of class, df/dt = ∇ₓf·(b − a),
// ‖∇ₓf‖ and ∇ₓf itself, from Sequential.BackwardInput with an output
// gradient that is one at f and zero elsewhere. In inference mode each
// image's output depends on that image only, so one batched backward pass
// gives every point's own gradient.
func lineGradients(net *nn.Sequential, a, b []float32, shape [3]int, class, points int) lineProfile {
	p := lineProfile{t: make([]float64, points), output: make([]float64, points), grad: make([]float64, points),
		gradNorm: make([]float64, points), grads: make([][]float32, points)}
	d := make([]float32, len(a))
	for j := range d {
		d[j] = b[j] - a[j]
	}
	for lo := 0; lo < points; lo += shatterChunk {
		hi := min(lo+shatterChunk, points)
		x := nn.NewTensor(hi-lo, shape[0], shape[1], shape[2])
		for i := lo; i < hi; i++ {
			p.t[i] = float64(i) / float64(points-1)
			linePoint(x.Data[(i-lo)*len(a):(i-lo+1)*len(a)], a, d, float32(p.t[i]))
		}
		out := net.Forward(x, false)
		dout := nn.NewTensor(out.N, out.C, out.H, out.W)
		for i := range out.N {
			p.output[lo+i] = float64(out.Data[i*out.Size()+class])
			dout.Data[i*out.Size()+class] = 1
		}
		dx := net.BackwardInput(dout)
		for i := range dx.N {
			g := append([]float32(nil), dx.Data[i*dx.Size():(i+1)*dx.Size()]...)
			p.grads[lo+i], p.grad[lo+i], p.gradNorm[lo+i] = g, dot(g, d), math.Sqrt(dot(g, g))
		}
	}
	return p
}

// linePoint writes a + t·d into x.
func linePoint(x, a, d []float32, t float32) {
	for j := range x {
		x[j] = a[j] + t*d[j]
	}
}

// dot is Σ u_j·v_j, summed in float64.
func dot(u, v []float32) float64 {
	var s float64
	for j := range u {
		s += float64(u[j]) * float64(v[j])
	}
	return s
}

// autocorrelation returns the sample autocorrelation of xs at lags
// 0..maxLag (maxLag < len(xs)):
//
//	r(k) = Σ_{i<n−k} (x_i − m)(x_{i+k} − m) / Σ_i (x_i − m)²,
//
// m the mean of xs: the usual (biased) estimator, statsmodels' acf. r(0)
// is 1. White noise has r(k) ≈ 0 for k > 0, within about ±1.96/√n;
// brown noise (a random walk) stays near 1 for small lags. A constant
// series has no autocorrelation: every r(k) is NaN.
func autocorrelation(xs []float64, maxLag int) []float64 {
	n := len(xs)
	var m float64
	for _, x := range xs {
		m += x
	}
	m /= float64(n)
	var den float64
	for _, x := range xs {
		den += (x - m) * (x - m)
	}
	r := make([]float64, maxLag+1)
	for k := range r {
		var num float64
		for i := 0; i+k < n; i++ {
			num += (xs[i] - m) * (xs[i+k] - m)
		}
		r[k] = num / den
		if den == 0 {
			r[k] = math.NaN()
		}
	}
	return r
}

// lagCosine returns, for lags 0..maxLag, the mean over i of the cosine
// similarity of gs[i] and gs[i+k]. A pair with a zero vector counts as 0
// (no direction to share); lag 0 is 1 unless some vector is zero.
func lagCosine(gs [][]float32, maxLag int) []float64 {
	norms := make([]float64, len(gs))
	for i, g := range gs {
		norms[i] = math.Sqrt(dot(g, g))
	}
	c := make([]float64, maxLag+1)
	for k := range c {
		var sum float64
		for i := 0; i+k < len(gs); i++ {
			if den := norms[i] * norms[i+k]; den > 0 {
				sum += dot(gs[i], gs[i+k]) / den
			}
		}
		c[k] = sum / float64(len(gs)-k)
	}
	return c
}
