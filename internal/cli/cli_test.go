package cli

import (
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
	testscript.Run(t, testscript.Params{Dir: "testdata/script"})
}
