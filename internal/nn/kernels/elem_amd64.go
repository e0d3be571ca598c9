package kernels

import "golang.org/x/sys/cpu"

// hasAVX2 reports whether the elementwise assembly may run.
var hasAVX2 = cpu.X86.HasAVX2

// reluOfAsm: see ReLUOfFast.
var reluOfAsm = hasAVX2

// elemAVX512 reports whether the AVX-512 kernels (elem_avx512_amd64.s) run
// instead of the AVX2 ones: when Sgemm's kernel is avx512, so that
// RESEXP_KERNEL=avx2 runs no AVX-512 instruction here either. Both give
// the same bits.
func elemAVX512() bool { return activeKernel() == avx512Kernel }

// wide reports whether a bulk function runs the AVX-512 kernel on all n
// elements (tail included, under a k-register mask).
func wide(n int) bool { return n > 0 && elemAVX512() }

// The bulk functions run the assembly on the first len&^7 elements (len&^15
// for the sums, which the callers guarantee), or the AVX-512 kernel on all
// of them (the masked sums: len&^15 still), and return how many they did; the
// callers finish the tail with the Go reference.

func reluBulk(dst, x []float32) int {
	n := len(dst) &^ 7
	if !hasAVX2 || n == 0 {
		return 0
	}
	_ = x[n-1]
	reluAVX2(&dst[0], &x[0], n)
	return n
}

func reluBackwardBulk(dx, y, dout []float32) int {
	n := len(dx) &^ 7
	if !hasAVX2 || n == 0 {
		return 0
	}
	_, _ = y[n-1], dout[n-1]
	reluBackwardAVX2(&dx[0], &y[0], &dout[0], n)
	return n
}

func addBulk(dst, a, b []float32, relu bool) int {
	if wide(len(dst)) {
		_, _ = a[len(dst)-1], b[len(dst)-1]
		addAVX512(&dst[0], &a[0], &b[0], len(dst), relu)
		return len(dst)
	}
	n := len(dst) &^ 7
	if !hasAVX2 || n == 0 {
		return 0
	}
	_, _ = a[n-1], b[n-1]
	addAVX2(&dst[0], &a[0], &b[0], n, relu)
	return n
}

func scaleShiftBulk(dst, x []float32, mu, s, t float32, relu bool) int {
	if wide(len(dst)) {
		_ = x[len(dst)-1]
		scaleShiftAVX512(&dst[0], &x[0], len(dst), mu, s, t, relu)
		return len(dst)
	}
	n := len(dst) &^ 7
	if !hasAVX2 || n == 0 {
		return 0
	}
	_ = x[n-1]
	scaleShiftAVX2(&dst[0], &x[0], n, mu, s, t, relu)
	return n
}

func scaleShiftAddBulk(dst, x, a []float32, mu, s, t float32, relu bool) int {
	if wide(len(dst)) {
		_, _ = x[len(dst)-1], a[len(dst)-1]
		scaleShiftAddAVX512(&dst[0], &x[0], &a[0], len(dst), mu, s, t, relu)
		return len(dst)
	}
	n := len(dst) &^ 7
	if !hasAVX2 || n == 0 {
		return 0
	}
	_, _ = x[n-1], a[n-1]
	scaleShiftAddAVX2(&dst[0], &x[0], &a[0], n, mu, s, t, relu)
	return n
}

func addReLUBackwardBulk(dst, a, y, dout []float32) int {
	if wide(len(dst)) {
		_, _, _ = a[len(dst)-1], y[len(dst)-1], dout[len(dst)-1]
		addReLUBackwardAVX512(&dst[0], &a[0], &y[0], &dout[0], len(dst))
		return len(dst)
	}
	n := len(dst) &^ 7
	if !hasAVX2 || n == 0 {
		return 0
	}
	_, _, _ = a[n-1], y[n-1], dout[n-1]
	addReLUBackwardAVX2(&dst[0], &a[0], &y[0], &dout[0], n)
	return n
}

func bnBackwardBulk(dst, d, x []float32, mu, a, b, c float32) int {
	if wide(len(dst)) {
		_, _ = d[len(dst)-1], x[len(dst)-1]
		bnBackwardAVX512(&dst[0], &d[0], &x[0], len(dst), mu, a, b, c)
		return len(dst)
	}
	n := len(dst) &^ 7
	if !hasAVX2 || n == 0 {
		return 0
	}
	_, _ = d[n-1], x[n-1]
	bnBackwardAVX2(&dst[0], &d[0], &x[0], n, mu, a, b, c)
	return n
}

func bnBackwardReLUBulk(dst, d, y, x []float32, mu, a, b, c float32) int {
	if wide(len(dst)) {
		_, _, _ = d[len(dst)-1], y[len(dst)-1], x[len(dst)-1]
		bnBackwardReLUAVX512(&dst[0], &d[0], &y[0], &x[0], len(dst), mu, a, b, c)
		return len(dst)
	}
	n := len(dst) &^ 7
	if !hasAVX2 || n == 0 {
		return 0
	}
	_, _, _ = d[n-1], y[n-1], x[n-1]
	bnBackwardReLUAVX2(&dst[0], &d[0], &y[0], &x[0], n, mu, a, b, c)
	return n
}

func dotDev64ReLUBulk(d, y, x []float32, mu float64) (float64, float64) {
	if !hasAVX2 {
		return dotDev64ReLUGo(d, y, x, mu)
	}
	_, _ = y[len(d)-1], x[len(d)-1]
	if elemAVX512() {
		return dotDev64ReLUAVX512(&d[0], &y[0], &x[0], len(d), mu)
	}
	return dotDev64ReLUAVX2(&d[0], &y[0], &x[0], len(d), mu)
}

func bnBackwardReLUOfBulk(dst, d, x []float32, mu, s, t, a, b, c float32) int {
	if wide(len(dst)) {
		_, _ = d[len(dst)-1], x[len(dst)-1]
		bnBackwardReLUOfAVX512(&dst[0], &d[0], &x[0], len(dst), mu, s, t, a, b, c)
		return len(dst)
	}
	n := len(dst) &^ 7
	if !hasAVX2 || n == 0 {
		return 0
	}
	_, _ = d[n-1], x[n-1]
	bnBackwardReLUOfAVX2(&dst[0], &d[0], &x[0], n, mu, s, t, a, b, c)
	return n
}

func dotDev64ReLUOfBulk(d, x []float32, mu float64, m, s, t float32) (float64, float64) {
	if !hasAVX2 {
		return dotDev64ReLUOfGo(d, x, mu, m, s, t)
	}
	_ = x[len(d)-1]
	if elemAVX512() {
		return dotDev64ReLUOfAVX512(&d[0], &x[0], len(d), mu, m, s, t)
	}
	return dotDev64ReLUOfAVX2(&d[0], &x[0], len(d), mu, m, s, t)
}

func sum64Bulk(x []float32) float64 {
	if !hasAVX2 {
		return sum64Go(x)
	}
	return sum64AVX2(&x[0], len(x))
}

func sqDev64Bulk(x []float32, mu float64) float64 {
	if !hasAVX2 {
		return sqDev64Go(x, mu)
	}
	return sqDev64AVX2(&x[0], len(x), mu)
}

func dotDev64Bulk(d, x []float32, mu float64) (float64, float64) {
	if !hasAVX2 {
		return dotDev64Go(d, x, mu)
	}
	_ = x[len(d)-1]
	return dotDev64AVX2(&d[0], &x[0], len(d), mu)
}

// The assembly kernels: n > 0 is a multiple of 8 (of 16 for the sums); the
// contracts are those of the Go references in elem.go.

//go:noescape
func reluAVX2(dst, x *float32, n int)

//go:noescape
func reluBackwardAVX2(dx, y, dout *float32, n int)

//go:noescape
func addAVX2(dst, a, b *float32, n int, relu bool)

//go:noescape
func scaleShiftAVX2(dst, x *float32, n int, mu, s, t float32, relu bool)

//go:noescape
func bnBackwardAVX2(dst, d, x *float32, n int, mu, a, b, c float32)

//go:noescape
func sum64AVX2(x *float32, n int) float64

//go:noescape
func sqDev64AVX2(x *float32, n int, mu float64) float64

//go:noescape
func dotDev64AVX2(d, x *float32, n int, mu float64) (sd, sdx float64)

//go:noescape
func bnBackwardReLUAVX2(dst, d, y, x *float32, n int, mu, a, b, c float32)

//go:noescape
func dotDev64ReLUAVX2(d, y, x *float32, n int, mu float64) (sd, sdx float64)

//go:noescape
func scaleShiftAddAVX2(dst, x, a *float32, n int, mu, s, t float32, relu bool)

//go:noescape
func addReLUBackwardAVX2(dst, a, y, dout *float32, n int)

//go:noescape
func bnBackwardReLUOfAVX2(dst, d, x *float32, n int, mu, s, t, a, b, c float32)

//go:noescape
func dotDev64ReLUOfAVX2(d, x *float32, n int, mu float64, m, s, t float32) (sd, sdx float64)

// The AVX-512 kernels (AVX512F): the AVX2 kernels above for any n > 0
// (the DotDev64ReLU sums: a multiple of 16), the same bits; the last n%16
// elements run under a k-register mask, which neither reads nor writes
// past n. Sum64, SqDev64 and DotDev64 keep their AVX2 kernels, which
// measured faster (elem_avx512_amd64.s says why).

//go:noescape
func addAVX512(dst, a, b *float32, n int, relu bool)

//go:noescape
func scaleShiftAVX512(dst, x *float32, n int, mu, s, t float32, relu bool)

//go:noescape
func scaleShiftAddAVX512(dst, x, a *float32, n int, mu, s, t float32, relu bool)

//go:noescape
func addReLUBackwardAVX512(dst, a, y, dout *float32, n int)

//go:noescape
func bnBackwardAVX512(dst, d, x *float32, n int, mu, a, b, c float32)

//go:noescape
func bnBackwardReLUAVX512(dst, d, y, x *float32, n int, mu, a, b, c float32)

//go:noescape
func bnBackwardReLUOfAVX512(dst, d, x *float32, n int, mu, s, t, a, b, c float32)

//go:noescape
func dotDev64ReLUAVX512(d, y, x *float32, n int, mu float64) (sd, sdx float64)

//go:noescape
func dotDev64ReLUOfAVX512(d, x *float32, n int, mu float64, m, s, t float32) (sd, sdx float64)
