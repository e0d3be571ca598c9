package data

import (
	"path/filepath"
	"strings"
)

// fileSpec is one published file of a data set.
type fileSpec struct {
	Name   string // name in the data folder, as published
	MD5    string // MD5 of the published file; "" if none is published
	RawMD5 string // for .gz files, MD5 of the gunzipped data: verifies a recompressed copy (Debian's) or a gunzipped one

	// Check validates the file at path by its structure, returning a
	// *FileError naming what is wrong: the verification when MD5 is ""
	// (required then), else what a checksum mismatch is reported with.
	Check func(path string) error
}

// okWord says how a file that passed checkContent was verified.
func (f fileSpec) okWord() string {
	if f.MD5 == "" {
		return "structure ok (no published checksum)"
	}
	return "checksum ok"
}

// plainName is the name of f's gunzipped form (f.Name without ".gz").
func (f fileSpec) plainName() string { return strings.TrimSuffix(f.Name, ".gz") }

// setSpec says which files make up a set and where to get them.
type setSpec struct {
	name    string
	files   []fileSpec
	sources []source // tried in order for the files not already in the folder
	manual  string   // how to get the files by hand; DIR stands for the target folder
}

// withChecks sets the Check of each of files to check(its name without
// .gz) and returns files.
func withChecks(check func(base string) func(string) error, files []fileSpec) []fileSpec {
	for i := range files {
		files[i].Check = check(files[i].plainName())
	}
	return files
}

// specFor returns the fetch spec of set name: nil and true for a built-in
// set (nothing to fetch), false for an unknown name.
func specFor(name string) (*setSpec, bool) {
	d, err := Lookup(name)
	if err != nil {
		return nil, false
	}
	if d.Builtin() {
		return nil, true
	}
	return d.fetch(), true
}

// mirrorSources turns base URLs into sources.
func mirrorSources(bases []string) []source {
	s := make([]source, len(bases))
	for i, b := range bases {
		s[i] = mirror(b)
	}
	return s
}

// urlOr returns the first URL of urls, or alt if there is none.
func urlOr(urls []string, alt string) string {
	if len(urls) == 0 {
		return alt
	}
	return urls[0]
}

// localPath returns where f is in dir: f.Name, else its gunzipped name;
// "" if neither exists.
func localPath(dir string, f fileSpec) string {
	for _, n := range []string{f.Name, f.plainName()} {
		p := filepath.Join(dir, n)
		if fileExists(p) {
			return p
		}
	}
	return ""
}
