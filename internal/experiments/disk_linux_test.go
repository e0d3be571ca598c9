//go:build linux

package experiments

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/resexp/resexp/internal/plots"
	"github.com/resexp/resexp/internal/runfiles"
)

// smallDisk mounts a tmpfs of size bytes on a fresh folder and returns it;
// it skips t, saying why, unless the test may mount (root on Linux).
func smallDisk(t *testing.T, size string) string {
	t.Helper()
	dir := t.TempDir()
	if err := syscall.Mount("tmpfs", dir, "tmpfs", 0, "size="+size); err != nil {
		t.Skipf("full-disk test needs to mount a tmpfs (root on Linux): %v; skipping", err)
	}
	t.Cleanup(func() { syscall.Unmount(dir, 0) })
	return dir
}

// fill writes a file into dir leaving about leave bytes free, and returns
// its path (remove it to free the space).
func fill(t *testing.T, dir string, leave int64) string {
	t.Helper()
	var st syscall.Statfs_t
	if err := syscall.Statfs(dir, &st); err != nil {
		t.Fatal(err)
	}
	free := int64(st.Bavail) * int64(st.Bsize)
	path := filepath.Join(dir, "filler")
	if err := os.WriteFile(path, make([]byte, max(0, free-leave)), 0o644); err != nil && !errors.Is(err, syscall.ENOSPC) {
		t.Fatal(err)
	}
	return path
}

// TestFullDisk fills the disk of a training run after its first
// checkpoint: the run must stop at its next checkpoint with an error
// naming the file and the full disk (not an input error nor an
// interruption: exit code 1), status "interrupted", the checkpoint of step
// 20 intact and every CSV row parseable; once the space is freed, resume
// must finish it exactly as an uninterrupted run. Then plot and the sweep
// results, written to a full disk, must fail naming their file.
func TestFullDisk(t *testing.T) {
	disk := smallDisk(t, "8m")
	cfg := shortConfig()
	cfg.Log.CheckpointEvery = 20
	ref := t.TempDir()
	if err := train(t, cfg, ref); err != nil {
		t.Fatal(err)
	}

	dir := filepath.Join(disk, "run")
	tr := prepare(t, cfg, dir)
	var filler string
	err := tr.Run(context.Background(), Hooks{Step: func(step int, _ float64) {
		if step == 25 {
			filler = fill(t, disk, 64<<10) // room for rows, not for a checkpoint
		}
	}})
	if err == nil || !errors.Is(err, syscall.ENOSPC) || IsBadInput(err) || errors.Is(err, ErrInterrupted) ||
		!strings.Contains(err.Error(), CheckpointPath(dir)) || !strings.Contains(err.Error(), "resexp train --resume "+dir) {
		t.Fatalf("run on a full disk: %v; want a no-space error naming %s and how to resume", err, CheckpointPath(dir))
	}
	if m, err := runfiles.ReadMeta(dir); err != nil || m.Status != runfiles.StatusInterrupted {
		t.Errorf("meta.json after a full disk: %+v, %v; want status interrupted", m, err)
	}
	if _, step, err := mustOpenRun(t, dir).LoadNet(); err != nil || step != 20 {
		t.Errorf("checkpoint after a full disk: step %d, %v; want the intact checkpoint of step 20", step, err)
	}
	for _, read := range []func(string) error{
		func(d string) error { _, err := runfiles.ReadMetrics(d); return err },
		func(d string) error { _, err := runfiles.ReadGradNorms(d); return err },
		func(d string) error { _, err := runfiles.ReadResponses(d); return err },
	} {
		if err := read(dir); err != nil {
			t.Errorf("run files after a full disk: %v", err)
		}
	}

	os.Remove(filler)
	tr, err = mustOpenRun(t, dir).Resume(false)
	if err != nil {
		t.Fatal(err)
	}
	if err := tr.Run(context.Background()); err != nil {
		t.Fatal(err)
	}
	sameRunFiles(t, ref, dir)

	filler = fill(t, disk, 0)
	defer os.Remove(filler)
	runs, err := plots.LoadRuns([]string{dir}, &strings.Builder{})
	if err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(disk, "plots")
	if _, err := plots.Draw(runs, out, plots.Options{Format: "png"}); err == nil || !errors.Is(err, syscall.ENOSPC) || !strings.Contains(err.Error(), out) {
		t.Errorf("plot on a full disk: %v; want a no-space error naming a file in %s", err, out)
	}
	rs, err := Results(disk)
	if err != nil {
		t.Fatal(err)
	}
	if err := WriteResults(disk, rs); err == nil || !errors.Is(err, syscall.ENOSPC) || !strings.Contains(err.Error(), filepath.Join(disk, "results.csv")) {
		t.Errorf("sweep results on a full disk: %v; want a no-space error naming results.csv", err)
	}
}

// mustOpenRun is OpenRun, failing t on error.
func mustOpenRun(t *testing.T, dir string) *Run {
	t.Helper()
	r, err := OpenRun(dir)
	if err != nil {
		t.Fatal(err)
	}
	return r
}
