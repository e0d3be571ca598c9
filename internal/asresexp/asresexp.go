// Package asresexp lets a test binary stand in for resexp, so that tests
// (the deploy scripts' and manifests' command lines, the live view's
// browser test) run the real CLI as a separate process without building it
// first. It is for tests only.
package asresexp

import (
	"os"
	"testing"

	"github.com/resexp/resexp/internal/cli"
)

const envVar = "RESEXP_TEST_BINARY_AS_RESEXP"

// Main is a test package's TestMain: in a process whose environment holds
// Env() it runs resexp with the process's arguments and exits with its exit
// code; otherwise it runs the tests.
func Main(m *testing.M) {
	if os.Getenv(envVar) == "1" {
		os.Exit(cli.Main(os.Args[1:]))
	}
	os.Exit(m.Run())
}

// Path is the executable to run as resexp (the test binary itself).
func Path() string { return os.Args[0] }

// Env is the environment entry that makes Path run as resexp.
func Env() string { return envVar + "=1" }
