package experiments

import (
	"bytes"
	"encoding/csv"
	"math"
	"strconv"
	"strings"

	"github.com/resexp/resexp/internal/runfiles"
)

// WriteLesionCSV writes the cases of results to the file at path
// atomically, in runfiles.LesionHeader's columns, one net after the other.
func WriteLesionCSV(path string, results []LesionResult) error {
	var buf bytes.Buffer
	w := csv.NewWriter(&buf)
	_ = w.Write(runfiles.LesionHeader)
	for _, r := range results {
		for _, c := range r.Cases {
			_ = w.Write([]string{r.Label, c.Kind, strconv.Itoa(c.K), strconv.Itoa(c.Subset),
				strings.Join(c.Deleted, " "), measured(c, c.Loss), measured(c, c.Err), c.Note})
		}
	}
	w.Flush()
	if err := w.Error(); err != nil {
		return err
	}
	return runfiles.WriteFileAtomic(path, buf.Bytes())
}

// measured is v's cell: empty for a case that measured nothing (a block
// that cannot be deleted), else v as measured.
func measured(c LesionCase, v float64) string {
	if c.Note != "" && math.IsNaN(v) {
		return ""
	}
	return runfiles.FormatFloat(v)
}
