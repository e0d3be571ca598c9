package cli

import (
	"bytes"
	"errors"
	"image/png"
	"os"
	"os/exec"
	"strconv"
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
// Besides testscript's own commands they have
//
//	exits CODE PROGRAM [ARGS...]
//
// which runs PROGRAM as exec does (stdout and stderr are then checked as
// after exec) and fails unless its exit code is exactly CODE; `! exec`
// only tells zero from non-zero; meanstd (see cmdMeanStd); and
//
//	pngok FILE...
//
// which fails unless each FILE is a PNG that is not blank (see pngOK).
func TestScripts(t *testing.T) {
	testscript.Run(t, testscript.Params{Dir: "testdata/script", Cmds: map[string]func(*testscript.TestScript, bool, []string){
		"exits":   cmdExits,
		"meanstd": cmdMeanStd,
		"pngok":   pngOK,
	}})
}

func cmdExits(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) < 2 {
		ts.Fatalf("usage: exits CODE PROGRAM [ARGS...]")
	}
	want, err := strconv.Atoi(args[0])
	if err != nil {
		ts.Fatalf("exits: code %q is not a number", args[0])
	}
	got, err := exitStatus(ts.Exec(args[1], args[2:]...))
	if err != nil {
		ts.Fatalf("exits: %v", err)
	}
	if got != want {
		ts.Fatalf("%s exited with code %d, want %d", args[1], got, want)
	}
}

// exitStatus is the exit code of a program that ended with err (from
// exec.Cmd.Wait); an error that is not an exit (the program did not start)
// is returned.
func exitStatus(err error) (int, error) {
	var ee *exec.ExitError
	switch {
	case err == nil:
		return 0, nil
	case errors.As(err, &ee):
		return ee.ExitCode(), nil
	}
	return 0, err
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
