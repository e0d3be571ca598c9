package cli

import (
	"fmt"
	"slices"
	"strings"

	"github.com/spf13/cobra"

	"github.com/resexp/resexp/internal/data"
)

func newDataCmd() *cobra.Command {
	var dir string
	c := &cobra.Command{
		Use:   "data list | download NAME | verify NAME [--dir DIR]",
		Short: "List, download and verify data sets",
	}
	c.PersistentFlags().StringVar(&dir, "dir", "", "the data set's directory (default data/NAME)")
	dirFor := func(name string) string {
		if dir != "" {
			return dir
		}
		return "data/" + name
	}
	c.AddCommand(&cobra.Command{
		Use:   "list",
		Short: "List the data sets resexp knows",
		Args:  exactArgs(0),
		RunE: func(c *cobra.Command, _ []string) error {
			for _, n := range data.Names() {
				fmt.Fprintln(c.OutOrStdout(), n)
			}
			return nil
		},
	}, &cobra.Command{
		Use:   "download NAME",
		Short: "Fetch a data set's files into data/NAME and verify their checksums",
		Args:  exactArgs(1),
		RunE: func(c *cobra.Command, args []string) error {
			if err := knownSet(args[0]); err != nil {
				return err
			}
			if err := data.Download(c.Context(), args[0], dirFor(args[0]), data.Lines(c.ErrOrStderr())); err != nil {
				return badInput("%v", err)
			}
			fmt.Fprintf(c.OutOrStdout(), "%s is in %s\n", args[0], dirFor(args[0]))
			return nil
		},
	}, &cobra.Command{
		Use:   "verify NAME",
		Short: "Check a data set's files against their published checksums",
		Args:  exactArgs(1),
		RunE: func(c *cobra.Command, args []string) error {
			if err := knownSet(args[0]); err != nil {
				return err
			}
			sums, err := data.Verify(args[0], dirFor(args[0]))
			if err != nil {
				return badInput("%v", err)
			}
			for _, s := range sums {
				fmt.Fprintf(c.OutOrStdout(), "ok %s sha256 %s (%d bytes)\n", s.Path, s.SHA256, s.Size)
			}
			return nil
		},
	})
	return c
}

func knownSet(name string) error {
	if !slices.Contains(data.Names(), name) {
		return badInput("data set %q: expected one of %s", name, strings.Join(data.Names(), ", "))
	}
	return nil
}
