package data

import (
	"encoding/binary"
	"io/fs"
	"os"
	"path/filepath"
)

// IDX files (MNIST, Fashion-MNIST): a big-endian header, then unsigned
// bytes. Images: magic 0x00000803, count, rows, cols, then count*rows*cols
// pixels. Labels: magic 0x00000801, count, then count labels.
const (
	idxImagesMagic = 0x00000803
	idxLabelsMagic = 0x00000801
	idxImagesHdr   = 16
	idxLabelsHdr   = 8
	idxH, idxW     = 28, 28
	idxClasses     = 10
)

// idxSplit names the two files of one split and its published image count.
type idxSplit struct {
	images, labels string // base names, without .gz
	n              int
}

// idxSplits are the train and test splits shared by MNIST and Fashion-MNIST.
var idxSplits = [2]idxSplit{
	{"train-images-idx3-ubyte", "train-labels-idx1-ubyte", 60000},
	{"t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte", 10000},
}

// idxFileSpecs returns the four .gz files of IDX set name, in the order
// train images, train labels, test images, test labels (idxSplits), each
// with its published MD5 and the MD5 of its gunzipped data (sums[i][0],
// sums[i][1]) and the structural check of its kind.
func idxFileSpecs(name string, sums [4][2]string) []fileSpec {
	var files []fileSpec
	for i, sp := range idxSplits {
		for j, base := range []string{sp.images, sp.labels} {
			s := sums[2*i+j]
			files = append(files, fileSpec{Name: base + ".gz", MD5: s[0], RawMD5: s[1], Check: checkIDXFile(name, base)})
		}
	}
	return files
}

// fashionSystemDir is where Debian's dataset-fashion-mnist package puts
// the four .gz files.
var fashionSystemDir = "/usr/share/datasets/fashion-mnist"

// fashionDir returns dir, or fashionSystemDir when dir lacks the training
// images and that folder has them.
func fashionDir(dir string) string {
	if hasIDX(dir, idxSplits[0].images) || !hasIDX(fashionSystemDir, idxSplits[0].images) {
		return dir
	}
	return fashionSystemDir
}

// hasIDX reports whether dir holds base.gz or base.
func hasIDX(dir, base string) bool {
	_, err := findIDX(dir, base)
	return err == nil
}

// findIDX returns the path of base.gz in dir, else of base (gunzipped).
func findIDX(dir, base string) (string, error) {
	for _, p := range []string{filepath.Join(dir, base+".gz"), filepath.Join(dir, base)} {
		if st, err := os.Stat(p); err == nil && st.Mode().IsRegular() {
			return p, nil
		}
	}
	return "", fileErr(filepath.Join(dir, base+".gz"), "", fs.ErrNotExist,
		"missing: neither %s.gz nor %s is in %s", base, base, dir)
}

// loadIDXSet reads the train and test splits of MNIST or Fashion-MNIST.
func loadIDXSet(d *Dataset, dir string, _ LoadOptions) (train, test *Set, err error) {
	name := d.Name
	if train, err = readIDXSplit(name, dir, idxSplits[0]); err != nil {
		return nil, nil, err
	}
	if test, err = readIDXSplit(name, dir, idxSplits[1]); err != nil {
		return nil, nil, err
	}
	return train, test, nil
}

// readIDXSplit reads one split: sp.n images of 28x28 and as many labels.
func readIDXSplit(name, dir string, sp idxSplit) (*Set, error) {
	hint := downloadHint(name)
	ipath, err := findIDX(dir, sp.images)
	if err != nil {
		return nil, withHint(err, hint)
	}
	lpath, err := findIDX(dir, sp.labels)
	if err != nil {
		return nil, withHint(err, hint)
	}
	images, isum, err := readIDXImages(ipath, sp.n, damagedHint(name))
	if err != nil {
		return nil, err
	}
	labels, lsum, err := readIDXLabels(lpath, ipath, sp.n, damagedHint(name))
	if err != nil {
		return nil, err
	}
	return &Set{Name: name, C: 1, H: idxH, W: idxW, Classes: idxClasses,
		Images: images, Labels: labels, Files: []FileSum{isum, lsum}}, nil
}

// checkIDXFile returns a structural check of the IDX file of set name
// whose base name (without .gz) is base: header, counts, sizes, labels.
func checkIDXFile(name, base string) func(path string) error {
	return func(path string) error {
		for _, sp := range idxSplits {
			switch base {
			case sp.images:
				_, _, err := readIDXImages(path, sp.n, damagedHint(name))
				return err
			case sp.labels:
				_, _, err := readIDXLabels(path, sp.images, sp.n, damagedHint(name))
				return err
			}
		}
		return nil
	}
}

// withHint sets the hint of a *FileError.
func withHint(err error, hint string) error {
	if fe, ok := err.(*FileError); ok {
		fe.Hint = hint
	}
	return err
}

// readIDXImages reads an IDX image file that must hold want images of
// idxH x idxW pixels.
func readIDXImages(path string, want int, hint string) ([]uint8, FileSum, error) {
	d, err := openData(path, hint)
	if err != nil {
		return nil, FileSum{}, err
	}
	defer d.f.Close()
	total := int64(idxImagesHdr + want*idxH*idxW)
	var hdr [idxImagesHdr]byte
	if err := d.readFull(hdr[:], "the header", total); err != nil {
		return nil, FileSum{}, err
	}
	if err := checkIDXImagesHeader(d, hdr[:], want); err != nil {
		return nil, FileSum{}, err
	}
	images := make([]uint8, want*idxH*idxW)
	if err := d.readFull(images, "the image data", total); err != nil {
		return nil, FileSum{}, err
	}
	if err := d.expectEOF(total); err != nil {
		return nil, FileSum{}, err
	}
	return images, d.close(), nil
}

// checkIDXImagesHeader checks magic, dimensions and count.
func checkIDXImagesHeader(d *dataFile, hdr []byte, want int) error {
	n, err := idxImagesCount(d, hdr)
	if err != nil {
		return err
	}
	if n != want {
		return d.errOff(4, "wrong image count: expected %d, found %d", want, n)
	}
	return nil
}

// idxImagesCount checks the magic number and the image size (idxH x
// idxW) of an IDX image file's header and returns its image count.
func idxImagesCount(d *dataFile, hdr []byte) (int, error) {
	be := binary.BigEndian
	if m := be.Uint32(hdr[0:]); m != idxImagesMagic {
		return 0, d.errOff(0, "wrong magic number: expected 0x%08x (IDX images), found 0x%08x", idxImagesMagic, m)
	}
	if h, w := be.Uint32(hdr[8:]), be.Uint32(hdr[12:]); h != idxH || w != idxW {
		return 0, d.errOff(8, "wrong image size: expected %dx%d, found %dx%d", idxH, idxW, h, w)
	}
	return int(be.Uint32(hdr[4:])), nil
}

// readIDXLabels reads an IDX label file that must hold as many labels as
// the image file ipath holds images (want), each < idxClasses.
func readIDXLabels(path, ipath string, want int, hint string) ([]uint8, FileSum, error) {
	d, err := openData(path, hint)
	if err != nil {
		return nil, FileSum{}, err
	}
	defer d.f.Close()
	total := int64(idxLabelsHdr + want)
	var hdr [idxLabelsHdr]byte
	if err := d.readFull(hdr[:], "the header", total); err != nil {
		return nil, FileSum{}, err
	}
	if err := checkIDXLabelsHeader(d, hdr[:], ipath, want); err != nil {
		return nil, FileSum{}, err
	}
	labels := make([]uint8, want)
	if err := d.readFull(labels, "the labels", total); err != nil {
		return nil, FileSum{}, err
	}
	if err := checkLabels(d, labels, idxLabelsHdr, 1); err != nil {
		return nil, FileSum{}, err
	}
	if err := d.expectEOF(total); err != nil {
		return nil, FileSum{}, err
	}
	return labels, d.close(), nil
}

// checkIDXLabelsHeader checks magic and that the count matches the images.
func checkIDXLabelsHeader(d *dataFile, hdr []byte, ipath string, want int) error {
	n, err := idxLabelsCount(d, hdr)
	if err != nil {
		return err
	}
	if n != want {
		return d.errOff(4, "label count does not match the images: %s has %d images, this file has %d labels",
			ipath, want, n)
	}
	return nil
}

// idxLabelsCount checks the magic number of an IDX label file's header
// and returns its label count.
func idxLabelsCount(d *dataFile, hdr []byte) (int, error) {
	be := binary.BigEndian
	if m := be.Uint32(hdr[0:]); m != idxLabelsMagic {
		return 0, d.errOff(0, "wrong magic number: expected 0x%08x (IDX labels), found 0x%08x", idxLabelsMagic, m)
	}
	return int(be.Uint32(hdr[4:])), nil
}

// checkLabels checks that every label is < idxClasses; label i sits at
// byte offset base + i*stride of the data.
func checkLabels(d *dataFile, labels []uint8, base, stride int64) error {
	for i, l := range labels {
		if l >= idxClasses {
			e := d.errOff(base+int64(i)*stride, "bad label: expected 0..%d, found %d", idxClasses-1, l)
			e.Record = i
			return e
		}
	}
	return nil
}

// errOff returns a FileError at byte offset off of d's data.
func (d *dataFile) errOff(off int64, format string, args ...any) *FileError {
	e := d.errAt(-1, nil, format, args...)
	e.Offset = off
	return e
}
