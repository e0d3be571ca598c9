package runfiles

// Tables are CSV files of analyses (lesion.csv, landscape.csv; shatter.csv
// is written whole, atomically, with the same cell format) with the
// guarantees of the run files: a header checked on open, rows appended and
// flushed by the caller, a partially written last line dropped on open and
// skipped on read, so that an interrupted analysis can continue where it
// stopped.

// OpenTable opens the CSV file at path for appending rows, creating it with
// header if it does not exist or is empty. An existing file must start with
// header, or OpenTable fails naming the file.
func OpenTable(path string, header []string) (*CSVWriter, error) {
	return openCSVWith(path, header)
}

// WriteRow appends one row; call Flush to hand it to the operating system.
func (w *CSVWriter) WriteRow(fields []string) error {
	if len(fields) != len(w.header) {
		panic("runfiles: a row of " + w.name + " with the wrong number of fields")
	}
	return w.write(fields)
}

// ReadTable returns the data rows of the CSV file at path, which must start
// with header; a last line without "\n" is skipped as partially written. A
// missing file gives an error for which errors.Is(err, fs.ErrNotExist)
// holds.
func ReadTable(path string, header []string) ([][]string, error) {
	recs, err := readRecordsWith(path, header)
	if err != nil {
		return nil, err
	}
	rows := make([][]string, len(recs))
	for i, r := range recs {
		rows[i] = r.fields
	}
	return rows, nil
}

// FormatFloat formats a measured value for a table cell: the shortest text
// that reads back as the same float64, "nan", "inf" or "-inf". (An empty
// cell means "not measured".)
func FormatFloat(v float64) string { return formatFloat(v, "nan") }

// ParseFloat reads a cell written by FormatFloat; an empty cell is NaN.
func ParseFloat(s string) (float64, error) { return parseFloat(s) }

// Names and headers of the analysis tables.
const (
	LesionFile    = "lesion.csv"
	LandscapeFile = "landscape.csv"
	ShatterFile   = "shatter.csv"
)

var (
	// LesionHeader is lesion.csv's: one row per measurement of a net
	// (its label) — kind "none", "single" or "random" — with k blocks
	// deleted (their names in blocks, space-separated), the subset's index
	// among the random ones of k, the test loss and error, and a note (a
	// block that cannot be deleted has empty loss and error cells).
	LesionHeader = []string{"net", "kind", "k", "subset", "blocks", "loss", "error", "note"}
	// LandscapeHeader is landscape.csv's: one row per evaluated point of
	// a net (its label) — kind "line" (x the interpolation coefficient
	// from initial to final weights, y 0) or "plane" (x, y the
	// coordinates along the two directions) — with the loss and error.
	LandscapeHeader = []string{"net", "kind", "x", "y", "loss", "error"}
	// ShatterHeader is shatter.csv's: one row per value of one quantity
	// of a net (its name) in one state — "init" or "trained" — whose
	// weights are at step step, differentiating the logit of class class.
	// For quantity output, grad and grad_norm, index is the point on the
	// line and t its position; for acf and cosine, index is the lag and t
	// its length along the line (see experiments.Shatter).
	ShatterHeader = []string{"net", "state", "step", "class", "quantity", "index", "t", "value"}
)
