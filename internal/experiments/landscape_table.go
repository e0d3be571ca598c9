package experiments

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"reflect"

	"github.com/resexp/resexp/internal/runfiles"
)

// landscapeParamsFile records, beside landscape.csv, what its rows measure,
// so that a resumed table is continued only with the same choices.
const landscapeParamsFile = "landscape.json"

// LandscapeParams are the choices a landscape table's rows depend on.
type LandscapeParams struct {
	Runs    []string `json:"runs"`
	Weights string   `json:"weights,omitempty"`
	Init    string   `json:"init,omitempty"`
	Grid    int      `json:"grid"`
	Range   float64  `json:"range"`
	Samples int      `json:"samples"`
	Seed    uint64   `json:"seed"`
}

// LandscapeTable is landscape.csv in an output directory, open for
// appending: each point is written and flushed as soon as it is measured,
// so that an interrupted computation continues where it stopped.
type LandscapeTable struct {
	path string
	done map[string]bool
	w    *runfiles.CSVWriter
}

// OpenLandscapeTable opens dir/landscape.csv for the computation p,
// creating dir. An existing table made with other choices (see
// landscape.json) is an InputError unless force, which starts afresh; one
// made with the same choices is continued: its complete rows count as done.
func OpenLandscapeTable(dir string, p LandscapeParams, force bool) (*LandscapeTable, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, BadInput(fmt.Errorf("--out %s: %v", dir, err))
	}
	path := filepath.Join(dir, runfiles.LandscapeFile)
	if force {
		if err := removeIfExists(path, filepath.Join(dir, landscapeParamsFile)); err != nil {
			return nil, err
		}
	}
	if err := checkLandscapeParams(dir, p); err != nil {
		return nil, err
	}
	rows, err := runfiles.ReadTable(path, runfiles.LandscapeHeader)
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return nil, BadInput(fmt.Errorf("%v; pass --force to start the table afresh", err))
	}
	t := &LandscapeTable{path: path, done: map[string]bool{}}
	for _, r := range rows {
		t.done[pointKey(r[0], r[1], r[2], r[3])] = true
	}
	if t.w, err = runfiles.OpenTable(path, runfiles.LandscapeHeader); err != nil {
		return nil, err
	}
	return t, nil
}

// checkLandscapeParams writes dir/landscape.json for p if there is none,
// or refuses p if it differs from the one there.
func checkLandscapeParams(dir string, p LandscapeParams) error {
	path := filepath.Join(dir, landscapeParamsFile)
	want, err := json.MarshalIndent(p, "", "  ")
	if err != nil {
		return err
	}
	got, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return runfiles.WriteFileAtomic(path, append(want, '\n'))
	}
	if err != nil {
		return err
	}
	var old LandscapeParams
	if err := json.Unmarshal(got, &old); err != nil || !reflect.DeepEqual(old, p) {
		return BadInput(fmt.Errorf("%s holds a landscape computed with other choices (%s); pass the same runs and flags to continue it, --force to start afresh, or --out another directory",
			filepath.Join(dir, runfiles.LandscapeFile), path))
	}
	return nil
}

func removeIfExists(paths ...string) error {
	for _, p := range paths {
		if err := os.Remove(p); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return err
		}
	}
	return nil
}

// pointKey identifies a point of a net in the table by its cells.
func pointKey(net, kind, x, y string) string { return net + "," + kind + "," + x + "," + y }

func (t *LandscapeTable) key(net string, p LandscapePoint) string {
	return pointKey(net, p.Kind, runfiles.FormatFloat(p.X), runfiles.FormatFloat(p.Y))
}

// Done reports whether the table holds point p of net.
func (t *LandscapeTable) Done(net string, p LandscapePoint) bool { return t.done[t.key(net, p)] }

// Resumed is the number of points the table held when opened.
func (t *LandscapeTable) Resumed() int { return len(t.done) }

// Add appends point p of net and flushes it to the file.
func (t *LandscapeTable) Add(net string, p LandscapePoint) error {
	err := t.w.WriteRow([]string{net, p.Kind, runfiles.FormatFloat(p.X), runfiles.FormatFloat(p.Y),
		runfiles.FormatFloat(p.Loss), runfiles.FormatFloat(p.Err)})
	if err == nil {
		err = t.w.Flush()
	}
	t.done[t.key(net, p)] = true
	return err
}

// Path is the table's file.
func (t *LandscapeTable) Path() string { return t.path }

// Close flushes and closes the file.
func (t *LandscapeTable) Close() error { return t.w.Close() }
