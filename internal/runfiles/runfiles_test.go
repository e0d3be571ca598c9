package runfiles

import (
	"math"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"
)

var (
	nan  = math.NaN()
	pInf = math.Inf(1)
	nInf = math.Inf(-1)
)

// sameFloat reports whether a and b are equal or both NaN.
func sameFloat(a, b float64) bool { return a == b || math.IsNaN(a) && math.IsNaN(b) }

// equalRows compares structs field by field with NaN == NaN.
func equalRows(a, b any) bool {
	va, vb := reflect.ValueOf(a), reflect.ValueOf(b)
	if va.Len() != vb.Len() {
		return false
	}
	for i := range va.Len() {
		ra, rb := va.Index(i), vb.Index(i)
		for j := range ra.NumField() {
			fa, fb := ra.Field(j), rb.Field(j)
			if fa.Kind() == reflect.Float64 {
				if !sameFloat(fa.Float(), fb.Float()) {
					return false
				}
			} else if fa.Interface() != fb.Interface() {
				return false
			}
		}
	}
	return true
}

var metricsRows = []MetricsRow{
	{Step: 0, Epoch: 0, LR: 0.1, TrainLoss: 2.302585092994046, TrainErr: 0.9, TestLoss: nan, TestErr: nan, ImagesPerSec: 0, ElapsedS: 0, ValLoss: nan, ValErr: nan},
	{Step: 100, Epoch: 0.256, LR: 0.1, TrainLoss: 1.0000000000000002, TrainErr: 1.0 / 3, TestLoss: 1.5, TestErr: 0.5, ImagesPerSec: 123.456, ElapsedS: 5e-324, ValLoss: 1.25, ValErr: 0.25},
	{Step: 200, Epoch: 0.512, LR: 1e-300, TrainLoss: pInf, TrainErr: 1, TestLoss: nInf, TestErr: 0, ImagesPerSec: math.MaxFloat64, ElapsedS: 17, ValLoss: nan, ValErr: nan},
}

var gradRows = []GradNormRow{
	{Step: 0, Index: 0, Layer: "conv1", Norm: 0},
	{Step: 0, Index: 1, Layer: "stage1.block1.conv1", Norm: nan},
	{Step: 0, Index: 2, Layer: "stage1.block1.conv2", Norm: pInf},
	{Step: 0, Index: 3, Layer: "fc", Norm: nInf},
	{Step: 10, Index: 0, Layer: "odd,name \"quoted\"", Norm: 1.2345678901234567e-12},
	{Step: 10, Index: 3, Layer: "fc", Norm: 1e308},
}

var respRows = []ResponseRow{
	{Step: 5, Index: 1, Layer: "stage1.block1.conv1", Mean: -0.25, Std: 0},
	{Step: 5, Index: 2, Layer: "stage1.block1.conv2", Mean: nan, Std: pInf},
	{Step: 5, Index: 3, Layer: "stage1.block2.conv1", Mean: 0.1, Std: 0.7000000000000001},
}

func writeAll(t testing.TB, dir string) {
	t.Helper()
	m, err := OpenMetrics(dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range metricsRows {
		if err := m.WriteMetrics(r); err != nil {
			t.Fatal(err)
		}
	}
	g, err := OpenGradNorms(dir)
	if err != nil {
		t.Fatal(err)
	}
	if err := g.WriteGradNorms(gradRows); err != nil {
		t.Fatal(err)
	}
	r, err := OpenResponses(dir)
	if err != nil {
		t.Fatal(err)
	}
	if err := r.WriteResponses(respRows); err != nil {
		t.Fatal(err)
	}
	for _, w := range []*CSVWriter{m, g, r} {
		if err := w.Close(); err != nil {
			t.Fatal(err)
		}
	}
}

func TestRoundTrip(t *testing.T) {
	dir := t.TempDir()
	writeAll(t, dir)
	gotM, err := ReadMetrics(dir)
	if err != nil || !equalRows(gotM, metricsRows) {
		t.Errorf("metrics: got %v, %v\nwant %v", gotM, err, metricsRows)
	}
	gotG, err := ReadGradNorms(dir)
	if err != nil || !equalRows(gotG, gradRows) {
		t.Errorf("gradnorms: got %v, %v\nwant %v", gotG, err, gradRows)
	}
	gotR, err := ReadResponses(dir)
	if err != nil || !equalRows(gotR, respRows) {
		t.Errorf("responses: got %v, %v\nwant %v", gotR, err, respRows)
	}
}

func TestFileFormat(t *testing.T) {
	dir := t.TempDir()
	writeAll(t, dir)
	want := map[string]string{
		MetricsFile: "step,epoch,lr,train_loss,train_err,test_loss,test_err,images_per_sec,elapsed_s,val_loss,val_err\n" +
			"0,0,0.1,2.302585092994046,0.9,,,0,0,,\n" +
			"100,0.256,0.1,1.0000000000000002,0.3333333333333333,1.5,0.5,123.456,5e-324,1.25,0.25\n" +
			"200,0.512,1e-300,inf,1,-inf,0,1.7976931348623157e+308,17,,\n",
		GradNormsFile: "step,index,layer,norm\n0,0,conv1,0\n0,1,stage1.block1.conv1,nan\n" +
			"0,2,stage1.block1.conv2,inf\n0,3,fc,-inf\n" +
			"10,0,\"odd,name \"\"quoted\"\"\",1.2345678901234567e-12\n10,3,fc,1e+308\n",
		ResponsesFile: "step,index,layer,mean,std\n5,1,stage1.block1.conv1,-0.25,0\n" +
			"5,2,stage1.block1.conv2,nan,inf\n5,3,stage1.block2.conv1,0.1,0.7000000000000001\n",
	}
	for name, w := range want {
		if got := readFile(t, filepath.Join(dir, name)); got != w {
			t.Errorf("%s:\n%s\nwant\n%s", name, got, w)
		}
	}
}

func readFile(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestAppendKeepsHeaderOnce(t *testing.T) {
	dir := t.TempDir()
	for _, r := range metricsRows {
		w, err := OpenMetrics(dir)
		if err != nil {
			t.Fatal(err)
		}
		if err := w.WriteMetrics(r); err != nil {
			t.Fatal(err)
		}
		if err := w.Close(); err != nil {
			t.Fatal(err)
		}
	}
	got, err := ReadMetrics(dir)
	if err != nil || !equalRows(got, metricsRows) {
		t.Errorf("got %v, %v", got, err)
	}
	if n := strings.Count(readFile(t, filepath.Join(dir, MetricsFile)), "step,"); n != 1 {
		t.Errorf("header written %d times", n)
	}
}

func TestHeaderMismatch(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, GradNormsFile)
	os.WriteFile(path, []byte("step,layer,norm\n1,a,2\n"), 0o644)
	if _, err := OpenGradNorms(dir); err == nil || !strings.Contains(err.Error(), path) {
		t.Errorf("OpenGradNorms: got %v, want an error naming %s", err, path)
	}
	if _, err := ReadGradNorms(dir); err == nil || !strings.Contains(err.Error(), path+":1:") {
		t.Errorf("ReadGradNorms: got %v, want an error naming %s:1", err, path)
	}
	if got := readFile(t, path); got != "step,layer,norm\n1,a,2\n" {
		t.Errorf("file changed to %q", got)
	}
}

func TestMalformed(t *testing.T) {
	const h = "step,index,layer,norm\n"
	tests := []struct {
		name, content, want string
	}{
		{"bad float", h + "1,0,conv1,0.5\n1,1,conv2,abc\n", ":3: column norm: \"abc\" is not a number"},
		{"bad int", h + "x,0,conv1,0.5\n", ":2: column step: \"x\" is not an integer"},
		{"field count", h + "1,0,conv1\n", ":2: wrong number of fields"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			path := filepath.Join(dir, GradNormsFile)
			os.WriteFile(path, []byte(tc.content), 0o644)
			_, err := ReadGradNorms(dir)
			if err == nil || !strings.Contains(err.Error(), path+tc.want) {
				t.Errorf("got %v, want %q", err, path+tc.want)
			}
		})
	}
}

func TestTruncatedLastLine(t *testing.T) {
	dir := t.TempDir()
	writeAll(t, dir)
	path := filepath.Join(dir, GradNormsFile)
	f, _ := os.OpenFile(path, os.O_APPEND|os.O_WRONLY, 0)
	f.WriteString("20,0,conv1,0.12") // a crash mid-row: parseable, but cut off
	f.Close()
	got, err := ReadGradNorms(dir)
	if err != nil || !equalRows(got, gradRows) {
		t.Fatalf("read: got %v, %v", got, err)
	}
	w, err := OpenGradNorms(dir)
	if err != nil {
		t.Fatal(err)
	}
	more := GradNormRow{Step: 20, Index: 0, Layer: "conv1", Norm: 0.125}
	w.WriteGradNorms([]GradNormRow{more})
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	got, err = ReadGradNorms(dir)
	if want := append(append([]GradNormRow{}, gradRows...), more); err != nil || !equalRows(got, want) {
		t.Errorf("after append: got %v, %v\nwant %v", got, err, want)
	}
}

func TestPartialHeader(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, MetricsFile)
	os.WriteFile(path, []byte("step,epo"), 0o644)
	if rows, err := ReadMetrics(dir); err != nil || len(rows) != 0 {
		t.Errorf("read: got %v, %v; want no rows", rows, err)
	}
	w, err := OpenMetrics(dir)
	if err != nil {
		t.Fatal(err)
	}
	w.WriteMetrics(metricsRows[0])
	w.Close()
	if got, err := ReadMetrics(dir); err != nil || !equalRows(got, metricsRows[:1]) {
		t.Errorf("got %v, %v", got, err)
	}
}

func TestTruncateAfter(t *testing.T) {
	dir := t.TempDir()
	writeAll(t, dir)
	f, _ := os.OpenFile(filepath.Join(dir, MetricsFile), os.O_APPEND|os.O_WRONLY, 0)
	f.WriteString("300,0.7")
	f.Close()
	if err := TruncateAfter(dir, 100); err != nil {
		t.Fatal(err)
	}
	m, err := ReadMetrics(dir)
	if err != nil || !equalRows(m, metricsRows[:2]) {
		t.Errorf("metrics: got %v, %v", m, err)
	}
	if got := readFile(t, filepath.Join(dir, MetricsFile)); strings.Contains(got, "300,0.7") || !strings.HasSuffix(got, "\n") {
		t.Errorf("partial line kept")
	}
	g, err := ReadGradNorms(dir)
	if err != nil || !equalRows(g, gradRows) {
		t.Errorf("gradnorms: got %v, %v", g, err)
	}
	if err := TruncateAfter(dir, 4); err != nil {
		t.Fatal(err)
	}
	g, _ = ReadGradNorms(dir)
	r, _ := ReadResponses(dir)
	m, _ = ReadMetrics(dir)
	if !equalRows(g, gradRows[:4]) || !equalRows(r, []ResponseRow{}) || !equalRows(m, metricsRows[:1]) {
		t.Errorf("after TruncateAfter(4): %v %v %v", m, g, r)
	}
	assertNoTemp(t, dir)
}

func TestTruncateAfterMissingFiles(t *testing.T) {
	if err := TruncateAfter(t.TempDir(), 0); err != nil {
		t.Error(err)
	}
}

func TestWriteFileAtomic(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, ConfigFile)
	for _, content := range []string{"a: 1\n", "b: 2\n"} {
		if err := WriteFileAtomic(path, []byte(content)); err != nil {
			t.Fatal(err)
		}
		if got := readFile(t, path); got != content {
			t.Errorf("got %q, want %q", got, content)
		}
	}
	if fi, _ := os.Stat(path); fi.Mode().Perm() != 0o644 {
		t.Errorf("mode %v, want 0644", fi.Mode())
	}
	assertNoTemp(t, dir)
	if err := WriteFileAtomic(filepath.Join(dir, "missing", "x"), nil); err == nil {
		t.Error("no error for a missing directory")
	}
}

func assertNoTemp(t *testing.T, dir string) {
	t.Helper()
	ents, _ := os.ReadDir(dir)
	for _, e := range ents {
		if strings.Contains(e.Name(), ".tmp-") {
			t.Errorf("temp file left: %s", e.Name())
		}
	}
}

func TestMetaRoundTrip(t *testing.T) {
	dir := t.TempDir()
	end := time.Date(2025, 1, 2, 4, 5, 6, 7, time.UTC)
	m := &Meta{Name: "resnet-56", Label: "resnet-56", Dataset: "cifar10", Depth: 56, Residual: true,
		Params: 853018, Version: "v0.1.0", Revision: "abc123", GoVersion: "go1.26", CPU: "x",
		Seed: math.MaxUint64, Start: end.Add(-time.Hour), End: &end, Status: StatusDiverged,
		Message:   "loss is NaN at step 7",
		DataFiles: []FileSum{{Path: "data/cifar10/test_batch.bin", SHA256: "00ff", Size: 30730000}}}
	if err := WriteMeta(dir, m); err != nil {
		t.Fatal(err)
	}
	got, err := ReadMeta(dir)
	if err != nil || !reflect.DeepEqual(got, m) {
		t.Errorf("got %+v, %v\nwant %+v", got, err, m)
	}
	if s := readFile(t, filepath.Join(dir, MetaFile)); !strings.Contains(s, `"data_files": [`) {
		t.Errorf("meta.json lacks data_files:\n%s", s)
	}
	os.WriteFile(filepath.Join(dir, MetaFile), []byte("{"), 0o644)
	if _, err := ReadMeta(dir); err == nil || !strings.Contains(err.Error(), MetaFile) {
		t.Errorf("got %v, want an error naming %s", err, MetaFile)
	}
	assertNoTemp(t, dir)
}

// TestWrongWriterPanics checks that writing gradient-norm rows to the
// metrics file is a programming error that panics naming both files.
func TestWrongWriterPanics(t *testing.T) {
	w, err := OpenMetrics(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	defer func() {
		if r := recover(); r != "runfiles: writing "+GradNormsFile+" rows to "+MetricsFile {
			t.Errorf("panic %v, want one naming %s and %s", r, GradNormsFile, MetricsFile)
		}
	}()
	w.WriteGradNorms([]GradNormRow{{}})
}

// TestConfigName checks that a repetition's name gives back its
// configuration only when the suffix names the run's own seed.
func TestConfigName(t *testing.T) {
	for _, c := range []struct {
		name string
		seed uint64
		want string // "": not a repetition
	}{
		{SeedName("plain-20", 3), 3, "plain-20"},
		{"plain-20_lr=0.1-s12", 12, "plain-20_lr=0.1"},
		{"plain-20-s3", 4, ""},
		{"plain-20", 1, ""},
		{"-s1", 1, ""},
	} {
		got, ok := ConfigName(&Meta{Name: c.name, Seed: c.seed})
		if got != c.want || ok != (c.want != "") {
			t.Errorf("ConfigName(%q, seed %d) = %q, %v; want %q", c.name, c.seed, got, ok, c.want)
		}
	}
}
