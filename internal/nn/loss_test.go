package nn

import (
	"math"
	"testing"
)

func TestSoftmaxCrossEntropyUniform(t *testing.T) {
	logits := NewTensor(3, 10, 1, 1)
	for i := range logits.Data {
		logits.Data[i] = 3.7
	}
	l := NewSoftmaxCrossEntropy()
	loss, _ := l.Forward(logits, []uint8{0, 4, 9})
	if want := math.Log(10); math.Abs(loss-want) > 1e-12 {
		t.Errorf("loss of uniform logits = %.15g, want ln 10 = %.15g", loss, want)
	}
	d := l.Backward()
	for i, v := range d.Data {
		want := 0.1 / 3
		if i == 0 || i == 14 || i == 29 {
			want = (0.1 - 1) / 3
		}
		if math.Abs(float64(v)-want) > 1e-7 {
			t.Errorf("dlogits[%d] = %g, want %g", i, v, want)
		}
	}
}

func TestSoftmaxCrossEntropyWrong(t *testing.T) {
	logits := &Tensor{N: 4, C: 3, H: 1, W: 1, Data: []float32{
		1, 5, 2, // argmax 1
		0, 0, 0, // tie: first maximum, 0
		-1, -2, -0.5, // argmax 2
		9, 9, 1, // tie: 0
	}}
	for _, tc := range []struct {
		labels []uint8
		wrong  int
	}{
		{[]uint8{1, 0, 2, 0}, 0},
		{[]uint8{0, 1, 2, 1}, 3},
		{[]uint8{2, 2, 0, 2}, 4},
	} {
		if _, wrong := NewSoftmaxCrossEntropy().Forward(logits, tc.labels); wrong != tc.wrong {
			t.Errorf("labels %v: wrong = %d, want %d", tc.labels, wrong, tc.wrong)
		}
	}
}

// TestSoftmaxCrossEntropyLarge checks the log-sum-exp shift: logits of 1e4
// would overflow exp without it. loss = ln(1+e^-1) for logits (1e4, 1e4-1).
func TestSoftmaxCrossEntropyLarge(t *testing.T) {
	logits := &Tensor{N: 1, C: 2, H: 1, W: 1, Data: []float32{1e4, 1e4 - 1}}
	loss, wrong := NewSoftmaxCrossEntropy().Forward(logits, []uint8{0})
	if want := math.Log1p(math.Exp(-1)); math.Abs(loss-want) > 1e-12 || wrong != 0 {
		t.Errorf("loss, wrong = %g, %d, want %g, 0", loss, wrong, want)
	}
}

func TestSoftmaxCrossEntropyNonFinite(t *testing.T) {
	nan, inf := float32(math.NaN()), float32(math.Inf(1))
	for _, z := range [][]float32{{nan, 0, 1}, {0, nan, 1}, {0, 1, inf}, {float32(math.Inf(-1)), 0, inf}} {
		logits := &Tensor{N: 1, C: 3, H: 1, W: 1, Data: z}
		loss, wrong := NewSoftmaxCrossEntropy().Forward(logits, []uint8{0})
		if !math.IsNaN(loss) && !math.IsInf(loss, 0) {
			t.Errorf("logits %v: loss %g is finite", z, loss)
		}
		if wrong != 1 {
			t.Errorf("logits %v: wrong = %d, want 1", z, wrong)
		}
	}
}

func TestParseActKind(t *testing.T) {
	for _, k := range []ActKind{ReLU, Tanh, Sigmoid} {
		got, err := ParseActKind(k.String())
		if err != nil || got != k {
			t.Errorf("ParseActKind(%q) = %v, %v", k.String(), got, err)
		}
	}
	if _, err := ParseActKind("gelu"); err == nil {
		t.Error("ParseActKind(\"gelu\") did not fail")
	}
}
