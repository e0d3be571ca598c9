// Package models builds the CIFAR-style networks of He et al. 2015, §4.2:
// a 3x3 conv with 16 filters, three stages of n blocks with 16, 32 and 64
// filters (stride-2 downsampling at the first block of stages 2 and 3),
// global average pooling and a fully connected layer; depth = 6n+2.
//
// A residual net adds a shortcut around each block; the plain net of the
// same depth is the same stack without shortcuts, so both have the same
// parameters (with option A). Spec selects the variants:
//
//   - shortcut options (He et al. 2015, §3.3): A identity, with stride-2
//     subsampling and zero-padded channels where dimensions grow; B a 1x1
//     projection conv (+BN) where they grow; C a projection everywhere.
//   - blocks: basic (3x3, 3x3; depth 6n+2) or bottleneck (1x1 reduce, 3x3,
//     1x1 expand to 4x the stage width; depth 9n+2; He et al. 2016's
//     ResNet-164 and ResNet-1001 with option B and pre-activation).
//   - pre-activation (He et al. 2016, "Identity Mappings"): BN-act-conv
//     inside each branch, nothing after the addition, BN-act before pooling.
//   - normalisation batch or none, activation relu, tanh or sigmoid, and
//     zero-initialised residual branches (see Model.Init).
//
// Layer names are stable and shared by every file a run writes (gradnorms,
// responses, checkpoints, `resexp model`):
//
//	conv1, bn1                   the stem (no bn1 in a pre-activation net)
//	stageS.blockB.convK          the K-th conv of a block's branch (K = 1..3)
//	stageS.blockB.bnK            the BN after convK; before it if pre-activation
//	stageS.blockB.shortcut       the 1x1 projection conv of options B and C
//	stageS.blockB.shortcut.bn    its BN (post-activation nets only)
//	bn_final                     the pre-activation net's BN before pooling
//	pool, fc                     global average pooling, the fc layer
//
// Recorded layers (Model.Weighted: every conv and the fc layer) are in depth
// order, a block's projection conv after the convs of its branch.
package models
