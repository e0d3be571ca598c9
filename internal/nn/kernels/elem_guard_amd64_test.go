//go:build linux

package kernels

import (
	"math"
	"math/rand/v2"
	"runtime/debug"
	"testing"
)

// TestElemAVX512TailReadsNoFurther runs each AVX-512 kernel with every
// operand ending at an inaccessible page (guarded), for every tail length
// (n = 1..67), and checks it does not fault (a panic with
// SetPanicOnFault) and still equals its Go reference: the
// masked tail neither reads nor writes past n.
func TestElemAVX512TailReadsNoFurther(t *testing.T) {
	if !hasAVX512 {
		t.Skip("no AVX-512 on this machine")
	}
	defer debug.SetPanicOnFault(debug.SetPanicOnFault(true))
	r := rand.New(rand.NewPCG(5, 6))
	for n := 1; n <= 67; n++ {
		func() {
			defer func() {
				if e := recover(); e != nil {
					t.Fatalf("n=%d: a kernel touched memory past n: %v", n, e)
				}
			}()
			var s [4][]float32 // dst, x, y, d
			for i := range s {
				var free func()
				s[i], free = guarded(t, n, true)
				defer free()
				for j := range s[i] {
					s[i][j] = float32(r.NormFloat64())
				}
			}
			dst, x, y, d := s[0], s[1], s[2], s[3]
			want := make([]float32, n)
			for _, f := range [][3]float32{{0.3, 1.7, -0.2}, {-5, 1, 0}} {
				bnBackwardReLUOfAVX512(&dst[0], &d[0], &x[0], n, f[0], f[1], f[2], 0.9, -0.4, 0.05)
				bnBackwardReLUOfGo(want, d, x, f[0], f[1], f[2], 0.9, -0.4, 0.05)
				sameBits(t, "bnBackwardReLUOfAVX512", dst, want)
			}
			bnBackwardReLUAVX512(&dst[0], &d[0], &y[0], &x[0], n, 0.3, 0.9, -0.4, 0.05)
			bnBackwardReLUGo(want, d, y, x, 0.3, 0.9, -0.4, 0.05)
			sameBits(t, "bnBackwardReLUAVX512", dst, want)
			bnBackwardAVX512(&dst[0], &d[0], &x[0], n, 0.3, 0.9, -0.4, 0.05)
			bnBackwardGo(want, d, x, 0.3, 0.9, -0.4, 0.05)
			sameBits(t, "bnBackwardAVX512", dst, want)
			addReLUBackwardAVX512(&dst[0], &x[0], &y[0], &d[0], n)
			addReLUBackwardGo(want, x, y, d)
			sameBits(t, "addReLUBackwardAVX512", dst, want)
			for _, relu := range []bool{false, true} {
				scaleShiftAddAVX512(&dst[0], &x[0], &y[0], n, 0.3, 1.7, -0.2, relu)
				scaleShiftAddGo(want, x, y, 0.3, 1.7, -0.2, relu)
				sameBits(t, "scaleShiftAddAVX512", dst, want)
				scaleShiftAVX512(&dst[0], &x[0], n, 0.3, 1.7, -0.2, relu)
				scaleShiftGo(want, x, 0.3, 1.7, -0.2, relu)
				sameBits(t, "scaleShiftAVX512", dst, want)
				addAVX512(&dst[0], &x[0], &y[0], n, relu)
				addGo(want, x, y, relu)
				sameBits(t, "addAVX512", dst, want)
			}
		}()
	}
}

// TestElemAVX512NaNPayloads checks the AVX-512 kernels that add two
// inputs against the AVX2 kernels with NaNs of distinct payloads in both:
// x86 returns the first operand's NaN, so the operand order must be the
// AVX2 kernels'. (The Go reference of AddReLUBackward returns the other
// NaN: the compiler orders that addition its own way.) n = 40 puts 8
// elements in the masked tail.
func TestElemAVX512NaNPayloads(t *testing.T) {
	if !hasAVX512 {
		t.Skip("no AVX-512 on this machine")
	}
	const n = 40
	r := rand.New(rand.NewPCG(7, 8))
	nan := func() float32 { return math.Float32frombits(0x7fc00000 | uint32(r.IntN(1<<22))) }
	a, g, y := make([]float32, n), make([]float32, n), make([]float32, n)
	for i := range a {
		a[i], g[i], y[i] = nan(), nan(), 1
	}
	got, want := make([]float32, n), make([]float32, n)
	for _, relu := range []bool{false, true} {
		addAVX512(&got[0], &a[0], &g[0], n, relu)
		addAVX2(&want[0], &a[0], &g[0], n, relu)
		sameBits(t, "addAVX512", got, want)
		scaleShiftAddAVX512(&got[0], &a[0], &g[0], n, 0, 1, 0, relu)
		scaleShiftAddAVX2(&want[0], &a[0], &g[0], n, 0, 1, 0, relu)
		sameBits(t, "scaleShiftAddAVX512", got, want)
	}
	addReLUBackwardAVX512(&got[0], &a[0], &y[0], &g[0], n)
	addReLUBackwardAVX2(&want[0], &a[0], &y[0], &g[0], n)
	sameBits(t, "addReLUBackwardAVX512", got, want)
}
