//go:build !amd64 && !arm64

package kernels

// archKernels lists the assembly kernels of this architecture: none, so the
// pure-Go kernel runs.
func archKernels() []*microKernel { return nil }

// packBT packs one transposed panel of B: panel[p*nr+j] = b[j*ldb+p] for
// p < kb, j < nw, and zero for nw ≤ j < nr.
func packBT(kr *microKernel, panel, b []float32, ldb, kb, nw, nr int) {
	packBTGo(panel, b, ldb, kb, nw, nr)
}

// packARows packs whole A micro-panels with assembly: none here, so packA
// does all of them.
func packARows(dst, a []float32, lda, i0, mb, p0, kb, mr int) int { return 0 }
