package cli

import (
	"encoding/json"
	"fmt"
	"path/filepath"

	"github.com/spf13/cobra"

	"github.com/resexp/resexp/internal/experiments"
	"github.com/resexp/resexp/internal/runfiles"
)

func newEvalCmd() *cobra.Command {
	var asJSON bool
	var weightsFile string
	c := &cobra.Command{
		Use:   "eval RUN_DIR [--weights FILE] [--json]",
		Short: "Print the test loss and error of a run's checkpoint",
		Args:  exactArgs(1),
		RunE: func(c *cobra.Command, args []string) error {
			cfg, err := runConfig(args[0])
			if err != nil {
				return err
			}
			eval := experiments.Eval
			if weightsFile != "" {
				eval = func(cfg experiments.Config, dir string) (experiments.EvalResult, error) {
					return experiments.EvalWeights(cfg, dir, weightsFile)
				}
			}
			r, err := eval(cfg, args[0])
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
	c.Flags().StringVar(&weightsFile, "weights", "", "evaluate the weights of this safetensors file (see resexp export) instead of the run's checkpoint")
	return c
}

// runConfig reads the resolved config of the run in dir, with the same
// checks as a config file given to train.
func runConfig(dir string) (experiments.Config, error) {
	path := filepath.Join(dir, runfiles.ConfigFile)
	l := newConfigLoader()
	if err := l.readFile(path); err != nil {
		return experiments.Config{}, badInput("%s is not a run directory, or its %s is damaged: %v", dir, runfiles.ConfigFile, err)
	}
	return l.resolve()
}
