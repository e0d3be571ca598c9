package data

import (
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
)

// CIFAR binary versions. A record is one or two label bytes and 3072
// pixel bytes (1024 red, 1024 green, 1024 blue; each plane 32x32
// row-major), so a record's pixels are already one CHW image.
//
//	CIFAR-10:  label (0..9); data_batch_1..5.bin and test_batch.bin, 10,000 records each
//	CIFAR-100: coarse label (0..19), fine label (0..99); train.bin 50,000 records, test.bin 10,000
const (
	cifarC, cifarH, cifarW = 3, 32, 32
	cifarImage             = cifarC * cifarH * cifarW

	// CIFAR-10's files, all alike.
	cifarRecord   = 1 + cifarImage
	cifarRecords  = 10000
	cifarFileSize = cifarRecords * cifarRecord // 30,730,000
	cifarClasses  = 10
)

// cifarLabel is one label byte of a record: its name in errors and its
// number of classes.
type cifarLabel struct {
	name    string
	classes int
}

// cifarBin is one .bin file and its record count.
type cifarBin struct {
	name    string
	records int
}

// cifarFormat describes a CIFAR binary release.
type cifarFormat struct {
	set         string       // data set name: "cifar10", "cifar100"
	labels      []cifarLabel // the label bytes at the start of each record, in order
	train, test []cifarBin
}

// record is the size of one record in bytes.
func (f *cifarFormat) record() int { return len(f.labels) + cifarImage }

// size is the size of file cf in bytes.
func (f *cifarFormat) size(cf cifarBin) int64 { return int64(cf.records) * int64(f.record()) }

// The two releases.
var (
	cifar10Format = &cifarFormat{set: "cifar10", labels: []cifarLabel{{"label", cifarClasses}},
		train: []cifarBin{{"data_batch_1.bin", cifarRecords}, {"data_batch_2.bin", cifarRecords},
			{"data_batch_3.bin", cifarRecords}, {"data_batch_4.bin", cifarRecords}, {"data_batch_5.bin", cifarRecords}},
		test: []cifarBin{{"test_batch.bin", cifarRecords}}}
	cifar100Format = &cifarFormat{set: "cifar100", labels: []cifarLabel{{"coarse label", 20}, {"fine label", 100}},
		train: []cifarBin{{"train.bin", 50000}},
		test:  []cifarBin{{"test.bin", 10000}}}
)

// loadCIFAR reads the training and test files of format f from dir,
// keeping label byte pick of each record (0 for CIFAR-10; for CIFAR-100,
// 0 coarse, 1 fine).
func loadCIFAR(f *cifarFormat, dir string, pick int) (train, test *Set, err error) {
	if train, err = readCIFARFiles(dir, f, f.train, pick); err != nil {
		return nil, nil, err
	}
	if test, err = readCIFARFiles(dir, f, f.test, pick); err != nil {
		return nil, nil, err
	}
	return train, test, nil
}

// readCIFARFiles reads the given files of dir, in order, into one Set.
func readCIFARFiles(dir string, f *cifarFormat, files []cifarBin, pick int) (*Set, error) {
	n := 0
	for _, cf := range files {
		n += cf.records
	}
	s := &Set{Name: f.set, C: cifarC, H: cifarH, W: cifarW, Classes: f.labels[pick].classes,
		Images: make([]uint8, n*cifarImage), Labels: make([]uint8, n)}
	lo := 0
	for _, cf := range files {
		hi := lo + cf.records
		sum, err := readCIFARFile(filepath.Join(dir, cf.name), f, cf, pick, s.Images[lo*cifarImage:hi*cifarImage], s.Labels[lo:hi])
		if err != nil {
			return nil, err
		}
		s.Files = append(s.Files, sum)
		lo = hi
	}
	return s, nil
}

// readCIFARFile reads file cf of format f at path, checking its size and
// every label byte: record i's label byte pick goes to labels[i], its
// pixels to images[i*cifarImage:]. len(labels) must be cf.records; images
// holds all the records' pixels, or is one image long to check the file
// without keeping them.
func readCIFARFile(path string, f *cifarFormat, cf cifarBin, pick int, images, labels []uint8) (FileSum, error) {
	if err := checkCIFARSize(path, f, cf); err != nil {
		return FileSum{}, err
	}
	d, err := openData(path, damagedHint(f.set))
	if err != nil {
		return FileSum{}, err
	}
	defer d.f.Close()
	lb := make([]uint8, len(f.labels))
	for i := range labels {
		off := i * cifarImage % len(images)
		if err := readCIFARRecord(d, f, cf, i, images[off:off+cifarImage], lb); err != nil {
			return FileSum{}, err
		}
		labels[i] = lb[pick]
	}
	if err := d.expectEOF(f.size(cf)); err != nil {
		return FileSum{}, err
	}
	return d.close(), nil
}

// readCIFARRecord reads record i of file cf: its label bytes into lb,
// each checked against its range, and its pixels into img.
func readCIFARRecord(d *dataFile, f *cifarFormat, cf cifarBin, i int, img, lb []uint8) error {
	what := fmt.Sprintf("record %d", i)
	if err := d.readFull(lb, what, f.size(cf)); err != nil {
		return err
	}
	for k, l := range f.labels {
		if int(lb[k]) >= l.classes {
			e := d.errOff(int64(i)*int64(f.record())+int64(k), "bad %s: expected 0..%d, found %d", l.name, l.classes-1, lb[k])
			e.Record = i
			return e
		}
	}
	return d.readFull(img, what, f.size(cf))
}

// checkCIFARSize checks that path exists and has exactly the size of cf.
func checkCIFARSize(path string, f *cifarFormat, cf cifarBin) error {
	st, err := os.Stat(path)
	if err != nil {
		if os.IsNotExist(err) {
			return fileErr(path, downloadHint(f.set), fs.ErrNotExist, "missing")
		}
		return fileErr(path, downloadHint(f.set), err, "cannot stat: %v", err)
	}
	want := f.size(cf)
	n := st.Size()
	if n == want {
		return nil
	}
	e := fileErr(path, damagedHint(f.set), nil, "wrong size: expected %d bytes (%d records of %d), found %d",
		want, cf.records, f.record(), n)
	if n < want {
		e.Msg = fmt.Sprintf("truncated: expected %d bytes (%d records of %d), found %d; data runs out in record %d",
			want, cf.records, f.record(), n, n/int64(f.record()))
		e.Offset = n
	}
	return e
}

// checkCIFARFile returns a structural check of file cf of format f (size
// and every label byte), for files with no published checksum.
func checkCIFARFile(f *cifarFormat, cf cifarBin) func(path string) error {
	return func(path string) error {
		_, err := readCIFARFile(path, f, cf, 0, make([]uint8, cifarImage), make([]uint8, cf.records))
		return err
	}
}

// checkCIFARNamed returns the structural check of the file of format f
// named name, nil if there is none.
func checkCIFARNamed(f *cifarFormat, name string) func(path string) error {
	for _, cf := range append(append([]cifarBin(nil), f.train...), f.test...) {
		if cf.name == name {
			return checkCIFARFile(f, cf)
		}
	}
	return nil
}

// cifarFileSpecs returns the fileSpecs of format f's files, checked by
// structure (no per-file checksums are published).
func cifarFileSpecs(f *cifarFormat) []fileSpec {
	var specs []fileSpec
	for _, cf := range append(append([]cifarBin(nil), f.train...), f.test...) {
		specs = append(specs, fileSpec{Name: cf.name, Check: checkCIFARFile(f, cf)})
	}
	return specs
}
