package data

import (
	"fmt"
	"math"
)

// Normalizer turns image bytes into network inputs. Every mode first
// scales bytes to [0, 1] (v = b/255), then:
//
//	"none"     x = v
//	"channel"  x = (v - Mean[c]) / Std[c]   Mean, Std: per channel, len C
//	"pixel"    x = v - Mean[c,h,w]          Mean: per pixel, len C*H*W, CHW
//	                                        order; Std is nil (the paper's
//	                                        CIFAR choice: per-pixel mean
//	                                        subtraction)
//
// Mean and Std are computed from the set given to NewNormalizer (the
// training set) and are in [0, 1] units.
type Normalizer struct {
	Mode      string
	Mean, Std []float32

	scale []float32 // per channel: x = b*scale[c] + off[i]; nil for "none"
	off   []float32 // per value of an image, CHW order
}

// NormModes lists the normalisation modes NewNormalizer accepts.
func NormModes() []string { return []string{"none", "channel", "pixel"} }

// noneNorm is the Normalizer used when nil is passed.
var noneNorm = &Normalizer{Mode: "none"}

// NewNormalizer returns the normalizer of mode ("none", "channel" or
// "pixel") with statistics from train (unused, and may be nil, for "none").
// It returns an error for an unknown mode or an empty train set.
func NewNormalizer(mode string, train *Set) (*Normalizer, error) {
	if mode == "none" {
		return &Normalizer{Mode: mode}, nil
	}
	if mode != "channel" && mode != "pixel" {
		return nil, fmt.Errorf("unknown normalisation %q: want one of %v", mode, NormModes())
	}
	if train == nil || train.Len() == 0 {
		return nil, fmt.Errorf("normalisation %q needs a non-empty training set", mode)
	}
	if mode == "channel" {
		return channelNormalizer(train), nil
	}
	return pixelNormalizer(train), nil
}

// channelNormalizer computes per-channel mean and standard deviation.
func channelNormalizer(s *Set) *Normalizer {
	n := &Normalizer{Mode: "channel", Mean: make([]float32, s.C), Std: make([]float32, s.C),
		scale: make([]float32, s.C), off: make([]float32, s.ImageSize())}
	hw := s.H * s.W
	for c := range s.C {
		mean, std := channelStats(s, c)
		if std == 0 {
			std = 1 // a constant channel: avoid dividing by zero
		}
		n.Mean[c], n.Std[c] = float32(mean), float32(std)
		n.scale[c] = float32(1 / (255 * std))
		fill(n.off[c*hw:(c+1)*hw], float32(-mean/std))
	}
	return n
}

// channelStats returns the mean and population standard deviation of
// channel c over all images of s, in [0, 1] units.
func channelStats(s *Set, c int) (mean, std float64) {
	var hist [256]int64
	hw := s.H * s.W
	for i := range s.Len() {
		for _, b := range s.Image(i)[c*hw : (c+1)*hw] {
			hist[b]++
		}
	}
	var n, sum, sumSq float64
	for b, k := range hist {
		v := float64(b) / 255
		n += float64(k)
		sum += float64(k) * v
		sumSq += float64(k) * v * v
	}
	mean = sum / n
	return mean, math.Sqrt(max(0, sumSq/n-mean*mean))
}

// pixelNormalizer computes the mean of every pixel of every channel.
func pixelNormalizer(s *Set) *Normalizer {
	sz := s.ImageSize()
	sums := make([]uint64, sz)
	for i := range s.Len() {
		for j, b := range s.Image(i) {
			sums[j] += uint64(b)
		}
	}
	n := &Normalizer{Mode: "pixel", Mean: make([]float32, sz), scale: make([]float32, s.C), off: make([]float32, sz)}
	for j, t := range sums {
		n.Mean[j] = float32(float64(t) / (255 * float64(s.Len())))
		n.off[j] = -n.Mean[j]
	}
	fill(n.scale, 1.0/255)
	return n
}

// fill sets every element of x to v.
func fill(x []float32, v float32) {
	for i := range x {
		x[i] = v
	}
}

// orNone returns n, or the "none" normalizer when n is nil; it panics when
// n's statistics were computed for images of another size than s's.
func (n *Normalizer) orNone(s *Set) *Normalizer {
	if n == nil {
		return noneNorm
	}
	if n.scale != nil && (len(n.off) != s.ImageSize() || len(n.scale) != s.C) {
		panic(fmt.Sprintf("data: normalizer for images of %d values (%d channels) used on %s images of %dx%dx%d",
			len(n.off), len(n.scale), s.Name, s.C, s.H, s.W))
	}
	return n
}

// apply writes the normalised values of image src (CHW) into dst.
func (n *Normalizer) apply(dst []float32, src []uint8) {
	if n.scale == nil {
		for i, b := range src {
			dst[i] = float32(b) * (1.0 / 255)
		}
		return
	}
	hw := len(src) / len(n.scale)
	for c, sc := range n.scale {
		s, o, d := src[c*hw:(c+1)*hw], n.off[c*hw:(c+1)*hw], dst[c*hw:(c+1)*hw]
		for i, b := range s {
			d[i] = float32(b)*sc + o[i]
		}
	}
}
