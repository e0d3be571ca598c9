package kernels

import "golang.org/x/sys/cpu"

// hasAVX2FMA reports whether the activation assembly may run.
var hasAVX2FMA = hasAVX2 && cpu.X86.HasFMA

// The bulk functions run the assembly on the first len&^7 elements and
// return how many they did, as in elem_amd64.go.

func tanhBulk(dst, x []float32) int {
	n := len(dst) &^ 7
	if !hasAVX2FMA || n == 0 {
		return 0
	}
	_ = x[n-1]
	tanhAVX2(&dst[0], &x[0], n, &tanhTab[0])
	return n
}

func sigmoidBulk(dst, x []float32) int {
	n := len(dst) &^ 7
	if !hasAVX2FMA || n == 0 {
		return 0
	}
	_ = x[n-1]
	sigmoidAVX2(&dst[0], &x[0], n, &sigmoidTab[0])
	return n
}

func tanhBackwardBulk(dx, y, dout []float32) int {
	n := len(dx) &^ 7
	if !hasAVX2 || n == 0 {
		return 0
	}
	_, _ = y[n-1], dout[n-1]
	tanhBackwardAVX2(&dx[0], &y[0], &dout[0], n)
	return n
}

func sigmoidBackwardBulk(dx, y, dout []float32) int {
	n := len(dx) &^ 7
	if !hasAVX2 || n == 0 {
		return 0
	}
	_, _ = y[n-1], dout[n-1]
	sigmoidBackwardAVX2(&dx[0], &y[0], &dout[0], n)
	return n
}

// The assembly kernels: n > 0 is a multiple of 8; tab is tanhTab or
// sigmoidTab; the contracts are those of the Go references in act.go.

//go:noescape
func tanhAVX2(dst, x *float32, n int, tab *[8]float32)

//go:noescape
func sigmoidAVX2(dst, x *float32, n int, tab *[8]float32)

//go:noescape
func tanhBackwardAVX2(dx, y, dout *float32, n int)

//go:noescape
func sigmoidBackwardAVX2(dx, y, dout *float32, n int)
