package plots

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/resexp/resexp/internal/runfiles"
)

// writeTable writes a CSV table with header and rows under dir.
func writeTable(t *testing.T, dir, name string, header []string, rows []string) string {
	t.Helper()
	path := filepath.Join(dir, name)
	body := strings.Join(header, ",") + "\n" + strings.Join(rows, "\n") + "\n"
	if err := os.WriteFile(path, []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// TestDrawLesion draws a plain and a residual net's lesion.csv, with blocks
// that cannot be deleted, and checks the PNG decodes and is not blank.
func TestDrawLesion(t *testing.T) {
	dir := t.TempDir()
	var rows []string
	for _, net := range []string{"resnet-14", "plain-14"} {
		rows = append(rows, net+",none,0,0,,0.4,0.12,")
		for b := 1; b <= 6; b++ {
			if net == "plain-14" && (b == 3 || b == 5) {
				rows = append(rows, fmt.Sprintf("%s,single,1,0,stage%d.block1,,,plain block changes shape 16x8x8 to 32x4x4: cannot be deleted", net, (b+1)/2))
				continue
			}
			rows = append(rows, fmt.Sprintf("%s,single,1,0,stage%d.block%d,1.2,%v,", net, (b+1)/2, 2-b%2, 0.1+0.05*float64(b)))
		}
		for k := 1; k <= 4; k++ {
			for s := range 3 {
				rows = append(rows, fmt.Sprintf("%s,random,%d,%d,a b,2,%v,", net, k, s, 0.1*float64(k)+0.02*float64(s)))
			}
		}
	}
	csv := writeTable(t, dir, runfiles.LesionFile, runfiles.LesionHeader, rows)
	path, err := DrawLesion(csv, dir, "png")
	if err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	checkPNG(t, path, data, false)
	if _, err := DrawLesion(writeTable(t, dir, "bad.csv", runfiles.LesionHeader, []string{"x,odd,1,0,,1,1,"}), dir, "png"); err == nil {
		t.Error("a row of kind odd was drawn")
	}
}

// TestDrawLandscape draws a plain and a residual net's line and plane (one
// point missing, one infinite) and checks both PNGs decode and are not
// blank; a table with neither is refused.
func TestDrawLandscape(t *testing.T) {
	dir := t.TempDir()
	var rows []string
	for _, net := range []string{"plain-8", "resnet-8"} {
		for k := -2; k <= 6; k++ {
			a := float64(k) / 4
			rows = append(rows, fmt.Sprintf("%s,line,%v,0,%v,%v", net, a, 0.5+(a-1)*(a-1), 0.9-0.1*a))
		}
		for i := -2; i <= 2; i++ {
			for j := -2; j <= 2; j++ {
				switch {
				case i == 2 && j == 2:
					continue
				case i == -2 && j == 2:
					rows = append(rows, fmt.Sprintf("%s,plane,%d,%d,inf,0.9", net, i, j))
					continue
				}
				rows = append(rows, fmt.Sprintf("%s,plane,%d,%d,%v,0.5", net, i, j, 0.3+float64(i*i+2*j*j)))
			}
		}
	}
	csv := writeTable(t, dir, runfiles.LandscapeFile, runfiles.LandscapeHeader, rows)
	paths, err := DrawLandscape(csv, dir, "png")
	if err != nil {
		t.Fatal(err)
	}
	if len(paths) != 2 {
		t.Fatalf("wrote %v, want landscape and landscape-line", paths)
	}
	for _, p := range paths {
		data, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		checkPNG(t, p, data, false)
	}
	if _, err := DrawLandscape(writeTable(t, dir, "empty.csv", runfiles.LandscapeHeader, nil), dir, "png"); err == nil {
		t.Error("an empty table was drawn")
	}
}
