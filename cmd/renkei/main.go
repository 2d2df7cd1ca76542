// Command renkei is the Renkei hub: one binary for the server, the workers and
// every tool a member or the center runs. All of the work is in internal/cli.
package main

import (
	"os"

	"renkei/internal/cli"
)

func main() {
	os.Exit(cli.Main(os.Args[1:]))
}
