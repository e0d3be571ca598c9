package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"syscall"

	"github.com/spf13/cobra"

	"github.com/resexp/resexp/internal/nn/kernels"
)

// Main runs the resexp command line with args (without the program name)
// and returns the process exit code. SIGINT and SIGTERM cancel the work:
// a training run stops after its current iteration, saves a checkpoint
// and the process exits with ExitInterrupted or ExitTerminated (see
// exitCode), so that `train --resume` (or the same `sweep` command)
// continues it exactly.
func Main(args []string) int {
	ctx, stop := signalContext()
	defer stop()
	return run(ctx, args, os.Stdout, os.Stderr)
}

// signalContext returns a context cancelled by the first SIGINT or SIGTERM
// with a *signalStop naming it as its cause (context.Cause), and the
// function that stops listening.
func signalContext() (context.Context, func()) {
	ctx, cancel := context.WithCancelCause(context.Background())
	ch := make(chan os.Signal, 1)
	signal.Notify(ch, os.Interrupt, syscall.SIGTERM)
	done := make(chan struct{})
	go func() {
		select {
		case sig := <-ch:
			cancel(&signalStop{sig: sig})
		case <-done:
		}
	}()
	return ctx, func() { signal.Stop(ch); close(done); cancel(nil) }
}

// signalStop is the cause of a context cancelled by a signal. run joins it
// to the error of the work the signal stopped, for exitCode.
type signalStop struct {
	sig os.Signal
	err error // the work's error
}

func (s *signalStop) Error() string {
	if s.err == nil {
		return s.sig.String()
	}
	return s.err.Error()
}

func (s *signalStop) Unwrap() error { return s.err }

func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	root := newRootCmd(stdout, stderr)
	root.SetArgs(args)
	err := root.ExecuteContext(ctx)
	if err != nil {
		fmt.Fprintln(stderr, "resexp:", oneLine(err.Error()))
	}
	return exitCode(stoppedBy(err, context.Cause(ctx)))
}

// stoppedBy returns err carrying the signal that cancelled the work, when
// cause is one (a *signalStop) and err is not nil; else err.
func stoppedBy(err, cause error) error {
	var s *signalStop
	if err == nil || !errors.As(cause, &s) {
		return err
	}
	return &signalStop{sig: s.sig, err: err}
}

func newRootCmd(stdout, stderr io.Writer) *cobra.Command {
	root := &cobra.Command{
		Use:   "resexp",
		Short: "Train plain and residual nets and see what identity shortcuts change",
		Long: `resexp builds plain or residual CIFAR-style networks of a chosen depth (He et al. 2015),
trains them on MNIST, Fashion-MNIST, CIFAR-10 or a built-in synthetic set, records loss,
error, per-layer gradient norms and response spread, and draws the figures.`,
		SilenceUsage:  true,
		SilenceErrors: true,
		PersistentPreRunE: func(*cobra.Command, []string) error {
			if err := kernels.CheckKernelEnv(); err != nil {
				return badInput("environment %v; unset it to use the fastest kernel", err)
			}
			if err := kernels.CheckConvEnv(); err != nil {
				return badInput("environment %v; unset it for the faster method per layer", err)
			}
			return nil
		},
	}
	root.SetOut(stdout)
	root.SetErr(stderr)
	root.SetFlagErrorFunc(func(c *cobra.Command, err error) error {
		return &usageError{msg: fmt.Sprintf("%s: %v; see '%s --help'", c.CommandPath(), err, c.CommandPath())}
	})
	root.AddCommand(newTrainCmd(), newPlotCmd(), newModelCmd(), newDataCmd(), newEvalCmd(), newSweepCmd(), newBenchCmd(), newExportCmd(), newProbeCmd(), newLesionCmd(), newLandscapeCmd(), newShatterCmd(), newServeCmd(), newVersionCmd(), newManCmd())
	return root
}

// exactArgs is cobra.ExactArgs returning a usage error.
func exactArgs(n int) cobra.PositionalArgs {
	return func(c *cobra.Command, args []string) error {
		if len(args) != n {
			return &usageError{msg: fmt.Sprintf("%s takes %d argument(s), got %d: %s; see '%s --help'", c.CommandPath(), n, len(args), strings.Join(args, " "), c.CommandPath())}
		}
		return nil
	}
}

// minArgs is cobra.MinimumNArgs returning a usage error.
func minArgs(n int) cobra.PositionalArgs {
	return func(c *cobra.Command, args []string) error {
		if len(args) < n {
			return &usageError{msg: fmt.Sprintf("%s needs at least %d argument(s); see '%s --help'", c.CommandPath(), n, c.CommandPath())}
		}
		return nil
	}
}
