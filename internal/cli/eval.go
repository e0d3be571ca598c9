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
	c := &cobra.Command{
		Use:   "eval RUN_DIR [--json]",
		Short: "Print the test loss and error of a run's checkpoint",
		Args:  exactArgs(1),
		RunE: func(c *cobra.Command, args []string) error {
			cfg, err := runConfig(args[0])
			if err != nil {
				return err
			}
			r, err := experiments.Eval(cfg, args[0])
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
