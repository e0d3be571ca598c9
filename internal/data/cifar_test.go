package data

import (
	"os"
	"path/filepath"
	"testing"
)

// cifarFile returns a valid .bin file: record i has label i%10 and pixel j
// equal to byte(i+j).
func cifarFile() []byte {
	b := make([]byte, 0, cifarFileSize)
	for i := range cifarRecords {
		b = append(b, byte(i%10))
		for j := range cifarImage {
			b = append(b, byte(i+j))
		}
	}
	return b
}

// TestCIFARErrors checks the validation of CIFAR-10 .bin files: each error
// names the file, the record and byte offset, and the sizes.
func TestCIFARErrors(t *testing.T) {
	good := cifarFile()
	badLabel := append([]byte(nil), good...)
	badLabel[1234*cifarRecord] = 10
	cases := []struct {
		name string
		data []byte // nil: no file
		want []string
	}{
		{"ok", good, nil},
		{"missing", nil, []string{"test_batch.bin: missing", "run `resexp data download cifar10`"}},
		{"truncated", good[:cifarFileSize-5000], []string{
			"test_batch.bin: at byte offset 30725000: truncated: expected 30730000 bytes (10000 records of 3073), found 30725000; data runs out in record 9998",
			"delete it"}},
		{"too long", append(append([]byte(nil), good...), 1, 2), []string{
			"test_batch.bin: wrong size: expected 30730000 bytes (10000 records of 3073), found 30730002"}},
		{"empty", []byte{}, []string{"test_batch.bin: at byte offset 0: truncated", "found 0"}},
		{"bad label", badLabel, []string{"test_batch.bin: record 1234 at byte offset 3792082: bad label: expected 0..9, found 10"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			dir := t.TempDir()
			if c.data != nil {
				writeFile(t, dir, "test_batch.bin", c.data)
			}
			s, err := readCIFARFiles(dir, cifar10Format, cifar10Format.test, 0)
			if c.want != nil {
				wantErr(t, err, c.want...)
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if s.Len() != 10000 || s.Labels[1234] != 4 || s.Image(7)[3071] != byte((7+3071)%256) {
				t.Errorf("read back %d images, label 1234 = %d, image 7 last byte = %d", s.Len(), s.Labels[1234], s.Image(7)[3071])
			}
		})
	}
}

// TestCIFAR10Real reads a real CIFAR-10 copy and checks it against the
// canonical release (the six members of cifar-10-binary.tar.gz, MD5
// c32a1d4ab5d03f1284b67883e8d87530): class counts, SHA-256 sums, the
// first test labels and a pixel spot check.
func TestCIFAR10Real(t *testing.T) {
	dir := cifarDir(t)
	train, test, err := Load("cifar10", dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		s    *Set
		n, k int
	}{{train, 50000, 5000}, {test, 10000, 1000}} {
		if c.s.Len() != c.n || c.s.C != 3 || c.s.H != 32 || c.s.W != 32 {
			t.Fatalf("%d images %dx%dx%d, want %d of 3x32x32", c.s.Len(), c.s.C, c.s.H, c.s.W, c.n)
		}
		for class, got := range c.s.ClassCounts() {
			if got != c.k {
				t.Errorf("class %d: %d images, want %d", class, got, c.k)
			}
		}
	}
	// README: "test images 1-2 are ships and test image 3 is an airplane";
	// image 0 is the well-known cat (label 3).
	if got := test.Labels[:4]; got[0] != 3 || got[1] != 8 || got[2] != 8 || got[3] != 0 {
		t.Errorf("first test labels %v, want [3 8 8 0] (cat, ship, ship, airplane)", got)
	}
	// sha256 from the README table
	if f := test.Files[0]; f.SHA256 != "8e2eb146ae340b09e24670f29cabc6326dba54da8789dab6768acf480273f65b" || f.Size != cifarFileSize {
		t.Errorf("test_batch.bin sum %+v", f)
	}
	if f := train.Files[0]; f.SHA256 != "cee916563c9f80d84e3cc88e17fdc0941787f1244f00a67874d45b261883ada5" {
		t.Errorf("data_batch_1.bin sum %+v", f)
	}
	spotCheckCIFAR(t, dir, test)
}

// spotCheckCIFAR compares bytes of test image 3 with the raw file and
// checks the colour planes are in R, G, B order: the top-left 8x8 corner of
// test image 0 (the cat, on an orange background) is red, not blue, and
// test image 4 (a frog in grass) is mostly green.
func spotCheckCIFAR(t *testing.T, dir string, test *Set) {
	raw, err := os.ReadFile(filepath.Join(dir, "test_batch.bin"))
	if err != nil {
		t.Fatal(err)
	}
	img := test.Image(3)
	for _, j := range []int{0, 1023, 1024, 2048 + 33, 3071} { // R(0,0), R(31,31), G(0,0), B(1,1), B(31,31)
		if want := raw[3*cifarRecord+1+j]; img[j] != want {
			t.Errorf("test image 3 byte %d = %d, file has %d", j, img[j], want)
		}
	}
	cat := planeSums(test.Image(0), 8)
	if cat[0] < 2*cat[2] {
		t.Errorf("test image 0 top-left 8x8 RGB sums %v: want red > 2x blue (orange background)", cat)
	}
	frog := planeSums(test.Image(4), 32)
	if frog[1] <= frog[0] || frog[1] <= frog[2] {
		t.Errorf("test image 4 RGB sums %v: want green largest (frog in grass)", frog)
	}
}

// planeSums returns the sums of the top-left k x k pixels of each colour
// plane of a 3x32x32 image.
func planeSums(img []uint8, k int) [3]int {
	var s [3]int
	for c := range 3 {
		for y := range k {
			for x := range k {
				s[c] += int(img[c*1024+y*32+x])
			}
		}
	}
	return s
}
