package plots

import (
	"bytes"
	"image"
	"image/png"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// fakeSweep writes plain and residual runs of depths 20 and 56 into a sweep
// folder and returns it.
func fakeSweep(t testing.TB) string {
	root := t.TempDir()
	for _, depth := range []int{20, 56} {
		for _, residual := range []bool{false, true} {
			writeFakeRun(t, root, fakeRun{depth: depth, residual: residual, steps: 400, every: 10})
		}
	}
	return root
}

var wantFigures = []string{"loss", "error", "gradnorm-profile", "gradnorm-heatmap-plain-20",
	"gradnorm-heatmap-plain-56", "gradnorm-heatmap-resnet-20", "gradnorm-heatmap-resnet-56",
	"gradnorm-ratio", "responses"}

func TestDrawAllFormats(t *testing.T) {
	sweep := fakeSweep(t)
	var warn bytes.Buffer
	runs, err := LoadRuns([]string{sweep}, &warn)
	if err != nil {
		t.Fatal(err)
	}
	if len(runs) != 4 || warn.Len() != 0 {
		t.Fatalf("got %d runs, warnings %q", len(runs), warn.String())
	}
	for _, format := range []string{"png", "svg", "pdf"} {
		t.Run(format, func(t *testing.T) {
			out := filepath.Join(os.Getenv("PLOTS_KEEP"), format)
			if os.Getenv("PLOTS_KEEP") == "" {
				out = t.TempDir()
			}
			paths, err := Draw(runs, out, Options{Format: format, Smooth: 5})
			if err != nil {
				t.Fatal(err)
			}
			var want []string
			for _, n := range wantFigures {
				want = append(want, filepath.Join(out, n+"."+format))
			}
			want = append(want, filepath.Join(out, "index.html"))
			if !slices.Equal(paths, want) {
				t.Errorf("wrote %v\nwant %v", paths, want)
			}
			for _, p := range paths {
				checkFile(t, p, format)
			}
			checkIndex(t, filepath.Join(out, "index.html"), format)
		})
	}
}

// checkFile checks that path is a non-trivial file of its format; PNGs must
// decode, have the figure's size and more than a few colours.
func checkFile(t *testing.T, path, format string) {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	switch {
	case strings.HasSuffix(path, ".html"):
		return
	case format == "svg" && !bytes.Contains(data[:200], []byte("<svg")):
		t.Errorf("%s: not SVG", path)
	case format == "pdf" && !bytes.HasPrefix(data, []byte("%PDF-")):
		t.Errorf("%s: not PDF", path)
	case format == "png":
		checkPNG(t, path, data, true)
	}
	if len(data) < 5000 {
		t.Errorf("%s: only %d bytes", path, len(data))
	}
}

// checkPNG checks that data decodes as a PNG with more than a few colours
// and, if checkSize, has the size of the figure of the synthetic sweep.
func checkPNG(t *testing.T, path string, data []byte, checkSize bool) {
	t.Helper()
	img, err := png.Decode(bytes.NewReader(data))
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	w, h := figureSize(filepath.Base(path))
	if b := img.Bounds(); checkSize && (b.Dx() != w || b.Dy() != h) {
		t.Errorf("%s: %dx%d pixels, want %dx%d", path, b.Dx(), b.Dy(), w, h)
	}
	if n := distinctColors(img, 50); n < 20 {
		t.Errorf("%s: only %d distinct colours: blank?", path, n)
	}
}

// figureSize returns the expected pixel size of a PNG figure (inches × DPI).
func figureSize(base string) (w, h int) {
	px := func(in float64) int { return int(in*pngDPI + 0.5) }
	switch {
	case strings.HasPrefix(base, "gradnorm-heatmap-"):
		return px(10), px(5.6)
	case base == "error.png", base == "responses.png":
		return px(11), px(5)
	case base == "gradnorm-profile.png":
		return px(11), px(0.7 + 3.1*2)
	}
	return px(9), px(5.4)
}

// distinctColors counts the distinct colours of img, stopping at limit.
func distinctColors(img image.Image, limit int) int {
	seen := map[[4]uint32]bool{}
	b := img.Bounds()
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			r, g, bl, a := img.At(x, y).RGBA()
			seen[[4]uint32{r, g, bl, a}] = true
			if len(seen) >= limit {
				return len(seen)
			}
		}
	}
	return len(seen)
}

func checkIndex(t *testing.T, path, format string) {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	s := string(data)
	for _, want := range append(slices.Clone(wantFigures), "resnet-56", "plain-20", "completed", "cifar10") {
		if !strings.Contains(s, want) {
			t.Errorf("index.html lacks %q", want)
		}
	}
	if !strings.Contains(s, "loss."+format) {
		t.Errorf("index.html does not link loss.%s", format)
	}
}

func TestFixSVGImages(t *testing.T) {
	in := []byte(`<g><image x="1" xlink:href="data:image/jpg;base64,iVBORw0K" /></g>`)
	want := `<g><image preserveAspectRatio="none" x="1" xlink:href="data:image/png;base64,iVBORw0K" /></g>`
	if got := string(fixSVGImages(in)); got != want {
		t.Errorf("got %s", got)
	}
}

func TestFlipVertical(t *testing.T) {
	img := image.NewGray(image.Rect(0, 0, 2, 3))
	img.Pix = []uint8{1, 2, 3, 4, 5, 6}
	got := flipVertical(img)
	want := []uint8{5, 6, 3, 4, 1, 2}
	for i, w := range want {
		if r := got.RGBAAt(i%2, i/2).R; r != w {
			t.Errorf("pixel %d = %d, want %d", i, r, w)
		}
	}
}

// BenchmarkDrawResNet110 draws the figures of a plain and a residual
// ResNet-110-sized run: 6,400 metrics rows and 640 recorded steps × 110
// layers of gradient norms each.
func BenchmarkDrawResNet110(b *testing.B) {
	root := b.TempDir()
	for _, residual := range []bool{false, true} {
		writeFakeRun(b, root, fakeRun{depth: 110, residual: residual, steps: 6400, every: 10})
	}
	out := b.TempDir()
	for b.Loop() {
		runs, err := LoadRuns([]string{root}, io.Discard)
		if err != nil {
			b.Fatal(err)
		}
		if _, err := Draw(runs, out, Options{Smooth: 20}); err != nil {
			b.Fatal(err)
		}
	}
}
