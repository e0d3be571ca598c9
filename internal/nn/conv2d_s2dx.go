package nn

import "github.com/resexp/resexp/internal/nn/kernels"

// The input gradient of a 3x3, padding-1, stride-2 convolution of an
// even-sized input (the downsampling layers of the nets), as one GEMM per
// phase of dx instead of Weightᵀ·dout and col2im.
//
// Output pixel (i', j') reads input pixel (2i'-1+ky, 2j'-1+kx) through tap
// (ky, kx), so the input pixels of phase (a, b), (2i+a, 2j+b), receive
// dout[o, i', j'] for i' = i (ky = 1 if a = 0, ky = 2 if a = 1) and i' = i+1
// (ky = 0, a = 1 only), and likewise in columns: phase (a, b) of dx is the
// sum over its 1, 2 or 4 taps of W_tapᵀ [C, OC] times dout shifted by (δy,
// δx) in {0, 1}² (zero past the last row or column). With S the four
// shifts of dout stacked as s01, s00, s10, s11 ([4·OC, P], P = OH·OW), each
// phase's shifts are consecutive rows of S, so the phase is one GEMM of its
// weights [C, taps·OC] (phaseWeights, in S's order) and those rows: 9·C·OC
// multiplications per output pixel, as Weightᵀ·dout, without col2im's
// scatter. A group of images shares the GEMMs (S's rows hold the group's
// images side by side).

// phaseShifts are the shifts (δy, δx) of dout in the order of S's blocks.
var phaseShifts = [4][2]int{{0, 1}, {0, 0}, {1, 0}, {1, 1}}

// phaseTap returns the kernel row (or column) that takes input phase a from
// output row i+δ (δ = 0 or 1), and whether there is one.
func phaseTap(a, delta int) (int, bool) {
	switch {
	case a == 0 && delta == 0:
		return 1, true
	case a == 1 && delta == 0:
		return 2, true
	case a == 1 && delta == 1:
		return 0, true
	}
	return 0, false
}

// phaseBlocks returns the blocks lo..hi of S that phase (a, b) reads.
func phaseBlocks(a, b int) (lo, hi int) {
	lo, hi = 4, 0
	for blk, d := range phaseShifts {
		_, okY := phaseTap(a, d[0])
		_, okX := phaseTap(b, d[1])
		if okY && okX {
			lo, hi = min(lo, blk), max(hi, blk+1)
		}
	}
	return lo, hi
}

// phaseDx reports whether Backward computes dx by phases: a 3x3,
// padding-1, stride-2 convolution of an even-sized input, unless
// RESEXP_CONV asks for the bits of older runs (kernels.OlderBits).
func (l *Conv2D) phaseDx() bool {
	return l.KH == 3 && l.KW == 3 && l.Pad == 1 && l.Stride == 2 && l.g.h%2 == 0 && l.g.w%2 == 0 && !kernels.OlderBits()
}

// preparePhases sets l.phw to the four phases' weights, (0, 0), (0, 1),
// (1, 0), (1, 1) one after the other, each [C, K] with K = (hi-lo)·OC for
// its blocks lo..hi of S: column (blk-lo)·OC+o holds Weight[o, c, ky, kx]
// of the phase's tap from shift blk, zero where it has none there.
func (l *Conv2D) preparePhases() {
	l.phw = growFloats(l.phw, 9*l.C*l.OC)
	clear(l.phw)
	off := 0
	for ph := range 4 {
		a, b := ph/2, ph%2
		lo, hi := phaseBlocks(a, b)
		k := (hi - lo) * l.OC
		for blk := lo; blk < hi; blk++ {
			ky, okY := phaseTap(a, phaseShifts[blk][0])
			kx, okX := phaseTap(b, phaseShifts[blk][1])
			if !okY || !okX {
				continue
			}
			for c := range l.C {
				row := l.phw[off+c*k+(blk-lo)*l.OC:][:l.OC]
				for o := range row {
					row[o] = l.Weight.Data[((o*l.C+c)*3+ky)*3+kx]
				}
			}
		}
		off += l.C * k
	}
}

// phaseGroup is the number of images whose dx one set of phase GEMMs
// computes: enough for 256 columns.
func (l *Conv2D) phaseGroup() int { return max(1, 256/(l.g.oh*l.g.ow)) }

// inputGradPhases sets dx of images lo..hi by phases (see phaseDx), a
// group of images at a time.
func (l *Conv2D) inputGradPhases(lo, hi int) {
	p, group := l.g.oh*l.g.ow, l.phaseGroup()
	buf := getScratch(4 * (l.OC + l.C) * group * p)
	for n0 := lo; n0 < hi; n0 += group {
		l.phaseGroupDx(n0, min(group, hi-n0), *buf)
	}
	putScratch(buf)
}

// phaseGroupDx sets dx of the imgs images from n0; buf holds 4·(OC+C)·imgs·P
// floats: S, then the phases' outputs.
func (l *Conv2D) phaseGroupDx(n0, imgs int, buf []float32) {
	oh, ow := l.g.oh, l.g.ow
	p, osz := oh*ow, l.OC*oh*ow
	ld := imgs * p // the row length of S and of the outputs
	s, out := buf[:4*l.OC*ld], buf[4*l.OC*ld:][:4*l.C*ld]
	for blk, d := range phaseShifts {
		for i := range imgs {
			dn := l.dout.Data[(n0+i)*osz:][:osz]
			for o := range l.OC {
				shiftPlane(s[(blk*l.OC+o)*ld+i*p:][:p], dn[o*p:][:p], oh, ow, d[0], d[1])
			}
		}
	}
	off := 0
	for ph := range 4 {
		lo, hi := phaseBlocks(ph/2, ph%2)
		k := (hi - lo) * l.OC
		gemm(false, false, l.C, ld, k, 1, l.phw[off:], k, s[lo*l.OC*ld:], ld, 0, out[ph*l.C*ld:], ld)
		off += l.C * k
	}
	xsz, w := l.x.Size(), l.g.w
	for i := range imgs {
		dxn := l.dx.Data[(n0+i)*xsz:][:xsz]
		for c := range l.C {
			ph := func(k int) []float32 { return out[(k*l.C+c)*ld+i*p:][:p] }
			p00, p01, p10, p11 := ph(0), ph(1), ph(2), ph(3)
			for y := range oh {
				row := dxn[(c*l.g.h+2*y)*w:][:2*w]
				interleave(row[:w], p00[y*ow:][:ow], p01[y*ow:][:ow])
				interleave(row[w:], p10[y*ow:][:ow], p11[y*ow:][:ow])
			}
		}
	}
}

// interleave sets dst[2x] = even[x] and dst[2x+1] = odd[x] for x <
// len(even) (len(odd) ≥ len(even), len(dst) ≥ 2·len(even)).
func interleave(dst, even, odd []float32) {
	odd, dst = odd[:len(even)], dst[:2*len(even)]
	for x, v := range even {
		dst[2*x], dst[2*x+1] = v, odd[x]
	}
}

// shiftPlane sets dst [oh, ow] to src [oh, ow] shifted by dy rows and dx
// columns (0 or 1 each), dst[i, j] = src[i+dy, j+dx], zero where that lies
// past the last row or column: one copy of the plane, then the zeros.
func shiftPlane(dst, src []float32, oh, ow, dy, dx int) {
	p, off := oh*ow, dy*ow+dx
	dst, src = dst[:p], src[:p]
	copy(dst, src[off:])
	clear(dst[p-off:])
	if dx > 0 {
		for i := ow - 1; i < p; i += ow {
			dst[i] = 0
		}
	}
}

// growFloats returns s resliced to n floats, reallocated if short.
func growFloats(s []float32, n int) []float32 {
	if cap(s) < n {
		return make([]float32, n)
	}
	return s[:n]
}
