package cli

import (
	"fmt"
	"io"
	"math"
	"os"
	"time"

	"github.com/schollz/progressbar/v3"
	"golang.org/x/term"

	"github.com/resexp/resexp/internal/runfiles"
)

// progress shows a training run: a progress bar on a terminal, plain log
// lines (one per metrics row) otherwise.
type progress struct {
	w     io.Writer
	bar   *progressbar.ProgressBar
	total int
	last  runfiles.MetricsRow
}

func newProgress(w io.Writer, total int) *progress {
	return &progress{w: w, total: total, bar: newBar(w, total)}
}

// newBar returns a progress bar counting to total with the predicted time
// left, drawn on w if w is a terminal; else nil.
func newBar(w io.Writer, total int) *progressbar.ProgressBar {
	f, ok := w.(*os.File)
	if !ok || !term.IsTerminal(int(f.Fd())) {
		return nil
	}
	return progressbar.NewOptions(total, progressbar.OptionSetWriter(w),
		progressbar.OptionShowCount(), progressbar.OptionSetPredictTime(true),
		progressbar.OptionSetWidth(24), progressbar.OptionThrottle(200*time.Millisecond),
		progressbar.OptionClearOnFinish())
}

// counter shows the progress of an analysis of total evaluations: a bar
// with the time left on a terminal, otherwise a line at every tenth.
type counter struct {
	w          io.Writer
	bar        *progressbar.ProgressBar
	what       string
	total, ten int // ten: the tenths reported so far
	start      time.Time
}

func newCounter(w io.Writer, what string, total int) *counter {
	c := &counter{w: w, bar: newBar(w, total), what: what, total: total, start: time.Now()}
	if c.bar != nil {
		c.bar.Describe(what)
	}
	return c
}

// set records that done of the total evaluations are done.
func (c *counter) set(done, _ int) {
	if c.bar != nil {
		_ = c.bar.Set(done)
		return
	}
	if t := 10 * done / max(c.total, 1); t > c.ten {
		c.ten = t
		fmt.Fprintf(c.w, "%s: %d/%d (%.0fs)\n", c.what, done, c.total, time.Since(c.start).Seconds())
	}
}

func (c *counter) done() {
	if c.bar != nil {
		_ = c.bar.Finish()
	}
}

func (p *progress) step(step int, loss float64) {
	if p.bar == nil {
		return
	}
	p.bar.Describe(fmt.Sprintf("loss %.4f err %.2f%% %.0f img/s", loss, 100*p.last.TrainErr, p.last.ImagesPerSec))
	_ = p.bar.Set(step)
}

func (p *progress) log(r runfiles.MetricsRow) {
	p.last = r
	if p.bar != nil && math.IsNaN(r.TestErr) {
		return
	}
	line := fmt.Sprintf("step %d/%d epoch %.2f lr %.4g loss %.4f err %.2f%%", r.Step, p.total, r.Epoch, r.LR, r.TrainLoss, 100*r.TrainErr)
	if !math.IsNaN(r.TestErr) {
		line += fmt.Sprintf(" test_loss %.4f test_err %.2f%%", r.TestLoss, 100*r.TestErr)
	}
	line += fmt.Sprintf(" %.0f img/s %.0fs", r.ImagesPerSec, r.ElapsedS)
	if p.bar != nil {
		_ = p.bar.Clear()
	}
	fmt.Fprintln(p.w, line)
}

func (p *progress) done() {
	if p.bar != nil {
		_ = p.bar.Finish()
	}
}
