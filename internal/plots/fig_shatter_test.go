package plots

import (
	"bytes"
	"image/png"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"testing"
)

// fakeShatterCurve is a state whose df/dt is white noise or, if walk, a
// random walk, with the estimators' values filled in roughly as the
// analysis would (the figure does not check them).
func fakeShatterCurve(state, title string, walk bool, seed uint64) ShatterCurve {
	rng := rand.New(rand.NewPCG(seed, 1))
	const n = 256
	c := ShatterCurve{State: state, Title: title, T: make([]float64, n), Grad: make([]float64, n)}
	for i := range n {
		c.T[i] = float64(i) / (n - 1)
		c.Grad[i] = rng.NormFloat64()
		if walk && i > 0 {
			c.Grad[i] += c.Grad[i-1]
		}
	}
	for k := range n/4 + 1 {
		decay := math.Exp(-float64(k) / 2)
		if walk {
			decay = 1 - float64(k)/n*2
		}
		c.ACF, c.Cosine = append(c.ACF, decay), append(c.Cosine, 0.8*decay)
	}
	c.ACF[3] = math.NaN() // not drawn, not fatal
	return c
}

// TestDrawShatter draws a plain net (white-noise gradient) and a residual
// one (random walk), each at initialisation and trained, as PNG, SVG and
// PDF: each file is of its format and non-trivial, and the PNG decodes to
// the figure's size (two nets, three rows) with more than a few colours.
// A net with only its initial state leaves its trained tile empty.
func TestDrawShatter(t *testing.T) {
	nets := []ShatterNet{
		{Name: "plain-20", States: []ShatterCurve{fakeShatterCurve("at initialisation", "at initialisation", false, 1), fakeShatterCurve("trained", "trained, step 8000", false, 2)}},
		{Name: "resnet-20", States: []ShatterCurve{fakeShatterCurve("at initialisation", "at initialisation", true, 3)}},
	}
	for _, format := range []string{"png", "svg", "pdf"} {
		out := t.TempDir()
		if keep := os.Getenv("PLOTS_KEEP"); keep != "" {
			out = filepath.Join(keep, "shatter")
		}
		path, err := DrawShatter(nets, out, format)
		if err != nil {
			t.Fatal(err)
		}
		if path != filepath.Join(out, "shatter."+format) {
			t.Errorf("wrote %s", path)
		}
		if format != "png" {
			checkFile(t, path, format)
		} else {
			data, _ := os.ReadFile(path)
			checkPNG(t, path, data, false)
			img, err := png.Decode(bytes.NewReader(data))
			if err != nil {
				t.Fatal(err)
			}
			px := func(in float64) int { return int(in*pngDPI + 0.5) }
			w, h := px(1.2+4.3*2+2.6), px(0.7+2.4*3)
			if b := img.Bounds(); b.Dx() != w || b.Dy() != h {
				t.Errorf("%dx%d pixels, want %dx%d", b.Dx(), b.Dy(), w, h)
			}
		}
	}
	if _, err := DrawShatter(nil, t.TempDir(), "png"); err == nil {
		t.Error("no nets: no error")
	}
}
