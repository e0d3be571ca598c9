//go:build !amd64

package kernels

// The amd64 assembly's names, which the portable code refers to, on the
// other architectures (arm64's own kernels are in kernels_arm64.go).

// hasAVX512 and hasConvAVX2: no amd64 assembly here.
const (
	hasAVX512   = false
	hasConvAVX2 = false
)

func conv6x16AVX2(k3 int, a, b *float32, offs *int, masks *int32, c *float32, ldc int, acc bool) {
	panic("kernels: conv6x16AVX2 called without AVX2")
}

func conv6x16FullAVX2(k3 int, a, b *float32, offs *int, masks *int32, c *float32, ldc int, acc bool) {
	panic("kernels: conv6x16FullAVX2 called without AVX2")
}

func conv4x24FullAVX2(k3 int, a, b *float32, offs *int, masks *int32, c *float32, ldc int, acc bool) {
	panic("kernels: conv4x24FullAVX2 called without AVX2")
}

func conv4x16AVX2(k3 int, a, b *float32, offs *int, masks *int32, c *float32, ldc int, acc bool) {
	panic("kernels: conv4x16AVX2 called without AVX2")
}

func conv4x16FullAVX2(k3 int, a, b *float32, offs *int, masks *int32, c *float32, ldc int, acc bool) {
	panic("kernels: conv4x16FullAVX2 called without AVX2")
}

func conv8x32AVX512(k3 int, a, b *float32, offs *int, masks *uint16, c *float32, ldc int, acc bool) {
	panic("kernels: conv8x32AVX512 called without AVX-512")
}

func transposeRows16AVX512(dst *float32, ldd int, src *float32, offs *int, masks *uint16) {
	panic("kernels: transposeRows16AVX512 called without AVX-512")
}

// avx512Kernel, avx2Kernel and avx2Kernel4x24 do not exist here;
// activeConvKind and Conv3x3.gradKernel compare with them.
var avx512Kernel, avx2Kernel, avx2Kernel4x24 *microKernel

// siblingKernels lists the kernels Sgemm never picks but Conv3x3 may: none
// here.
func siblingKernels() []*microKernel { return nil }

func dot4x6AVX512(nq int, imgs int, d *float32, ldd, dnext int, x *float32, offs *int, xnext int, masks *uint16, dw *float32, ldw int) {
	panic("kernels: dot4x6AVX512 called without AVX-512")
}

func dot2x6AVX2(nfull, tail, imgs int, d *float32, ldd, dnext int, x *float32, offs *int, xnext int, masks *int32, dw *float32, ldw int) {
	panic("kernels: dot2x6AVX2 called without AVX2")
}

func transposeRows8AVX2(dst *float32, ldd int, src *float32, offs *int, masks *int32) {
	panic("kernels: transposeRows8AVX2 called without AVX2")
}
