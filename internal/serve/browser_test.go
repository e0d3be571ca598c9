package serve_test

import (
	"context"
	"fmt"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/resexp/resexp/internal/asresexp"
	"github.com/resexp/resexp/internal/runfiles"
	"github.com/resexp/resexp/internal/serve"
)

// TestMain lets TestBrowser start a real `resexp train` by running this
// test binary as the resexp command.
func TestMain(m *testing.M) { asresexp.Main(m) }

// browsers are the Chromium binaries TestBrowser looks for, in order, after
// $RESEXP_CHROMIUM.
var browsers = []string{"chromium", "chromium-browser", "google-chrome", "google-chrome-stable"}

func findBrowser(t *testing.T) string {
	if p := os.Getenv("RESEXP_CHROMIUM"); p != "" {
		return p
	}
	for _, b := range browsers {
		if p, err := exec.LookPath(b); err == nil {
			return p
		}
	}
	t.Skipf("real-browser test skipped: no Chromium found (looked for $RESEXP_CHROMIUM, %s); install Debian's chromium (apt-get install chromium) to run it",
		strings.Join(browsers, ", "))
	return ""
}

// startTraining starts `resexp train` on the synthetic set into dir, long
// enough to outlast the test, and stops it (Ctrl-C) when the test ends.
func startTraining(t *testing.T, dir string) {
	cmd := exec.Command(asresexp.Path(), "train", "--dataset", "synthetic", "--depth", "8", "--residual",
		"--batch-size", "16", "--steps", "20000", "--out", dir,
		"--set", "log.every=5", "--set", "log.eval_every=20", "--set", "log.eval_samples=64",
		"--set", "log.gradnorm_every=5", "--set", "log.response_every=5")
	cmd.Env = append(os.Environ(), asresexp.Env())
	var out strings.Builder
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		cmd.Process.Signal(syscall.SIGINT)
		done := make(chan error, 1)
		go func() { done <- cmd.Wait() }()
		select {
		case <-done:
		case <-time.After(30 * time.Second):
			cmd.Process.Kill()
			<-done
			t.Errorf("resexp train did not stop on SIGINT:\n%s", out.String())
		}
	})
}

// waitForRows waits until the run in dir has n metrics rows and responses.
func waitForRows(t *testing.T, dir string, n int) {
	deadline := time.Now().Add(40 * time.Second)
	for time.Now().Before(deadline) {
		m, _ := runfiles.ReadMetrics(dir)
		r, _ := runfiles.ReadResponses(dir)
		if len(m) >= n && len(r) > 0 {
			return
		}
		time.Sleep(200 * time.Millisecond)
	}
	t.Fatalf("no %d metrics rows in %s after 40 s", n, dir)
}

// TestBrowser loads the index and a run page in headless Chromium while a
// real training run is going, waits for the live update (the step shown on
// the page increases without a reload), checks the DOM (status, figures
// drawn, live script connected under the page's CSP, no console errors) and
// saves a screenshot ($RESEXP_SCREENSHOT, else a temporary file).
func TestBrowser(t *testing.T) {
	browser := findBrowser(t)
	root := filepath.Join(t.TempDir(), "runs")
	run := filepath.Join(root, "resnet-8")
	startTraining(t, run)
	waitForRows(t, run, 2)

	srv, err := serve.New(serve.Options{Dirs: []string{root}, Poll: 300 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(srv)
	defer ts.Close()

	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	ctx, cancel = chromedp.NewExecAllocator(ctx, chromedp.ExecPath(browser), chromedp.Headless, chromedp.NoSandbox,
		chromedp.DisableGPU, chromedp.NoFirstRun, chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-background-networking", true), chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true), chromedp.UserDataDir(t.TempDir()), chromedp.WindowSize(1280, 1000))
	defer cancel()
	ctx, cancel = chromedp.NewContext(ctx)
	defer cancel()
	errs := collectConsoleErrors(ctx)

	const row = `tr[data-run="runs/resnet-8"]`
	check(t, "index", chromedp.Do(ctx, chromedp.Navigate(ts.URL+"/"), chromedp.WaitVisible(chromedp.CSS(row))))
	status, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(row+` [data-field="status"]`)))
	if err != nil || status != "running" {
		t.Errorf("index: status %q (%v), want running", status, err)
	}

	check(t, "run page", chromedp.Do(ctx, chromedp.Navigate(ts.URL+"/run/runs/resnet-8"), chromedp.WaitVisible(chromedp.ID("step"))))
	// A page asked for before its figures are built reloads once they are.
	waitFor(t, ctx, `document.querySelectorAll("img[data-figure]").length >= 5`, "the run page with its figures")
	first := evalInt(t, ctx, `Number(document.getElementById("step").textContent)`)
	check(t, "mark the page", chromedp.Do(ctx, chromedp.Evaluate[chromedp.Void](`window.notReloaded = true`)))
	waitFor(t, ctx, fmt.Sprintf(`Number(document.getElementById("step").textContent) > %d`, first), "the step shown to increase")
	if !evalBool(t, ctx, `window.notReloaded === true && Number(document.body.dataset.updates) > 0`) {
		t.Error("the step increased by a reload, not by a live update")
	}
	if !evalBool(t, ctx, `document.getElementById("live").textContent.startsWith("live")`) {
		t.Error("live.js did not connect to the event stream")
	}
	waitFor(t, ctx, `(() => { const i = document.querySelector("img[data-figure]"); return i.complete && i.naturalWidth > 0 })()`, "the first figure to load")
	shot, err := chromedp.Run(ctx, chromedp.CaptureScreenshot())
	check(t, "screenshot", err)
	path := os.Getenv("RESEXP_SCREENSHOT")
	if path == "" {
		path = filepath.Join(t.TempDir(), "serve.png")
	}
	check(t, "screenshot", os.WriteFile(path, shot, 0o644))
	t.Logf("screenshot of the run page at step %d (loaded at step %d): %s", evalInt(t, ctx, `Number(document.getElementById("step").textContent)`), first, path)
	cancel()
	for _, e := range errs() {
		t.Errorf("browser console: %s", e)
	}
}

func check(t *testing.T, what string, err error) {
	t.Helper()
	if err != nil {
		t.Fatalf("%s: %v", what, err)
	}
}

func evalInt(t *testing.T, ctx context.Context, js string) int {
	t.Helper()
	v, err := chromedp.Run(ctx, chromedp.Evaluate[int](js))
	check(t, js, err)
	return v
}

func evalBool(t *testing.T, ctx context.Context, js string) bool {
	t.Helper()
	v, err := chromedp.Run(ctx, chromedp.Evaluate[bool](js))
	check(t, js, err)
	return v
}

// waitFor polls the JavaScript condition cond until it is true, for at most
// 30 s.
func waitFor(t *testing.T, ctx context.Context, cond, what string) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		if evalBool(t, ctx, cond) {
			return
		}
		time.Sleep(200 * time.Millisecond)
	}
	t.Fatalf("waited 30 s for %s", what)
}

// collectConsoleErrors records the errors and exceptions the pages of ctx
// write to the console (a script or style refused by the CSP among them)
// until ctx ends; the returned func gives those seen so far.
func collectConsoleErrors(ctx context.Context) func() []string {
	var mu sync.Mutex
	var errs []string
	msgs := chromedp.Console(ctx)
	go func() {
		for m, err := range msgs {
			if err != nil {
				return
			}
			if m.Type == "error" || m.Type == chromedp.ConsoleException {
				mu.Lock()
				errs = append(errs, m.String())
				mu.Unlock()
			}
		}
	}()
	return func() []string {
		mu.Lock()
		defer mu.Unlock()
		return append([]string(nil), errs...)
	}
}
