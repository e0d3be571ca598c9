//go:build !amd64

package kernels

// The amd64 transforms of Winograd2x2, which the portable code refers to;
// winoKind never picks them here.

func winoInputAVX512(rows *winoRows, dst *float32, lde, lddch, nch, nvec int) {
	panic("kernels: winoInputAVX512 called without AVX-512")
}

func winoInputAVX2(rows *winoRows, dst *float32, lde, lddch, nch, nvec int) {
	panic("kernels: winoInputAVX2 called without AVX2")
}

func winoOutputAVX512(src *float32, lde, ldch int, dst *float32, ldo, ldoch, nch, nvec, rows int, mask uint32) {
	panic("kernels: winoOutputAVX512 called without AVX-512")
}

func winoOutputAVX2(src *float32, lde, ldch int, dst *float32, ldo, ldoch, nch, nvec, rows int, mask *int32) {
	panic("kernels: winoOutputAVX2 called without AVX2")
}

func winoInputG2AVX512(src, dst *float32, lde, lddch, nch, hw int, masks *[6]uint16) {
	panic("kernels: winoInputG2AVX512 called without AVX-512")
}

func winoInputG4AVX512(src, dst *float32, lde, lddch, nch, hw int, masks *[6]uint16) {
	panic("kernels: winoInputG4AVX512 called without AVX-512")
}

func winoOutputG2AVX512(src *float32, lde, ldch int, dst *float32, ldoch, nch, nvec int) {
	panic("kernels: winoOutputG2AVX512 called without AVX-512")
}

func winoOutputG4AVX512(src *float32, lde, ldch int, dst *float32, ldoch, nch, nvec int) {
	panic("kernels: winoOutputG4AVX512 called without AVX-512")
}

func winoGradOutAVX512(src *float32, ldo, ldch int, dst *float32, lde, lddch, nch, nvec int) {
	panic("kernels: winoGradOutAVX512 called without AVX-512")
}

func winoGradOutG2AVX512(src *float32, ldch int, dst *float32, lde, lddch, nch, nvec int) {
	panic("kernels: winoGradOutG2AVX512 called without AVX-512")
}

func winoGradOutG4AVX512(src *float32, ldch int, dst *float32, lde, lddch, nch, nvec int) {
	panic("kernels: winoGradOutG4AVX512 called without AVX-512")
}

func winoDot4x4AVX512(a *float32, lda int, b *float32, ldb, nk int, c *float32, ldc, mb, nb int) {
	panic("kernels: winoDot4x4AVX512 called without AVX-512")
}

func wino4InputAVX512(tw int, x *float32, hw int, rows *wino4Rows, dst *float32, lde, lddch, nch int, tmp *float32) {
	panic("kernels: wino4InputAVX512 called without AVX-512")
}

func wino4InputAVX2(tw int, x *float32, hw int, rows *wino4Rows, dst *float32, lde, lddch, nch int, tmp *float32) {
	panic("kernels: wino4InputAVX2 called without AVX2")
}

func wino4OutputAVX2(tw int, src *float32, lde, ldsch int, out *float32, hw int, rows *wino4Rows, nch int, tmp *float32) {
	panic("kernels: wino4OutputAVX2 called without AVX2")
}

func wino4OutputAVX512(tw int, src *float32, lde, ldsch int, out *float32, hw int, rows *wino4Rows, nch int, tmp *float32) {
	panic("kernels: wino4OutputAVX512 called without AVX-512")
}

func wino4GradOutAVX512(tw int, dy *float32, hw int, rows *wino4Rows, dst *float32, lde, lddch, nch int, tmp *float32) {
	panic("kernels: wino4GradOutAVX512 called without AVX-512")
}
