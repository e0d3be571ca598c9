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

// cached is a value computed from files at one version of them; done is
// closed when value and err are set.
type cached[T any] struct {
	version string
	done    chan struct{}
	value   T
	err     error
	ended   time.Time     // when done was closed
	took    time.Duration // how long the computation took
}

// slowCompute is how long a computation must take for its key to be
// computed again at most once per that time (e.g. the figures of a large
// sweep that trains on), so that the view takes at most about half a core
// from the training it shows.
const slowCompute = 2 * time.Second

// maxCached bounds the keys of a fileCache; past it, the cache starts over.
const maxCached = 512

// fileCache computes values from run directories and keeps them until the
// version of their files changes. A key is computed by one goroutine at a
// time: while it is, callers asking for a newer version get the value being
// computed, so a sweep whose files change every second is not computed
// again by every request; and a computation slower than slowCompute is not
// started again before as much time has passed since it ended.
type fileCache[T any] struct {
	mu sync.Mutex
	m  map[string]*slot[T]
}

// slot is one key's latest computation and the latest that has ended.
type slot[T any] struct {
	cur, last *cached[T]
}

// get returns compute's value for key at version v, waiting for it.
func (c *fileCache[T]) get(key, v string, compute func() (T, error)) (T, error) {
	e, _ := c.start(key, v, compute)
	<-e.done
	return e.value, e.err
}

// ready returns compute's value for key at version v if it is there, else
// (starting to compute it) the last value computed for key at an older
// version; false if there is none yet.
func (c *fileCache[T]) ready(key, v string, compute func() (T, error)) (T, bool) {
	e, last := c.start(key, v, compute)
	if closed(e.done) {
		return e.value, e.err == nil
	}
	if last != nil {
		return last.value, last.err == nil
	}
	var zero T
	return zero, false
}

// start returns the computation for key at version v, or the one under
// way, starting to compute v if there is neither; and the last computation
// of key that has ended (nil if none).
func (c *fileCache[T]) start(key, v string, compute func() (T, error)) (cur, last *cached[T]) {
	c.mu.Lock()
	defer c.mu.Unlock()
	s := c.m[key]
	if s != nil && (s.cur.version == v || !closed(s.cur.done) ||
		s.cur.took >= slowCompute && time.Since(s.cur.ended) < s.cur.took) {
		return s.cur, s.last
	}
	if c.m == nil || len(c.m) >= maxCached {
		c.m = map[string]*slot[T]{}
	}
	if s == nil {
		s = &slot[T]{}
	}
	e := &cached[T]{version: v, done: make(chan struct{})}
	s.cur, c.m[key] = e, s
	go func() {
		begin := time.Now()
		e.value, e.err = compute()
		e.ended = time.Now()
		e.took = e.ended.Sub(begin)
		c.mu.Lock()
		s.last = e
		c.mu.Unlock()
		close(e.done)
	}()
	return e, s.last
}

func closed(ch chan struct{}) bool {
	select {
	case <-ch:
		return true
	default:
		return false
	}
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
