package kernels

import (
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"regexp"
	"strings"
	"testing"
)

// canary marks the floats around a kernel's output: a store past n (or
// before 0) overwrites one.
var canary = math.Float32frombits(0x7fc0dead)

// guardedOut returns a slice of n floats at an odd offset 1 + 2*off (so that
// loads and stores are misaligned) in a buffer of canaries, and a check
// that the canaries around it are intact.
func guardedOut(t *testing.T, n, off int) ([]float32, func(name string)) {
	buf := make([]float32, n+2*off+1+32)
	for i := range buf {
		buf[i] = canary
	}
	lo := 1 + 2*off
	return buf[lo : lo+n], func(name string) {
		t.Helper()
		for i, v := range buf {
			if (i < lo || i >= lo+n) && math.Float32bits(v) != math.Float32bits(canary) {
				t.Fatalf("%s n=%d off=%d: wrote buf[%d] outside [%d, %d)", name, n, off, i, lo, lo+n)
			}
		}
	}
}

// atOdd returns a copy of x at an odd offset 1 + 2*off of a larger buffer.
func atOdd(x []float32, off int) []float32 {
	buf := make([]float32, len(x)+2*off+1)
	copy(buf[1+2*off:], x)
	return buf[1+2*off:]
}

// TestElemAVX512MatchesGo checks each AVX-512 kernel against its Go
// reference bit for bit, called directly (whatever kernel is active), for
// every length 0..67 (all tails) at odd offsets, with special values in
// the inputs and canaries around the output (a masked tail that stores past
// n fails). The masked float64 sums are checked on their bulk (length a
// multiple of 16) against the Go reference and the AVX2 kernel.
func TestElemAVX512MatchesGo(t *testing.T) {
	if !hasAVX512 {
		t.Skip("no AVX-512 on this machine")
	}
	r := rand.New(rand.NewPCG(15, 16))
	const mu, s, tt, a, b, c = 0.3, 1.7, -0.2, 0.9, -0.4, 0.05
	for n := 0; n <= 67; n++ {
		for off := range 3 {
			x, y, d := atOdd(elemInput(r, n), off), atOdd(elemInput(r, n+1), off+1)[:n], atOdd(elemInput(r, n), 0)
			want := make([]float32, n)
			got, check := guardedOut(t, n, off)
			run := func(name string, asm func(), ref func()) {
				t.Helper()
				if n == 0 {
					return // the kernels take n > 0; wide(0) is false
				}
				asm()
				ref()
				check(name)
				sameBits(t, name, got, want)
			}
			for _, relu := range []bool{false, true} {
				run("addAVX512", func() { addAVX512(&got[0], &x[0], &y[0], n, relu) },
					func() { addGo(want, x, y, relu) })
				run("scaleShiftAVX512", func() { scaleShiftAVX512(&got[0], &x[0], n, mu, s, tt, relu) },
					func() { scaleShiftGo(want, x, mu, s, tt, relu) })
				run("scaleShiftAddAVX512", func() { scaleShiftAddAVX512(&got[0], &x[0], &y[0], n, mu, s, tt, relu) },
					func() { scaleShiftAddGo(want, x, y, mu, s, tt, relu) })
			}
			run("addReLUBackwardAVX512", func() { addReLUBackwardAVX512(&got[0], &x[0], &y[0], &d[0], n) },
				func() { addReLUBackwardGo(want, x, y, d) })
			run("bnBackwardAVX512", func() { bnBackwardAVX512(&got[0], &d[0], &x[0], n, mu, a, b, c) },
				func() { bnBackwardGo(want, d, x, mu, a, b, c) })
			run("bnBackwardReLUAVX512", func() { bnBackwardReLUAVX512(&got[0], &d[0], &y[0], &x[0], n, mu, a, b, c) },
				func() { bnBackwardReLUGo(want, d, y, x, mu, a, b, c) })
			// (0, 1, 0) puts x's ±0 on the edge of the recomputed mask.
			for _, f := range [][3]float32{{mu, s, tt}, {0, 1, 0}, {-5, 1, 0}} {
				run("bnBackwardReLUOfAVX512", func() { bnBackwardReLUOfAVX512(&got[0], &d[0], &x[0], n, f[0], f[1], f[2], a, b, c) },
					func() { bnBackwardReLUOfGo(want, d, x, f[0], f[1], f[2], a, b, c) })
			}
			checkSumsAVX512(t, r, n&^15, off)
		}
	}
}

// checkSumsAVX512 compares the AVX-512 kernels of the masked float64 sums
// (DotDev64ReLU, DotDev64ReLUOf) with their Go references and their AVX2
// kernels on n (a multiple of 16) finite floats at an odd offset, the
// mask's y with special values.
func checkSumsAVX512(t *testing.T, r *rand.Rand, n, off int) {
	t.Helper()
	if n == 0 {
		return
	}
	x, d, y := atOdd(elemInput(r, n), off), atOdd(elemInput(r, n), off), atOdd(elemInput(r, n), off)
	for i := range x { // finite: NaN payloads may differ
		x[i], d[i] = float32(r.NormFloat64()), float32(r.NormFloat64())
		if i%5 == 0 {
			x[i] = float32(math.Copysign(0, float64(i%2)-0.5))
		}
	}
	pair := func(name string, gs, gx, ws, wx float64) {
		t.Helper()
		same64(t, name+" sum", gs, ws)
		same64(t, name+" dot", gx, wx)
	}
	gs, gx := dotDev64ReLUAVX512(&d[0], &y[0], &x[0], n, 0.25)
	ws, wx := dotDev64ReLUGo(d, y, x, 0.25)
	pair("dotDev64ReLUAVX512", gs, gx, ws, wx)
	ws, wx = dotDev64ReLUAVX2(&d[0], &y[0], &x[0], n, 0.25)
	pair("dotDev64ReLUAVX512 as AVX2", gs, gx, ws, wx)
	for _, f := range [][3]float32{{0.3, 1.7, -0.2}, {0, 1, 0}} {
		gs, gx = dotDev64ReLUOfAVX512(&d[0], &x[0], n, 0.25, f[0], f[1], f[2])
		ws, wx = dotDev64ReLUOfGo(d, x, 0.25, f[0], f[1], f[2])
		pair("dotDev64ReLUOfAVX512", gs, gx, ws, wx)
		ws, wx = dotDev64ReLUOfAVX2(&d[0], &x[0], n, 0.25, f[0], f[1], f[2])
		pair("dotDev64ReLUOfAVX512 as AVX2", gs, gx, ws, wx)
	}
}

// TestElemAVX512Chosen checks that the elementwise kernels take the
// AVX-512 path exactly when Sgemm's kernel is avx512 (RESEXP_KERNEL=avx2
// keeps the AVX2 ones).
func TestElemAVX512Chosen(t *testing.T) {
	if got, want := elemAVX512(), Kernel() == "avx512"; got != want {
		t.Fatalf("elemAVX512() = %v with kernel %s, want %v", got, Kernel(), want)
	}
}

// TestElemAVX2NoAVX512 checks that the AVX2 elementwise and activation
// kernels (elem_amd64.s, act_amd64.s) use no AVX-512 register (Z0-Z31,
// K1-K7) and no EVEX-only instruction or operand, and that every function
// of elem_avx512_amd64.s does (it fails on that file's text, so the
// pattern sees AVX-512 where it is).
func TestElemAVX2NoAVX512(t *testing.T) {
	evex := regexp.MustCompile(`\bZ\d+\b|\bK[1-7]\b|\bX(1[6-9]|2\d|3[01])\b|\bY(1[6-9]|2\d|3[01])\b|KMOVW|\.Z\b|VPXOR[DQ]|VEXTRACTF64X4`)
	texts := func(file string) []string {
		src, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		return strings.Split(string(src), "\nTEXT ")[1:]
	}
	for _, file := range []string{"elem_amd64.s", "act_amd64.s"} {
		for _, f := range texts(file) {
			if got := evex.FindString(f); got != "" {
				t.Errorf("%s: %s: AVX-512 use %q", file, strings.SplitN(f, "(", 2)[0], got)
			}
		}
	}
	fs := texts("elem_avx512_amd64.s")
	for _, f := range fs {
		if evex.FindString(f) == "" {
			t.Errorf("elem_avx512_amd64.s: %s: no AVX-512 use found", strings.SplitN(f, "(", 2)[0])
		}
	}
	if len(fs) != 9 {
		t.Errorf("elem_avx512_amd64.s has %d functions, want 9", len(fs))
	}
}

// BenchmarkElemISA times each elementwise kernel that has an AVX-512
// version beside its AVX2 one, called directly, on the plane sizes of the
// CIFAR ResNets (32², 16², 8² floats, warm in L1): sub-benchmarks
// kernel/n/isa, so one run gives both sides under the same load.
func BenchmarkElemISA(b *testing.B) {
	if !hasAVX512 {
		b.Skip("no AVX-512 on this machine")
	}
	r := rand.New(rand.NewPCG(1, 2))
	for _, n := range []int{1024, 256, 64} {
		x, y, d, dst := elemInput(r, n), elemInput(r, n), elemInput(r, n), make([]float32, n)
		for i := range x { // finite sums
			x[i], d[i] = float32(r.NormFloat64()), float32(r.NormFloat64())
		}
		type pair struct {
			name         string
			avx2, avx512 func()
		}
		var sink float64
		kernels := []pair{
			{"scaleShift", func() { scaleShiftAVX2(&dst[0], &x[0], n, 0.3, 1.7, -0.2, true) },
				func() { scaleShiftAVX512(&dst[0], &x[0], n, 0.3, 1.7, -0.2, true) }},
			{"scaleShiftNoReLU", func() { scaleShiftAVX2(&dst[0], &x[0], n, 0.3, 1.7, -0.2, false) },
				func() { scaleShiftAVX512(&dst[0], &x[0], n, 0.3, 1.7, -0.2, false) }},
			{"scaleShiftAdd", func() { scaleShiftAddAVX2(&dst[0], &x[0], &y[0], n, 0.3, 1.7, -0.2, true) },
				func() { scaleShiftAddAVX512(&dst[0], &x[0], &y[0], n, 0.3, 1.7, -0.2, true) }},
			{"add", func() { addAVX2(&dst[0], &x[0], &y[0], n, false) },
				func() { addAVX512(&dst[0], &x[0], &y[0], n, false) }},
			{"addReLUBackward", func() { addReLUBackwardAVX2(&dst[0], &x[0], &y[0], &d[0], n) },
				func() { addReLUBackwardAVX512(&dst[0], &x[0], &y[0], &d[0], n) }},
			{"bnBackward", func() { bnBackwardAVX2(&dst[0], &d[0], &x[0], n, 0.3, 0.9, -0.4, 0.05) },
				func() { bnBackwardAVX512(&dst[0], &d[0], &x[0], n, 0.3, 0.9, -0.4, 0.05) }},
			{"bnBackwardReLU", func() { bnBackwardReLUAVX2(&dst[0], &d[0], &y[0], &x[0], n, 0.3, 0.9, -0.4, 0.05) },
				func() { bnBackwardReLUAVX512(&dst[0], &d[0], &y[0], &x[0], n, 0.3, 0.9, -0.4, 0.05) }},
			{"bnBackwardReLUOf", func() { bnBackwardReLUOfAVX2(&dst[0], &d[0], &x[0], n, 0.3, 1.7, -0.2, 0.9, -0.4, 0.05) },
				func() { bnBackwardReLUOfAVX512(&dst[0], &d[0], &x[0], n, 0.3, 1.7, -0.2, 0.9, -0.4, 0.05) }},
			{"dotDev64ReLU", func() { s, _ := dotDev64ReLUAVX2(&d[0], &y[0], &x[0], n, 0.25); sink += s },
				func() { s, _ := dotDev64ReLUAVX512(&d[0], &y[0], &x[0], n, 0.25); sink += s }},
			{"dotDev64ReLUOf", func() { s, _ := dotDev64ReLUOfAVX2(&d[0], &x[0], n, 0.25, 0.3, 1.7, -0.2); sink += s },
				func() { s, _ := dotDev64ReLUOfAVX512(&d[0], &x[0], n, 0.25, 0.3, 1.7, -0.2); sink += s }},
		}
		for _, k := range kernels {
			for _, isa := range []struct {
				name string
				fn   func()
			}{{"avx2", k.avx2}, {"avx512", k.avx512}} {
				b.Run(fmt.Sprintf("%s/n=%d/%s", k.name, n, isa.name), func(b *testing.B) {
					for b.Loop() {
						isa.fn()
					}
					b.SetBytes(int64(4 * n))
				})
			}
		}
		_ = sink
	}
}
