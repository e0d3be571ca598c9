package cli

import (
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/schollz/progressbar/v3"
	"github.com/spf13/cobra"
	"golang.org/x/term"

	"github.com/resexp/resexp/internal/data"
	"github.com/resexp/resexp/internal/experiments"
)

// dataOptions are the flags of `resexp data download` and `resexp data verify`.
type dataOptions struct {
	dir  string // --dir: the set's folder; "" means data/NAME
	from string // --from: a local folder to copy the files from instead of downloading
}

// dirFor returns the folder of set name: --dir, else data/NAME.
func (o *dataOptions) dirFor(name string) string {
	if o.dir != "" {
		return o.dir
	}
	return data.DefaultDir(name)
}

func newDataCmd() *cobra.Command {
	c := &cobra.Command{
		Use:   "data list | download NAME [--dir DIR] [--from SRC] | verify NAME [--dir DIR]",
		Short: "List, download and verify data sets",
		Long: `resexp data lists the data sets resexp trains on, fetches their published files and
verifies them: MD5 checksums where they are published (MNIST, Fashion-MNIST, CIFAR-10, the
CIFAR-100 archive), sizes, record counts and label ranges otherwise (CIFAR-100's members).`,
	}
	c.AddCommand(newDataListCmd(), newDataDownloadCmd(), newDataVerifyCmd())
	return c
}

func newDataListCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "list",
		Short: "List the data sets, their shapes, folders, whether a verified copy is there, and sources",
		Long: `resexp data list shows every data set with its input shape (CxHxW), number of classes,
default folder and whether a verified copy is there (every file's checksum or structure is
checked, so this reads the files), then where 'resexp data download' gets each set.`,
		Args: exactArgs(0),
		RunE: func(c *cobra.Command, _ []string) error { return runDataList(c.OutOrStdout()) },
	}
}

func newDataDownloadCmd() *cobra.Command {
	o := &dataOptions{}
	c := &cobra.Command{
		Use:   "download NAME",
		Short: "Fetch a data set's files into data/NAME (or --dir) and verify them",
		Long: `resexp data download fetches the published files of a data set into data/NAME (or --dir),
trying its sources in order (see 'resexp data list'), or copies them from a local folder with
--from. Every file is written under a temporary name and renamed only once it verifies; files
already there that verify are kept.`,
		Example: "  resexp data download mnist\n  resexp data download cifar10 --from cifar-10-batches-bin",
		Args:    exactArgs(1),
		RunE:    func(c *cobra.Command, args []string) error { return runDataDownload(c, args[0], o) },
	}
	c.Flags().StringVar(&o.dir, "dir", "", "the data set's folder (default data/NAME)")
	c.Flags().StringVar(&o.from, "from", "", "copy and verify the files from this local folder instead of downloading")
	return c
}

func newDataVerifyCmd() *cobra.Command {
	o := &dataOptions{}
	c := &cobra.Command{
		Use:   "verify NAME",
		Short: "Check a data set's files against their published checksums (or structure)",
		Long: `resexp data verify checks every file of a data set in data/NAME (or --dir) and prints one
line per file: ok with its SHA-256, or what is wrong (exit code 2).`,
		Args: exactArgs(1),
		RunE: func(c *cobra.Command, args []string) error { return runDataVerify(c, args[0], o) },
	}
	c.Flags().StringVar(&o.dir, "dir", "", "the data set's folder (default data/NAME)")
	return c
}

// runDataList prints the table of data sets and their sources to w.
func runDataList(w io.Writer) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "NAME\tINPUT\tCLASSES\tDIR\tSTATUS")
	for _, d := range data.All() {
		p, err := data.Find(d.Name, "")
		if err != nil {
			return err
		}
		fmt.Fprintf(tw, "%s\t%dx%dx%d\t%s\t%s\t%s\n", d.Name, d.C, d.H, d.W, classesOf(d), listDir(d), presenceOf(d, p))
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	fmt.Fprintln(w, "\nsources, tried in order by `resexp data download NAME` (--from DIR copies from a local folder instead):")
	for _, d := range data.All() {
		src := "built in: generated in memory"
		if !d.Builtin() {
			src = strings.Join(d.Sources(), ", ")
		}
		fmt.Fprintf(w, "  %-14s %s\n", d.Name+":", src)
	}
	return nil
}

// classesOf is the CLASSES column: "100 fine / 20 coarse" for CIFAR-100.
func classesOf(d *data.Dataset) string {
	if d.CoarseClasses > 0 {
		return fmt.Sprintf("%d fine / %d coarse", d.Classes, d.CoarseClasses)
	}
	return fmt.Sprint(d.Classes)
}

// listDir is the DIR column.
func listDir(d *data.Dataset) string {
	if d.Builtin() {
		return "-"
	}
	return data.DefaultDir(d.Name)
}

// presenceOf is the STATUS column.
func presenceOf(d *data.Dataset, p data.Presence) string {
	where := ""
	if p.Fallback {
		where = " in " + p.Dir
	}
	switch {
	case d.Builtin():
		return "built in"
	case p.OK() && p.Fallback:
		return "found in " + p.Dir + " (Debian's dataset-fashion-mnist)"
	case p.OK():
		return "present"
	case p.Missing == p.Files:
		return "missing"
	}
	return fmt.Sprintf("damaged%s: %d of %d files verify; run `resexp data verify %s`", where, p.Verified, p.Files, d.Name)
}

// runDataDownload fetches (or with --from copies) set name.
func runDataDownload(c *cobra.Command, name string, o *dataOptions) error {
	d, err := knownSet(name)
	if err != nil {
		return err
	}
	if d.Builtin() {
		return badInput("data set %s is generated in memory: there is nothing to download", name)
	}
	dir := o.dirFor(name)
	if o.from != "" {
		if st, serr := os.Stat(o.from); serr != nil || !st.IsDir() {
			return badInput("--from %s: not a folder; give the folder that holds the files of %s", o.from, name)
		}
	}
	if err := fetchSet(c, name, dir, o.from); err != nil {
		if c.Context().Err() != nil {
			return err
		}
		return badInput("could not put %s into %s: see above", name, dir)
	}
	fmt.Fprintf(c.OutOrStdout(), "%s is in %s\n", name, dir)
	return nil
}

// fetchSet downloads set name into dir, or copies it from the local folder
// from if that is not empty, showing progress on c's stderr; what went
// wrong is printed there too, and the error returned.
func fetchSet(c *cobra.Command, name, dir, from string) error {
	stderr := c.ErrOrStderr()
	var err error
	if from != "" {
		err = data.CopyFrom(name, from, dir, downloadProgress(stderr))
	} else {
		err = data.Download(c.Context(), name, dir, downloadProgress(stderr))
	}
	if err != nil && c.Context().Err() == nil {
		fmt.Fprintln(stderr, err)
	}
	return err
}

// ensureData fetches the data set cfg trains on when it is fetched on
// first use (data.Dataset.FetchOnFirstUse) and cfg.DataDir() lacks every
// one of its files: a one-line notice on stderr, then what `resexp data
// download` does. A set that is there, partly there or damaged is left to
// the loader, which names the bad file. When the download fails, the
// refusal (exit code 2) says how to get the set and names --dataset
// synthetic, the built-in set that needs no download.
func ensureData(c *cobra.Command, cfg experiments.Config) error {
	d, err := data.Lookup(cfg.Data.Dataset)
	if err != nil || !d.FetchOnFirstUse {
		return nil
	}
	dir := cfg.DataDir()
	if p, err := data.Find(d.Name, dir); err != nil || p.Missing < p.Files {
		return nil
	}
	fmt.Fprintf(c.ErrOrStderr(), "%s is not in %s: downloading it once, as `resexp data download %s` does\n", d.Name, dir, d.Name)
	if err := fetchSet(c, d.Name, dir, ""); err != nil {
		if c.Context().Err() != nil {
			return err
		}
		return badInput("data set %s is not in %s and could not be downloaded (see above): run `resexp data download %s` when online, or train on the built-in set with --dataset synthetic",
			d.Name, dir, d.Name)
	}
	return nil
}

// runDataVerify checks set name where training would read it: one line
// per file, ok on stdout, problems on stderr (then exit code 2).
func runDataVerify(c *cobra.Command, name string, o *dataOptions) error {
	d, err := knownSet(name)
	if err != nil {
		return err
	}
	if d.Builtin() {
		fmt.Fprintf(c.OutOrStdout(), "%s: generated in memory, nothing to verify\n", name)
		return nil
	}
	dir := d.ResolveDir(o.dir)
	if asked := o.dirFor(name); dir != asked {
		fmt.Fprintf(c.ErrOrStderr(), "%s: %s lacks the files; verifying %s (Debian's dataset-fashion-mnist), which training reads instead\n", name, asked, dir)
	}
	sums, err := data.Verify(name, dir)
	for _, s := range sums {
		fmt.Fprintf(c.OutOrStdout(), "ok %s sha256 %s (%d bytes)\n", s.Path, s.SHA256, s.Size)
	}
	if err == nil {
		return nil
	}
	problems := splitJoined(err)
	for _, p := range problems {
		fmt.Fprintln(c.ErrOrStderr(), oneLine(p.Error()))
	}
	return badInput("%s: %d of %d file(s) in %s failed verification", name, len(problems), len(problems)+len(sums), dir)
}

// splitJoined returns the errors joined in err (by errors.Join), or err.
func splitJoined(err error) []error {
	var j interface{ Unwrap() []error }
	if errors.As(err, &j) {
		return j.Unwrap()
	}
	return []error{err}
}

// knownSet returns the data set called name, or a bad-input error naming
// the known ones.
func knownSet(name string) (*data.Dataset, error) {
	d, err := data.Lookup(name)
	if err != nil {
		return nil, badInput("data set %q: expected one of %s", name, strings.Join(data.Names(), ", "))
	}
	return d, nil
}

// downloadProgress returns a progress bar per transfer when w is a
// terminal, plain lines otherwise.
func downloadProgress(w io.Writer) data.Progress {
	if f, ok := w.(*os.File); ok && term.IsTerminal(int(f.Fd())) {
		return &barProgress{w: w}
	}
	return data.Lines(w)
}

// barProgress shows each transfer of a download as a progress bar and
// prints notes and failures as lines above it.
type barProgress struct {
	w   io.Writer
	bar *progressbar.ProgressBar
}

func (b *barProgress) Start(file string, total int64) {
	b.bar = progressbar.NewOptions64(total, progressbar.OptionSetWriter(b.w),
		progressbar.OptionSetDescription("  "+file), progressbar.OptionShowBytes(true),
		progressbar.OptionShowTotalBytes(true), progressbar.OptionShowCount(),
		progressbar.OptionSetWidth(24), progressbar.OptionThrottle(100*time.Millisecond),
		progressbar.OptionSpinnerType(14), progressbar.OptionSetPredictTime(true),
		progressbar.OptionClearOnFinish())
}

func (b *barProgress) Add(n int64) {
	if b.bar != nil {
		_ = b.bar.Add64(n)
	}
}

func (b *barProgress) Done(file string, err error) {
	if b.bar != nil {
		if err != nil {
			_ = b.bar.Exit()
			_ = b.bar.Clear()
		} else {
			_ = b.bar.Finish() // clears the bar (OptionClearOnFinish)
		}
		b.bar = nil
	}
	if err != nil {
		fmt.Fprintf(b.w, "  %s: failed: %v\n", file, err)
	}
}

func (b *barProgress) Note(line string) {
	if b.bar != nil {
		_ = b.bar.Clear()
	}
	fmt.Fprintln(b.w, line)
}
