package kernels

// Elementwise kernels of the layers (activations, batch normalisation, the
// residual addition). Each exported function has a pure-Go reference
// (suffix Go) that states its contract; on amd64 with AVX2 (and on arm64
// with NEON) the bulk of the slice runs in assembly (elem_amd64.s,
// elem_arm64.s) and the tail in the Go reference. When Sgemm's kernel is
// avx512, the batch-norm and residual kernels run in AVX-512 assembly
// (elem_avx512_amd64.s), tail included, under a k-register mask.
// The assembly performs the same float32 operations in the same order,
// without fused multiply-adds, so its results equal the reference's bit for
// bit; the float64 sums (Sum64, SqDev64, DotDev64) add in a fixed order that
// depends on the length only.
//
// Every function panics if its slices are shorter than dst (or x).

// ReLU sets dst[i] = max(x[i], 0); NaN passes through and -0 stays -0.
func ReLU(dst, x []float32) {
	x = x[:len(dst)]
	n := reluBulk(dst, x)
	reluGo(dst[n:], x[n:])
}

func reluGo(dst, x []float32) {
	x = x[:len(dst)]
	for i, v := range x {
		if v < 0 {
			v = 0
		}
		dst[i] = v
	}
}

// ReLUBackward sets dx[i] = dout[i] where y[i] > 0 and 0 elsewhere (also
// where y[i] is NaN): the gradient of ReLU computed from its output y.
func ReLUBackward(dx, y, dout []float32) {
	y, dout = y[:len(dx)], dout[:len(dx)]
	n := reluBackwardBulk(dx, y, dout)
	reluBackwardGo(dx[n:], y[n:], dout[n:])
}

func reluBackwardGo(dx, y, dout []float32) {
	y, dout = y[:len(dx)], dout[:len(dx)]
	for i, v := range y {
		g := dout[i]
		if !(v > 0) {
			g = 0
		}
		dx[i] = g
	}
}

// Add sets dst[i] = a[i] + b[i], and then dst[i] = max(dst[i], 0) if relu.
// dst may be a or b itself (the same slice), for an addition in place.
func Add(dst, a, b []float32, relu bool) {
	a, b = a[:len(dst)], b[:len(dst)]
	n := addBulk(dst, a, b, relu)
	addGo(dst[n:], a[n:], b[n:], relu)
}

func addGo(dst, a, b []float32, relu bool) {
	a, b = a[:len(dst)], b[:len(dst)]
	for i := range dst {
		v := a[i] + b[i]
		if relu && v < 0 {
			v = 0
		}
		dst[i] = v
	}
}

// ScaleShift sets dst[i] = (x[i]-mu)*s + t, each operation rounded to
// float32, and then dst[i] = max(dst[i], 0) if relu.
func ScaleShift(dst, x []float32, mu, s, t float32, relu bool) {
	x = x[:len(dst)]
	n := scaleShiftBulk(dst, x, mu, s, t, relu)
	scaleShiftGo(dst[n:], x[n:], mu, s, t, relu)
}

func scaleShiftGo(dst, x []float32, mu, s, t float32, relu bool) {
	x = x[:len(dst)]
	for i, v := range x {
		v = float32((v-mu)*s) + t // the conversion forbids a fused multiply-add
		if relu && v < 0 {
			v = 0
		}
		dst[i] = v
	}
}

// ScaleShiftAdd sets dst[i] = ((x[i]-mu)*s + t) + a[i], each operation
// rounded to float32, and then dst[i] = max(dst[i], 0) if relu: ScaleShift
// without relu followed by Add, in one pass (batch normalisation, the
// residual addition and its ReLU).
func ScaleShiftAdd(dst, x, a []float32, mu, s, t float32, relu bool) {
	x, a = x[:len(dst)], a[:len(dst)]
	n := scaleShiftAddBulk(dst, x, a, mu, s, t, relu)
	scaleShiftAddGo(dst[n:], x[n:], a[n:], mu, s, t, relu)
}

func scaleShiftAddGo(dst, x, a []float32, mu, s, t float32, relu bool) {
	x, a = x[:len(dst)], a[:len(dst)]
	for i, v := range x {
		v = float32(float32((v-mu)*s)+t) + a[i] // the conversions forbid fused multiply-adds
		if relu && v < 0 {
			v = 0
		}
		dst[i] = v
	}
}

// AddReLUBackward sets dst[i] = a[i] + g[i], with g[i] = dout[i] where
// y[i] > 0 and +0 elsewhere (also where y[i] is NaN): ReLUBackward(g, y,
// dout) followed by Add(dst, a, g, false), in one pass (a residual block's
// input gradient plus that of its identity shortcut). dst may be a.
func AddReLUBackward(dst, a, y, dout []float32) {
	a, y, dout = a[:len(dst)], y[:len(dst)], dout[:len(dst)]
	n := addReLUBackwardBulk(dst, a, y, dout)
	addReLUBackwardGo(dst[n:], a[n:], y[n:], dout[n:])
}

func addReLUBackwardGo(dst, a, y, dout []float32) {
	a, y, dout = a[:len(dst)], y[:len(dst)], dout[:len(dst)]
	for i, v := range y {
		var g float32
		if v > 0 {
			g = dout[i]
		}
		dst[i] = a[i] + g
	}
}

// BNBackward sets dst[i] = (a*d[i] + b*(x[i]-mu)) + c, each operation
// rounded to float32: the input gradient of batch normalisation.
func BNBackward(dst, d, x []float32, mu, a, b, c float32) {
	d, x = d[:len(dst)], x[:len(dst)]
	n := bnBackwardBulk(dst, d, x, mu, a, b, c)
	bnBackwardGo(dst[n:], d[n:], x[n:], mu, a, b, c)
}

func bnBackwardGo(dst, d, x []float32, mu, a, b, c float32) {
	d, x = d[:len(dst)], x[:len(dst)]
	for i, v := range d {
		dst[i] = float32(float32(a*v)+float32(b*(x[i]-mu))) + c
	}
}

// BNBackwardReLU is BNBackward with d[i] replaced by 0 where !(y[i] > 0):
// the input gradient of batch normalisation followed by a ReLU with output y.
func BNBackwardReLU(dst, d, y, x []float32, mu, a, b, c float32) {
	d, y, x = d[:len(dst)], y[:len(dst)], x[:len(dst)]
	n := bnBackwardReLUBulk(dst, d, y, x, mu, a, b, c)
	bnBackwardReLUGo(dst[n:], d[n:], y[n:], x[n:], mu, a, b, c)
}

func bnBackwardReLUGo(dst, d, y, x []float32, mu, a, b, c float32) {
	d, y, x = d[:len(dst)], y[:len(dst)], x[:len(dst)]
	for i, v := range d {
		if !(y[i] > 0) {
			v = 0
		}
		dst[i] = float32(float32(a*v)+float32(b*(x[i]-mu))) + c
	}
}

// reluOf returns max((x-m)*s + t, 0), each operation rounded to float32:
// ScaleShift's value with relu for one element.
func reluOf(x, m, s, t float32) float32 {
	v := float32(float32((x-m)*s)) + t
	if v < 0 {
		v = 0
	}
	return v
}

// ReLUOfFast reports whether BNBackwardReLUOf and DotDev64ReLUOf run in
// assembly on this machine (amd64 with AVX2). Where they do not, their
// ReLU-reading counterparts, which do, are the faster choice.
func ReLUOfFast() bool { return reluOfAsm }

// BNBackwardReLUOf is BNBackwardReLU with y[i] = reluOf(x[i], mu, s, t)
// computed instead of read: the input gradient of batch normalisation
// followed by a ReLU, where the ReLU's input was that batch normalisation's
// ScaleShift of x (same mu).
func BNBackwardReLUOf(dst, d, x []float32, mu, s, t, a, b, c float32) {
	d, x = d[:len(dst)], x[:len(dst)]
	n := bnBackwardReLUOfBulk(dst, d, x, mu, s, t, a, b, c)
	bnBackwardReLUOfGo(dst[n:], d[n:], x[n:], mu, s, t, a, b, c)
}

func bnBackwardReLUOfGo(dst, d, x []float32, mu, s, t, a, b, c float32) {
	d, x = d[:len(dst)], x[:len(dst)]
	for i, v := range d {
		if !(reluOf(x[i], mu, s, t) > 0) {
			v = 0
		}
		dst[i] = float32(float32(a*v)+float32(b*(x[i]-mu))) + c
	}
}

// DotDev64ReLU is DotDev64 with d[i] replaced by 0 where !(y[i] > 0).
func DotDev64ReLU(d, y, x []float32, mu float64) (sd, sdx float64) {
	y, x = y[:len(d)], x[:len(d)]
	n := len(d) &^ 15
	if n > 0 {
		sd, sdx = dotDev64ReLUBulk(d[:n], y[:n], x[:n], mu)
	}
	return dotDevTail(sd, sdx, d, x, n, mu, func(i int) bool { return y[i] > 0 })
}

// DotDev64ReLUOf is DotDev64ReLU with y[i] = reluOf(x[i], m, s, t)
// computed instead of read (see BNBackwardReLUOf).
func DotDev64ReLUOf(d, x []float32, mu float64, m, s, t float32) (sd, sdx float64) {
	x = x[:len(d)]
	n := len(d) &^ 15
	if n > 0 {
		sd, sdx = dotDev64ReLUOfBulk(d[:n], x[:n], mu, m, s, t)
	}
	return dotDevTail(sd, sdx, d, x, n, mu, func(i int) bool { return reluOf(x[i], m, s, t) > 0 })
}

// dotDevTail adds to sd and sdx, in order from i = n, d[i] and
// d[i]*(x[i]-mu) in float64, d[i] read as 0 where keep (if not nil) is
// false: the tail of the DotDev64 functions.
func dotDevTail(sd, sdx float64, d, x []float32, n int, mu float64, keep func(i int) bool) (float64, float64) {
	for i := n; i < len(d); i++ {
		v := d[i]
		if keep != nil && !keep(i) {
			v = 0
		}
		sd += float64(v)
		sdx += float64(float64(v) * (float64(x[i]) - mu))
	}
	return sd, sdx
}

// dotDev64ReLUGo is the reference of dotDev64ReLUBulk: dotDev64Go with
// d[i] read as 0 where !(y[i] > 0). It does not allocate.
func dotDev64ReLUGo(d, y, x []float32, mu float64) (float64, float64) {
	return dotDev64MaskGo(d, x, mu, func(i int) bool { return y[i] > 0 })
}

// dotDev64ReLUOfGo is the reference of dotDev64ReLUOfBulk: dotDev64Go
// with d[i] read as 0 where !(reluOf(x[i], m, s, t) > 0).
func dotDev64ReLUOfGo(d, x []float32, mu float64, m, s, t float32) (float64, float64) {
	return dotDev64MaskGo(d, x, mu, func(i int) bool { return reluOf(x[i], m, s, t) > 0 })
}

// Sum64 returns Σ x[i] accumulated in float64: sumGo's order (16 partial
// sums, lane i%16 for the first len&^15 elements, combined pairwise, then
// the rest in order).
func Sum64(x []float32) float64 {
	n := len(x) &^ 15
	var s float64
	if n > 0 {
		s = sum64Bulk(x[:n])
	}
	for _, v := range x[n:] {
		s += float64(v)
	}
	return s
}

// SqDev64 returns Σ (x[i]-mu)² in float64, in Sum64's order.
func SqDev64(x []float32, mu float64) float64 {
	n := len(x) &^ 15
	var s float64
	if n > 0 {
		s = sqDev64Bulk(x[:n], mu)
	}
	for _, v := range x[n:] {
		d := float64(v) - mu
		s += float64(d * d) // the conversion forbids a fused multiply-add
	}
	return s
}

// DotDev64 returns Σ d[i] and Σ d[i]*(x[i]-mu) in float64, in Sum64's order.
func DotDev64(d, x []float32, mu float64) (sd, sdx float64) {
	x = x[:len(d)]
	n := len(d) &^ 15
	if n > 0 {
		sd, sdx = dotDev64Bulk(d[:n], x[:n], mu)
	}
	return dotDevTail(sd, sdx, d, x, n, mu, nil)
}

// lanes16 reduces 16 float64 partial sums in the fixed pairwise order the
// assembly uses: (l[i] + l[i+4] + l[i+8] + l[i+12]) per i in vector order,
// then ((s0+s2)+(s1+s3)).
func lanes16(l *[16]float64) float64 {
	var s [4]float64
	for i := range s {
		s[i] = ((l[i] + l[i+4]) + l[i+8]) + l[i+12]
	}
	return (s[0] + s[2]) + (s[1] + s[3])
}

// sum64Go is the reference of sum64Bulk: len(x) is a multiple of 16, lane
// i%16 accumulates x[i].
func sum64Go(x []float32) float64 {
	var l [16]float64
	for i := 0; i < len(x); i += 16 {
		for j := range 16 {
			l[j] += float64(x[i+j])
		}
	}
	return lanes16(&l)
}

func sqDev64Go(x []float32, mu float64) float64 {
	var l [16]float64
	for i := 0; i < len(x); i += 16 {
		for j := range 16 {
			d := float64(x[i+j]) - mu
			l[j] += float64(d * d)
		}
	}
	return lanes16(&l)
}

func dotDev64Go(d, x []float32, mu float64) (float64, float64) {
	return dotDev64MaskGo(d, x, mu, nil)
}

// dotDev64MaskGo is dotDev64Go with d[i] read as 0 where keep (if not nil)
// is false.
func dotDev64MaskGo(d, x []float32, mu float64, keep func(i int) bool) (float64, float64) {
	var l, m [16]float64
	for i := 0; i < len(d); i += 16 {
		for j := range 16 {
			v := d[i+j]
			if keep != nil && !keep(i+j) {
				v = 0
			}
			l[j] += float64(v)
			m[j] += float64(float64(v) * (float64(x[i+j]) - mu))
		}
	}
	return lanes16(&l), lanes16(&m)
}
