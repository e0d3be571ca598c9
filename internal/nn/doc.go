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
// A model's first convolution skips dx in training (Conv2D.NoInputGrad);
// Sequential.BackwardInput computes the gradient with respect to the net's
// input on demand, and a training step that does not ask pays nothing.
//
// Every layer sizes its buffers on the first batch and reuses them, so a
// training step after the first does not allocate; a smaller batch (the
// partial last batch of an evaluation) reuses them too, reshaped in place.
// A tensor returned by Forward or Backward is owned by the layer and is
// valid until that layer's next call of the same method. A layer keeps its
// input x from Forward for Backward, so the caller must leave x unchanged
// until then.
//
// Inside a Sequential or Residual the layers' memory is shared where its
// contents are dead:
//
//   - Input gradients. The gradient passed from one child to the one before
//     it comes from a pool owned by the outermost container whose Backward
//     was called, and goes back to it once consumed, so a network holds a
//     few gradient tensors per shape instead of one per layer. A child's
//     own Backward buffer is then never allocated; only the gradient the
//     outermost Backward returns is valid after it.
//   - Outputs nothing reads in Backward. Sequential runs a BatchNorm2D
//     followed by a ReLU, and Residual runs the BatchNorm2D that ends its
//     body with the addition and the ReLU, as fused passes that write only
//     the ReLU's output. The BatchNorm2D's own output is not stored; its
//     Output method recomputes it on demand. Results are bit for bit those
//     of the layers run one by one.
//
// In training, the passes of the element-wise layers between two
// convolutions run inside the convolutions' passes where they can, on each
// image while it is in cache (see Sequential.Forward and Backward): a
// Conv2D gathers the batch statistics of the BatchNorm2D after it as it
// writes each image; a Conv2D that follows a BatchNorm2D (and ReLU) applies
// that map to each image of its input just before reading it, and in the
// backward pass writes that batch norm's input gradient image by image as
// it reads it; a residual block with an identity shortcut never forms its
// ReLU's gradient. Results are bit for bit those of the layers run one by
// one.
//
// Work buffers needed only during one call (padded images, im2col
// matrices, per-chunk partial sums) come from a process-wide free list
// rather than from each layer, so their memory does not grow with depth
// either.
//
// Layers split the batch into a fixed number of chunks (see Chunks) and run
// the chunks on all cores; reductions across the batch add the chunks' (or
// the images') partial sums in a fixed order, so results are bit-identical
// whatever GOMAXPROCS is.
//
// Programmer errors (mismatched shapes, a Backward before a Forward) panic
// with messages prefixed "nn: ".
package nn
