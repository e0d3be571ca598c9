//go:build !amd64 && !arm64

package kernels

// Without assembly the bulk functions do nothing (return 0); see elem.go.

func reluBulk(dst, x []float32) int                                           { return 0 }
func reluBackwardBulk(dx, y, dout []float32) int                              { return 0 }
func addBulk(dst, a, b []float32, relu bool) int                              { return 0 }
func scaleShiftBulk(dst, x []float32, mu, s, t float32, relu bool) int        { return 0 }
func scaleShiftAddBulk(dst, x, a []float32, mu, s, t float32, relu bool) int  { return 0 }
func addReLUBackwardBulk(dst, a, y, dout []float32) int                       { return 0 }
func bnBackwardReLUOfBulk(dst, d, x []float32, mu, s, t, a, b, c float32) int { return 0 }
func bnBackwardBulk(dst, d, x []float32, mu, a, b, c float32) int             { return 0 }
func bnBackwardReLUBulk(dst, d, y, x []float32, mu, a, b, c float32) int      { return 0 }
