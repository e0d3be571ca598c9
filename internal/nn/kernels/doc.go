// Package kernels holds resexp's numeric kernels: single-precision matrix
// multiply (GEMM) with a naive reference implementation beside the fast one.
//
// Matrices are row-major. op(X) is X or its transpose. Callers parallelise
// across independent GEMMs; each call here runs on the calling goroutine.
package kernels
