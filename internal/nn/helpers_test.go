package nn

import (
	"math"
	"math/rand/v2"
)

// newRand returns a deterministic generator; tests seed it with fixed values
// so that every failure reproduces.
func newRand(seed uint64) *rand.Rand { return rand.New(rand.NewPCG(seed, 0x5eed)) }

// randTensor returns an [n, c, h, w] tensor of standard normal values.
func randTensor(rng *rand.Rand, n, c, h, w int) *Tensor {
	t := NewTensor(n, c, h, w)
	for i := range t.Data {
		t.Data[i] = float32(rng.NormFloat64())
	}
	return t
}

// randomize fills the parameters of l: weights (two or more dimensions)
// with N(0, 2/FanIn) as He init does, vectors (BN scales and shifts, biases)
// with U(0.5, 1.5) so that no BatchNorm scale is near zero.
func randomize(l Layer, rng *rand.Rand) {
	for _, p := range l.Params() {
		std := math.Sqrt(2 / float64(p.FanIn()))
		for i := range p.Data {
			if len(p.Shape) > 1 {
				p.Data[i] = float32(rng.NormFloat64() * std)
			} else {
				p.Data[i] = float32(0.5 + rng.Float64())
			}
		}
	}
}

// maxAbsDiff returns max |a[i]-b[i]| and max(|a[i]|, |b[i]|) over i.
func maxAbsDiff(a, b []float32) (diff, scale float64) {
	for i := range a {
		x, y := float64(a[i]), float64(b[i])
		diff = max(diff, math.Abs(x-y))
		scale = max(scale, math.Abs(x), math.Abs(y))
	}
	return diff, scale
}
