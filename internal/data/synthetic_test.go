package data

import (
	"bytes"
	"math"
	"math/rand/v2"
	"testing"
)

// TestSynthetic checks that the synthetic set is deterministic, balanced
// and what Load("synthetic", "") returns.
func TestSynthetic(t *testing.T) {
	a, b, c := Synthetic(100, 1), Synthetic(100, 1), Synthetic(100, 2)
	if !bytes.Equal(a.Images, b.Images) || !bytes.Equal(a.Labels, b.Labels) {
		t.Error("same seed, different images")
	}
	if bytes.Equal(a.Images, c.Images) {
		t.Error("seeds 1 and 2 give the same images")
	}
	train, test, err := Load("synthetic", "ignored")
	if err != nil {
		t.Fatal(err)
	}
	if train.Len() != 2048 || test.Len() != 512 || train.C != 1 || train.H != 28 || train.W != 28 || train.Classes != 10 {
		t.Fatalf("train %d, test %d images of %dx%dx%d", train.Len(), test.Len(), train.C, train.H, train.W)
	}
	for k, n := range test.ClassCounts() {
		if n < 51 || n > 52 {
			t.Errorf("test class %d: %d images, want 51 or 52", k, n)
		}
	}
	if bytes.Equal(train.Images[:784], test.Images[:784]) {
		t.Error("train and test start with the same image")
	}
}

// TestSyntheticLearnable checks that the classes are learnable from
// translation-invariant features, as a conv net with global average
// pooling sees them: 24 fixed random 3x3 filters, the spatial mean of
// each rectified response, and 100 SGD steps of softmax regression must
// bring the test loss well below ln 10 = 2.30.
func TestSyntheticLearnable(t *testing.T) {
	train, test, _ := Load("synthetic", "")
	r := rand.New(rand.NewPCG(1, 1))
	filters := make([][9]float64, 24)
	for i := range filters {
		for j := range 9 {
			filters[i][j] = r.NormFloat64()
		}
	}
	ftrain, ftest := features(train, filters), features(test, filters)
	w := make([]float64, 10*(len(filters)+1))
	for step := range 100 {
		sgdStep(w, ftrain, train.Labels, step*64%train.Len(), 64, 0.5)
	}
	loss, acc := evalSoftmax(w, ftest, test.Labels)
	t.Logf("test loss %.3f, accuracy %.3f after 100 steps", loss, acc)
	if loss > 1.5 || acc < 0.5 {
		t.Errorf("test loss %.3f, accuracy %.3f: want < 1.5 and > 0.5", loss, acc)
	}
}

// features returns, per image, the mean ReLU response of each filter
// (standardised over the set) and a constant 1.
func features(s *Set, filters [][9]float64) [][]float64 {
	f := make([][]float64, s.Len())
	for i := range f {
		img := s.Image(i)
		f[i] = make([]float64, len(filters)+1)
		for k, fl := range filters {
			f[i][k] = meanReLUConv(img, fl)
		}
		f[i][len(filters)] = 1
	}
	standardise(f, len(filters))
	return f
}

// meanReLUConv returns the mean of max(0, conv3x3(img/255, fl)) over the
// valid 26x26 positions.
func meanReLUConv(img []uint8, fl [9]float64) float64 {
	var sum float64
	for y := 1; y < 27; y++ {
		for x := 1; x < 27; x++ {
			var v float64
			for j := range 9 {
				v += fl[j] * float64(img[(y+j/3-1)*28+x+j%3-1]) / 255
			}
			sum += max(0, v)
		}
	}
	return sum / (26 * 26)
}

// standardise scales the first k columns of f to zero mean, unit variance.
func standardise(f [][]float64, k int) {
	for c := range k {
		var m, v float64
		for _, r := range f {
			m += r[c]
		}
		m /= float64(len(f))
		for _, r := range f {
			v += (r[c] - m) * (r[c] - m)
		}
		sd := math.Sqrt(v/float64(len(f))) + 1e-9
		for _, r := range f {
			r[c] = (r[c] - m) / sd
		}
	}
}

// softmax returns the class probabilities of feature row x under w.
func softmax(w, x []float64) []float64 {
	d := len(x)
	p := make([]float64, 10)
	mx := math.Inf(-1)
	for k := range p {
		for j, v := range x {
			p[k] += w[k*d+j] * v
		}
		mx = max(mx, p[k])
	}
	var z float64
	for k := range p {
		p[k] = math.Exp(p[k] - mx)
		z += p[k]
	}
	for k := range p {
		p[k] /= z
	}
	return p
}

// sgdStep does one step of softmax regression on rows lo..lo+n-1.
func sgdStep(w []float64, f [][]float64, y []uint8, lo, n int, lr float64) {
	d := len(f[0])
	g := make([]float64, len(w))
	for i := lo; i < lo+n; i++ {
		p := softmax(w, f[i])
		p[y[i]]--
		for k := range p {
			for j, v := range f[i] {
				g[k*d+j] += p[k] * v / float64(n)
			}
		}
	}
	for i := range w {
		w[i] -= lr * g[i]
	}
}

// evalSoftmax returns the mean cross-entropy and accuracy on f, y.
func evalSoftmax(w []float64, f [][]float64, y []uint8) (loss, acc float64) {
	for i := range f {
		p := softmax(w, f[i])
		loss -= math.Log(p[y[i]])
		best := 0
		for k := range p {
			if p[k] > p[best] {
				best = k
			}
		}
		if best == int(y[i]) {
			acc++
		}
	}
	return loss / float64(len(f)), acc / float64(len(f))
}
