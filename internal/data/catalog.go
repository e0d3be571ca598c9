package data

import (
	"errors"
	"io/fs"
)

// Presence says whether a verified copy of a set is on disk.
type Presence struct {
	Dir      string // the folder looked in: ResolveDir(name, dir); "" for synthetic
	Fallback bool   // Dir is Debian's fashion-mnist folder, used because the folder asked for lacks the files
	Files    int    // number of files the set has (0 for synthetic)
	Verified int    // files in Dir that verify (checksum, or structure where none is published)
	Missing  int    // files not in Dir
	Err      error  // what is missing or wrong, one joined error per file; nil if all verify
}

// OK reports whether every file of the set is in Dir and verifies.
func (p Presence) OK() bool { return p.Verified == p.Files }

// Find looks for a verified copy of set name where LoadWith would read it
// (ResolveDir(name, dir)), checking every file as Verify does. It returns
// an error only for an unknown name.
func Find(name, dir string) (Presence, error) {
	spec, ok := specFor(name)
	if !ok {
		return Presence{}, errUnknown(name)
	}
	p := Presence{Dir: ResolveDir(name, dir)}
	if spec == nil {
		return p, nil
	}
	p.Fallback = p.Dir != orDefault(dir, name)
	p.Files = len(spec.files)
	var errs []error
	for _, f := range spec.files {
		_, err := verifyIn(p.Dir, f)
		switch {
		case err == nil:
			p.Verified++
		case errors.Is(err, fs.ErrNotExist):
			p.Missing++
		}
		errs = append(errs, err)
	}
	p.Err = errors.Join(errs...)
	return p, nil
}
