//go:build unix

package experiments

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/resexp/resexp/internal/runfiles"
)

// The kill test: a training run is SIGKILLed (no chance to save anything)
// at chosen and random moments, then resumed as `train --resume` does,
// and must end with exactly the metrics (timing columns aside), gradient
// norms and responses of an uninterrupted run. The runs are child
// processes of the test binary (TestKillChild).

// Environment of a child run: the run directory, and where it kills
// itself: after iteration N (killAtStep), or while its first checkpoint
// is being written (killInWrite).
const (
	killDirEnv   = "RESEXP_KILL_CHILD"
	killStepEnv  = "RESEXP_KILL_AT_STEP"
	killWriteEnv = "RESEXP_KILL_IN_WRITE"
	// killTrialsEnv sets the number of random-moment trials (default
	// killTrials); each kills its run twice before letting it finish.
	killTrialsEnv = "RESEXP_KILL_TRIALS"
	killTrials    = 10
)

// TestKillChild is the child run of TestKillAnyMoment; without its
// environment it does nothing. It continues the run in its directory as
// `train --resume` does (OpenRun, then Resume) or starts it when the
// directory holds none yet.
func TestKillChild(t *testing.T) {
	dir := os.Getenv(killDirEnv)
	if dir == "" {
		t.Skip("the child run of TestKillAnyMoment")
	}
	var tr *Trainer
	var err error
	if _, serr := os.Stat(filepath.Join(dir, runfiles.MetaFile)); errors.Is(serr, fs.ErrNotExist) {
		tr, err = Prepare(shortConfig(), Options{Dir: dir})
	} else {
		var r *Run
		if r, err = OpenRun(dir); err == nil {
			tr, err = r.Resume(false)
		}
	}
	if err != nil {
		t.Fatal(err)
	}
	if os.Getenv(killWriteEnv) != "" {
		go killInCheckpointWrite(dir)
	}
	at, _ := strconv.Atoi(os.Getenv(killStepEnv))
	if err := tr.Run(context.Background(), Hooks{Step: func(step int, _ float64) {
		if step == at {
			syscall.Kill(os.Getpid(), syscall.SIGKILL)
		}
	}}); err != nil {
		t.Fatal(err)
	}
}

// killInCheckpointWrite SIGKILLs this process as soon as the temp file of
// a checkpoint being written appears in dir.
func killInCheckpointWrite(dir string) {
	pattern := filepath.Join(dir, runfiles.CheckpointDir, "."+CheckpointName+".tmp-*")
	for {
		if m, _ := filepath.Glob(pattern); len(m) > 0 {
			syscall.Kill(os.Getpid(), syscall.SIGKILL)
		}
		time.Sleep(50 * time.Microsecond)
	}
}

// child returns the command of a child run in dir with extra environment.
func child(dir string, env ...string) *exec.Cmd {
	cmd := exec.Command(os.Args[0], "-test.run=^TestKillChild$", "-test.count=1")
	cmd.Env = append(append(os.Environ(), killDirEnv+"="+dir), env...)
	return cmd
}

// wasKilled fails t unless err is the exit of a process killed by SIGKILL.
func wasKilled(t *testing.T, err error, out []byte) {
	t.Helper()
	var ee *exec.ExitError
	if !errors.As(err, &ee) {
		t.Fatalf("child run: %v\n%s", err, out)
	}
	if ws, ok := ee.Sys().(syscall.WaitStatus); !ok || !ws.Signaled() || ws.Signal() != syscall.SIGKILL {
		t.Fatalf("child run ended with %v, not SIGKILL\n%s", err, out)
	}
}

// finish runs the child in dir to the end and requires the run files to
// equal those of ref.
func finish(t *testing.T, dir, ref string) {
	t.Helper()
	if out, err := child(dir).CombinedOutput(); err != nil {
		t.Fatalf("resumed run: %v\n%s", err, out)
	}
	sameRunFiles(t, ref, dir)
}

// TestKillAnyMoment SIGKILLs training runs and resumes them: after
// iteration 3 (before the first checkpoint, so resume starts over from
// step 0), after iteration 10 (its checkpoint not yet written), while the
// first checkpoint is being written (its temp file exists), and at random
// moments (killTrials trials, or $RESEXP_KILL_TRIALS, of two kills each,
// uniform over an uninterrupted run's time). Every resumed run must end
// exactly as the uninterrupted run.
func TestKillAnyMoment(t *testing.T) {
	if os.Getenv(killDirEnv) != "" {
		t.Skip("in a child run")
	}
	ref := t.TempDir()
	start := time.Now()
	if out, err := child(ref).CombinedOutput(); err != nil {
		t.Fatalf("uninterrupted run: %v\n%s", err, out)
	}
	span := time.Since(start)

	for _, c := range []struct {
		name string
		env  string
	}{
		{"before the first checkpoint", killStepEnv + "=3"},
		{"after a checkpoint's step, before its write", killStepEnv + "=10"},
		{"during a checkpoint write", killWriteEnv + "=1"},
	} {
		t.Run(c.name, func(t *testing.T) {
			dir := t.TempDir()
			out, err := child(dir, c.env).CombinedOutput()
			wasKilled(t, err, out)
			if c.env == killWriteEnv+"=1" {
				tmp, _ := filepath.Glob(filepath.Join(dir, runfiles.CheckpointDir, "."+CheckpointName+".tmp-*"))
				if len(tmp) == 0 {
					t.Fatal("no checkpoint temp file left: the kill did not land during the write")
				}
			}
			finish(t, dir, ref)
		})
	}

	trials := killTrials
	if s := os.Getenv(killTrialsEnv); s != "" {
		trials, _ = strconv.Atoi(s)
	}
	rng := rand.New(rand.NewPCG(uint64(time.Now().UnixNano()), 1))
	for i := range trials {
		delays := []time.Duration{time.Duration(rng.Int64N(int64(span))), time.Duration(rng.Int64N(int64(span)))}
		t.Run(fmt.Sprintf("random %d: kills after %v", i, delays), func(t *testing.T) {
			dir := t.TempDir()
			var killed []string
			for _, d := range delays {
				cmd := child(dir)
				var out strings.Builder
				cmd.Stdout, cmd.Stderr = &out, &out
				if err := cmd.Start(); err != nil {
					t.Fatal(err)
				}
				timer := time.AfterFunc(d, func() { cmd.Process.Kill() })
				err := cmd.Wait()
				timer.Stop()
				if err == nil { // the run ended before the kill came
					killed = append(killed, "finished before the kill")
					continue
				}
				wasKilled(t, err, []byte(out.String()))
				killed = append(killed, "killed "+stepOf(dir))
			}
			t.Logf("%v", killed)
			finish(t, dir, ref)
		})
	}
}

// stepOf says where the run in dir stands: its checkpoint's step, or
// that it has none.
func stepOf(dir string) string {
	r, err := OpenRun(dir)
	if err != nil {
		return "before its run files were written"
	}
	_, step, err := r.LoadNet()
	if err != nil {
		return "before its first checkpoint"
	}
	return "after the checkpoint of step " + strconv.Itoa(step)
}
