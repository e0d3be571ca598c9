package experiments

import (
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/resexp/resexp/internal/nn"
	"github.com/resexp/resexp/internal/runfiles"
)

// shatterConfig is a depth-8 net on the synthetic set with activation act.
func shatterConfig(residual bool, act string) Config {
	c := tinyConfig()
	c.Model.Residual, c.Model.Activation = residual, act
	return c
}

// logitAt is f(x) = the logit of class for one image x, in inference mode.
func logitAt(net *nn.Sequential, x []float32, shape [3]int, class int) float64 {
	in := nn.NewTensor(1, shape[0], shape[1], shape[2])
	copy(in.Data, x)
	out := net.Forward(in, false)
	return float64(out.Data[class])
}

// along returns x + s·v.
func along(x, v []float32, s float32) []float32 {
	y := make([]float32, len(x))
	for j := range y {
		y[j] = x[j] + s*v[j]
	}
	return y
}

// TestShatterGradientsMatchFiniteDifferences checks what Shatter reports
// at every point of a 16-point line, on depth-8 plain and residual nets at
// initialisation: output is the forward pass's logit of image a's class at
// x(t), exactly; grad_norm is ‖∇ₓf‖ of the gradients behind grad, exactly;
// grad is the central difference of the logit along b − a, and the input
// gradient's projection on a random direction v the central difference
// along v (float32 forward passes; steps h·(b − a) and a step along v of
// the same length). With tanh (smooth, h = 1e-3) every point agrees within
// 2e-3 of the line's largest |value|. With relu, tens of thousands of
// units, some of which switch within any step (h = 1e-4: the difference
// shrinks with h until float32 rounding takes over), the differences are
// held in L2 over the line: within 5% of the analytic values' norm (a
// wrong class, direction, sign or image would be off by 100% or more).
func TestShatterGradientsMatchFiniteDifferences(t *testing.T) {
	for _, act := range []string{"tanh", "relu"} {
		for _, residual := range []bool{false, true} {
			rs, err := Shatter([]ShatterNet{{Cfg: shatterConfig(residual, act)}}, ShatterOptions{Points: 16, Images: [2]int{0, 3}})
			if err != nil {
				t.Fatal(err)
			}
			r := rs[0]
			name := r.Label + "-" + act
			if act == "tanh" {
				grad, fdGrad, proj, fdProj := lineFD(t, name, r, 1e-3)
				pointwiseClose(t, name+" grad", grad, fdGrad, 2e-3)
				pointwiseClose(t, name+" ∇f·v", proj, fdProj, 2e-3)
			} else {
				grad, fdGrad, proj, fdProj := lineFD(t, name, r, 1e-4)
				l2Close(t, name+" grad", grad, fdGrad, 0.05)
				l2Close(t, name+" ∇f·v", proj, fdProj, 0.05)
			}
		}
	}
}

// lineFD checks r's initial state's output and grad_norm exactly and
// returns its grad with the central differences along b − a (step h), and the
// projections of its input gradients on a random direction v with those
// along v.
func lineFD(t *testing.T, name string, r *ShatterResult, h float64) (grad, fdGrad, proj, fdProj []float64) {
	t.Helper()
	s := r.States[0]
	net := r.init.Net
	d := along(r.b, r.a, -1) // b − a
	rng := rand.New(rand.NewPCG(7, 7))
	v := make([]float32, len(d))
	for j := range v {
		v[j] = float32(rng.NormFloat64())
	}
	hv := float32(h * math.Sqrt(dot(d, d)/dot(v, v))) // the same length as h·(b − a)
	f := func(x []float32) float64 { return logitAt(net, x, r.shape, r.Class) }
	p := lineGradients(net, r.a, r.b, r.shape, r.Class, r.Points) // the gradients Shatter's state came from
	for i, ti := range s.T {
		x := along(r.a, d, float32(ti))
		if y := f(x); y != s.Output[i] {
			t.Errorf("%s point %d: output %.9g, forward pass %.9g", name, i, s.Output[i], y)
		}
		if want := math.Sqrt(dot(p.grads[i], p.grads[i])); s.GradNorm[i] != want {
			t.Errorf("%s point %d: grad_norm %.9g, ‖∇f‖ %.9g", name, i, s.GradNorm[i], want)
		}
		fdGrad = append(fdGrad, (f(along(x, d, float32(h)))-f(along(x, d, -float32(h))))/(2*float64(float32(h))))
		fdProj = append(fdProj, (f(along(x, v, hv))-f(along(x, v, -hv)))/float64(2*hv))
		proj = append(proj, dot(p.grads[i], v))
	}
	return s.Grad, fdGrad, proj, fdProj
}

// pointwiseClose reports each point where got and want differ by more
// than tol times the largest |got|.
func pointwiseClose(t *testing.T, name string, got, want []float64, tol float64) {
	t.Helper()
	var m float64
	for _, g := range got {
		m = math.Max(m, math.Abs(g))
	}
	for i := range got {
		if math.Abs(got[i]-want[i]) > tol*m {
			t.Errorf("%s point %d: %.6g, central difference %.6g (largest |value| %.3g)", name, i, got[i], want[i], m)
		}
	}
}

// l2Close reports when ‖got − want‖ exceeds tol·‖got‖, and logs the ratio.
func l2Close(t *testing.T, name string, got, want []float64, tol float64) {
	t.Helper()
	var diff, norm float64
	for i := range got {
		diff += (got[i] - want[i]) * (got[i] - want[i])
		norm += got[i] * got[i]
	}
	ratio := math.Sqrt(diff / norm)
	if !(ratio <= tol) {
		t.Errorf("%s: ‖analytic − central differences‖ is %.3g of ‖analytic‖, want <= %.3g", name, ratio, tol)
	}
	t.Logf("%s: relative L2 difference from central differences %.2g", name, ratio)
}

// TestAutocorrelation checks the estimator on a series worked by hand,
// a constant series (NaN), white noise (|r(k)| within 4/√n for k > 0) and a
// random walk (r(1) > 0.9).
func TestAutocorrelation(t *testing.T) {
	r := autocorrelation([]float64{1, 2, 3, 4}, 2)
	for k, want := range []float64{1, 0.25, -0.3} {
		if math.Abs(r[k]-want) > 1e-15 {
			t.Errorf("r(%d) of 1,2,3,4 = %v, want %v", k, r[k], want)
		}
	}
	if c := autocorrelation([]float64{2, 2, 2}, 1); !math.IsNaN(c[0]) || !math.IsNaN(c[1]) {
		t.Errorf("constant series: %v, want NaN", c)
	}
	rng := rand.New(rand.NewPCG(1, 2))
	const n = 4096
	white, walk := make([]float64, n), make([]float64, n)
	for i := range white {
		white[i] = rng.NormFloat64()
		walk[i] = white[i]
		if i > 0 {
			walk[i] += walk[i-1]
		}
	}
	for k, v := range autocorrelation(white, 10)[1:] {
		if math.Abs(v) > 4/math.Sqrt(n) {
			t.Errorf("white noise r(%d) = %.3f", k+1, v)
		}
	}
	if v := autocorrelation(walk, 1)[1]; v < 0.9 {
		t.Errorf("random walk r(1) = %.3f, want > 0.9", v)
	}
}

// TestLagCosine checks the mean cosine similarity on vectors worked by
// hand: (1,0), (1,1), (0,1), (0,0) — a zero vector counts as 0.
func TestLagCosine(t *testing.T) {
	c := lagCosine([][]float32{{1, 0}, {1, 1}, {0, 1}, {0, 0}}, 2)
	s := 1 / math.Sqrt2
	for k, want := range []float64{3.0 / 4, (s + s + 0) / 3, (0 + 0) / 2} {
		if math.Abs(c[k]-want) > 1e-7 {
			t.Errorf("lag %d: %v, want %v", k, c[k], want)
		}
	}
}

// TestShatterTrainedRun checks a run directory: with its checkpoint the
// trained state has the checkpoint's step and differs from the initial
// one; with only weights.safetensors (exported from it) the trained state
// is the same, bit for bit; with neither, an InputError naming both files.
// It also checks shatter.csv's header and row count.
func TestShatterTrainedRun(t *testing.T) {
	dir := t.TempDir()
	cfg := shatterConfig(true, "relu")
	cfg.Train.Steps = 3
	if err := train(t, cfg, dir); err != nil {
		t.Fatal(err)
	}
	opt := ShatterOptions{Points: 8, Images: [2]int{1, 2}}
	run, err := OpenRun(dir)
	if err != nil {
		t.Fatal(err)
	}
	ck, err := Shatter([]ShatterNet{{Run: run}}, opt)
	if err != nil {
		t.Fatal(err)
	}
	st := ck[0].States
	if len(st) != 2 || st[0].State != "init" || st[1].State != "trained" || st[1].Step != 3 || st[0].Grad[0] == st[1].Grad[0] {
		t.Fatalf("states %+v", st)
	}
	e, err := run.Export("pytorch")
	if err != nil {
		t.Fatal(err)
	}
	os.WriteFile(filepath.Join(dir, ExportedWeights), e.Bytes, 0o644)
	os.RemoveAll(filepath.Join(dir, runfiles.CheckpointDir))
	wf, err := Shatter([]ShatterNet{{Run: run}}, opt)
	if err != nil {
		t.Fatal(err)
	}
	if got := wf[0].States[1]; got.Step != 3 || !slices.Equal(got.Grad, st[1].Grad) || !slices.Equal(got.Output, st[1].Output) {
		t.Errorf("from %s: %+v, from the checkpoint %+v", ExportedWeights, got, st[1])
	}
	csvPath := filepath.Join(dir, runfiles.ShatterFile)
	if err := WriteShatterCSV(csvPath, wf); err != nil {
		t.Fatal(err)
	}
	b, _ := os.ReadFile(csvPath)
	lines := strings.Split(strings.TrimSpace(string(b)), "\n")
	if lines[0] != "net,state,step,class,quantity,index,t,value" || len(lines) != 1+2*(3*8+2*3) {
		t.Errorf("shatter.csv: header %q, %d lines, want %d", lines[0], len(lines), 1+2*(3*8+2*3))
	}
	os.Remove(filepath.Join(dir, ExportedWeights))
	_, err = Shatter([]ShatterNet{{Run: run}}, opt)
	if !IsBadInput(err) || !strings.Contains(err.Error(), "has no checkpoint") || !strings.Contains(err.Error(), ExportedWeights) {
		t.Errorf("no weights: %v", err)
	}
}

// TestShatterBadInput checks that a point count out of range, equal or
// out-of-range image indices are InputErrors naming the flag.
func TestShatterBadInput(t *testing.T) {
	cfg := shatterConfig(false, "relu")
	for _, c := range []struct {
		opt  ShatterOptions
		want string
	}{
		{ShatterOptions{Points: 7, Images: [2]int{0, 1}}, "--points 7: expected 8 to 4096"},
		{ShatterOptions{Points: 5000, Images: [2]int{0, 1}}, "--points 5000"},
		{ShatterOptions{Images: [2]int{4, 4}}, "--images 4,4: the line needs two different test images"},
		{ShatterOptions{Images: [2]int{0, 512}}, "--images 0,512: the synthetic test set has images 0 to 511"},
	} {
		_, err := Shatter([]ShatterNet{{Cfg: cfg}}, c.opt)
		if !IsBadInput(err) || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%+v: error %v, want an input error containing %q", c.opt, err, c.want)
		}
	}
}
