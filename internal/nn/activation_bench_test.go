package nn

import "testing"

// BenchmarkActivation measures one forward and one backward pass of each
// activation on a [128,16,32,32] tensor (the first stage of a CIFAR ResNet
// at batch 128), reporting the bytes of x read per pass.
func BenchmarkActivation(b *testing.B) {
	rng := newRand(1)
	x := randTensor(rng, 128, 16, 32, 32)
	dout := randTensor(rng, 128, 16, 32, 32)
	for _, k := range []ActKind{ReLU, Tanh, Sigmoid} {
		b.Run(k.String(), func(b *testing.B) {
			l := NewActivation(k)
			l.Forward(x, true)
			l.Backward(dout)
			b.SetBytes(int64(4 * len(x.Data)))
			b.ReportAllocs()
			b.ResetTimer()
			for b.Loop() {
				l.Forward(x, true)
				l.Backward(dout)
			}
		})
	}
}
