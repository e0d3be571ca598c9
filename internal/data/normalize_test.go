package data

import (
	"math"
	"testing"
)

// TestNormalizer checks the statistics and the mapping of each mode on a
// hand-made set of two 2-channel 1x2 images.
func TestNormalizer(t *testing.T) {
	s := &Set{Name: "tiny", C: 2, H: 1, W: 2, Classes: 1,
		Images: []uint8{0, 255, 51, 51, 255, 255, 102, 102}, Labels: []uint8{0, 0}}
	// channel 0 values 0, 255, 255, 255 -> mean 0.75, std sqrt(0.1875)
	// channel 1 values 0.2, 0.2, 0.4, 0.4 -> mean 0.3, std 0.1
	cases := []struct {
		mode      string
		mean, std []float32
		x0        []float32 // image 0 normalised
	}{
		{"none", nil, nil, []float32{0, 1, 0.2, 0.2}},
		{"channel", []float32{0.75, 0.3}, []float32{float32(math.Sqrt(0.1875)), 0.1},
			[]float32{float32(-0.75 / math.Sqrt(0.1875)), float32(0.25 / math.Sqrt(0.1875)), -1, -1}},
		{"pixel", []float32{0.5, 1, 0.3, 0.3}, nil, []float32{-0.5, 0, -0.1, -0.1}},
	}
	for _, c := range cases {
		n, err := NewNormalizer(c.mode, s)
		if err != nil {
			t.Fatal(err)
		}
		if !close32(n.Mean, c.mean) || !close32(n.Std, c.std) {
			t.Errorf("%s: mean %v std %v, want %v %v", c.mode, n.Mean, n.Std, c.mean, c.std)
		}
		x, y := make([]float32, 4), make([]uint8, 1)
		s.Fill(x, y, 0, 1, n)
		if !close32(x, c.x0) {
			t.Errorf("%s: image 0 -> %v, want %v", c.mode, x, c.x0)
		}
	}
}

// close32 reports whether a and b have equal lengths and elements within 1e-6.
func close32(a, b []float32) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if math.Abs(float64(a[i]-b[i])) > 1e-6 {
			return false
		}
	}
	return true
}

// TestNormalizerErrors checks the refusals.
func TestNormalizerErrors(t *testing.T) {
	_, err := NewNormalizer("zca", Synthetic(10, 1))
	wantErr(t, err, `unknown normalisation "zca": want one of [none channel pixel]`)
	_, err = NewNormalizer("pixel", nil)
	wantErr(t, err, "needs a non-empty training set")
	if _, err := NewNormalizer("none", nil); err != nil {
		t.Error(err)
	}
}

// TestFill checks Fill's labels, order and panics.
func TestFill(t *testing.T) {
	s := indexSet(50)
	x, y := make([]float32, 10*2), make([]uint8, 10)
	s.Fill(x, y, 20, 30, nil)
	for k, i := range indices(x) {
		if i != 20+k || y[k] != byte(i%10) {
			t.Fatalf("Fill slot %d: image %d label %d", k, i, y[k])
		}
	}
	mustPanic(t, "data: Fill(len(x)=20, len(y)=10, 45, 55) on a set of 50 images", func() { s.Fill(make([]float32, 20), make([]uint8, 10), 45, 55, nil) })
	mustPanic(t, "data: Fill(len(x)=19, len(y)=10, 0, 10)", func() { s.Fill(make([]float32, 19), make([]uint8, 10), 0, 10, nil) })
}

// TestCIFAR10Stats checks the channel statistics of the real CIFAR-10
// training set against the commonly quoted values (mean 0.4914, 0.4822,
// 0.4465; population std 0.2470, 0.2435, 0.2616) and that the pixel mean
// averages to the channel mean.
func TestCIFAR10Stats(t *testing.T) {
	train, _, err := Load("cifar10", cifarDir(t))
	if err != nil {
		t.Fatal(err)
	}
	ch, _ := NewNormalizer("channel", train)
	wantMean, wantStd := []float64{0.4914, 0.4822, 0.4465}, []float64{0.2470, 0.2435, 0.2616}
	px, _ := NewNormalizer("pixel", train)
	for c := range 3 {
		if math.Abs(float64(ch.Mean[c])-wantMean[c]) > 1e-3 || math.Abs(float64(ch.Std[c])-wantStd[c]) > 1e-3 {
			t.Errorf("channel %d: mean %.4f std %.4f, want %.4f %.4f", c, ch.Mean[c], ch.Std[c], wantMean[c], wantStd[c])
		}
		var sum float64
		for _, m := range px.Mean[c*1024 : (c+1)*1024] {
			sum += float64(m)
		}
		if math.Abs(sum/1024-float64(ch.Mean[c])) > 1e-5 {
			t.Errorf("channel %d: pixel means average %.6f, channel mean %.6f", c, sum/1024, ch.Mean[c])
		}
	}
}

// TestSlice checks that Slice shares memory and keeps images with labels,
// e.g. for the paper's 45k/5k split.
func TestSlice(t *testing.T) {
	s := indexSet(50)
	head, tail := s.Slice(0, 45), s.Slice(45, 50)
	if head.Len() != 45 || tail.Len() != 5 || tail.Labels[0] != 5 || tail.Image(0)[1] != 45 {
		t.Errorf("Slice: %d + %d images, tail label %d, tail image byte %d", head.Len(), tail.Len(), tail.Labels[0], tail.Image(0)[1])
	}
	mustPanic(t, "data: Slice(40, 51) out of range [0, 50]", func() { s.Slice(40, 51) })
	if len(Names()) != 5 || ClassNames("cifar10")[8] != "ship" || ClassNames("nope") != nil {
		t.Error("Names/ClassNames")
	}
}
