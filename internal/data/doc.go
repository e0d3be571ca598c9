// Package data reads the image classification sets resexp trains on
// (MNIST, Fashion-MNIST, CIFAR-10, CIFAR-100 with fine or coarse labels,
// and a built-in synthetic set), checks every file it reads, downloads
// and verifies the published files, and feeds shuffled, normalised,
// augmented batches to the training loop.
//
// Data sets are values: each is a *Dataset (name, input shape, classes,
// what "auto" normalisation and augmentation mean, files with checksums,
// sources, reader) defined in a file of its own and listed once in
// registry.go; Lookup and All answer every question about a set, so adding
// one is a new file and a registry line.
//
// Verification: every file is checked against its published MD5. Only
// CIFAR-100 publishes no per-file checksums (just the archive's MD5,
// 03b5dce01913d631647c71ecec9e9cb8 for cifar-100-binary.tar.gz): its
// train.bin and test.bin are checked by structure instead (exact size,
// both label bytes of every record in range), after the archive's MD5 has
// matched when they come from the archive.
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
