package cli

import (
	"fmt"
	"os"

	"github.com/spf13/cobra"
	"github.com/spf13/cobra/doc"
)

// newManCmd returns `resexp man DIR`, which writes one man page (section 1)
// per command, generated from the commands' own help, into DIR.
func newManCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "man DIR",
		Short: "Write the man pages of resexp and its commands into DIR",
		Long: `Write one man page (section 1: resexp.1, resexp-train.1, ...) per command into DIR,
generated from the same text as --help. Read one with 'man DIR/resexp.1', or install them
with 'cp DIR/*.1 /usr/local/share/man/man1/'.`,
		Example: "  resexp man man/\n  man man/resexp-sweep.1",
		Args:    exactArgs(1),
		RunE: func(c *cobra.Command, args []string) error {
			dir := args[0]
			if err := os.MkdirAll(dir, 0o755); err != nil {
				return badInput("man: folder %s: %v; give a folder you can write", dir, unwrapPath(err))
			}
			root := c.Root()
			root.DisableAutoGenTag = true // pages that do not change from one day to the next
			header := &doc.GenManHeader{Title: "RESEXP", Section: "1", Source: "resexp", Manual: "resexp manual"}
			if err := doc.GenManTree(root, header, dir); err != nil {
				return fmt.Errorf("man: %w", err)
			}
			fmt.Fprintf(c.OutOrStdout(), "wrote the man pages into %s\n", dir)
			return nil
		},
	}
}
