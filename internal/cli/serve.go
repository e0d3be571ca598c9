package cli

import (
	"fmt"
	"net"
	"os"
	"strings"

	"github.com/spf13/cobra"

	"github.com/resexp/resexp/internal/serve"
)

// defaultServeDirs are served when serve is given no DIR, those that exist.
var defaultServeDirs = []string{"runs", "results"}

func newServeCmd() *cobra.Command {
	var addr string
	c := &cobra.Command{
		Use:   "serve [DIR...] [--addr 127.0.0.1:8080]",
		Short: "Watch runs and sweeps live in a web browser",
		Long: `Serve a live web view of the runs and sweeps under each DIR (default: runs/ and results/,
those that exist): an index of every run and sweep with status, step, errors, images/s,
elapsed time and ETA; per run and per sweep the figures resexp plot draws (SVG, PNG on
request), the run files for download, config.yaml and meta.json; and a compare view of
the runs checked on the index. Open pages are updated by Server-Sent Events while runs
train. Read-only (GET and HEAD only), only files under the DIRs, no external resources.
Binds 127.0.0.1 unless --addr says otherwise (with a warning when it is not a loopback
address). Ctrl-C stops it (exit code 0).`,
		RunE: func(c *cobra.Command, args []string) error { return runServe(c, args, addr) },
	}
	c.Flags().StringVar(&addr, "addr", "127.0.0.1:8080", "host:port to listen on (port 0 picks a free one)")
	return c
}

func runServe(c *cobra.Command, dirs []string, addr string) error {
	dirs, err := serveDirs(dirs)
	if err != nil {
		return err
	}
	if _, _, err := net.SplitHostPort(addr); err != nil {
		return badInput("--addr %q: expected host:port, e.g. --addr 127.0.0.1:8080", addr)
	}
	srv, err := serve.New(serve.Options{Dirs: dirs, SweepSize: sweepSize, Log: c.ErrOrStderr(), LoopbackHosts: serve.Loopback(addr)})
	if err != nil {
		return badInput("%v", err)
	}
	l, err := net.Listen("tcp", addr)
	if err != nil {
		return badInput("--addr %s: %v; pass a free address, e.g. --addr 127.0.0.1:0 for any free port", addr, unwrapPath(err))
	}
	if !serve.Loopback(addr) {
		fmt.Fprintf(c.ErrOrStderr(), "warning: --addr %s is not a loopback address: anyone who can reach this machine can read these runs\n", addr)
	}
	fmt.Fprintf(c.OutOrStdout(), "serving %s on http://%s/ (Ctrl-C stops)\n", strings.Join(dirs, ", "), l.Addr())
	if err := serve.Serve(c.Context(), l, srv); err != nil {
		return err
	}
	fmt.Fprintln(c.OutOrStdout(), "stopped")
	return nil
}

// serveDirs checks the DIR arguments, or picks the default ones.
func serveDirs(dirs []string) ([]string, error) {
	if len(dirs) == 0 {
		for _, d := range defaultServeDirs {
			if fi, err := os.Stat(d); err == nil && fi.IsDir() {
				dirs = append(dirs, d)
			}
		}
		if len(dirs) == 0 {
			return nil, badInput("serve: no runs/ or results/ here; pass the run directories or sweep folders to serve, e.g. resexp serve runs/demo")
		}
	}
	for _, d := range dirs {
		fi, err := os.Stat(d)
		if err != nil {
			return nil, badInput("serve: %s: %v; pass existing run directories, sweep folders or folders of them", d, unwrapPath(err))
		}
		if !fi.IsDir() {
			return nil, badInput("serve: %s is not a directory; pass run directories, sweep folders or folders of them", d)
		}
	}
	return dirs, nil
}

// sweepSize is the number of runs the sweep file at path plans.
func sweepSize(path string) (int, error) {
	_, runs, err := readSweep(path, 0)
	return len(runs), err
}
