package cli

import (
	"fmt"
	"os"

	"github.com/spf13/cobra"
	"github.com/spf13/cobra/doc"
)

// newManCmd returns `resexp man DIR`.
func newManCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "man DIR",
		Short: "Write the man pages of resexp and its commands into DIR",
		Long: `Write one man page (section 1: resexp.1, resexp-train.1, ...) per command into DIR,
generated from the same text as --help. Read one with 'man DIR/resexp.1', or install them
with 'cp DIR/*.1 /usr/local/share/man/man1/'.`,
		Example: "  resexp man man/\n  man man/resexp-sweep.1",
		Args:    exactArgs(1),
		RunE:    func(c *cobra.Command, args []string) error { return writeManPages(c, args[0]) },
	}
}

// writeManPages writes one man page (section 1) per command of c's root
// command into dir, creating it; a dir that cannot be created is bad input.
// The pages carry no generation date, so they change only with the help.
func writeManPages(c *cobra.Command, dir string) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return badInput("man: folder %s: %v; give a folder you can write", dir, unwrapPath(err))
	}
	root := c.Root()
	root.DisableAutoGenTag = true
	header := &doc.GenManHeader{Title: "RESEXP", Section: "1", Source: "resexp", Manual: "resexp manual"}
	if err := doc.GenManTree(root, header, dir); err != nil {
		return fmt.Errorf("man: %w", err)
	}
	_, err := fmt.Fprintf(c.OutOrStdout(), "wrote the man pages into %s\n", dir)
	return err
}
