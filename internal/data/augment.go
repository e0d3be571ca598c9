package data

import (
	"fmt"
	"math/bits"
	"math/rand/v2"
)

// Augment describes the random transformations of training images, applied
// after normalisation (so padding is with zeros of the normalised input:
// the mean pixel under "pixel" normalisation, black under "none").
type Augment struct {
	PadCrop int  // pad every side with PadCrop zeros, then crop a random HxW window; 0 = off (the paper: 4)
	FlipH   bool // mirror left-right with probability 1/2
}

// on reports whether a does anything.
func (a Augment) on() bool { return a.PadCrop > 0 || a.FlipH }

// check panics on a negative PadCrop.
func (a Augment) check() {
	if a.PadCrop < 0 {
		panic(fmt.Sprintf("data: Augment.PadCrop = %d, want >= 0", a.PadCrop))
	}
}

// shift is the augmentation drawn for one sample: the image moves by
// (dy, dx) pixels, each in [-PadCrop, PadCrop], then is mirrored if flip.
type shift struct {
	dy, dx int
	flip   bool
}

// draw returns the augmentation of one sample from p.
func (a Augment) draw(p *rand.PCG) shift {
	var s shift
	if a.PadCrop > 0 {
		span := uint64(2*a.PadCrop + 1)
		s.dy = int(bounded(p, span)) - a.PadCrop
		s.dx = int(bounded(p, span)) - a.PadCrop
	}
	s.flip = a.FlipH && p.Uint64()>>63 == 1
	return s
}

// bounded returns a uniform integer in [0, n) drawn from p (Lemire's
// multiply-shift with rejection; written out so the stream does not
// depend on math/rand's choice of algorithm).
func bounded(p *rand.PCG, n uint64) uint64 {
	hi, lo := bits.Mul64(p.Uint64(), n)
	if lo < n {
		t := -n % n
		for lo < t {
			hi, lo = bits.Mul64(p.Uint64(), n)
		}
	}
	return hi
}

// shuffle sets perm to a uniform random permutation of 0..len(perm)-1
// drawn from p (Fisher-Yates).
func shuffle(perm []int32, p *rand.PCG) {
	for i := range perm {
		perm[i] = int32(i)
	}
	for i := len(perm) - 1; i > 0; i-- {
		j := bounded(p, uint64(i+1))
		perm[i], perm[j] = perm[j], perm[i]
	}
}

// cropFlip writes into dst the C x H x W image src moved by s: equal to
// padding src with max(|dy|,|dx|) zeros on every side, cropping the HxW
// window whose top-left corner is at (pad+dy, pad+dx), and mirroring it
// left-right if s.flip:
//
//	dst[c][y][x] = src[c][y+dy][x'+dx], x' = W-1-x if flip else x,
//	               0 where y+dy or x'+dx falls outside the image.
func cropFlip(dst, src []float32, c, h, w int, s shift) {
	for ch := range c {
		for y := range h {
			row := dst[(ch*h+y)*w : (ch*h+y+1)*w]
			sy := y + s.dy
			if sy < 0 || sy >= h {
				clear(row)
				continue
			}
			copyRow(row, src[(ch*h+sy)*w:(ch*h+sy+1)*w], s.dx, s.flip)
		}
	}
}

// copyRow sets row[x] = srow[x'+dx] (x' as in cropFlip), 0 outside srow.
func copyRow(row, srow []float32, dx int, flip bool) {
	w := len(row)
	x0, x1 := max(0, -dx), min(w, w-dx) // crop columns with a source pixel
	if x0 >= x1 {
		clear(row)
		return
	}
	if !flip {
		clear(row[:x0])
		copy(row[x0:x1], srow[x0+dx:x1+dx])
		clear(row[x1:])
		return
	}
	clear(row[:w-x1])
	for x := w - x1; x < w-x0; x++ {
		row[x] = srow[w-1-x+dx]
	}
	clear(row[w-x0:])
}
