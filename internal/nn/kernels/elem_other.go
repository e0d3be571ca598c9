//go:build !amd64

package kernels

// Without assembly the bulk functions do nothing (return 0) or run the Go
// references; see elem.go.

func reluBulk(dst, x []float32) int                                      { return 0 }
func reluBackwardBulk(dx, y, dout []float32) int                         { return 0 }
func addBulk(dst, a, b []float32, relu bool) int                         { return 0 }
func scaleShiftBulk(dst, x []float32, mu, s, t float32, relu bool) int   { return 0 }
func bnBackwardBulk(dst, d, x []float32, mu, a, b, c float32) int        { return 0 }
func sum64Bulk(x []float32) float64                                      { return sum64Go(x) }
func sqDev64Bulk(x []float32, mu float64) float64                        { return sqDev64Go(x, mu) }
func dotDev64Bulk(d, x []float32, mu float64) (float64, float64)         { return dotDev64Go(d, x, mu) }
func bnBackwardReLUBulk(dst, d, y, x []float32, mu, a, b, c float32) int { return 0 }
func dotDev64ReLUBulk(d, y, x []float32, mu float64) (float64, float64) {
	return dotDev64ReLUGo(d, y, x, mu)
}
