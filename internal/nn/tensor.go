package nn

import "fmt"

// Tensor is a dense float32 array of shape [N, C, H, W] in row-major NCHW
// order; len(Data) == N*C*H*W.
type Tensor struct {
	N, C, H, W int
	Data       []float32
}

// NewTensor returns a zeroed tensor of shape [n, c, h, w].
func NewTensor(n, c, h, w int) *Tensor {
	return &Tensor{N: n, C: c, H: h, W: w, Data: make([]float32, n*c*h*w)}
}

// Size is the number of elements per sample, C*H*W.
func (t *Tensor) Size() int { return t.C * t.H * t.W }

// Shape returns [N, C, H, W].
func (t *Tensor) Shape() [4]int { return [4]int{t.N, t.C, t.H, t.W} }

// String formats the shape, e.g. "[128 16 32 32]".
func (t *Tensor) String() string { return fmt.Sprint(t.Shape()) }

// SameShape reports whether t and u have equal shapes.
func (t *Tensor) SameShape(u *Tensor) bool { return t.Shape() == u.Shape() }

// ensure returns t if it already has shape [n, c, h, w]; else t reshaped
// in place to [n, c, h, w] if its storage holds that many elements (the
// contents are then unspecified); else a new zeroed tensor of that shape.
// Layers use it to size their buffers on the first batch and reuse them
// afterwards, also for a smaller batch (the partial last batch of an
// evaluation) and back, without allocating.
func ensure(t *Tensor, n, c, h, w int) *Tensor {
	if t != nil && t.N == n && t.C == c && t.H == h && t.W == w {
		return t
	}
	if size := n * c * h * w; t != nil && cap(t.Data) >= size {
		t.N, t.C, t.H, t.W, t.Data = n, c, h, w, t.Data[:size]
		return t
	}
	return NewTensor(n, c, h, w)
}
