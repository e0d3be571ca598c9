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
	p := &progress{w: w, total: total}
	if f, ok := w.(*os.File); ok && term.IsTerminal(int(f.Fd())) {
		p.bar = progressbar.NewOptions(total, progressbar.OptionSetWriter(w),
			progressbar.OptionShowCount(), progressbar.OptionSetPredictTime(true),
			progressbar.OptionSetWidth(24), progressbar.OptionThrottle(200*time.Millisecond),
			progressbar.OptionClearOnFinish())
	}
	return p
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
