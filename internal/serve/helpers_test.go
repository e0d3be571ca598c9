package serve

import (
	"io"
	"math"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/resexp/resexp/internal/runfiles"
)

// writeRun writes a run directory dir with meta.json of the given status
// and rows metrics rows (steps 10, 20, ...), gradient norms and responses.
func writeRun(t *testing.T, dir, status string, rows int) {
	t.Helper()
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	m := &runfiles.Meta{Name: filepath.Base(dir), Label: "resnet-8", Dataset: "synthetic", Depth: 8,
		Residual: true, Params: 78000, Iterations: 1000, Start: time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC), Status: status}
	if err := runfiles.WriteMeta(dir, m); err != nil {
		t.Fatal(err)
	}
	appendRows(t, dir, 0, rows)
}

// appendRows appends metrics, gradient-norm and response rows for steps
// 10*(from+1) ... 10*(from+n) to the run in dir.
func appendRows(t *testing.T, dir string, from, n int) {
	t.Helper()
	mw, err := runfiles.OpenMetrics(dir)
	check(t, err)
	gw, err := runfiles.OpenGradNorms(dir)
	check(t, err)
	rw, err := runfiles.OpenResponses(dir)
	check(t, err)
	for i := from + 1; i <= from+n; i++ {
		step := 10 * i
		test := math.NaN()
		if i%2 == 0 {
			test = 0.5 / float64(i)
		}
		check(t, mw.WriteMetrics(runfiles.MetricsRow{Step: step, LR: 0.1, TrainLoss: 2 / float64(i), TrainErr: 0.9 / float64(i),
			TestLoss: test, TestErr: test, ImagesPerSec: 100, ElapsedS: float64(step) / 10, ValLoss: math.NaN(), ValErr: math.NaN()}))
		check(t, gw.WriteGradNorms([]runfiles.GradNormRow{{Step: step, Index: 0, Layer: "conv1", Norm: 1 / float64(i)},
			{Step: step, Index: 1, Layer: "fc", Norm: 0.5}}))
		check(t, rw.WriteResponses([]runfiles.ResponseRow{{Step: step, Index: 0, Layer: "conv1", Mean: 0, Std: 1}}))
	}
	for _, w := range []*runfiles.CSVWriter{mw, gw, rw} {
		check(t, w.Close())
	}
}

func check(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// newTestServer serves dirs with a short poll interval.
func newTestServer(t *testing.T, opt Options) (*Server, *httptest.Server) {
	t.Helper()
	if opt.Poll == 0 {
		opt.Poll = 20 * time.Millisecond
	}
	s, err := New(opt)
	check(t, err)
	ts := httptest.NewServer(s)
	t.Cleanup(ts.Close)
	return s, ts
}

// get requests path (sent as it is, not cleaned) and returns the status and
// body.
func get(t *testing.T, ts *httptest.Server, method, path string) (int, http.Header, string) {
	t.Helper()
	req, err := http.NewRequest(method, ts.URL, nil)
	check(t, err)
	req.URL.Opaque = path // sent verbatim: no cleaning, no re-encoding
	resp, err := ts.Client().Do(req)
	check(t, err)
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	check(t, err)
	return resp.StatusCode, resp.Header, string(b)
}
