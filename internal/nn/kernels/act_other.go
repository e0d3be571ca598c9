//go:build !amd64 && !arm64

package kernels

// hasAVX2FMA is false: there is no activation assembly here.
const hasAVX2FMA = false

// Without assembly the bulk functions do nothing; see act.go.

func tanhBulk(dst, x []float32) int                 { return 0 }
func sigmoidBulk(dst, x []float32) int              { return 0 }
func tanhBackwardBulk(dx, y, dout []float32) int    { return 0 }
func sigmoidBackwardBulk(dx, y, dout []float32) int { return 0 }
