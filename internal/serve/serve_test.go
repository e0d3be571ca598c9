package serve

import (
	"bufio"
	"context"
	"encoding/json"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/resexp/resexp/internal/runfiles"
)

var tableHead = regexp.MustCompile(`<thead><tr>(<th>[^<]*</th>)+</tr></thead>`)

var rowStatus = regexp.MustCompile(`<tr data-run="([^"]+)" data-status="([^"]+)">`)

// TestIndexStatuses checks that the index lists every run, loose and in a
// sweep, with the status of meta.json and the run lock (a run marked
// running that no process holds was killed: interrupted), and the sweep's
// progress against the size its sweep file plans.
func TestIndexStatuses(t *testing.T) {
	root := filepath.Join(t.TempDir(), "runs")
	want := map[string]string{
		"runs/done":        runfiles.StatusCompleted,
		"runs/nan":         runfiles.StatusDiverged,
		"runs/broken":      runfiles.StatusFailed,
		"runs/stopped":     runfiles.StatusInterrupted,
		"runs/live":        runfiles.StatusRunning,
		"runs/killed":      runfiles.StatusInterrupted, // meta.json says running, no lock held
		"runs/grid/plain":  runfiles.StatusCompleted,
		"runs/grid/resnet": runfiles.StatusRunning,
	}
	meta := map[string]string{"runs/killed": runfiles.StatusRunning}
	for id, st := range want {
		if m, ok := meta[id]; ok {
			st = m
		}
		writeRun(t, filepath.Join(filepath.Dir(root), id), st, 3)
	}
	holdLock(t, filepath.Join(root, "live"))
	holdLock(t, filepath.Join(root, "grid", "resnet"))
	check(t, os.WriteFile(filepath.Join(root, "grid", sweepFile), []byte("grid: {}\n"), 0o644))
	_, ts := newTestServer(t, Options{Dirs: []string{root}, SweepSize: func(string) (int, error) { return 4, nil }})

	code, _, body := get(t, ts, "GET", "/")
	if code != 200 {
		t.Fatalf("GET /: %d", code)
	}
	got := map[string]string{}
	for _, m := range rowStatus.FindAllStringSubmatch(body, -1) {
		got[m[1]] = m[2]
	}
	for id, st := range want {
		if got[id] != st {
			t.Errorf("%s: status %q, want %q", id, got[id], st)
		}
	}
	if len(got) != len(want) {
		t.Errorf("index lists %d runs, want %d: %v", len(got), len(want), got)
	}
	if !strings.Contains(body, "1 of 4 runs finished, 1 running") {
		t.Errorf("sweep progress missing: want %q in the index", "1 of 4 runs finished, 1 running")
	}
	if !strings.Contains(body, `<td data-field="step" class="num">30</td>`) {
		t.Error("step 30 (the last metrics row) not shown")
	}
}

// TestFigureRedrawnWhenMetricsGrow checks that a figure is drawn once while
// the run files are unchanged and drawn again from the new rows when
// metrics.csv grows (within 30 s: see slowCompute).
func TestFigureRedrawnWhenMetricsGrow(t *testing.T) {
	root := filepath.Join(t.TempDir(), "runs")
	dir := filepath.Join(root, "r")
	writeRun(t, dir, runfiles.StatusRunning, 3)
	s, ts := newTestServer(t, Options{Dirs: []string{root}})
	const url = "/figure/loss.svg?run=runs%2Fr"
	code, h, first := get(t, ts, "GET", url)
	if code != 200 || h.Get("Content-Type") != "image/svg+xml" || !strings.Contains(first, "<svg") {
		t.Fatalf("GET %s: %d %s %.80q", url, code, h.Get("Content-Type"), first)
	}
	sel, err := s.selection(map[string][]string{"run": {"runs/r"}})
	check(t, err)
	set, _ := s.figureSet(sel)
	if _, _, again := get(t, ts, "GET", url); again != first {
		t.Error("unchanged files: the figure changed")
	}
	if again, _ := s.figureSet(sel); again != set {
		t.Error("unchanged files: the figures were built again")
	}
	appendRows(t, dir, 3, 5)
	// A build that took slowCompute or more (a loaded machine, -race) is
	// repeated only as long after it ended as it took: poll for a while.
	grown := first
	for deadline := time.Now().Add(30 * time.Second); grown == first && time.Now().Before(deadline); {
		_, _, grown = get(t, ts, "GET", url)
		if grown == first {
			time.Sleep(100 * time.Millisecond)
		}
	}
	if grown == first {
		t.Error("metrics.csv grew: the figure was not redrawn within 30 s")
	}
	if again, _ := s.figureSet(sel); again == set {
		t.Error("metrics.csv grew: the cached figures were kept")
	}
	if code, h, png := get(t, ts, "GET", "/figure/loss.png?run=runs%2Fr"); code != 200 || h.Get("Content-Type") != "image/png" || !strings.HasPrefix(png, "\x89PNG") {
		t.Errorf("PNG: %d %s", code, h.Get("Content-Type"))
	}
}

// TestConfinedToServedDirs checks that paths leaving the served directory
// (.., also percent-encoded, absolute paths, backslashes, empty segments)
// are not found, that symlinks out of it are forbidden, and that only the
// run files are served.
func TestConfinedToServedDirs(t *testing.T) {
	tmp := t.TempDir()
	root := filepath.Join(tmp, "runs")
	writeRun(t, filepath.Join(root, "r"), runfiles.StatusCompleted, 2)
	secret := filepath.Join(tmp, "secret")
	writeRun(t, secret, runfiles.StatusCompleted, 2)
	check(t, os.Symlink(secret, filepath.Join(root, "link")))
	check(t, os.Symlink(filepath.Join(secret, runfiles.MetricsFile), filepath.Join(root, "r", "config.yaml")))
	check(t, os.WriteFile(filepath.Join(root, "r", "notes.txt"), []byte("x"), 0o644))
	_, ts := newTestServer(t, Options{Dirs: []string{root}})

	if code, _, _ := get(t, ts, "GET", "/file/runs/r/metrics.csv"); code != 200 {
		t.Fatalf("a run file: %d, want 200", code)
	}
	tests := []struct {
		path string
		want int
	}{
		{"/file/runs/../secret/metrics.csv", 404},
		{"/file/runs/r/../../secret/metrics.csv", 404},
		{"/file/runs/%2e%2e/secret/metrics.csv", 404},
		{"/file/runs/%2E%2E/secret/metrics.csv", 404},
		{"/file/runs%2f..%2fsecret/metrics.csv", 404},
		{"/file/runs/..%5csecret/metrics.csv", 404},
		{"/file//" + strings.TrimPrefix(secret, "/") + "/metrics.csv", 404},
		{"/file/runs//r/metrics.csv", 404},
		{"/file/" + secret + "/metrics.csv", 404},
		{"/run/runs/%2e%2e/secret", 404},
		{"/run/" + secret, 404},
		{"/figure/loss.svg?run=runs/../secret", 404},
		{"/figure/loss.svg?run=runs%2F%2e%2e%2Fsecret", 404},
		{"/figure/loss.svg?run=" + secret, 404},
		{"/events?run=" + secret, 404},
		{"/file/runs/link/metrics.csv", 403},
		{"/run/runs/link", 403},
		{"/figure/loss.svg?run=runs%2Flink", 403},
		{"/file/runs/r/config.yaml", 403}, // a symlink to a file outside
		{"/file/runs/r/notes.txt", 404},   // not a run file
		{"/file/runs/r/.lock", 404},
	}
	for _, tc := range tests {
		code, _, body := get(t, ts, "GET", tc.path)
		if code != tc.want {
			t.Errorf("GET %s: %d, want %d", tc.path, code, tc.want)
		}
		if strings.Contains(body, "step,epoch") {
			t.Errorf("GET %s: served a metrics file", tc.path)
		}
	}
}

// TestReadOnly checks that every method but GET and HEAD gets 405 with an
// Allow header, on pages and files alike.
func TestReadOnly(t *testing.T) {
	root := filepath.Join(t.TempDir(), "runs")
	writeRun(t, filepath.Join(root, "r"), runfiles.StatusCompleted, 2)
	_, ts := newTestServer(t, Options{Dirs: []string{root}})
	for _, path := range []string{"/", "/run/runs/r", "/file/runs/r/metrics.csv", "/events"} {
		for _, m := range []string{"POST", "PUT", "DELETE", "PATCH", "OPTIONS"} {
			if code, h, _ := get(t, ts, m, path); code != 405 || h.Get("Allow") != "GET, HEAD" {
				t.Errorf("%s %s: %d, Allow %q; want 405, GET, HEAD", m, path, code, h.Get("Allow"))
			}
		}
		if code, _, _ := get(t, ts, "HEAD", path); code != 200 {
			t.Errorf("HEAD %s: %d", path, code)
		}
	}
}

// TestPagesSelfContained checks that every page and asset carries the
// Content-Security-Policy and refers to nothing outside this server.
func TestPagesSelfContained(t *testing.T) {
	root := filepath.Join(t.TempDir(), "runs")
	writeRun(t, filepath.Join(root, "grid", "a"), runfiles.StatusCompleted, 2)
	writeRun(t, filepath.Join(root, "grid", "b"), runfiles.StatusCompleted, 2)
	check(t, os.WriteFile(filepath.Join(root, "grid", sweepFile), []byte("grid: {}\n"), 0o644))
	_, ts := newTestServer(t, Options{Dirs: []string{root}})
	external := regexp.MustCompile(`(?i)(src|href|action)="(https?:)?//|url\(|@import|https?://`)
	for _, path := range []string{"/", "/run/runs/grid/a", "/sweep/runs/grid", "/compare?run=runs/grid/a&run=runs/grid/b",
		"/static/live.js", "/static/style.css"} {
		code, h, body := get(t, ts, "GET", path)
		if code != 200 {
			t.Errorf("GET %s: %d", path, code)
			continue
		}
		if h.Get("Content-Security-Policy") != contentSecurityPolicy {
			t.Errorf("GET %s: no Content-Security-Policy", path)
		}
		if m := external.FindString(body); m != "" {
			t.Errorf("GET %s refers outside the server: %q", path, m)
		}
		if n, good := strings.Count(body, "<thead>"), len(tableHead.FindAllString(body, -1)); n != good {
			t.Errorf("GET %s: %d of %d table heads are not one row of header cells", path, n-good, n)
		}
	}
	get(t, ts, "GET", "/figure/loss.svg?sweep=runs%2Fgrid") // waits for the figures to be built
	if code, _, body := get(t, ts, "GET", "/sweep/runs/grid"); code != 200 || strings.Count(body, "<figure>") < 3 {
		t.Errorf("sweep page: %d, %d figures", code, strings.Count(body, "<figure>"))
	}
}

// TestEventsPushGrowth checks that an event stream sends the run's fields
// at once and again, with the new step, when metrics.csv grows, and then
// the new version of the figures.
func TestEventsPushGrowth(t *testing.T) {
	root := filepath.Join(t.TempDir(), "runs")
	dir := filepath.Join(root, "r")
	writeRun(t, dir, runfiles.StatusRunning, 3)
	holdLock(t, dir)
	_, ts := newTestServer(t, Options{Dirs: []string{root}})
	resp, err := ts.Client().Get(ts.URL + "/events?run=runs%2Fr")
	check(t, err)
	defer resp.Body.Close()
	if ct := resp.Header.Get("Content-Type"); ct != "text/event-stream" {
		t.Fatalf("Content-Type %q", ct)
	}
	events := readEvents(resp)
	first := <-events
	if f := first.Runs["runs/r"]; f["step"] != "30" || f["status"] != "running" || f["iterations"] != "1000" || first.Version == "" {
		t.Fatalf("first event: %+v", first)
	}
	appendRows(t, dir, 3, 1)
	// The step comes with the next event; the figures' version once they
	// are rebuilt, which a slow build (see slowCompute) may delay.
	timeout := time.After(30 * time.Second)
	for step := ""; ; {
		select {
		case next := <-events:
			if step == "" && next.Runs["runs/r"]["step"] != "40" {
				t.Fatalf("the event after a new row: %+v, want step 40", next)
			}
			step = next.Runs["runs/r"]["step"]
			if next.Version != first.Version {
				return
			}
		case <-timeout:
			t.Fatal("no event with a new figure version within 30 s of metrics.csv growing")
		}
	}
}

// readEvents decodes the data lines of an event stream.
func readEvents(resp *http.Response) <-chan update {
	ch := make(chan update, 16)
	go func() {
		defer close(ch)
		sc := bufio.NewScanner(resp.Body)
		for sc.Scan() {
			if data, ok := strings.CutPrefix(sc.Text(), "data: "); ok {
				var u update
				if json.Unmarshal([]byte(data), &u) == nil {
					ch <- u
				}
			}
		}
	}()
	return ch
}

// TestServeStopsOnCancel checks that Serve returns nil soon after its
// context is cancelled (Ctrl-C in the CLI), also with an event stream open.
func TestServeStopsOnCancel(t *testing.T) {
	root := filepath.Join(t.TempDir(), "runs")
	writeRun(t, filepath.Join(root, "r"), runfiles.StatusCompleted, 2)
	s, err := New(Options{Dirs: []string{root}})
	check(t, err)
	l, err := net.Listen("tcp", "127.0.0.1:0")
	check(t, err)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- Serve(ctx, l, s) }()
	resp, err := http.Get("http://" + l.Addr().String() + "/events")
	check(t, err)
	defer resp.Body.Close()
	<-readEvents(resp)
	start := time.Now()
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("Serve: %v", err)
		}
		if d := time.Since(start); d > shutdownGrace/2 {
			t.Errorf("stopping took %v", d)
		}
	case <-time.After(2 * shutdownGrace):
		t.Fatal("Serve did not return after cancel")
	}
}

// TestLoopbackHosts checks that with LoopbackHosts a request naming another
// host (a DNS name rebound to 127.0.0.1) is refused, and loopback names are
// served.
func TestLoopbackHosts(t *testing.T) {
	root := filepath.Join(t.TempDir(), "runs")
	check(t, os.MkdirAll(root, 0o755))
	s, err := New(Options{Dirs: []string{root}, LoopbackHosts: true})
	check(t, err)
	for host, want := range map[string]int{"127.0.0.1:8080": 200, "localhost:8080": 200, "localhost": 200, "[::1]:8080": 200,
		"evil.example:8080": 403, "evil.example": 403, "192.168.1.2:8080": 403} {
		req := httptest.NewRequest("GET", "/", nil)
		req.Host = host
		rec := httptest.NewRecorder()
		s.ServeHTTP(rec, req)
		if rec.Code != want {
			t.Errorf("Host %s: %d, want %d", host, rec.Code, want)
		}
	}
}

func TestLoopback(t *testing.T) {
	for addr, want := range map[string]bool{"127.0.0.1:8080": true, "localhost:1": true, "[::1]:80": true,
		"127.0.0.2:80": true, "0.0.0.0:8080": false, ":8080": false, "192.168.1.2:80": false, "example.com:80": false, "junk": false} {
		if got := Loopback(addr); got != want {
			t.Errorf("Loopback(%q) = %v, want %v", addr, got, want)
		}
	}
}

// TestFileCache checks that a value is computed once per version, that
// callers asking while it is computed share that computation (also for a
// newer version: no second one starts), and that ready does not wait.
func TestFileCache(t *testing.T) {
	var c fileCache[int]
	calls := 0
	release := make(chan struct{})
	slow := func() (int, error) { calls++; <-release; return calls, nil }
	if _, ok := c.ready("k", "v1", slow); ok {
		t.Fatal("ready before the computation ended")
	}
	if _, ok := c.ready("k", "v2", slow); ok {
		t.Fatal("ready for a newer version while v1 is computed")
	}
	close(release)
	if got, err := c.get("k", "v1", slow); got != 1 || err != nil {
		t.Errorf("get v1 = %d, %v; want 1", got, err)
	}
	if got, ok := c.ready("k", "v1", slow); got != 1 || !ok {
		t.Errorf("ready v1 = %d, %v; want 1, true", got, ok)
	}
	release = make(chan struct{})
	if got, ok := c.ready("k", "v2", slow); got != 1 || !ok {
		t.Errorf("ready v2 while it is computed = %d, %v; want v1's 1, true", got, ok)
	}
	close(release)
	if got, _ := c.get("k", "v2", slow); got != 2 || calls != 2 {
		t.Errorf("get v2 = %d after %d computations; want 2, 2", got, calls)
	}
	c.m["k"].cur.took = slowCompute // as if v2 had been slow to compute, just now
	if got, _ := c.get("k", "v3", slow); got != 2 || calls != 2 {
		t.Errorf("get v3 right after a slow v2 = %d after %d computations; want v2's 2, 2", got, calls)
	}
	c.m["k"].cur.ended = time.Now().Add(-slowCompute)
	if got, _ := c.get("k", "v3", slow); got != 3 {
		t.Errorf("get v3 a slow computation's time later = %d; want 3", got)
	}
}
