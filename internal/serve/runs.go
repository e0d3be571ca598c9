package serve

import (
	"fmt"
	"hash/fnv"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"time"

	"github.com/resexp/resexp/internal/experiments"
	"github.com/resexp/resexp/internal/runfiles"
)

// runFiles are the files a run's summary and figures are read from.
var runFiles = []string{runfiles.MetaFile, runfiles.MetricsFile, runfiles.GradNormsFile, runfiles.ResponsesFile}

// version identifies the content of the files of the run directories dirs
// by their sizes and modification times: it changes when a file is
// written, appended to, replaced or removed.
func version(dirs ...string) string {
	h := fnv.New64a()
	for _, d := range dirs {
		fmt.Fprintf(h, "%s\x00", d)
		for _, f := range runFiles {
			fmt.Fprintf(h, "%s;", fileVersion(filepath.Join(d, f)))
		}
	}
	return strconv.FormatUint(h.Sum64(), 36)
}

// cached is a value computed from files, with the version it was computed
// at.
type cached[T any] struct {
	version string
	value   T
	err     error
}

// maxCached bounds the keys of a fileCache; past it, the cache starts over.
const maxCached = 512

// fileCache computes values from run directories and keeps them until the
// version of their files changes.
type fileCache[T any] struct {
	mu sync.Mutex
	m  map[string]cached[T]
}

// get returns compute's value for key, computing it again only when v
// differs from the version it was computed at.
func (c *fileCache[T]) get(key, v string, compute func() (T, error)) (T, error) {
	c.mu.Lock()
	e, ok := c.m[key]
	c.mu.Unlock()
	if ok && e.version == v {
		return e.value, e.err
	}
	val, err := compute()
	c.mu.Lock()
	if c.m == nil || len(c.m) >= maxCached {
		c.m = map[string]cached[T]{}
	}
	c.m[key] = cached[T]{v, val, err}
	c.mu.Unlock()
	return val, err
}

// runView is a run as the pages show it. Fields holds its formatted values
// by name, the same for the HTML and for the updates pushed to open pages.
type runView struct {
	ID      string
	Label   string
	Dataset string
	Depth   int
	Net     string
	Params  string
	Status  string
	Fields  map[string]string
}

// summarise describes r, the result of the run in dir, with its live status
// (see experiments.LiveStatus).
func summarise(id, dir string, r experiments.Result) runView {
	status := experiments.LiveStatus(dir, r.Status)
	net := "plain"
	if r.Residual {
		net = "residual"
	}
	return runView{ID: id, Label: r.Label, Dataset: r.Dataset, Depth: r.Depth, Net: net,
		Params: fmt.Sprintf("%.2fM", float64(r.Params)/1e6), Status: status,
		Fields: map[string]string{
			"status":         status,
			"step":           strconv.Itoa(r.Steps),
			"iterations":     count(r.Iterations),
			"train_err":      pct(r.TrainErr),
			"test_err":       pct(r.TestErr),
			"best_test_err":  pct(r.BestTest),
			"images_per_sec": number(r.ImagesPerSec),
			"elapsed":        seconds(r.WallS),
			"eta":            eta(r, status),
		}}
}

// eta estimates the time left of a running run from its average speed so
// far; "—" when it is not running or its planned length is unknown.
func eta(r experiments.Result, status string) string {
	if status != runfiles.StatusRunning || r.Iterations <= 0 || r.Steps <= 0 || r.WallS <= 0 {
		return "—"
	}
	return seconds(r.WallS / float64(r.Steps) * float64(max(r.Iterations-r.Steps, 0)))
}

func count(n int) string {
	if n <= 0 {
		return "?"
	}
	return strconv.Itoa(n)
}

func pct(v float64) string {
	if math.IsNaN(v) {
		return "—"
	}
	return strconv.FormatFloat(100*v, 'f', 2, 64) + "%"
}

func number(v float64) string {
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return "—"
	}
	return strconv.FormatFloat(v, 'f', 0, 64)
}

// seconds formats a duration in seconds as e.g. "1h2m3s"; "—" for NaN.
func seconds(s float64) string {
	if math.IsNaN(s) || math.IsInf(s, 0) {
		return "—"
	}
	return (time.Duration(s * float64(time.Second))).Round(time.Second).String()
}

// fileVersion identifies the content of the file at path by its size and
// modification time; "-" if it does not exist.
func fileVersion(path string) string {
	fi, err := os.Stat(path)
	if err != nil {
		return "-"
	}
	return fmt.Sprintf("%d.%d", fi.Size(), fi.ModTime().UnixNano())
}
