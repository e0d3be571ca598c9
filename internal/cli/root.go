package cli

import (
	"context"
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
// and returns the process exit code.
func Main(args []string) int {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	return run(ctx, args, os.Stdout, os.Stderr)
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	root := newRootCmd(stdout, stderr)
	root.SetArgs(args)
	err := root.ExecuteContext(ctx)
	if err != nil {
		fmt.Fprintln(stderr, "resexp:", oneLine(err.Error()))
	}
	return exitCode(err)
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
				return badInput("environment %v; unset it for direct convolution", err)
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
