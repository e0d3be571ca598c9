package data

import (
	"errors"
	"io/fs"
	"strings"
	"testing"
)

// TestIDXErrors checks every validation of IDX files: each case builds a
// 20-image split, damages it, and checks the error names the file, the byte
// offset (of the gunzipped data) and what was expected and found.
func TestIDXErrors(t *testing.T) {
	const n = 20
	const total = idxImagesHdr + n*idxH*idxW // 15696
	goodImages := func() []byte { return idxImages(idxImagesMagic, n, idxH, idxW) }
	goodLabels := func() []byte { return idxLabels(idxLabelsMagic, n) }
	cases := []struct {
		name           string
		images, labels []byte
		gzip           bool // gzip both files (else write them gunzipped, without .gz)
		rawImages      []byte
		want           []string
	}{
		{name: "ok gzip", images: goodImages(), labels: goodLabels(), gzip: true},
		{name: "ok gunzipped", images: goodImages(), labels: goodLabels()},
		{name: "images magic", images: idxImages(idxLabelsMagic, n, idxH, idxW), labels: goodLabels(), gzip: true,
			want: []string{"train-images-idx3-ubyte.gz: at byte offset 0: wrong magic number: expected 0x00000803 (IDX images), found 0x00000801"}},
		{name: "labels magic", images: goodImages(), labels: idxLabels(idxImagesMagic, n), gzip: true,
			want: []string{"train-labels-idx1-ubyte.gz: at byte offset 0: wrong magic number: expected 0x00000801 (IDX labels), found 0x00000803"}},
		{name: "images truncated", images: goodImages()[:total-100], labels: goodLabels(), gzip: true,
			want: []string{"train-images-idx3-ubyte.gz: at byte offset 15596: truncated", "expected 15696 bytes after gunzip, found 15596"}},
		{name: "images truncated gunzipped", images: goodImages()[:total-100], labels: goodLabels(),
			want: []string{"train-images-idx3-ubyte: at byte offset 15596: truncated", "expected 15696 bytes, found 15596"}},
		{name: "header truncated", images: goodImages()[:10], labels: goodLabels(), gzip: true,
			want: []string{"train-images-idx3-ubyte.gz: at byte offset 10: truncated: data ran out while reading the header"}},
		{name: "labels truncated", images: goodImages(), labels: goodLabels()[:18], gzip: true,
			want: []string{"train-labels-idx1-ubyte.gz: at byte offset 18: truncated", "expected 28 bytes after gunzip, found 18"}},
		{name: "too long", images: append(goodImages(), 0), labels: goodLabels(), gzip: true,
			want: []string{"train-images-idx3-ubyte.gz: at byte offset 15696: file too long: expected 15696 bytes"}},
		{name: "bad label", images: goodImages(), labels: func() []byte { b := goodLabels(); b[idxLabelsHdr+7] = 10; return b }(), gzip: true,
			want: []string{"train-labels-idx1-ubyte.gz: record 7 at byte offset 15: bad label: expected 0..9, found 10"}},
		{name: "wrong dims", images: idxImages(idxImagesMagic, n, 28, 27), labels: goodLabels(), gzip: true,
			want: []string{"train-images-idx3-ubyte.gz: at byte offset 8: wrong image size: expected 28x28, found 28x27"}},
		{name: "wrong image count", images: idxImages(idxImagesMagic, n-1, idxH, idxW), labels: goodLabels(), gzip: true,
			want: []string{"train-images-idx3-ubyte.gz: at byte offset 4: wrong image count: expected 20, found 19"}},
		{name: "count mismatch", images: goodImages(), labels: idxLabels(idxLabelsMagic, n-1), gzip: true,
			want: []string{"train-labels-idx1-ubyte.gz: at byte offset 4: label count does not match the images", "has 20 images, this file has 19 labels"}},
		{name: "bad gzip header", rawImages: []byte{0x1f, 0x8b, 0xff, 0, 0, 0, 0, 0, 0, 0, 1, 2, 3}, labels: goodLabels(), gzip: true,
			want: []string{"train-images-idx3-ubyte.gz: not a valid gzip file (gzip: invalid header)", "delete it and run `resexp data download mnist`"}},
		{name: "gzip cut off", rawImages: []byte("cut"), labels: goodLabels(), gzip: true,
			want: []string{"train-images-idx3-ubyte.gz: at byte offset", "truncated"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			dir := t.TempDir()
			sp := idxSplit{"train-images-idx3-ubyte", "train-labels-idx1-ubyte", n}
			ext, images, labels := "", c.images, c.labels
			if c.gzip {
				ext, images, labels = ".gz", gz(t, c.images), gz(t, c.labels)
			}
			switch {
			case string(c.rawImages) == "cut":
				images = gz(t, goodImages())
				images = images[:len(images)/2]
			case c.rawImages != nil:
				images = c.rawImages
			}
			writeFile(t, dir, sp.images+ext, images)
			writeFile(t, dir, sp.labels+ext, labels)
			s, err := readIDXSplit("mnist", dir, sp)
			if c.want == nil {
				checkIDXSet(t, s, err, n)
				return
			}
			wantErr(t, err, c.want...)
			if strings.Count(err.Error(), "\n") > 0 {
				t.Errorf("error spans lines: %q", err)
			}
			var fe *FileError
			if !errors.As(err, &fe) {
				t.Errorf("error %T is not a *FileError", err)
			}
		})
	}
}

// checkIDXSet checks a split read from files made by idxImages/idxLabels.
func checkIDXSet(t *testing.T, s *Set, err error, n int) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
	if s.Len() != n || s.C != 1 || s.H != 28 || s.W != 28 || s.Classes != 10 || len(s.Files) != 2 {
		t.Fatalf("got %d images %dx%dx%d, %d classes, %d files", s.Len(), s.C, s.H, s.W, s.Classes, len(s.Files))
	}
	if got := s.Image(3)[5]; got != 8 {
		t.Errorf("image 3 pixel 5 = %d, want 8", got)
	}
	if s.Labels[13] != 3 {
		t.Errorf("label 13 = %d, want 3", s.Labels[13])
	}
	if len(s.Files[0].SHA256) != 64 || s.Files[0].Size == 0 {
		t.Errorf("file sum %+v", s.Files[0])
	}
}

// TestIDXMissing checks that a missing file is reported with fs.ErrNotExist
// and the command to run.
func TestIDXMissing(t *testing.T) {
	_, _, err := Load("mnist", t.TempDir())
	wantErr(t, err, "train-images-idx3-ubyte.gz: missing: neither train-images-idx3-ubyte.gz nor train-images-idx3-ubyte is in",
		"run `resexp data download mnist` or `make data`")
	if !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("errors.Is(err, fs.ErrNotExist) = false for %v", err)
	}
}

// TestIDXFileSum checks the SHA-256 recorded for a file read.
func TestIDXFileSum(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, dir, "t10k-images-idx3-ubyte", idxImages(idxImagesMagic, 2, idxH, idxW))
	writeFile(t, dir, "t10k-labels-idx1-ubyte", []byte{0, 0, 8, 1, 0, 0, 0, 2, 4, 9})
	s, err := readIDXSplit("mnist", dir, idxSplit{"t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte", 2})
	if err != nil {
		t.Fatal(err)
	}
	// printf '\x00\x00\x08\x01\x00\x00\x00\x02\x04\x09' | sha256sum
	const want = "9ae988751d77662ff6bc8bf10ad9e8230a69d84cfc44c3c84ec12c0a075bce82"
	if got := s.Files[1]; got.SHA256 != want || got.Size != 10 {
		t.Errorf("label file sum %+v, want sha256 %s, size 10", got, want)
	}
	if s.Labels[0] != 4 || s.Labels[1] != 9 {
		t.Errorf("labels %v, want [4 9]", s.Labels)
	}
}
