package plots

import (
	"bytes"
	"io"
	"os"
	"path/filepath"
	"testing"
)

// TestFiguresMatchDraw checks that Figures lists the figures Draw writes,
// in Draw's order, and that Encode gives the bytes Draw writes (svg and png).
func TestFiguresMatchDraw(t *testing.T) {
	runs, err := LoadRuns([]string{fakeSweep(t)}, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	figs := Figures(runs, Options{Smooth: 5})
	if len(figs) != len(wantFigures) {
		t.Fatalf("got %d figures, want %d", len(figs), len(wantFigures))
	}
	for _, format := range []string{"svg", "png"} {
		out := t.TempDir()
		if _, err := Draw(runs, out, Options{Format: format, Smooth: 5}); err != nil {
			t.Fatal(err)
		}
		for i, f := range figs {
			if f.Name != wantFigures[i] || f.Caption == "" {
				t.Errorf("figure %d: %q (caption %q), want %q", i, f.Name, f.Caption, wantFigures[i])
			}
			got, err := f.Encode(format)
			if err != nil {
				t.Fatal(err)
			}
			want, err := os.ReadFile(filepath.Join(out, f.Name+"."+format))
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(got, want) {
				t.Errorf("%s.%s: Encode gives %d bytes that differ from Draw's %d", f.Name, format, len(got), len(want))
			}
		}
	}
	if _, err := figs[0].Encode("gif"); err == nil {
		t.Error("Encode(gif): no error")
	}
}
