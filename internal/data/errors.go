package data

import (
	"fmt"
	"strings"
)

// FileError reports a data file that is missing, unreadable or malformed.
// Its message is one line: the file, where in it (record, byte offset),
// what was expected and found, and what to do.
type FileError struct {
	Path   string // the file, as opened
	Record int    // index of the image or label record at fault; -1 if none
	Offset int64  // byte offset of the problem in the file's (decompressed) data; -1 if none
	Msg    string // what was expected and what was found
	Hint   string // what to do about it; may be empty
	Err    error  // the underlying error, if any
}

// Error returns "PATH: record R at byte offset O: MSG; HINT", leaving out
// the parts that are not set.
func (e *FileError) Error() string {
	var b strings.Builder
	b.WriteString(e.Path)
	if e.Record >= 0 {
		fmt.Fprintf(&b, ": record %d", e.Record)
	}
	if e.Offset >= 0 {
		if e.Record >= 0 {
			fmt.Fprintf(&b, " at byte offset %d", e.Offset)
		} else {
			fmt.Fprintf(&b, ": at byte offset %d", e.Offset)
		}
	}
	b.WriteString(": ")
	b.WriteString(e.Msg)
	if e.Hint != "" {
		b.WriteString("; ")
		b.WriteString(e.Hint)
	}
	return b.String()
}

// Unwrap returns the underlying error, so errors.Is(err, fs.ErrNotExist)
// tells a missing file from a damaged one.
func (e *FileError) Unwrap() error { return e.Err }

// fileErr returns a FileError about path with no record or offset.
func fileErr(path, hint string, err error, format string, args ...any) *FileError {
	return &FileError{Path: path, Record: -1, Offset: -1, Msg: fmt.Sprintf(format, args...), Hint: hint, Err: err}
}

// damagedHint is what to do about a file whose contents are wrong.
func damagedHint(name string) string {
	return "the file is damaged or not what its name says: delete it and " + downloadHint(name)
}
