package data

import (
	"bytes"
	"compress/gzip"
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/resexp/resexp/internal/fuzzcheck"
)

// The fuzz targets of the data readers. Each writes the input to a file,
// reads it as the real reader would (a split of fuzzRecords records) and
// requires a value of the expected size or a *FileError naming the file,
// with no more allocation than the input justifies: the readers are given
// the record count by the caller and must refuse a header claiming another
// before allocating for it. Seed corpora: testdata/fuzz/<target>, the first
// records of the real files.

// fuzzRecords is the split size the fuzz targets read.
const fuzzRecords = 2

// fuzzFile writes b to a file named base in a folder of the fuzz worker
// and returns its path; fuzz inputs run one at a time in a worker.
func fuzzFile(t *testing.T, base string, b []byte) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), base)
	if err := os.WriteFile(path, b, 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// checkFileErr fails t unless err is a *FileError for path.
func checkFileErr(t *testing.T, err error, path string) {
	t.Helper()
	var fe *FileError
	if !errors.As(err, &fe) || fe.Path != path {
		t.Fatalf("error is not a *FileError for %s: %#v", path, err)
	}
	fuzzcheck.NamesFile(t, err, path)
}

// gzipBytes compresses b.
func gzipBytes(b []byte) []byte {
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	zw.Write(b)
	zw.Close()
	return buf.Bytes()
}

// fuzzIDXFile writes b as the IDX file base (gzipped, as base.gz, if gz)
// and returns its path and the bytes written.
func fuzzIDXFile(t *testing.T, base string, b []byte, gz bool) (string, []byte) {
	t.Helper()
	if gz {
		b, base = gzipBytes(b), base+".gz"
	}
	return fuzzFile(t, base, b), b
}

// idxImagesSeed is a valid IDX image file of n blank images.
func idxImagesSeed(n int) []byte {
	b := []byte{0, 0, 8, 3, 0, 0, 0, byte(n), 0, 0, 0, idxH, 0, 0, 0, idxW}
	return append(b, make([]byte, n*idxH*idxW)...)
}

// fuzzIDXImages reads b (as a file, gzipped first if gz) as an IDX image
// split of fuzzRecords images.
func fuzzIDXImages(t *testing.T, b []byte, gz bool) {
	path, b := fuzzIDXFile(t, "train-images-idx3-ubyte", b, gz)
	var images []uint8
	var err error
	fuzzcheck.Alloc(t, len(b), 4, func() { images, _, err = readIDXImages(path, fuzzRecords, "hint") })
	if err != nil {
		checkFileErr(t, err, path)
		return
	}
	if len(images) != fuzzRecords*idxH*idxW {
		t.Fatalf("read %d pixels, want %d", len(images), fuzzRecords*idxH*idxW)
	}
}

// FuzzIDXImages feeds IDX image files as they are on disk; inputs starting
// with the gzip magic bytes exercise damaged gzip streams.
func FuzzIDXImages(f *testing.F) {
	f.Add(idxImagesSeed(fuzzRecords))
	f.Add(gzipBytes(idxImagesSeed(fuzzRecords)))
	f.Add([]byte{0, 0, 8, 3, 0xff, 0xff, 0xff, 0xff, 0, 0, 0, idxH, 0, 0, 0, idxW}) // 2^32-1 images claimed
	f.Fuzz(func(t *testing.T, b []byte) { fuzzIDXImages(t, b, false) })
}

// FuzzIDXImagesGzip feeds the same data gzipped, so that the mutations
// reach the header and pixels behind the decompressor.
func FuzzIDXImagesGzip(f *testing.F) {
	f.Add(idxImagesSeed(fuzzRecords))
	f.Fuzz(func(t *testing.T, b []byte) { fuzzIDXImages(t, b, true) })
}

// FuzzIDXLabels feeds IDX label files (plain, or gzipped when gz).
func FuzzIDXLabels(f *testing.F) {
	f.Add([]byte{0, 0, 8, 1, 0, 0, 0, fuzzRecords, 3, 9}, false)
	f.Add([]byte{0, 0, 8, 1, 0, 0, 0, fuzzRecords, 3, 9}, true)
	f.Fuzz(func(t *testing.T, b []byte, gz bool) {
		path, b := fuzzIDXFile(t, "train-labels-idx1-ubyte", b, gz)
		var labels []uint8
		var err error
		fuzzcheck.Alloc(t, len(b), 4, func() { labels, _, err = readIDXLabels(path, "images", fuzzRecords, "hint") })
		if err != nil {
			checkFileErr(t, err, path)
			return
		}
		if len(labels) != fuzzRecords {
			t.Fatalf("read %d labels, want %d", len(labels), fuzzRecords)
		}
		for i, l := range labels {
			if l >= idxClasses {
				t.Fatalf("label %d is %d, accepted though >= %d", i, l, idxClasses)
			}
		}
	})
}

// FuzzCIFAR feeds CIFAR-10 (cifar100 false) or CIFAR-100 binary files of
// fuzzRecords records.
func FuzzCIFAR(f *testing.F) {
	f.Add(make([]byte, fuzzRecords*cifarRecord), false)
	f.Add(make([]byte, fuzzRecords*(2+cifarImage)), true)
	f.Fuzz(func(t *testing.T, b []byte, cifar100 bool) {
		format := cifar10Format
		if cifar100 {
			format = cifar100Format
		}
		cf := cifarBin{name: "data_batch_1.bin", records: fuzzRecords}
		path := fuzzFile(t, cf.name, b)
		labels := make([]uint8, fuzzRecords)
		var err error
		fuzzcheck.Alloc(t, len(b), 4, func() {
			_, err = readCIFARFile(path, format, cf, len(format.labels)-1, make([]uint8, fuzzRecords*cifarImage), labels)
		})
		if err != nil {
			checkFileErr(t, err, path)
			return
		}
		for i, l := range labels {
			if int(l) >= format.labels[len(format.labels)-1].classes {
				t.Fatalf("label %d is %d, accepted though out of range", i, l)
			}
		}
	})
}

// FuzzReadBatch feeds ReadBatch (resexp probe's reader) an image file and
// a labels file, asking for one record. Gunzipped data is read whole, so
// its allocation is bounded by what the input decompresses to, which a
// gzip stream may make up to ~1000 times its size.
func FuzzReadBatch(f *testing.F) {
	f.Add(idxImagesSeed(1), []byte{0, 0, 8, 1, 0, 0, 0, 1, 7})
	f.Add(make([]byte, cifarRecord), []byte{})
	f.Fuzz(func(t *testing.T, images, labels []byte) {
		dir := t.TempDir()
		ipath, lpath := filepath.Join(dir, "x-images-idx3-ubyte"), filepath.Join(dir, "x-labels-idx1-ubyte")
		for p, b := range map[string][]byte{ipath: images, lpath: labels} {
			if err := os.WriteFile(p, b, 0o644); err != nil {
				t.Fatal(err)
			}
		}
		var s *Set
		var err error
		fuzzcheck.Alloc(t, len(images)+len(labels), 2048, func() { s, err = ReadBatch(ipath, "", 1) })
		if err != nil {
			var fe *FileError
			if !errors.As(err, &fe) || (fe.Path != ipath && fe.Path != lpath) {
				t.Fatalf("error is not a *FileError for %s or %s: %#v", ipath, lpath, err)
			}
			fuzzcheck.NamesFile(t, err, fe.Path)
			return
		}
		if s.Len() != 1 || len(s.Labels) != 1 || int(s.Labels[0]) >= s.Classes {
			t.Fatalf("ReadBatch returned %d images, labels %v of %d classes", s.Len(), s.Labels, s.Classes)
		}
	})
}
