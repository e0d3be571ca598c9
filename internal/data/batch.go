package data

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
)

// ReadBatch reads the first count images of one batch file, recognised by
// its content: an IDX image file of MNIST's layout (1x28x28; gzipped or
// not) with its labels file, or a CIFAR-10 binary batch (records of a
// label byte and a 3x32x32 image). labels is the IDX labels file; ""
// looks beside path for the standard name ("images-idx3" replaced by
// "labels-idx1", with or without .gz). The files may hold more records
// than count. The Set is named after the format's data set (mnist or
// cifar10) and has no Files. Errors are *FileError naming the file (the
// batch or its labels file), where in it, what was expected and found;
// count must be at least 1.
func ReadBatch(path, labels string, count int) (*Set, error) {
	d, buf, err := openBatch(path)
	if err != nil {
		return nil, err
	}
	n := len(buf)
	switch {
	case n >= 4 && binary.BigEndian.Uint32(buf) == idxImagesMagic:
		return readIDXBatch(d, n, labels, count)
	case n > 0 && n%cifarRecord == 0:
		return readCIFARBatch(d, n/cifarRecord, count)
	}
	return nil, fileErr(path, "", nil, "neither a CIFAR-10 binary batch (records of %d bytes: a label and a %dx%dx%d image) nor an IDX image file (magic 0x%08x); its %d bytes fit neither",
		cifarRecord, cifarC, cifarH, cifarW, idxImagesMagic, n)
}

// openBatch reads the whole (gunzipped) data of path into memory and
// returns it, and a dataFile reading it, so its format can be told from
// its size and first bytes before it is parsed.
func openBatch(path string) (*dataFile, []byte, error) {
	d, err := openData(path, "")
	if err != nil {
		return nil, nil, err
	}
	defer d.f.Close()
	buf, err := io.ReadAll(d.r)
	if err != nil {
		return nil, nil, d.errAt(-1, err, "damaged data: %v", err)
	}
	return &dataFile{path: path, r: bytes.NewReader(buf), gz: d.gz, size: d.size}, buf, nil
}

// tooFew is the error for a batch file that holds n records, fewer than
// the count asked for.
func tooFew(d *dataFile, n, count int, what string) *FileError {
	e := d.errOff(4, "holds %d %s, fewer than the %d asked for", n, what, count)
	if what != "images" {
		e.Offset = -1
	}
	e.Hint = fmt.Sprintf("pass --count %d", n)
	return e
}

// readCIFARBatch reads the first count of the n records of a CIFAR-10
// binary batch, checking each label.
func readCIFARBatch(d *dataFile, n, count int) (*Set, error) {
	if n < count {
		return nil, tooFew(d, n, count, "CIFAR-10 records")
	}
	f := cifar10Format
	cf := cifarBin{name: filepath.Base(d.path), records: n}
	s := &Set{Name: f.set, C: cifarC, H: cifarH, W: cifarW, Classes: f.labels[0].classes,
		Images: make([]uint8, count*cifarImage), Labels: make([]uint8, count)}
	lb := make([]uint8, len(f.labels))
	for i := range count {
		if err := readCIFARRecord(d, f, cf, i, s.Image(i), lb); err != nil {
			return nil, err
		}
		s.Labels[i] = lb[0]
	}
	return s, nil
}

// readIDXBatch reads the first count images of an IDX image file of n
// bytes of data, and as many labels of its labels file.
func readIDXBatch(d *dataFile, n int, labels string, count int) (*Set, error) {
	var hdr [idxImagesHdr]byte
	if err := d.readFull(hdr[:], "the header", idxImagesHdr); err != nil {
		return nil, err
	}
	have, err := idxImagesCount(d, hdr[:])
	if err != nil {
		return nil, err
	}
	if total := idxImagesHdr + have*idxH*idxW; n != total {
		return nil, d.errOff(4, "header says %d images of %dx%d (%d bytes), the file has %d bytes of data",
			have, idxH, idxW, total, n)
	}
	if have < count {
		return nil, tooFew(d, have, count, "images")
	}
	s := &Set{Name: mnist.Name, C: 1, H: idxH, W: idxW, Classes: idxClasses, Images: make([]uint8, count*idxH*idxW)}
	if err := d.readFull(s.Images, "the image data", int64(n)); err != nil {
		return nil, err
	}
	if s.Labels, err = readIDXBatchLabels(d.path, labels, count); err != nil {
		return nil, err
	}
	return s, nil
}

// readIDXBatchLabels reads the first count labels of the labels file of
// the IDX image file images (labels, or found beside images).
func readIDXBatchLabels(images, labels string, count int) ([]uint8, error) {
	if labels == "" {
		var err error
		if labels, err = findLabels(images); err != nil {
			return nil, err
		}
	}
	d, buf, err := openBatch(labels)
	if err != nil {
		return nil, err
	}
	n := int64(len(buf))
	var hdr [idxLabelsHdr]byte
	if err := d.readFull(hdr[:], "the header", idxLabelsHdr); err != nil {
		return nil, err
	}
	have, err := idxLabelsCount(d, hdr[:])
	if err != nil {
		return nil, err
	}
	if int64(have) != n-idxLabelsHdr || have < count {
		return nil, d.errOff(4, "header says %d labels, the file has %d; %d are needed", have, n-idxLabelsHdr, count)
	}
	y := make([]uint8, count)
	if err := d.readFull(y, "the labels", n); err != nil {
		return nil, err
	}
	return y, checkLabels(d, y, idxLabelsHdr, 1)
}

// findLabels returns the labels file beside an IDX image file: its base
// name with "images" replaced by "labels" and "idx3" by "idx1", gzipped or
// not.
func findLabels(images string) (string, error) {
	dir, base := filepath.Split(images)
	base = strings.TrimSuffix(base, ".gz")
	lb := strings.Replace(strings.Replace(base, "images", "labels", 1), "idx3", "idx1", 1)
	var tried []string
	for _, name := range []string{lb, lb + ".gz"} {
		p := filepath.Join(dir, name)
		if _, err := os.Stat(p); err == nil && lb != base {
			return p, nil
		}
		tried = append(tried, p)
	}
	return "", &FileError{Path: images, Record: -1, Offset: -1,
		Msg:  "no labels file beside it (looked for " + strings.Join(tried, " and ") + ")",
		Hint: "pass --labels FILE"}
}
