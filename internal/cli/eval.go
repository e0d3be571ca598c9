package cli

import (
	"encoding/json"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/resexp/resexp/internal/experiments"
)

func newEvalCmd() *cobra.Command {
	var asJSON bool
	var weightsFile string
	c := &cobra.Command{
		Use:   "eval RUN_DIR [--weights FILE] [--json]",
		Short: "Print the test loss and error of a run's final weights (its checkpoint, else its weights.safetensors)",
		Args:  exactArgs(1),
		RunE: func(c *cobra.Command, args []string) error {
			run, err := experiments.OpenRun(args[0])
			if err != nil {
				return err
			}
			r, err := run.Eval(weightsFile)
			if err != nil {
				return err
			}
			if asJSON {
				return json.NewEncoder(c.OutOrStdout()).Encode(r)
			}
			_, err = fmt.Fprintf(c.OutOrStdout(), "%s (%s) at step %d: test loss %.4f, test error %.2f%% on %d images\n",
				r.Run, r.Label, r.Step, r.Loss, 100*r.Err, r.Images)
			return err
		},
	}
	c.Flags().BoolVar(&asJSON, "json", false, "print JSON")
	c.Flags().StringVar(&weightsFile, "weights", "", "evaluate the weights of this safetensors file (see resexp export) instead of the run's own")
	return c
}
