package plots

import "fmt"

// Figure is one of the figures Draw writes, built from the runs' data but
// not drawn yet: a live view draws only the figures a page asks for, in the
// format it asks for.
type Figure struct {
	Name    string // base file name without extension, as Draw names the file
	Caption string
	fig     *figure
}

// Figures returns the figures Draw would write for runs, in the same order
// and with the same names and captions; opt.Format is not used. Draw(runs,
// dir, opt) and Figures(runs, opt) followed by Encode of each give the same
// files.
func Figures(runs []*Run, opt Options) []Figure {
	all := figures(runs, runStyles(runs), opt.Smooth)
	out := make([]Figure, len(all))
	for i, f := range all {
		out[i] = Figure{Name: f.name, Caption: f.caption, fig: f}
	}
	return out
}

// Encode draws the figure and returns the file's bytes in format: png, svg
// or pdf. Calls on one Figure must not overlap: drawing may reuse the
// figure's plot values.
func (f Figure) Encode(format string) ([]byte, error) {
	data, err := f.fig.encode(format)
	if err != nil {
		return nil, fmt.Errorf("plots: %w", err)
	}
	return data, nil
}
