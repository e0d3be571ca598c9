// Package slurm_test checks deploy/slurm/sweep.sbatch without Slurm: its
// refusals, and what it does on the signals Slurm sends (a real cluster is
// make slurm-test's job).
package slurm_test

import (
	"bytes"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/resexp/resexp/internal/asresexp"
)

// TestMain lets the test binary run as resexp for the script.
func TestMain(m *testing.M) { asresexp.Main(m) }

// script runs sweep.sbatch with args and env (on top of a PATH holding a
// fake scontrol that logs its arguments to dir/scontrol.log, and RESEXP set
// to this test binary).
func script(t *testing.T, dir string, env []string, args ...string) *exec.Cmd {
	t.Helper()
	bin := filepath.Join(dir, "bin")
	if err := os.MkdirAll(bin, 0o755); err != nil {
		t.Fatal(err)
	}
	fake := "#!/bin/sh\necho \"$@\" >> " + filepath.Join(dir, "scontrol.log") + "\n"
	if err := os.WriteFile(filepath.Join(bin, "scontrol"), []byte(fake), 0o755); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command("bash", append([]string{"sweep.sbatch"}, args...)...)
	cmd.Env = append(os.Environ(), "PATH="+bin+":"+os.Getenv("PATH"), "RESEXP="+asresexp.Path(), asresexp.Env())
	cmd.Env = append(cmd.Env, env...)
	return cmd
}

func exitCode(err error) int {
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		return ee.ExitCode()
	}
	if err != nil {
		return -1
	}
	return 0
}

// TestRefusesOutsideSlurm: run outside a job array (no SLURM_ARRAY_TASK_ID)
// or without a sweep file, the script exits 2 with one line naming what is
// missing, before resexp runs.
func TestRefusesOutsideSlurm(t *testing.T) {
	for _, c := range []struct {
		env  []string
		args []string
		want string
	}{
		{[]string{"SLURM_ARRAY_TASK_ID="}, []string{"../../configs/smoke-sweep.yaml"}, "SLURM_ARRAY_TASK_ID is not set"},
		{[]string{"SLURM_ARRAY_TASK_ID=0"}, nil, "no sweep file given"},
	} {
		dir := t.TempDir()
		var stderr bytes.Buffer
		cmd := script(t, dir, c.env, c.args...)
		cmd.Stderr = &stderr
		err := cmd.Run()
		if code := exitCode(err); code != 2 || !strings.Contains(stderr.String(), c.want) {
			t.Errorf("%v %v: exit %d, stderr %q; want exit 2 and %q", c.env, c.args, code, stderr.String(), c.want)
		}
	}
}

// TestSignals starts the script as array task 1 of 2 (job id 77) on a sweep
// long enough to interrupt, signals the script once resexp has written
// metrics, and checks that resexp checkpointed and exited 143 (the script's
// exit code), and that the script called `scontrol requeue 77` after USR1
// (the time-limit warning) and not after TERM (Slurm requeues by itself).
func TestSignals(t *testing.T) {
	for _, c := range []struct {
		sig     syscall.Signal
		requeue bool
	}{{syscall.SIGUSR1, true}, {syscall.SIGTERM, false}} {
		t.Run(c.sig.String(), func(t *testing.T) {
			dir := t.TempDir()
			sweep := filepath.Join(dir, "long.yaml")
			yaml := "base:\n  model: {depth: 8}\n  data: {dataset: synthetic}\n  train: {steps: 100000, batch_size: 8}\n" +
				"  log: {every: 1, eval_every: 100000, eval_samples: 8, checkpoint_every: 100000}\ngrid:\n  model.residual: [false, true]\n"
			if err := os.WriteFile(sweep, []byte(yaml), 0o644); err != nil {
				t.Fatal(err)
			}
			out := filepath.Join(dir, "out")
			env := []string{"SLURM_ARRAY_TASK_ID=1", "SLURM_ARRAY_TASK_COUNT=2", "SLURM_ARRAY_TASK_MIN=0", "SLURM_JOB_ID=77"}
			var stdout, stderr bytes.Buffer
			cmd := script(t, dir, env, sweep, "--out", out)
			cmd.Stdout, cmd.Stderr = &stdout, &stderr
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			metrics := filepath.Join(out, "resnet-8", "metrics.csv") // shard 1 of 2: the second grid point
			for deadline := time.Now().Add(2 * time.Minute); ; time.Sleep(100 * time.Millisecond) {
				if b, _ := os.ReadFile(metrics); bytes.Count(b, []byte("\n")) >= 3 {
					break
				}
				if time.Now().After(deadline) {
					_ = cmd.Process.Kill()
					t.Fatalf("no metrics in %s after 2 minutes; stdout:\n%s\nstderr:\n%s", metrics, stdout.Bytes(), stderr.Bytes())
				}
			}
			if err := cmd.Process.Signal(c.sig); err != nil {
				t.Fatal(err)
			}
			code := exitCode(cmd.Wait())
			log, _ := os.ReadFile(filepath.Join(dir, "scontrol.log"))
			if code != 143 || !strings.Contains(stderr.String(), "checkpoint saved") {
				t.Errorf("exit %d, stderr %q; want 143 after resexp saved a checkpoint", code, stderr.String())
			}
			if got := string(log) == "requeue 77\n"; got != c.requeue {
				t.Errorf("scontrol calls %q; want requeue 77: %v", log, c.requeue)
			}
			if !strings.Contains(stdout.String(), "shard 1/2") {
				t.Errorf("stdout has no \"shard 1/2\":\n%s", stdout.Bytes())
			}
		})
	}
}
