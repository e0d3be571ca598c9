package cli

import (
	"bytes"
	"image/color"
	"image/png"
	"os"
	"testing"

	"github.com/rogpeppe/go-internal/testscript"
)

// TestMain lets the scripts in testdata/script run `resexp` in-process.
func TestMain(m *testing.M) {
	testscript.Main(m, map[string]func(){
		"resexp": func() { os.Exit(Main(os.Args[1:])) },
	})
}

// TestScripts runs the end-to-end CLI scripts in testdata/script: each says
// what it tests, runs resexp and checks its output, files and exit code.
func TestScripts(t *testing.T) {
	testscript.Run(t, testscript.Params{Dir: "testdata/script", Cmds: map[string]func(*testscript.TestScript, bool, []string){
		"checkpng": checkPNG,
	}})
}

// checkPNG is the script command "checkpng FILE...": each file must decode
// as a PNG of at least 300x200 pixels with more than 20 distinct colours
// (a figure, not a blank or one-colour canvas).
func checkPNG(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) == 0 {
		ts.Fatalf("usage: checkpng FILE...")
	}
	for _, name := range args {
		img, err := png.Decode(bytes.NewReader([]byte(ts.ReadFile(name))))
		if err != nil {
			ts.Fatalf("%s: %v", name, err)
		}
		b := img.Bounds()
		colors := map[color.RGBA]bool{}
		for y := b.Min.Y; y < b.Max.Y && len(colors) <= 20; y += 2 {
			for x := b.Min.X; x < b.Max.X; x += 2 {
				colors[color.RGBAModel.Convert(img.At(x, y)).(color.RGBA)] = true
			}
		}
		if b.Dx() < 300 || b.Dy() < 200 || len(colors) <= 20 {
			ts.Fatalf("%s: %dx%d pixels, %d distinct colours: not a figure", name, b.Dx(), b.Dy(), len(colors))
		}
	}
}
