// Package models builds the CIFAR-style networks of He et al. 2015, §4.2:
// a 3x3 conv with 16 filters, three stages of n blocks with 16, 32 and 64
// filters (stride-2 downsampling at the first block of stages 2 and 3),
// global average pooling and a fully connected layer; depth = 6n+2.
//
// A residual net adds an identity shortcut around each block (option A:
// stride-2 subsampling and zero-padded channels where dimensions grow); the
// plain net of the same depth is the same stack without shortcuts, so both
// have the same parameters.
//
// Layer names are stable and shared by every file a run writes: "conv1" and
// "bn1" for the stem, "stage2.block3.conv1" inside blocks, "fc" at the end.
package models
