//go:build !amd64 && !arm64

package kernels

// The float64 sums have assembly on amd64 and arm64; elsewhere their bulk
// functions run the Go references (see elem.go).

func sum64Bulk(x []float32) float64                              { return sum64Go(x) }
func sqDev64Bulk(x []float32, mu float64) float64                { return sqDev64Go(x, mu) }
func dotDev64Bulk(d, x []float32, mu float64) (float64, float64) { return dotDev64Go(d, x, mu) }
func dotDev64ReLUBulk(d, y, x []float32, mu float64) (float64, float64) {
	return dotDev64ReLUGo(d, y, x, mu)
}
func dotDev64ReLUOfBulk(d, x []float32, mu float64, m, s, t float32) (float64, float64) {
	return dotDev64ReLUOfGo(d, x, mu, m, s, t)
}

// reluOfAsm: see ReLUOfFast.
const reluOfAsm = false
