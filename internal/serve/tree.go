package serve

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/resexp/resexp/internal/runfiles"
)

// Errors of resolve, mapped to 404 and 403.
var (
	errNotFound  = errors.New("not found")
	errForbidden = errors.New("outside the served directories")
)

// sweepFile marks a sweep folder: the copy of the sweep file `resexp sweep`
// keeps in it.
const sweepFile = "sweep.yaml"

// root is one of the directories given to the server.
type root struct {
	name string // first segment of the ids under it
	dir  string // as given
	real string // absolute, symlinks resolved
}

// tree is the set of served directories; ids are "<root name>/<relative
// slash path>".
type tree struct {
	roots []root
}

// newTree checks that every dir is a directory and names each root after
// its base name, adding "-2", "-3", ... to repeats.
func newTree(dirs []string) (*tree, error) {
	t := &tree{}
	taken := map[string]bool{}
	for _, d := range dirs {
		real, err := filepath.EvalSymlinks(d)
		if err == nil {
			real, err = filepath.Abs(real)
		}
		if err != nil {
			return nil, err
		}
		if fi, err := os.Stat(real); err != nil || !fi.IsDir() {
			return nil, fmt.Errorf("%s is not a directory", d)
		}
		base := filepath.Base(real)
		name := base
		for k := 2; taken[name]; k++ {
			name = fmt.Sprintf("%s-%d", base, k)
		}
		taken[name] = true
		t.roots = append(t.roots, root{name: name, dir: d, real: real})
	}
	return t, nil
}

// badSegment reports whether a path segment may not appear in an id or a
// request path.
func badSegment(seg string) bool {
	return seg == "" || seg == "." || seg == ".." || strings.ContainsAny(seg, "\\\x00")
}

// resolve returns the real path of id: errNotFound if id is malformed,
// names no root or does not exist, errForbidden if it resolves outside its
// root through a symlink.
func (t *tree) resolve(id string) (string, error) {
	segs := strings.Split(id, "/")
	if slices.ContainsFunc(segs, badSegment) {
		return "", errNotFound
	}
	i := slices.IndexFunc(t.roots, func(r root) bool { return r.name == segs[0] })
	if i < 0 {
		return "", errNotFound
	}
	r := t.roots[i]
	real, err := filepath.EvalSymlinks(filepath.Join(append([]string{r.real}, segs[1:]...)...))
	if err != nil {
		return "", errNotFound
	}
	if real != r.real && !strings.HasPrefix(real, r.real+string(filepath.Separator)) {
		return "", errForbidden
	}
	return real, nil
}

// isRun reports whether dir is a run directory (it has a meta.json).
func isRun(dir string) bool { return exists(filepath.Join(dir, runfiles.MetaFile)) }

// isSweep reports whether dir is a sweep folder (it has a sweep.yaml).
func isSweep(dir string) bool { return exists(filepath.Join(dir, sweepFile)) }

func exists(path string) bool {
	_, err := os.Stat(path)
	return err == nil
}

// entry is a run or sweep found under the roots.
type entry struct {
	ID  string
	Dir string
}

// maxDepth bounds how deep discover looks below a root for runs and sweeps.
const maxDepth = 4

// discover lists the runs and sweeps under every root, in name order: a
// run directory or a sweep folder is not looked into further (a sweep's
// runs belong to it), other folders are, up to maxDepth levels. Hidden
// entries and symlinks are skipped.
func (t *tree) discover() (runs, sweeps []entry) {
	var walk func(id, dir string, depth int)
	walk = func(id, dir string, depth int) {
		switch {
		case isRun(dir):
			runs = append(runs, entry{id, dir})
			return
		case isSweep(dir):
			sweeps = append(sweeps, entry{id, dir})
			return
		case depth == maxDepth:
			return
		}
		for _, e := range subdirs(dir) {
			walk(id+"/"+e, filepath.Join(dir, e), depth+1)
		}
	}
	for _, r := range t.roots {
		walk(r.name, r.real, 0)
	}
	return runs, sweeps
}

// subdirs returns the names of dir's subdirectories that are neither hidden
// nor symlinks, sorted.
func subdirs(dir string) []string {
	ents, _ := os.ReadDir(dir) // an unreadable folder has nothing to show
	var out []string
	for _, e := range ents {
		if e.IsDir() && !strings.HasPrefix(e.Name(), ".") {
			out = append(out, e.Name())
		}
	}
	return out
}

// sweepRuns returns the run directories of the sweep folder dir with their
// ids, in name order.
func sweepRuns(id, dir string) []entry {
	var out []entry
	for _, e := range subdirs(dir) {
		if d := filepath.Join(dir, e); isRun(d) {
			out = append(out, entry{id + "/" + e, d})
		}
	}
	return out
}
