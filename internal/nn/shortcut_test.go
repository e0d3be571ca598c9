package nn

import (
	"fmt"
	"testing"
)

// TestPadShortcutPositions checks every output element against the
// reference semantics of resnet_cifar.py: sc = x[:, :, ::s, ::s], then
// F.pad(sc, (0, 0, 0, 0, pad//2, pad - pad//2)) with pad = OC-C.
func TestPadShortcutPositions(t *testing.T) {
	for _, tc := range []struct{ n, c, oc, s, h, w int }{
		{2, 16, 32, 2, 8, 8},
		{2, 3, 8, 2, 5, 5},
		{1, 3, 4, 1, 3, 2},
		{2, 4, 4, 1, 3, 3},
		{1, 2, 5, 3, 7, 4},
	} {
		t.Run(fmt.Sprintf("%d_to_%d_s%d_%dx%d", tc.c, tc.oc, tc.s, tc.h, tc.w), func(t *testing.T) {
			x := NewTensor(tc.n, tc.c, tc.h, tc.w)
			for i := range x.Data {
				x.Data[i] = float32(i + 1)
			}
			l := NewPadShortcut(tc.c, tc.oc, tc.s)
			out := l.Forward(x, true)
			oh, ow := len(seq(0, tc.h, tc.s)), len(seq(0, tc.w, tc.s))
			if want := [4]int{tc.n, tc.oc, oh, ow}; out.Shape() != want {
				t.Fatalf("shape %v, want %v", out.Shape(), want)
			}
			pad := tc.oc - tc.c
			for n := range tc.n {
				for o := range tc.oc {
					for y, h := range seq(0, tc.h, tc.s) {
						for z, w := range seq(0, tc.w, tc.s) {
							var want float32
							if c := o - pad/2; c >= 0 && c < tc.c {
								want = x.Data[((n*tc.c+c)*tc.h+h)*tc.w+w]
							}
							if got := out.Data[((n*tc.oc+o)*oh+y)*ow+z]; got != want {
								t.Errorf("out[%d,%d,%d,%d] = %g, want %g", n, o, y, z, got, want)
							}
						}
					}
				}
			}
		})
	}
}

// seq returns lo, lo+step, ... below hi, as Python's range.
func seq(lo, hi, step int) []int {
	var s []int
	for i := lo; i < hi; i += step {
		s = append(s, i)
	}
	return s
}
