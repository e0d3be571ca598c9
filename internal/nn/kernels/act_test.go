package kernels

import (
	"flag"
	"math"
	"math/big"
	"math/rand/v2"
	"runtime"
	"sync"
	"testing"
)

var exhaustive = flag.Bool("exhaustive", false, "check Tanh and Sigmoid on every float32 (minutes)")

// The accuracy bounds the doc comments of Tanh and Sigmoid promise, in ulps
// of the exact value (as float32) and absolutely. Sigmoid's ulp bound holds
// for x > sigMin, where its result is normal.
const (
	tanhMaxULP    = 2.5
	tanhMaxAbs    = 1.5e-7
	sigmoidMaxULP = 2.5
	sigmoidMaxAbs = 1e-7
	tanhOneFrom   = tanhClamp // |x| from which Tanh is exactly ±1
	sigmoidOneAt  = 16.64     // x from which Sigmoid is exactly 1
)

func refTanh(x float32) float64    { return math.Tanh(float64(x)) }
func refSigmoid(x float32) float64 { return 1 / (1 + math.Exp(-float64(x))) }

// ulp32 returns the spacing of float32 values at |v|.
func ulp32(v float64) float64 {
	a := math.Abs(v)
	if a < 0x1p-126 {
		return 0x1p-149
	}
	_, e := math.Frexp(a) // a = f·2^e, f in [0.5, 1)
	return math.Ldexp(1, e-24)
}

// actErr accumulates the worst error of an approximation.
type actErr struct {
	ulps, abs     float64
	ulpsX, absX   float32
	count         int
	skipULPBelowX float32 // no ulp bound for x <= this (sigmoid's flush to 0)
}

func (s *actErr) add(x, got float32, ref float64) {
	s.count++
	d := math.Abs(float64(got) - ref)
	if d > s.abs {
		s.abs, s.absX = d, x
	}
	if x <= s.skipULPBelowX {
		return
	}
	if u := d / ulp32(ref); u > s.ulps {
		s.ulps, s.ulpsX = u, x
	}
}

func (s *actErr) merge(o *actErr) {
	s.count += o.count
	if o.abs > s.abs {
		s.abs, s.absX = o.abs, o.absX
	}
	if o.ulps > s.ulps {
		s.ulps, s.ulpsX = o.ulps, o.ulpsX
	}
}

func (s *actErr) check(t *testing.T, name string, maxULP, maxAbs float64) {
	t.Helper()
	t.Logf("%s: %d inputs, max error %.3f ulps (x=%v), %.3g absolute (x=%v)", name, s.count, s.ulps, s.ulpsX, s.abs, s.absX)
	if s.ulps > maxULP {
		t.Errorf("%s: error %.3f ulps at x=%v exceeds %v", name, s.ulps, s.ulpsX, maxULP)
	}
	if s.abs > maxAbs {
		t.Errorf("%s: error %.3g at x=%v exceeds %v", name, s.abs, s.absX, maxAbs)
	}
}

// actSweep returns a dense sweep of [-20, 20] in steps of 2^-16, every
// 2^-10 relative step of each binade from 2^-149 to 16 with both signs, and
// random values of random magnitude in [-20, 20].
func actSweep() []float32 {
	var x []float32
	for i := -20 << 16; i <= 20<<16; i++ {
		x = append(x, float32(i)/(1<<16))
	}
	for e := -149; e <= 4; e++ {
		for m := range 1024 {
			v := float32(math.Ldexp(1+float64(m)/1024, e))
			x = append(x, v, -v)
		}
	}
	r := rand.New(rand.NewPCG(5, 6))
	for range 1 << 18 {
		x = append(x, float32(20*r.Float64()*math.Pow(2, -30*r.Float64())*float64(1-2*r.IntN(2))))
	}
	return x
}

// actSpecials are the edge inputs: zeros, tiny and denormal values, the
// clamp and flush boundaries, huge values, infinities, a quiet and a
// signalling NaN.
func actSpecials() []float32 {
	f := math.Float32frombits
	v := []float32{0, 1e-45, 1e-40, 1e-30, 1e-10, 0x1p-12, 0.5, 1, 9.01, 9.0107, tanhClamp,
		9.03, 16.6, sigmoidOneAt, 20, 86.9, 87, 87.1, 100, 1e30, math.MaxFloat32, float32(math.Inf(1))}
	var out []float32
	for _, x := range v {
		out = append(out, x, -x, math.Nextafter32(x, 0), -math.Nextafter32(x, 0))
	}
	return append(out, f(0x7fc00000), f(0xffc00000), f(0x7f800001), f(0xff812345))
}

// sameBitsAt is sameBits (NaN payloads included) reporting the input x.
//
// Without the amd64 activation assembly (hasAVX2FMA false), NaNs only need
// to be NaNs: under qemu-user (make arm64-test) two identical instruction
// sequences of the Go reference were seen to return different NaN payloads
// for a signalling-NaN input (0xffc12345 and 0x7fc00000 for y = 0xff812345
// in SigmoidBackward), which says nothing about the code under test, and
// the arm64 NEON kernels propagate NaN operands in their own order; every
// other value is still compared bit for bit.
func sameBitsAt(t *testing.T, name string, x, got, want []float32) {
	t.Helper()
	for i := range want {
		if !hasAVX2FMA && got[i] != got[i] && want[i] != want[i] {
			continue
		}
		if math.Float32bits(got[i]) != math.Float32bits(want[i]) {
			t.Fatalf("%s: element %d of %d (x=%v, bits %#x): got %v (%#x) want %v (%#x)", name, i, len(want),
				x[i], math.Float32bits(x[i]), got[i], math.Float32bits(got[i]), want[i], math.Float32bits(want[i]))
		}
	}
}

// actInput returns n values of N(0,1) times scales up to 100 with the
// special values sprinkled in.
func actInput(r *rand.Rand, n int) []float32 {
	sp := actSpecials()
	x := make([]float32, n)
	for i := range x {
		x[i] = float32(r.NormFloat64() * []float64{0.01, 1, 5, 30, 100}[r.IntN(5)])
		if r.IntN(6) == 0 {
			x[i] = sp[r.IntN(len(sp))]
		}
	}
	return x
}

// TestActMatchesGo checks that Tanh, Sigmoid and their gradients equal the
// Go references bit for bit (the assembly bulk with the Go tail on amd64),
// for every length 0..17, longer slices, in place, and on the whole
// accuracy sweep.
func TestActMatchesGo(t *testing.T) {
	if !hasAVX2FMA {
		t.Log("no amd64 AVX2+FMA assembly: NaN results compare as NaNs (sameBitsAt)")
	}
	r := rand.New(rand.NewPCG(7, 8))
	lengths := []int{}
	for n := range 18 {
		lengths = append(lengths, n)
	}
	lengths = append(lengths, 31, 32, 33, 64, 1000, 1031, 4096)
	for _, n := range lengths {
		for rep := range 20 {
			x, y, d := actInput(r, n), actInput(r, n), actInput(r, n)
			if rep%2 == 1 { // outputs in their range for the gradients
				for i := range y {
					y[i] = float32(r.Float64()*2 - 1)
				}
			}
			got, want := make([]float32, n), make([]float32, n)
			Tanh(got, x)
			tanhGo(want, x)
			sameBitsAt(t, "Tanh", x, got, want)
			copy(got, x)
			Tanh(got, got)
			sameBitsAt(t, "Tanh in place", x, got, want)
			Sigmoid(got, x)
			sigmoidGo(want, x)
			sameBitsAt(t, "Sigmoid", x, got, want)
			copy(got, x)
			Sigmoid(got, got)
			sameBitsAt(t, "Sigmoid in place", x, got, want)
			TanhBackward(got, y, d)
			tanhBackwardGo(want, y, d)
			sameBitsAt(t, "TanhBackward", y, got, want)
			SigmoidBackward(got, y, d)
			sigmoidBackwardGo(want, y, d)
			sameBitsAt(t, "SigmoidBackward", y, got, want)
		}
	}
	x := actSweep()
	got, want := make([]float32, len(x)), make([]float32, len(x))
	Tanh(got, x)
	tanhGo(want, x)
	sameBitsAt(t, "Tanh sweep", x, got, want)
	Sigmoid(got, x)
	sigmoidGo(want, x)
	sameBitsAt(t, "Sigmoid sweep", x, got, want)
}

// TestActAccuracy measures Tanh and Sigmoid against float64 math on the
// sweep and checks the documented bounds.
func TestActAccuracy(t *testing.T) {
	x := actSweep()
	y := make([]float32, len(x))
	Tanh(y, x)
	var te actErr
	for i, v := range x {
		te.add(v, y[i], refTanh(v))
	}
	te.check(t, "Tanh", tanhMaxULP, tanhMaxAbs)
	Sigmoid(y, x)
	se := actErr{skipULPBelowX: sigMin}
	for i, v := range x {
		se.add(v, y[i], refSigmoid(v))
	}
	se.check(t, "Sigmoid", sigmoidMaxULP, sigmoidMaxAbs)
}

// TestActSpecialValues pins the saturation, zero and NaN behaviour.
func TestActSpecialValues(t *testing.T) {
	x := actSpecials()
	for i := -1000; i <= 1000; i++ { // around the saturation thresholds
		x = append(x, tanhOneFrom+float32(i)*1e-3, sigmoidOneAt+float32(i)*1e-3, sigMin+float32(i)*1e-3)
	}
	th, sg := make([]float32, len(x)), make([]float32, len(x))
	Tanh(th, x)
	Sigmoid(sg, x)
	for i, v := range x {
		a := float32(math.Abs(float64(v)))
		switch {
		case v != v:
			if th[i] == th[i] || sg[i] == sg[i] {
				t.Errorf("x=NaN: Tanh %v, Sigmoid %v, want NaN", th[i], sg[i])
			}
			continue
		case a >= tanhOneFrom && th[i] != float32(math.Copysign(1, float64(v))):
			t.Errorf("Tanh(%v) = %v, want ±1 exactly", v, th[i])
		case a <= 1 && math.Abs(float64(th[i])) > float64(a):
			t.Errorf("|Tanh(%v)| = %v exceeds |x|", v, th[i])
		}
		if math.Abs(float64(th[i])) > 1 {
			t.Errorf("Tanh(%v) = %v outside [-1, 1]", v, th[i])
		}
		switch {
		case v <= sigMin && math.Float32bits(sg[i]) != 0:
			t.Errorf("Sigmoid(%v) = %v, want +0", v, sg[i])
		case v >= sigmoidOneAt && sg[i] != 1:
			t.Errorf("Sigmoid(%v) = %v, want 1 exactly", v, sg[i])
		case v == 0 && sg[i] != 0.5:
			t.Errorf("Sigmoid(%v) = %v, want 0.5", v, sg[i])
		case v > sigMin && !(sg[i] > 0 && sg[i] <= 1):
			t.Errorf("Sigmoid(%v) = %v outside (0, 1]", v, sg[i])
		}
		// Oddness of tanh and sigmoid(x) + sigmoid(-x) = 1 (up to rounding).
		var m [1]float32
		Tanh(m[:], []float32{-v})
		if math.Float32bits(m[0]) != math.Float32bits(-th[i]) {
			t.Errorf("Tanh(-%v) = %v, want -Tanh(%v) = %v", v, m[0], v, -th[i])
		}
	}
	// tanh(±0) = ±0 and sigmoid(±0) = 0.5.
	negZero := float32(math.Copysign(0, -1))
	Tanh(th[:2], []float32{0, negZero})
	sameBits(t, "Tanh(±0)", th[:2], []float32{0, negZero})
}

// TestFMA32 checks fma32 against exact arithmetic, including the cases where
// rounding a*b+c to float64 first and then to float32 is wrong.
func TestFMA32(t *testing.T) {
	exact := func(a, b, c float32) float32 {
		p := new(big.Float).SetPrec(400).SetFloat64(float64(a))
		p.Mul(p, new(big.Float).SetFloat64(float64(b)))
		p.Add(p, new(big.Float).SetFloat64(float64(c)))
		f, _ := p.Float32()
		return f
	}
	r := rand.New(rand.NewPCG(9, 10))
	type abc struct{ a, b, c float32 }
	// (1+2^-12)² = 1 + 2^-11 + 2^-24 lies halfway between float32 values;
	// a tiny c decides the rounding, which a float64 sum loses.
	h := float32(1 + 0x1p-12)
	cases := []abc{{h, h, 0x1p-60}, {h, h, -0x1p-60}, {-h, h, 0x1p-60}, {-h, h, -0x1p-60},
		{h, h, 0x1p-140}, {h, -h, 0x1p-149}, {1, 1, 0}, {0, 5, float32(math.Copysign(0, -1))}}
	bad := 0
	for _, c := range cases[:4] {
		if float32(math.FMA(float64(c.a), float64(c.b), float64(c.c))) != exact(c.a, c.b, c.c) {
			bad++
		}
	}
	if bad == 0 {
		t.Fatal("the double-rounding cases are not: float32(math.FMA) gets them right")
	}
	for range 1 << 18 {
		e := r.IntN(60) - 30
		a := float32(r.NormFloat64())
		b := float32(r.NormFloat64())
		c := float32(math.Ldexp(r.NormFloat64(), e))
		// Products on a float32 halfway point plus a small c.
		if r.IntN(4) == 0 {
			a = float32(1 + float64(r.IntN(1<<12))*0x1p-12)
			b = a
		}
		cases = append(cases, abc{a, b, c})
	}
	for _, c := range cases {
		want := exact(c.a, c.b, c.c)
		if got := fma32(c.a, c.b, c.c); math.Float32bits(got) != math.Float32bits(want) {
			t.Fatalf("fma32(%v, %v, %v) = %v, want %v", c.a, c.b, c.c, got, want)
		}
		if got := fma32Odd(c.a, c.b, c.c); math.Float32bits(got) != math.Float32bits(want) {
			t.Fatalf("fma32Odd(%v, %v, %v) = %v, want %v", c.a, c.b, c.c, got, want)
		}
	}
}

// TestActExhaustive (with -exhaustive) runs Tanh and Sigmoid on every float32,
// compares them with the Go references bit for bit and checks the accuracy
// and saturation bounds.
func TestActExhaustive(t *testing.T) {
	if !*exhaustive {
		t.Skip("needs -exhaustive")
	}
	const chunk = 1 << 16
	var (
		mu       sync.Mutex
		te, se   actErr
		next     uint64
		failures []string
	)
	se.skipULPBelowX = sigMin
	var wg sync.WaitGroup
	for range runtime.GOMAXPROCS(0) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			x := make([]float32, chunk)
			a, b := make([]float32, chunk), make([]float32, chunk)
			lte, lse := actErr{}, actErr{skipULPBelowX: sigMin}
			var fail []string
			for {
				mu.Lock()
				base := next
				next += chunk
				mu.Unlock()
				if base >= 1<<32 {
					break
				}
				for i := range x {
					x[i] = math.Float32frombits(uint32(base) + uint32(i))
				}
				check := func(name string, f, ref func(dst, x []float32), e *actErr, exact func(float32) float64, sat func(v, y float32) bool) {
					f(a, x)
					ref(b, x)
					for i, v := range x {
						if math.Float32bits(a[i]) != math.Float32bits(b[i]) && len(fail) < 10 {
							fail = append(fail, name+": asm and Go differ")
						}
						if v != v {
							if a[i] == a[i] && len(fail) < 10 {
								fail = append(fail, name+": NaN in, number out")
							}
							continue
						}
						if !sat(v, a[i]) && len(fail) < 10 {
							fail = append(fail, name+": saturation")
						}
						if !math.IsInf(float64(v), 0) {
							e.add(v, a[i], exact(v))
						}
					}
				}
				check("Tanh", Tanh, tanhGo, &lte, refTanh, func(v, y float32) bool {
					return math.Abs(float64(v)) < tanhOneFrom || y == float32(math.Copysign(1, float64(v)))
				})
				check("Sigmoid", Sigmoid, sigmoidGo, &lse, refSigmoid, func(v, y float32) bool {
					return (v > sigMin || y == 0) && (v < sigmoidOneAt || y == 1)
				})
			}
			mu.Lock()
			te.merge(&lte)
			se.merge(&lse)
			failures = append(failures, fail...)
			mu.Unlock()
		}()
	}
	wg.Wait()
	for _, f := range failures {
		t.Error(f)
	}
	te.check(t, "Tanh", tanhMaxULP, tanhMaxAbs)
	se.check(t, "Sigmoid", sigmoidMaxULP, sigmoidMaxAbs)
}

// oldTanh and oldSigmoid are the float64 loops the activation layer ran
// before these kernels, for the benchmarks' comparison.
func oldTanh(dst, x []float32) {
	for i, v := range x[:len(dst)] {
		dst[i] = float32(math.Tanh(float64(v)))
	}
}

func oldSigmoid(dst, x []float32) {
	for i, v := range x[:len(dst)] {
		dst[i] = float32(1 / (1 + math.Exp(-float64(v))))
	}
}

func benchAct(b *testing.B, fns map[string]func(dst, x []float32)) {
	const n = 1 << 16
	r := rand.New(rand.NewPCG(1, 2))
	x := make([]float32, n)
	for i := range x {
		x[i] = float32(3 * r.NormFloat64())
	}
	dst := make([]float32, n)
	for _, name := range []string{"float64", "go", "kernel"} {
		b.Run(name, func(b *testing.B) {
			f := fns[name]
			b.SetBytes(4 * n)
			for b.Loop() {
				f(dst, x)
			}
		})
	}
}

// BenchmarkTanh and BenchmarkSigmoid time 1<<16 values (bytes/s counts the
// input): float64 is the old per-element math loop, go the Go reference,
// kernel the exported function (assembly on amd64 with AVX2 and FMA).
func BenchmarkTanh(b *testing.B) {
	benchAct(b, map[string]func(dst, x []float32){"float64": oldTanh, "go": tanhGo, "kernel": Tanh})
}

func BenchmarkSigmoid(b *testing.B) {
	benchAct(b, map[string]func(dst, x []float32){"float64": oldSigmoid, "go": sigmoidGo, "kernel": Sigmoid})
}

// BenchmarkActBackward times the gradients on 1<<16 values.
func BenchmarkActBackward(b *testing.B) {
	const n = 1 << 16
	r := rand.New(rand.NewPCG(1, 2))
	y, d, dx := make([]float32, n), make([]float32, n), make([]float32, n)
	for i := range y {
		y[i], d[i] = float32(r.Float64()), float32(r.NormFloat64())
	}
	for _, c := range []struct {
		name string
		f    func(dx, y, dout []float32)
	}{{"tanh/go", tanhBackwardGo}, {"tanh/kernel", TanhBackward}, {"sigmoid/go", sigmoidBackwardGo}, {"sigmoid/kernel", SigmoidBackward}} {
		b.Run(c.name, func(b *testing.B) {
			b.SetBytes(4 * n)
			for b.Loop() {
				c.f(dx, y, d)
			}
		})
	}
}
