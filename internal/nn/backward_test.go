package nn

import "testing"

// TestBackwardPanics checks that each layer's Backward panics with
// errBackwardFirst before any Forward and with errBackwardShape for a dout
// whose shape is not the output's.
func TestBackwardPanics(t *testing.T) {
	for _, tc := range []struct {
		name string
		make func() Layer
	}{
		{"Conv2D", func() Layer { return NewConv2D("c", 2, 3, 3, 1, 1) }},
		{"BatchNorm2D", func() Layer { return NewBatchNorm2D("bn", 2) }},
		{"Activation", func() Layer { return NewActivation(Tanh) }},
		{"GlobalAvgPool", func() Layer { return NewGlobalAvgPool() }},
		{"Linear", func() Layer { return NewLinear("fc", 2*4*4, 3) }},
		{"PadShortcut", func() Layer { return NewPadShortcut(2, 4, 2) }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			wantPanic(t, "before Forward", errBackwardFirst, func() { tc.make().Backward(NewTensor(2, 2, 4, 4)) })
			l := tc.make()
			out := l.Forward(randTensor(newRand(1), 2, 2, 4, 4), true)
			wantPanic(t, "wrong dout", errBackwardShape, func() { l.Backward(NewTensor(out.N, out.C+1, out.H, out.W)) })
		})
	}
}

// wantPanic fails unless f panics with the value want.
func wantPanic(t *testing.T, what string, want string, f func()) {
	t.Helper()
	defer func() {
		t.Helper()
		if r := recover(); r != want {
			t.Errorf("%s: panic %v, want %q", what, r, want)
		}
	}()
	f()
}
