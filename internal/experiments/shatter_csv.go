package experiments

import (
	"bytes"
	"encoding/csv"
	"strconv"

	"github.com/resexp/resexp/internal/runfiles"
)

// WriteShatterCSV writes the results to path (runfiles.ShatterFile in the
// output directory) atomically, in long format (one value per row, as
// pandas' melt; columns runfiles.ShatterHeader), floats written by
// runfiles.FormatFloat.
func WriteShatterCSV(path string, rs []*ShatterResult) error {
	var buf bytes.Buffer
	w := csv.NewWriter(&buf)
	w.Write(runfiles.ShatterHeader)
	for _, r := range rs {
		for _, s := range r.States {
			writeShatterState(w, r, s)
		}
	}
	w.Flush()
	if err := w.Error(); err != nil {
		return err
	}
	return runfiles.WriteFileAtomic(path, buf.Bytes())
}

// writeShatterState writes the rows of one state of r.
func writeShatterState(w *csv.Writer, r *ShatterResult, s ShatterState) {
	step, class := strconv.Itoa(s.Step), strconv.Itoa(r.Class)
	span := float64(r.Points - 1)
	for _, q := range []struct {
		name string
		vs   []float64
	}{{"output", s.Output}, {"grad", s.Grad}, {"grad_norm", s.GradNorm}, {"acf", s.ACF}, {"cosine", s.Cosine}} {
		for i, v := range q.vs {
			t := float64(i) / span // a point's position, or a lag's length
			w.Write([]string{r.Name, s.State, step, class, q.name, strconv.Itoa(i), runfiles.FormatFloat(t), runfiles.FormatFloat(v)})
		}
	}
}
