package cli

import (
	"encoding/csv"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"github.com/rogpeppe/go-internal/testscript"
)

// cmdMeanStd is the testscript command
//
//	meanstd FILE COLUMN RUN_DIR...
//
// which reads the last non-empty COLUMN cell of each RUN_DIR/metrics.csv
// (with encoding/csv, not the code under test), computes the mean and the
// sample standard deviation with the textbook formulas, and fails unless
// FILE contains them as "mean ± std" in percent with two decimals, the way
// results.md writes them.
func cmdMeanStd(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) < 3 {
		ts.Fatalf("usage: meanstd FILE COLUMN RUN_DIR...")
	}
	var vs []float64
	for _, dir := range args[2:] {
		vs = append(vs, lastCell(ts, filepath.Join(ts.MkAbs(dir), "metrics.csv"), args[1]))
	}
	mean := 0.0
	for _, v := range vs {
		mean += v / float64(len(vs))
	}
	ss := 0.0
	for _, v := range vs {
		ss += (v - mean) * (v - mean)
	}
	want := fmt.Sprintf("%.2f ± %.2f", 100*mean, 100*math.Sqrt(ss/float64(len(vs)-1)))
	if !strings.Contains(ts.ReadFile(args[0]), want) {
		ts.Fatalf("%s does not contain %q, the mean ± std of %s over %v", args[0], want, args[1], vs)
	}
	ts.Logf("%s: %s = %s", args[0], args[1], want)
}

// lastCell returns the last non-empty cell of column in the CSV file path.
func lastCell(ts *testscript.TestScript, path, column string) float64 {
	raw, err := os.ReadFile(path)
	ts.Check(err)
	recs, err := csv.NewReader(strings.NewReader(string(raw))).ReadAll()
	ts.Check(err)
	col := slices.Index(recs[0], column)
	if col < 0 {
		ts.Fatalf("%s has no column %s", path, column)
	}
	for i := len(recs) - 1; i > 0; i-- {
		if recs[i][col] != "" {
			v, err := strconv.ParseFloat(recs[i][col], 64)
			ts.Check(err)
			return v
		}
	}
	ts.Fatalf("%s: column %s is empty", path, column)
	return 0
}
