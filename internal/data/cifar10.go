package data

// cifar10 is Krizhevsky's CIFAR-10: 50,000 training and 10,000 test
// images of 3x32x32 in 10 classes, the six .bin files of the canonical
// binary release. "auto" means the paper's per-pixel mean subtraction and
// pad-crop-flip augmentation.
var cifar10 = &Dataset{Name: "cifar10", C: cifarC, H: cifarH, W: cifarW, Classes: cifarClasses,
	Normalize: "pixel", Augment: true,
	classNames: []string{"airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck"},
	hint:       "run `resexp data download cifar10` or `make data`, or copy the six .bin files of cifar-10-batches-bin here by hand",
	load: func(_ *Dataset, dir string, _ LoadOptions) (*Set, *Set, error) {
		return loadCIFAR(cifar10Format, dir, 0)
	},
	fetch: func() *setSpec {
		return &setSpec{name: "cifar10", files: cifarFiles, sources: []source{cifarArchive},
			manual: "download " + cifarArchive.url + ", extract it and put the six .bin files of " +
				cifarArchive.prefix + " into DIR"}
	}}

// cifarArchive is the canonical CIFAR-10 binary release. A variable, so
// tests can point it at a local server.
var cifarArchive = archive{
	url:    "https://www.cs.toronto.edu/~kriz/cifar-10-binary.tar.gz",
	md5:    "c32a1d4ab5d03f1284b67883e8d87530",
	prefix: "cifar-10-batches-bin/",
}

// cifarFiles are the six members of cifarArchive with their MD5s, as
// extracted from it.
var cifarFiles = withChecks(func(name string) func(string) error { return checkCIFARNamed(cifar10Format, name) }, []fileSpec{
	{Name: "data_batch_1.bin", MD5: "5dd7e06a14cb22eb9f671a540d1b7c25"},
	{Name: "data_batch_2.bin", MD5: "5ea93a67294ea407fff1d09f752e9692"},
	{Name: "data_batch_3.bin", MD5: "942cd6a4bcdd0dd3c604fbe906cb4421"},
	{Name: "data_batch_4.bin", MD5: "ae636b3ba5c66a11e91e8cb52e771fcb"},
	{Name: "data_batch_5.bin", MD5: "53f37980c15c3d472c316c40844f3f0d"},
	{Name: "test_batch.bin", MD5: "803d5f7f4d78ea53de84dbe85f74fb6d"},
})
