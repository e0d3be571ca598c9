package data

import (
	"bytes"
	"compress/gzip"
	"encoding/binary"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/resexp/resexp/internal/data/datatest"
)

// idxImages returns an IDX image file: header (magic, n, h, w) and n*h*w
// pixels, pixel j of image i being byte(i+j).
func idxImages(magic uint32, n, h, w int) []byte {
	b := binary.BigEndian.AppendUint32(nil, magic)
	for _, v := range []int{n, h, w} {
		b = binary.BigEndian.AppendUint32(b, uint32(v))
	}
	for i := range n {
		for j := range h * w {
			b = append(b, byte(i+j))
		}
	}
	return b
}

// idxLabels returns an IDX label file with n labels i%10.
func idxLabels(magic uint32, n int) []byte {
	b := binary.BigEndian.AppendUint32(nil, magic)
	b = binary.BigEndian.AppendUint32(b, uint32(n))
	for i := range n {
		b = append(b, byte(i%10))
	}
	return b
}

// gz returns b gzip'd.
func gz(t testing.TB, b []byte) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	if _, err := zw.Write(b); err != nil {
		t.Fatal(err)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// writeFile writes b to dir/name.
func writeFile(t testing.TB, dir, name string, b []byte) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, b, 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// wantErr fails unless err's message contains every one of want.
func wantErr(t *testing.T, err error, want ...string) {
	t.Helper()
	if err == nil {
		t.Fatalf("no error, want one containing %q", want)
	}
	for _, w := range want {
		if !strings.Contains(err.Error(), w) {
			t.Errorf("error %q\ndoes not contain %q", err, w)
		}
	}
}

// cifarDir returns the real CIFAR-10 folder (see package datatest) or
// skips the test.
func cifarDir(t testing.TB) string {
	t.Helper()
	return datatest.Real(t, "cifar10")
}
