package cli

import (
	"bytes"
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
		"pngok": pngOK,
	}})
}

// pngOK is the script command "pngok FILE...": each file decodes as a PNG
// with at least 20 distinct colours (a figure, not a blank canvas).
func pngOK(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) == 0 {
		ts.Fatalf("usage: pngok FILE...")
	}
	for _, a := range args {
		img, err := png.Decode(bytes.NewReader([]byte(ts.ReadFile(a))))
		if err != nil {
			ts.Fatalf("%s: %v", a, err)
		}
		seen := map[[4]uint32]bool{}
		b := img.Bounds()
		for y := b.Min.Y; y < b.Max.Y && len(seen) < 20; y++ {
			for x := b.Min.X; x < b.Max.X; x++ {
				r, g, bl, al := img.At(x, y).RGBA()
				seen[[4]uint32{r, g, bl, al}] = true
			}
		}
		if len(seen) < 20 {
			ts.Fatalf("%s: %dx%d pixels of only %d colours: blank?", a, b.Dx(), b.Dy(), len(seen))
		}
	}
}
