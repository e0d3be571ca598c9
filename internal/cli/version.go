package cli

import (
	"fmt"
	"runtime"

	"github.com/spf13/cobra"

	"github.com/resexp/resexp/internal/experiments"
	"github.com/resexp/resexp/internal/nn/kernels"
)

func newVersionCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "version",
		Short: "Print the version, VCS revision, Go version and GEMM kernel",
		Args:  exactArgs(0),
		RunE: func(c *cobra.Command, _ []string) error {
			_, err := fmt.Fprintf(c.OutOrStdout(), "resexp %s (revision %s) %s %s/%s kernel=%s\n",
				experiments.Version, experiments.Revision(), runtime.Version(), runtime.GOOS, runtime.GOARCH, kernels.Kernel())
			return err
		},
	}
}
