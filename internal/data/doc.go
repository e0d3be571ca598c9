// Package data reads the image classification sets resexp trains on
// (MNIST, Fashion-MNIST, CIFAR-10 and a built-in synthetic set), checks
// every file it reads, downloads and verifies the published files, and
// feeds shuffled, normalised, augmented batches to the training loop.
//
// Layout, used everywhere in this package:
//
//	N   number of images        C, H, W   channels, height, width
//
// A Set holds its images as raw bytes, one image after another, each in
// CHW order: byte (n, c, h, w) is at ((n*C+c)*H+h)*W+w. Batches handed to
// the network are float32 in the same NCHW order.
//
// Randomness is seeded and stateless: the order of epoch e is a permutation
// drawn from a PCG generator seeded by (seed, e), and the augmentation of
// the sample at position i of epoch e depends only on (seed, e, i). A run
// can therefore be resumed from (epoch, batch index) and see the same
// stream of batches it would have seen without the interruption.
//
// Problems with files (missing, truncated, wrong magic number, bad label,
// checksum mismatch) are returned as errors that name the file, the byte
// offset, what was expected, what was found and what to do. Programmer
// errors (a buffer of the wrong length, a batch size larger than the set)
// panic with messages prefixed "data: ".
//
// This package imports no other resexp package.
package data
