// Package nn is resexp's neural-network engine: float32 tensors in NCHW
// layout and layers with explicit, adjacent forward and backward passes.
//
// Shape convention, used in every file of this package:
//
//	N   batch size            C, H, W   input channels, height, width
//	OC  output channels       KH, KW    kernel height, width
//	OH, OW                    output height, width
//
// A tensor [N, C, H, W] stores element (n, c, h, w) at ((n*C+c)*H+h)*W+w.
// Vectors (the logits of a Linear layer, say) are [N, C, 1, 1].
//
// Gradient buffers are d-prefixed: dout is dLoss/dOutput, dx is dLoss/dInput,
// and a Param's Grad is dLoss/dParam.
//
// Every layer sizes its buffers on the first batch and reuses them, so a
// training step after the first does not allocate. A tensor returned by
// Forward or Backward is owned by the layer and is valid until that layer's
// next call of the same method.
//
// Work buffers needed only during one call (im2col matrices, per-chunk
// partial sums) come from a shared pool rather than from each layer, so their
// memory does not grow with depth. Sequential runs a BatchNorm2D followed by a
// ReLU, and Residual runs its addition and ReLU, as fused passes with the
// same results as the layers one by one.
//
// Layers split the batch into a fixed number of chunks (see Chunks) and run
// the chunks on all cores; reductions across the batch add the chunks' partial
// sums in chunk order, so results are bit-identical whatever GOMAXPROCS is.
//
// Programmer errors (mismatched shapes, a Backward before a Forward) panic
// with messages prefixed "nn: ".
package nn
