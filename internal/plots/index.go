package plots

import (
	"bytes"
	"fmt"
	"html/template"
	"math"
	"path/filepath"

	"github.com/resexp/resexp/internal/runfiles"
)

// indexEntry is one figure listed in index.html.
type indexEntry struct {
	File, Caption string
	Image         bool // shown inline (png, svg) rather than linked (pdf)
}

// runRow is one line of index.html's run table.
type runRow struct {
	Name, Label, Dataset, Depth, Kind, Params, TrainErr, TestErr, Status string
}

var indexTemplate = template.Must(template.New("index").Parse(`<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>resexp figures</title>
<style>
body { font-family: sans-serif; margin: 2em; max-width: 80em; }
table { border-collapse: collapse; }
th, td { border: 1px solid #ccc; padding: 0.3em 0.6em; text-align: left; }
td.num { text-align: right; }
figure { margin: 2em 0; }
img { max-width: 100%; border: 1px solid #eee; }
</style>
</head>
<body>
<h1>resexp figures</h1>
<h2>Runs</h2>
<table>
<tr><th>name</th><th>label</th><th>dataset</th><th>depth</th><th>net</th><th>params</th><th>final train error</th><th>final test error</th><th>status</th></tr>
{{range .Runs}}<tr><td>{{.Name}}</td><td>{{.Label}}</td><td>{{.Dataset}}</td><td class="num">{{.Depth}}</td><td>{{.Kind}}</td><td class="num">{{.Params}}</td><td class="num">{{.TrainErr}}</td><td class="num">{{.TestErr}}</td><td>{{.Status}}</td></tr>
{{end}}</table>
<h2>Figures</h2>
{{range .Figures}}<figure>
{{if .Image}}<a href="{{.File}}"><img src="{{.File}}" alt="{{.Caption}}"></a>{{else}}<a href="{{.File}}">{{.File}}</a>{{end}}
<figcaption>{{.Caption}}</figcaption>
</figure>
{{end}}</body>
</html>
`))

// writeIndex writes outDir/index.html listing figures and runs.
func writeIndex(outDir string, figures []indexEntry, runs []*Run, styles []runStyle) (string, error) {
	rows := make([]runRow, len(runs))
	for i, r := range runs {
		rows[i] = tableRow(r, styles[i].Label)
	}
	var buf bytes.Buffer
	if err := indexTemplate.Execute(&buf, struct {
		Runs    []runRow
		Figures []indexEntry
	}{rows, figures}); err != nil {
		return "", fmt.Errorf("plots: index.html: %w", err)
	}
	path := filepath.Join(outDir, "index.html")
	return path, runfiles.WriteFileAtomic(path, buf.Bytes())
}

// tableRow describes r for the run table; unknown values are "?".
func tableRow(r *Run, label string) runRow {
	m := r.Meta
	row := runRow{Name: firstNonEmpty(m.Name, filepath.Base(r.Dir)), Label: label, Dataset: m.Dataset,
		Depth: "?", Kind: "?", Params: "?", Status: firstNonEmpty(m.Status, "?"),
		TrainErr: percent(lastMeasured(r.Metrics, func(x runfiles.MetricsRow) float64 { return x.TrainErr })),
		TestErr:  percent(lastMeasured(r.Metrics, func(x runfiles.MetricsRow) float64 { return x.TestErr }))}
	if r.known() {
		row.Depth, row.Kind, row.Params = fmt.Sprint(m.Depth), kindName(m.Residual), fmt.Sprint(m.Params)
	}
	return row
}

func kindName(residual bool) string {
	if residual {
		return "residual"
	}
	return "plain"
}

// lastMeasured returns the field of the last row where it is not NaN, or
// NaN if there is none.
func lastMeasured(rows []runfiles.MetricsRow, field func(runfiles.MetricsRow) float64) float64 {
	for i := len(rows) - 1; i >= 0; i-- {
		if v := field(rows[i]); !math.IsNaN(v) {
			return v
		}
	}
	return math.NaN()
}

// percent formats a fraction as a percentage with two decimals; "—" for NaN.
func percent(v float64) string {
	if math.IsNaN(v) {
		return "—"
	}
	return fmt.Sprintf("%.2f%%", 100*v)
}
