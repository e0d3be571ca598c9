package data

import (
	"bufio"
	"compress/gzip"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"hash"
	"io"
	"os"
)

// dataFile is a data file open for sequential reading. Gzip'd files are
// recognised by their magic bytes and decompressed; off counts the bytes of
// the (decompressed) data read so far, so errors can say where data ran
// out. A SHA-256 of the bytes on disk is taken as the file is read.
type dataFile struct {
	path string
	hint string // what to do when the file is damaged
	f    *os.File
	raw  io.Reader // the file on disk, teed into sum
	r    io.Reader // the data, decompressed if need be
	gz   bool
	sum  hash.Hash
	size int64 // size on disk
	off  int64 // bytes of data read
}

// openData opens path; hint is put in errors about its contents.
func openData(path, hint string) (*dataFile, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fileErr(path, hint, err, "cannot open: %v", errors.Unwrap(err))
	}
	st, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, fileErr(path, hint, err, "cannot stat: %v", err)
	}
	d := &dataFile{path: path, hint: hint, f: f, sum: sha256.New(), size: st.Size()}
	d.raw = io.TeeReader(bufio.NewReaderSize(f, 1<<20), d.sum)
	return d, d.sniff()
}

// sniff sets d.r to a gzip reader when the file starts with the gzip
// magic bytes 1f 8b, else to the file itself.
func (d *dataFile) sniff() error {
	br := bufio.NewReaderSize(d.raw, 1<<16)
	d.r = br
	magic, _ := br.Peek(2)
	if len(magic) < 2 || magic[0] != 0x1f || magic[1] != 0x8b {
		return nil
	}
	zr, err := gzip.NewReader(br)
	if err != nil {
		d.f.Close()
		return fileErr(d.path, d.hint, err, "not a valid gzip file (%v)", err)
	}
	d.r, d.gz = zr, true
	return nil
}

// readFull fills buf with the next bytes of data; what names them in
// errors ("header", "image data"). want is the total data size the file
// should have, used to say what was expected when data runs out.
func (d *dataFile) readFull(buf []byte, what string, want int64) error {
	n, err := io.ReadFull(d.r, buf)
	d.off += int64(n)
	switch {
	case err == nil:
		return nil
	case errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF):
		return d.errAt(-1, err, "truncated: data ran out while reading %s; expected %d bytes%s, found %d",
			what, want, d.unit(), d.off)
	default:
		return d.errAt(-1, err, "damaged data while reading %s: %v", what, err)
	}
}

// expectEOF checks that the data ends exactly here (which also makes the
// gzip reader verify its CRC) and drains the file into the checksum.
func (d *dataFile) expectEOF(want int64) error {
	var one [1]byte
	n, err := io.ReadFull(d.r, one[:])
	if n > 0 {
		return d.errAt(-1, nil, "file too long: expected %d bytes%s, found more", want, d.unit())
	}
	if !errors.Is(err, io.EOF) {
		return d.errAt(-1, err, "damaged data at the end of the file: %v", err)
	}
	_, err = io.Copy(io.Discard, d.raw)
	if err != nil {
		return d.errAt(-1, err, "cannot read: %v", err)
	}
	return nil
}

// unit says which bytes sizes refer to.
func (d *dataFile) unit() string {
	if d.gz {
		return " after gunzip"
	}
	return ""
}

// errAt returns a FileError at the current offset.
func (d *dataFile) errAt(record int, err error, format string, args ...any) *FileError {
	e := fileErr(d.path, d.hint, err, format, args...)
	e.Record, e.Offset = record, d.off
	return e
}

// close closes the file and returns its FileSum (meaningful once the whole
// file has been read).
func (d *dataFile) close() FileSum {
	d.f.Close()
	return FileSum{Path: d.path, SHA256: hex.EncodeToString(d.sum.Sum(nil)), Size: d.size}
}
