//go:build !unix

package kernels

import "time"

// processCPU is not available here: false.
func processCPU() (time.Duration, bool) { return 0, false }
