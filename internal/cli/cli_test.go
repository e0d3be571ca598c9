package cli

import (
	"bytes"
	"errors"
	"image/color"
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
// only tells zero from non-zero, meanstd (see cmdMeanStd) and checkpng
// (see checkPNG).
func TestScripts(t *testing.T) {
	testscript.Run(t, testscript.Params{Dir: "testdata/script", Cmds: map[string]func(*testscript.TestScript, bool, []string){
		"exits":    cmdExits,
		"meanstd":  cmdMeanStd,
		"checkpng": checkPNG,
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
