package data

import (
	"math"
	"math/rand/v2"
)

// Sizes of the synthetic splits returned by Load("synthetic", "").
const (
	SyntheticTrain = 2048
	SyntheticTest  = 512
)

// Synthetic returns n deterministic 1x28x28 images of 10 classes: image i
// has label i%10 and shows a sine grating whose orientation (0, 36, 72,
// 108 or 144 degrees: label%5) and period (3.5 or 7 px: label/5) tell the
// class, with a random phase, a random contrast in [0.5, 1] and uniform
// noise of +-0.15 drawn from a PCG generator seeded by (seed, i). The
// classes differ in texture, not position or mean brightness, so a conv
// net with global average pooling learns them within a few hundred steps
// without the task being a lookup. Same (n, seed), same bytes.
func Synthetic(n int, seed uint64) *Set {
	s := &Set{Name: "synthetic", C: 1, H: idxH, W: idxW, Classes: 10,
		Images: make([]uint8, n*idxH*idxW), Labels: make([]uint8, n)}
	var p rand.PCG
	for i := range n {
		p.Seed(seed, uint64(i))
		s.Labels[i] = uint8(i % 10)
		drawGrating(s.Image(i), idxH, idxW, i%10, &p)
	}
	return s
}

// drawGrating draws the grating of class k into img (h x w bytes).
func drawGrating(img []uint8, h, w, k int, p *rand.PCG) {
	theta := float64(k%5) * math.Pi / 5
	period := 3.5 * float64(1+k/5)
	fx, fy := 2*math.Pi*math.Cos(theta)/period, 2*math.Pi*math.Sin(theta)/period
	phase := 2 * math.Pi * unit(p)
	amp := 0.5 + 0.5*unit(p)
	for y := range h {
		for x := range w {
			v := 0.5 + 0.5*amp*math.Sin(fx*float64(x)+fy*float64(y)+phase) + 0.3*(unit(p)-0.5)
			img[y*w+x] = uint8(math.Round(255 * min(1, max(0, v))))
		}
	}
}

// unit returns a uniform float64 in [0, 1) from p's next output.
func unit(p *rand.PCG) float64 { return float64(p.Uint64()>>11) / (1 << 53) }

// synthetic is the built-in set of Synthetic's gratings: SyntheticTrain +
// SyntheticTest images of 1x28x28 in 10 classes, generated in memory.
var synthetic = &Dataset{Name: "synthetic", C: 1, H: idxH, W: idxW, Classes: 10, Normalize: "channel",
	classNames: []string{"g0", "g1", "g2", "g3", "g4", "g5", "g6", "g7", "g8", "g9"},
	load: func(*Dataset, string, LoadOptions) (*Set, *Set, error) {
		return Synthetic(SyntheticTrain, 1), Synthetic(SyntheticTest, 2), nil
	}}
