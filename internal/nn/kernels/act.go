package kernels

import "math"

// The smooth activations tanh and sigmoid and their gradients. As in
// elem.go, each exported function has a pure-Go reference (suffix Go) that
// defines its result; on amd64 with AVX2 and FMA (and on arm64) the bulk of
// the slice runs in assembly (act_amd64.s, act_arm64.s) and the tail of
// fewer than 8 (4) elements in the reference. The assembly performs the same float32 operations in the same
// order, each VFMADD matching an fma32 here, so the two agree bit for bit
// (TestActMatchesGo; TestActExhaustive -exhaustive checks every float32).
//
// Like elem.go's functions these panic if x (y, dout) is shorter than dst
// (dx); dst may be x itself.

// Tanh sets dst[i] = tanh(x[i]) in float32 within 2.5 ulps of the exact
// value and 1.5e-7 absolutely (the maxima over all float32 inputs are 2.498
// ulps and 1.49e-7). It returns exactly ±1 for |x| ≥ 9.02 (tanhClamp; ±Inf
// and huge values included), ±0 for ±0 and NaN for NaN, and Tanh(-x) =
// -Tanh(x) bit for bit.
//
// The method: with m = expm1(-2|x|), clamped to -2|x| ≥ -2·tanhClamp,
// tanh|x| = m/(-2-m), which has no cancellation at either end. m =
// 2^k·e + (2^k - 1) (one fused multiply-add) with k = round(-2|x|/ln 2),
// r = -2|x| - k·ln 2 (two fused multiply-adds with ln 2 split in two) and
// e = r + r²·P(r) ≈ expm1(r), P of degree 5 (relative minimax error 4e-10
// on |r| ≤ 0.3467 with float32 coefficients); x's sign is copied onto the
// quotient.
func Tanh(dst, x []float32) {
	x = x[:len(dst)]
	n := tanhBulk(dst, x)
	tanhGo(dst[n:], x[n:])
}

// Sigmoid sets dst[i] = 1/(1+exp(-x[i])) in float32 within 2.5 ulps of the
// exact value for x > -87, where the result is normal, and 1e-7 absolutely
// everywhere (the maxima over all float32 inputs are 2.402 ulps and
// 8.93e-8). It returns exactly 0 for x ≤ -87 (sigmoid(-87) = 1.6e-38),
// exactly 1 for x ≥ 16.64, 0.5 for ±0, 0 and 1 for -Inf and +Inf, and NaN
// for NaN.
//
// The method: with z = exp(-|x|), sigmoid(x) = 1/(1+z) for x ≥ 0 and
// z/(1+z) for x < 0, so the result keeps its relative accuracy when it is
// tiny. z = 2^k·p(r) with k = round(-|x|/ln 2), r = -|x| - k·ln 2 (two fused
// multiply-adds with ln 2 split in two) and p ≈ exp(r) a degree-6
// polynomial (relative minimax error 3e-9 on |r| ≤ 0.3467 with float32
// coefficients), evaluated with fused multiply-adds; z is 0 for x ≤ -87.
func Sigmoid(dst, x []float32) {
	x = x[:len(dst)]
	n := sigmoidBulk(dst, x)
	sigmoidGo(dst[n:], x[n:])
}

// TanhBackward sets dx[i] = dout[i] * ((1-y[i]) * (1+y[i])), each operation
// rounded to float32: the gradient of tanh computed from its output y.
// (1-y)(1+y) is 1-y² without the cancellation of 1 - y*y near |y| = 1.
func TanhBackward(dx, y, dout []float32) {
	y, dout = y[:len(dx)], dout[:len(dx)]
	n := tanhBackwardBulk(dx, y, dout)
	tanhBackwardGo(dx[n:], y[n:], dout[n:])
}

// SigmoidBackward sets dx[i] = dout[i] * (y[i] * (1-y[i])), each operation
// rounded to float32: the gradient of sigmoid computed from its output y.
func SigmoidBackward(dx, y, dout []float32) {
	y, dout = y[:len(dx)], dout[:len(dx)]
	n := sigmoidBackwardBulk(dx, y, dout)
	sigmoidBackwardGo(dx[n:], y[n:], dout[n:])
}

// tanhTab and sigmoidTab hold the constants of tanhGo and sigmoidGo, each
// repeated in the 8 lanes of a row, for the assembly to load (act_amd64.s
// all 8 lanes, act_arm64.s the first 4); one source of truth for both.
var (
	tanhTab = bcast8(math.Float32frombits(signBit), -2*tanhClamp, log2e, -ln2Hi, -ln2Lo,
		em1C7, em1C6, em1C5, em1C4, em1C3, 0.5,
		1, -2, math.Float32frombits(127))
	sigmoidTab = bcast8(math.Float32frombits(signBit), sigMin, log2e, -ln2Hi, -ln2Lo,
		expC6, expC5, expC4, expC3, expC2,
		1, math.Float32frombits(127))
)

func bcast8(v ...float32) [][8]float32 {
	t := make([][8]float32, len(v))
	for i, x := range v {
		for j := range t[i] {
			t[i][j] = x
		}
	}
	return t
}

// tanhClamp bounds |x|: float32 tanh is 1 beyond (tanh(x) > 1-2^-25 for
// x > 9.011).
const tanhClamp = 9.02

// The coefficients of expm1(r) ≈ r + r²·(1/2 + Σ e_i r^(i-2)) on
// |r| ≤ ln(2)/2 (float32 values; testdata/actfit says how they were fitted).
const (
	em1C3 = 0.1666666567325592
	em1C4 = 0.04166649281978607
	em1C5 = 0.008333546109497547
	em1C6 = 0.0013932327274233103
	em1C7 = 0.00019761636212933809
)

// The sigmoid constants: the exponential's argument bound, log2(e), ln 2 as
// a float32 head and tail, and exp(r) ≈ 1 + r + Σ c_i r^i.
const (
	sigMin  = -87
	log2e   = 1.4426950408889634
	ln2Hi   = 0.6931471824645996      // float32(ln 2)
	ln2Lo   = -1.9046542121259336e-09 // float32(ln 2 - ln2Hi)
	expC2   = 0.4999999403953552
	expC3   = 0.1666652113199234
	expC4   = 0.04166826233267784
	expC5   = 0.008368674665689468
	expC6   = 0.0013821055181324482
	signBit = 1 << 31
)

// fma32 returns a*b+c rounded once to float32, as VFMADD…PS computes it.
// The product of two float32 values is exact in float64, so their float64
// sum s is a*b+c rounded once. Rounding s to float32 then gives the correct
// result unless s landed exactly on a float32 halfway point (a double
// rounding, possibly the wrong way) or lies below float32's normal range,
// where the halfway points sit at other bits; fma32Odd handles those.
// (float32(math.FMA(…)) has the same double-rounding flaw.)
func fma32(a, b, c float32) float32 {
	s := float64(a)*float64(b) + float64(c)
	if bits := math.Float64bits(s); bits&(1<<29-1) == 1<<28 || bits&(0x7ff<<52) < (1023-126)<<52 {
		return fma32Odd(a, b, c)
	}
	return float32(s)
}

// fma32Odd is fma32 by rounding to odd: TwoSum gives the rounding error e
// of the float64 sum s exactly; if e ≠ 0, s moves to its neighbour with an
// odd last bit on the side of a*b+c, and rounding that to float32 (24 bits,
// 53 ≥ 24+2) is correct.
func fma32Odd(a, b, c float32) float32 {
	p := float64(a) * float64(b)
	s := p + float64(c)
	bb := s - p
	e := (p - (s - bb)) + (float64(c) - bb)
	bits := math.Float64bits(s)
	if e > 0 || e < 0 { // inexact; e is NaN if s is not finite
		// Towards zero (bits-1) if e and s differ in sign, then odd.
		bits = (bits - (math.Float64bits(e)^bits)>>63) | 1
	}
	return float32(math.Float64frombits(bits))
}

// max32 is VMAXPS with the constant bound as first source: it returns x
// when x is NaN.
func max32(lo, x float32) float32 {
	if lo > x {
		return lo
	}
	return x
}

func tanhGo(dst, x []float32) {
	x = x[:len(dst)]
	for i, u := range x {
		v := math.Float32frombits(math.Float32bits(u) | signBit) // -|x|
		t := max32(-2*tanhClamp, v+v)
		k := float32(math.RoundToEven(float64(float32(t * log2e))))
		r := fma32(k, -ln2Hi, t)
		r = fma32(k, -ln2Lo, r)
		p := fma32(fma32(fma32(fma32(fma32(em1C7, r, em1C6), r, em1C5), r, em1C4), r, em1C3), r, 0.5)
		e := fma32(float32(r*r), p, r) // expm1(r)
		s := math.Float32frombits(uint32(int32(k)+127) << 23)
		m := fma32(s, e, float32(s-1)) // expm1(t)
		y := m / float32(-2-m)
		// |y| with x's sign (y is -0 for x = ±0)
		dst[i] = math.Float32frombits(math.Float32bits(y)&^signBit | math.Float32bits(u)&signBit)
	}
}

func sigmoidGo(dst, x []float32) {
	x = x[:len(dst)]
	for i, u := range x {
		v := max32(sigMin, math.Float32frombits(math.Float32bits(u)|signBit)) // -|x|
		k := float32(math.RoundToEven(float64(float32(v * log2e))))
		r := fma32(k, -ln2Hi, v)
		r = fma32(k, -ln2Lo, r)
		p := fma32(fma32(fma32(fma32(expC6, r, expC5), r, expC4), r, expC3), r, expC2)
		p = fma32(fma32(p, r, 1), r, 1)
		z := float32(p * math.Float32frombits(uint32(int32(k)+127)<<23))
		if v <= sigMin {
			z = 0
		}
		num := float32(1)
		if math.Float32bits(u)&signBit != 0 {
			num = z
		}
		dst[i] = num / float32(1+z)
	}
}

func tanhBackwardGo(dx, y, dout []float32) {
	y, dout = y[:len(dx)], dout[:len(dx)]
	for i, v := range y {
		dx[i] = dout[i] * (float32(1-v) * float32(1+v))
	}
}

func sigmoidBackwardGo(dx, y, dout []float32) {
	y, dout = y[:len(dx)], dout[:len(dx)]
	for i, v := range y {
		dx[i] = dout[i] * (v * float32(1-v))
	}
}
