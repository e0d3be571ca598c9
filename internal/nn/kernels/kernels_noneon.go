//go:build !arm64

package kernels

// The arm64 assembly's names, which the portable code refers to, on the
// other architectures (arm64's own are in kernels_arm64.go).

// neonKernel does not exist here; activeConvKind compares with it.
var neonKernel *microKernel

func conv8x8NEON(k3 int, a, b *float32, offs *int, masks *int32, c *float32, ldc int, acc bool) {
	panic("kernels: conv8x8NEON called off arm64")
}

func transposeRows4NEON(dst *float32, ldd int, src *float32, offs *int, masks *int32, n int) {
	panic("kernels: transposeRows4NEON called off arm64")
}
