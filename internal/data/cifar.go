package data

import (
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
)

// CIFAR-10 binary version: each .bin file is cifarRecords records of one
// label byte and 3072 pixel bytes (1024 red, 1024 green, 1024 blue; each
// plane 32x32 row-major), so a record is already one CHW image.
const (
	cifarC, cifarH, cifarW = 3, 32, 32
	cifarImage             = cifarC * cifarH * cifarW
	cifarRecord            = 1 + cifarImage
	cifarRecords           = 10000
	cifarFileSize          = cifarRecords * cifarRecord // 30,730,000
	cifarClasses           = 10
)

// cifarTrainFiles and cifarTestFiles are the files of the binary release.
var (
	cifarTrainFiles = []string{"data_batch_1.bin", "data_batch_2.bin", "data_batch_3.bin", "data_batch_4.bin", "data_batch_5.bin"}
	cifarTestFiles  = []string{"test_batch.bin"}
)

// loadCIFAR10 reads the 50,000 training and 10,000 test images from dir.
func loadCIFAR10(dir string) (train, test *Set, err error) {
	if train, err = readCIFARFiles(dir, cifarTrainFiles); err != nil {
		return nil, nil, err
	}
	if test, err = readCIFARFiles(dir, cifarTestFiles); err != nil {
		return nil, nil, err
	}
	return train, test, nil
}

// readCIFARFiles reads the named .bin files of dir, in order, into one Set.
func readCIFARFiles(dir string, names []string) (*Set, error) {
	s := &Set{Name: "cifar10", C: cifarC, H: cifarH, W: cifarW, Classes: cifarClasses,
		Images: make([]uint8, len(names)*cifarRecords*cifarImage),
		Labels: make([]uint8, len(names)*cifarRecords)}
	for i, name := range names {
		lo, hi := i*cifarRecords, (i+1)*cifarRecords
		sum, err := readCIFARFile(filepath.Join(dir, name), s.Images[lo*cifarImage:hi*cifarImage], s.Labels[lo:hi])
		if err != nil {
			return nil, err
		}
		s.Files = append(s.Files, sum)
	}
	return s, nil
}

// readCIFARFile reads one .bin file of cifarRecords records into images
// and labels, checking its size and every label.
func readCIFARFile(path string, images, labels []uint8) (FileSum, error) {
	if err := checkCIFARSize(path); err != nil {
		return FileSum{}, err
	}
	d, err := openData(path, damagedHint("cifar10"))
	if err != nil {
		return FileSum{}, err
	}
	defer d.f.Close()
	for i := range labels {
		if err := readCIFARRecord(d, i, images[i*cifarImage:(i+1)*cifarImage], labels[i:i+1]); err != nil {
			return FileSum{}, err
		}
	}
	if err := d.expectEOF(cifarFileSize); err != nil {
		return FileSum{}, err
	}
	return d.close(), nil
}

// readCIFARRecord reads record i: its label into label[0], pixels into img.
func readCIFARRecord(d *dataFile, i int, img, label []uint8) error {
	what := fmt.Sprintf("record %d", i)
	if err := d.readFull(label, what, cifarFileSize); err != nil {
		return err
	}
	if label[0] >= cifarClasses {
		e := d.errOff(int64(i)*cifarRecord, "bad label: expected 0..%d, found %d", cifarClasses-1, label[0])
		e.Record = i
		return e
	}
	return d.readFull(img, what, cifarFileSize)
}

// checkCIFARSize checks that path exists and is exactly cifarFileSize bytes.
func checkCIFARSize(path string) error {
	st, err := os.Stat(path)
	if err != nil {
		if os.IsNotExist(err) {
			return fileErr(path, downloadHint("cifar10"), fs.ErrNotExist, "missing")
		}
		return fileErr(path, downloadHint("cifar10"), err, "cannot stat: %v", err)
	}
	if n := st.Size(); n != cifarFileSize {
		e := fileErr(path, damagedHint("cifar10"), nil, "wrong size: expected %d bytes (%d records of %d), found %d",
			cifarFileSize, cifarRecords, cifarRecord, n)
		if n < cifarFileSize {
			e.Msg = fmt.Sprintf("truncated: expected %d bytes (%d records of %d), found %d; data runs out in record %d",
				cifarFileSize, cifarRecords, cifarRecord, n, n/cifarRecord)
			e.Offset = n
		}
		return e
	}
	return nil
}
