package cli

import (
	"context"
	"errors"
	"fmt"
	"syscall"

	"github.com/resexp/resexp/internal/experiments"
)

// Exit codes: ExitOK on success; ExitBadInput (2) when the input (a flag,
// a config key, a file) is refused, before any work starts; ExitInterrupted
// (130 = 128+SIGINT, as a shell reports Ctrl-C) when SIGINT stopped the
// work; ExitTerminated (143 = 128+SIGTERM, as a shell reports a process
// killed by TERM) when SIGTERM did, which is what Slurm and Kubernetes
// send before killing a job: in both cases a training run saved a
// checkpoint after its last complete iteration and resumes exactly with
// `train --resume DIR` (a sweep, by running the same command again), so a
// scheduler may requeue a job that exits 143. ExitFailed (1) for every
// other error. exitCode is the only mapping.
const (
	ExitOK          = 0
	ExitFailed      = 1
	ExitBadInput    = 2
	ExitInterrupted = 130
	ExitTerminated  = 143
)

// exitCode maps an error to the process exit code; this is the only place
// that does.
func exitCode(err error) int {
	switch {
	case err == nil:
		return ExitOK
	case experiments.IsBadInput(err), isUsage(err):
		return ExitBadInput
	case errors.Is(err, experiments.ErrInterrupted), errors.Is(err, context.Canceled):
		if s, ok := errors.AsType[*signalStop](err); ok && s.sig == syscall.SIGTERM {
			return ExitTerminated
		}
		return ExitInterrupted
	}
	return ExitFailed
}

// usageError is a problem with the command line itself.
type usageError struct{ msg string }

func (e *usageError) Error() string { return e.msg }

func isUsage(err error) bool {
	var u *usageError
	return errors.As(err, &u)
}

// badInput formats an input error (exit code 2).
func badInput(format string, args ...any) error {
	return experiments.BadInput(fmt.Errorf(format, args...))
}

// unwrapPath drops the operation and path from a *fs.PathError, for
// messages that name the file already (see experiments.WithoutPath).
func unwrapPath(err error) error { return experiments.WithoutPath(err) }
