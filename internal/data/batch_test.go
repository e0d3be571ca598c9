package data

import (
	"errors"
	"testing"
)

// TestReadBatch reads the first images of a gzipped IDX file (labels found
// beside it) and of a CIFAR-10 batch, and checks the refusals: too few
// records, a bad label, a file of neither format.
func TestReadBatch(t *testing.T) {
	dir := t.TempDir()
	ipath := writeFile(t, dir, "x-images-idx3-ubyte.gz", gz(t, idxImages(idxImagesMagic, 5, 28, 28)))
	writeFile(t, dir, "x-labels-idx1-ubyte", idxLabels(idxLabelsMagic, 5))
	s, err := ReadBatch(ipath, "", 3)
	if err != nil {
		t.Fatal(err)
	}
	if s.Name != "mnist" || s.Len() != 3 || s.C != 1 || s.Labels[2] != 2 || s.Image(2)[5] != 7 {
		t.Errorf("IDX batch: %s, %d images %dx%dx%d, label 2 = %d, image 2 byte 5 = %d",
			s.Name, s.Len(), s.C, s.H, s.W, s.Labels[2], s.Image(2)[5])
	}
	_, err = ReadBatch(ipath, "", 6)
	wantErr(t, err, ipath+": at byte offset 4: holds 5 images, fewer than the 6 asked for; pass --count 5")

	rec := make([]byte, 3*cifarRecord)
	rec[cifarRecord] = 7
	rec[cifarRecord+1+100] = 42
	cpath := writeFile(t, dir, "b.bin", rec)
	s, err = ReadBatch(cpath, "", 2)
	if err != nil {
		t.Fatal(err)
	}
	if s.Name != "cifar10" || s.Len() != 2 || s.C != 3 || s.Labels[1] != 7 || s.Image(1)[100] != 42 {
		t.Errorf("CIFAR batch: %s, %d images %dx%dx%d, label 1 = %d, image 1 byte 100 = %d",
			s.Name, s.Len(), s.C, s.H, s.W, s.Labels[1], s.Image(1)[100])
	}
	rec[2*cifarRecord] = 10
	writeFile(t, dir, "b.bin", rec)
	_, err = ReadBatch(cpath, "", 3)
	wantErr(t, err, cpath+": record 2 at byte offset 6146: bad label: expected 0..9, found 10")
	var fe *FileError
	if !errors.As(err, &fe) || fe.Record != 2 {
		t.Errorf("error %v: not a *FileError for record 2", err)
	}
	_, err = ReadBatch(writeFile(t, dir, "odd", []byte("odd")), "", 1)
	wantErr(t, err, "neither a CIFAR-10 binary batch", "its 3 bytes fit neither")
}
