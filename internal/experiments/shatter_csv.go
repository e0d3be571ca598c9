package experiments

import (
	"bytes"
	"encoding/csv"
	"strconv"

	"github.com/resexp/resexp/internal/runfiles"
)

// ShatterCSV is the file Shatter's results are written to.
const ShatterCSV = "shatter.csv"

// shatterHeader is shatter.csv's header. Each row is one value of one
// quantity (see the comment at the top of shatter.go) of one net's state:
// net is ShatterResult.Name, state "init" or "trained", step the weights'
// step, class the differentiated logit's class; for output, grad and
// grad_norm, index is the point and t its position on the line; for acf
// and cosine, index is the lag and t the lag's length along the line.
var shatterHeader = []string{"net", "state", "step", "class", "quantity", "index", "t", "value"}

// WriteShatterCSV writes the results to path atomically, in long format
// (one value per row, as pandas' melt), floats written exactly
// (strconv 'g', -1); NaN is "nan".
func WriteShatterCSV(path string, rs []*ShatterResult) error {
	var buf bytes.Buffer
	w := csv.NewWriter(&buf)
	w.Write(shatterHeader)
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
