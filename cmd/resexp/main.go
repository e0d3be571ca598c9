// Command resexp trains plain and residual convolutional networks and shows,
// with figures drawn from its run files, what identity shortcuts change when
// a network gets deep. See `resexp --help`.
package main

import (
	"os"

	"github.com/resexp/resexp/internal/cli"
)

func main() {
	os.Exit(cli.Main(os.Args[1:]))
}
