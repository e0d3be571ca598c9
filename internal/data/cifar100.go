package data

// cifar100 is Krizhevsky's CIFAR-100: 50,000 training and 10,000 test
// images of 3x32x32, each with a fine label (100 classes) and a coarse one
// (20 superclasses); train.bin and test.bin of the canonical binary
// release. Only the archive's MD5 is published, so its members are checked
// by structure (size, record count, both label bytes of every record in
// range) after the archive's MD5 has matched; see cifarFileSpecs.
var cifar100 = &Dataset{Name: "cifar100", C: cifarC, H: cifarH, W: cifarW, Classes: 100, CoarseClasses: 20,
	Normalize: "pixel", Augment: true, classNames: cifar100Fine, coarseNames: cifar100Coarse,
	hint: "run `resexp data download cifar100`, or copy train.bin and test.bin of cifar-100-binary here by hand",
	load: func(_ *Dataset, dir string, opt LoadOptions) (*Set, *Set, error) {
		return loadCIFAR(cifar100Format, dir, opt.cifar100Pick())
	},
	fetch: func() *setSpec {
		return &setSpec{name: "cifar100", files: cifar100Files, sources: []source{cifar100Archive},
			manual: "download " + cifar100Archive.url + " (MD5 " + cifar100Archive.md5 + "), extract it and put train.bin and test.bin of " +
				cifar100Archive.prefix + " into DIR"}
	}}

// cifar100Archive is the canonical CIFAR-100 binary release (168,513,733
// bytes; its MD5 is the one published on the CIFAR page). A variable, so
// tests can point it at a local server.
var cifar100Archive = archive{
	url:    "https://www.cs.toronto.edu/~kriz/cifar-100-binary.tar.gz",
	md5:    "03b5dce01913d631647c71ecec9e9cb8",
	prefix: "cifar-100-binary/",
}

// cifar100Files are train.bin and test.bin, checked by structure.
var cifar100Files = cifarFileSpecs(cifar100Format)
