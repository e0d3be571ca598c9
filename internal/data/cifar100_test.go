package data

import (
	"context"
	"os"
	"path/filepath"
	"strconv"
	"testing"
)

// cifar100File returns a valid CIFAR-100 .bin file of n records: record i
// has coarse label i%20, fine label i%100 and pixel j equal to byte(i+j).
func cifar100File(n int) []byte {
	rec := cifar100Format.record()
	b := make([]byte, 0, n*rec)
	for i := range n {
		b = append(b, byte(i%20), byte(i%100))
		for j := range cifarImage {
			b = append(b, byte(i+j))
		}
	}
	return b
}

// TestCIFAR100Errors checks the validation of CIFAR-100 .bin files (the
// 10,000-record test.bin): each error names the file, the record, the byte
// offset, which label byte and the sizes.
func TestCIFAR100Errors(t *testing.T) {
	good := cifar100File(10000)
	size := strconv.Itoa(len(good)) // 30,740,000
	badCoarse := append([]byte(nil), good...)
	badCoarse[77*3074] = 20
	badFine := append([]byte(nil), good...)
	badFine[9999*3074+1] = 100
	cases := []struct {
		name string
		data []byte // nil: no file
		want []string
	}{
		{"ok", good, nil},
		{"missing", nil, []string{"test.bin: missing", "run `resexp data download cifar100`"}},
		{"truncated", good[:len(good)-3074], []string{
			"test.bin: at byte offset 30736926: truncated: expected " + size + " bytes (10000 records of 3074), found 30736926; data runs out in record 9999",
			"delete it"}},
		{"too long", append(append([]byte(nil), good...), 7), []string{
			"test.bin: wrong size: expected " + size + " bytes (10000 records of 3074), found 30740001"}},
		{"cifar-10 file", cifarFile(), []string{"test.bin: at byte offset 30730000: truncated"}},
		{"bad coarse label", badCoarse, []string{"test.bin: record 77 at byte offset 236698: bad coarse label: expected 0..19, found 20"}},
		{"bad fine label", badFine, []string{"test.bin: record 9999 at byte offset 30736927: bad fine label: expected 0..99, found 100"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			dir := t.TempDir()
			if c.data != nil {
				writeFile(t, dir, "test.bin", c.data)
			}
			s, err := readCIFARFiles(dir, cifar100Format, cifar100Format.test, 1)
			if c.want != nil {
				wantErr(t, err, c.want...)
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if s.Len() != 10000 || s.Classes != 100 || s.Labels[1234] != 34 || s.Image(7)[3071] != byte((7+3071)%256) {
				t.Errorf("read back %d images of %d classes, label 1234 = %d, image 7 last byte = %d",
					s.Len(), s.Classes, s.Labels[1234], s.Image(7)[3071])
			}
		})
	}
}

// TestCIFAR100Load writes a full-size generated CIFAR-100 (train.bin of
// 50,000 records, test.bin of 10,000) and loads it with fine and coarse
// labels.
func TestCIFAR100Load(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: not writing 184 MB")
	}
	dir := t.TempDir()
	writeFile(t, dir, "train.bin", cifar100File(50000))
	writeFile(t, dir, "test.bin", cifar100File(10000))
	cases := []struct {
		opt     LoadOptions
		classes int
		label   uint8 // of training image 12345
	}{
		{LoadOptions{}, 100, 45},
		{LoadOptions{Label: "fine"}, 100, 45},
		{LoadOptions{Label: "coarse"}, 20, 5},
	}
	for _, c := range cases {
		train, test, err := LoadWith("cifar100", dir, c.opt)
		if err != nil {
			t.Fatalf("%+v: %v", c.opt, err)
		}
		if train.Name != "cifar100" || train.Len() != 50000 || test.Len() != 10000 || train.Classes != c.classes || test.Classes != c.classes {
			t.Errorf("%+v: %s %d + %d images, %d/%d classes, want 50000 + 10000 of %d", c.opt, train.Name, train.Len(), test.Len(), train.Classes, test.Classes, c.classes)
		}
		if train.Labels[12345] != c.label || train.Image(12345)[0] != byte(12345%256) {
			t.Errorf("%+v: image 12345 label %d, first byte %d", c.opt, train.Labels[12345], train.Image(12345)[0])
		}
		if n := len(ClassNamesWith("cifar100", c.opt)); n != c.classes {
			t.Errorf("%+v: %d class names", c.opt, n)
		}
	}
	if sums, err := Verify("cifar100", dir); err != nil || len(sums) != 2 {
		t.Errorf("Verify: %v (%d sums)", err, len(sums))
	}
}

// TestLoadOptions checks the label choice: "coarse" only for cifar100,
// nothing but "", "fine" and "coarse".
func TestLoadOptions(t *testing.T) {
	cases := []struct {
		name, label string
		want        string // error substring; "" = valid
	}{
		{"cifar100", "", ""}, {"cifar100", "fine", ""}, {"cifar100", "coarse", ""},
		{"mnist", "fine", ""}, {"synthetic", "", ""},
		{"cifar10", "coarse", `label "coarse": only cifar100 has coarse labels`},
		{"cifar100", "super", `label "super": expected "fine" or "coarse"`},
	}
	for _, c := range cases {
		err := LoadOptions{Label: c.label}.Validate(c.name)
		if c.want == "" {
			if err != nil {
				t.Errorf("%s %q: %v", c.name, c.label, err)
			}
			continue
		}
		wantErr(t, err, c.want)
		_, _, err = LoadWith(c.name, t.TempDir(), LoadOptions{Label: c.label})
		wantErr(t, err, "data set "+c.name+": "+c.want)
	}
}

// TestClassNames checks every set has one name per class.
func TestClassNames(t *testing.T) {
	for _, c := range []struct {
		name  string
		opt   LoadOptions
		n     int
		first string
	}{
		{"mnist", LoadOptions{}, 10, "0"}, {"fashion-mnist", LoadOptions{}, 10, "T-shirt/top"},
		{"cifar10", LoadOptions{}, 10, "airplane"}, {"synthetic", LoadOptions{}, 10, "g0"},
		{"cifar100", LoadOptions{}, 100, "apple"}, {"cifar100", LoadOptions{Label: "coarse"}, 20, "aquatic_mammals"},
	} {
		got := ClassNamesWith(c.name, c.opt)
		if len(got) != c.n || got[0] != c.first {
			t.Errorf("ClassNamesWith(%s, %+v): %d names starting %q, want %d starting %q", c.name, c.opt, len(got), got[0], c.n, c.first)
		}
	}
	if ClassNames("cifar100")[99] != "worm" || ClassNamesWith("cifar100", LoadOptions{Label: "coarse"})[19] != "vehicles_2" {
		t.Error("CIFAR-100 class names out of order")
	}
}

// smallCIFAR100 makes the cifar100 download expect a 50 + 10 record
// release, restoring the real one when t ends.
func smallCIFAR100(t *testing.T, url, md5 string) {
	files, arc := cifar100Files, cifar100Archive
	t.Cleanup(func() { cifar100Files, cifar100Archive = files, arc })
	small := &cifarFormat{set: "cifar100", labels: cifar100Format.labels,
		train: []cifarBin{{"train.bin", 50}}, test: []cifarBin{{"test.bin", 10}}}
	cifar100Files = cifarFileSpecs(small)
	cifar100Archive.url, cifar100Archive.md5 = url, md5
}

// TestDownloadCIFAR100 checks the CIFAR-100 path against a local server:
// the archive's MD5 is checked, its members are checked by structure (no
// per-file checksums are published), and a bad archive, a cut-off
// transfer or a damaged member leave nothing in the folder.
func TestDownloadCIFAR100(t *testing.T) {
	train, test := cifar100File(50), cifar100File(10)
	damaged := append([]byte(nil), train...)
	damaged[3*3074+1] = 250
	good := tarGz(t, "cifar-100-binary/", map[string][]byte{"train.bin": train, "test.bin": test, "meta.txt": []byte("x")})
	bad := tarGz(t, "cifar-100-binary/", map[string][]byte{"train.bin": damaged, "test.bin": test})
	short := tarGz(t, "cifar-100-binary/", map[string][]byte{"train.bin": train[:3074*49], "test.bin": test})
	srv := fileServer(t, map[string][]byte{"good.tar.gz": good, "bad.tar.gz": bad, "short.tar.gz": short})
	cases := []struct {
		name, path, md5 string
		want            []string
	}{
		{"ok", "/good.tar.gz", md5hex(good), nil},
		{"archive checksum", "/good.tar.gz", md5hex(bad), []string{"good.tar.gz: checksum mismatch: expected MD5 " + md5hex(bad), "the downloaded file was deleted"}},
		{"cut off", "/cut/good.tar.gz", md5hex(good), []string{"transfer cut off after", "the partial file was deleted"}},
		{"bad label", "/bad.tar.gz", md5hex(bad), []string{"train.bin from " + srv.URL + "/bad.tar.gz (cifar-100-binary/train.bin): record 3 at byte offset 9223: bad fine label: expected 0..99, found 250"}},
		{"truncated member", "/short.tar.gz", md5hex(short), []string{"train.bin from", "truncated: expected 153700 bytes (50 records of 3074), found 150626"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			smallCIFAR100(t, srv.URL+c.path, c.md5)
			dir := t.TempDir()
			err := Download(context.Background(), "cifar100", dir, nil)
			if c.want != nil {
				wantErr(t, err, append(c.want, "could not get cifar100", "`resexp data verify cifar100`")...)
				if got := leftovers(t, dir); len(got) > 1 || (len(got) == 1 && got[0] != "test.bin") {
					t.Errorf("files left behind: %v", got)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got, _ := os.ReadFile(filepath.Join(dir, "train.bin")); len(got) != len(train) {
				t.Errorf("train.bin: %d bytes, want %d", len(got), len(train))
			}
			if _, err := Verify("cifar100", dir); err != nil {
				t.Error(err)
			}
		})
	}
}
