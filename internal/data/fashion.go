package data

// fashionMNIST is Zalando's Fashion-MNIST: MNIST's layout (1x28x28, 60,000
// + 10,000 images, four IDX files) with pictures of clothes. When the
// folder asked for lacks the files, they are read from where Debian's
// dataset-fashion-mnist package installs them.
var fashionMNIST = &Dataset{Name: "fashion-mnist", C: 1, H: idxH, W: idxW, Classes: idxClasses,
	Normalize: "channel",
	classNames: []string{"T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt",
		"Sneaker", "Bag", "Ankle boot"},
	load: loadIDXSet, resolve: fashionDir,
	fetch: func() *setSpec {
		return &setSpec{name: "fashion-mnist", files: fashionFiles,
			sources: append([]source{debianFolder{"dataset-fashion-mnist", fashionSystemDir}}, mirrorSources(fashionMirrors)...),
			manual: "install Debian's dataset-fashion-mnist package (files in " + fashionSystemDir +
				"), or download the four files from " + urlOr(fashionMirrors, "a Fashion-MNIST mirror") + " into DIR"}
	}}

// fashionMirrors are base URLs serving the canonical Fashion-MNIST .gz
// files. A variable, so tests can point it at a local server.
var fashionMirrors = []string{
	"http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/",
}

// fashionFiles are the canonical .gz files: the published MD5 of each and
// the MD5 of its gunzipped data.
// Debian's package recompresses them (no file name in the gzip header), so
// its .gz files differ and are verified by the MD5 of their gunzipped
// data, which equals the canonical data's.
var fashionFiles = idxFileSpecs("fashion-mnist", [4][2]string{
	{"8d4fb7e6c68d591d4c3dfef9ec88bf0d", "f4a8712d7a061bf5bd6d2ca38dc4d50a"},
	{"25c81989df183df01b3e8a0aad5dffbe", "9018921c3c673c538a1fc5bad174d6f9"},
	{"bef4ecab320f06d8554ea6380940ec79", "8181f5470baa50b63fa0f6fddb340f0a"},
	{"bb300cfdad3c16e7a12a480ee83cd310", "15d484375f8d13e6eb1aabb0c3f46965"},
})
