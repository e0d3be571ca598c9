package plots

import (
	"bytes"
	"image/png"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/resexp/resexp/internal/runfiles"
)

// fakeShatterRows returns shatter.csv rows of one state of net: df/dt
// white noise or, if walk, a random walk on 256 points, autocorrelation
// and cosine made up to decay (the figure does not check them), one NaN.
func fakeShatterRows(net, state string, step int, walk bool, seed uint64) [][]string {
	rng := rand.New(rand.NewPCG(seed, 1))
	const n = 256
	row := func(q string, i int, t, v float64) []string {
		return []string{net, state, strconv.Itoa(step), "3", q, strconv.Itoa(i), runfiles.FormatFloat(t), runfiles.FormatFloat(v)}
	}
	var rows [][]string
	g := 0.0
	for i := range n {
		if !walk {
			g = 0
		}
		g += rng.NormFloat64()
		rows = append(rows, row("output", i, float64(i)/(n-1), 0), row("grad", i, float64(i)/(n-1), g))
	}
	for k := range n/4 + 1 {
		decay := math.Exp(-float64(k) / 2)
		if walk {
			decay = 1 - float64(k)/n*2
		}
		if k == 3 {
			decay = math.NaN() // not drawn, not fatal
		}
		rows = append(rows, row("acf", k, float64(k)/(n-1), decay), row("cosine", k, float64(k)/(n-1), 0.8*decay))
	}
	return rows
}

// writeShatterCSV writes rows under shatter.csv's header into dir.
func writeShatterCSV(t *testing.T, dir string, rows ...[][]string) string {
	t.Helper()
	var b strings.Builder
	b.WriteString(strings.Join(runfiles.ShatterHeader, ",") + "\n")
	for _, rs := range rows {
		for _, r := range rs {
			b.WriteString(strings.Join(r, ",") + "\n")
		}
	}
	path := filepath.Join(dir, runfiles.ShatterFile)
	if err := os.WriteFile(path, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// TestDrawShatter draws, from a shatter.csv, a plain net (white-noise
// gradient) at initialisation and trained and a residual one (random walk)
// at initialisation, as PNG, SVG and PDF: each file is of its format and
// non-trivial, and the PNG decodes to the figure's size (two nets, three
// rows) with more than a few colours. The residual net's trained tile stays
// empty.
func TestDrawShatter(t *testing.T) {
	csv := writeShatterCSV(t, t.TempDir(), fakeShatterRows("plain-20", "init", 0, false, 1),
		fakeShatterRows("plain-20", "trained", 8000, false, 2), fakeShatterRows("resnet-20", "init", 0, true, 3))
	for _, format := range []string{"png", "svg", "pdf"} {
		out := t.TempDir()
		if keep := os.Getenv("PLOTS_KEEP"); keep != "" {
			out = filepath.Join(keep, "shatter")
			os.MkdirAll(out, 0o755)
		}
		path, err := DrawShatter(csv, out, format)
		if err != nil {
			t.Fatal(err)
		}
		if path != filepath.Join(out, "shatter."+format) {
			t.Errorf("wrote %s", path)
		}
		if format != "png" {
			checkFile(t, path, format)
		} else {
			data, _ := os.ReadFile(path)
			checkPNG(t, path, data, false)
			img, err := png.Decode(bytes.NewReader(data))
			if err != nil {
				t.Fatal(err)
			}
			px := func(in float64) int { return int(in*pngDPI + 0.5) }
			w, h := px(1.2+4.3*2+2.6), px(0.7+2.4*3)
			if b := img.Bounds(); b.Dx() != w || b.Dy() != h {
				t.Errorf("%dx%d pixels, want %dx%d", b.Dx(), b.Dy(), w, h)
			}
		}
	}
}

// TestReadShatterRefuses checks that a file without rows, an unknown
// quantity and rows out of index order are errors naming the file and row.
func TestReadShatterRefuses(t *testing.T) {
	good := fakeShatterRows("plain-8", "init", 0, false, 1)
	bad := func(q, i string) [][]string {
		r := slices.Clone(good[1])
		r[4], r[5] = q, i
		return [][]string{r}
	}
	for _, c := range []struct {
		rows [][]string
		want string
	}{
		{nil, "shatter.csv: no rows"},
		{bad("slope", "0"), `row 2: quantity "slope" is not output, grad, grad_norm, acf or cosine`},
		{bad("grad", "1"), "row 2: grad index 1, expected 0"},
	} {
		_, err := readShatter(writeShatterCSV(t, t.TempDir(), c.rows))
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("error %v, want one containing %q", err, c.want)
		}
	}
}
