package cli

import (
	"bytes"
	"strings"
	"testing"

	"github.com/spf13/cobra"
)

// TestEveryHelpStatesExitCodes: every command that runs says in its --help
// what its exit status means, and the commands that end with a status of
// their own (a gate that found something, input none of which could be read,
// mail that could not be sent) name it there.
func TestEveryHelpStatesExitCodes(t *testing.T) {
	own := map[string]string{ // command path → a status it ends with besides 0 and 1
		"renkei sbom scan":    "3",
		"renkei hunt":         "2",
		"renkei flows decode": "2",
		"renkei sweep":        "3",
		"renkei notify run":   "2",
	}
	var walk func(c *cobra.Command)
	seen := 0
	walk = func(c *cobra.Command) {
		if c.Runnable() && !c.Hidden {
			seen++
			code, out, _ := run(t, "", append(strings.Fields(strings.TrimPrefix(c.CommandPath(), "renkei")), "--help")...)
			i := strings.Index(out, "Exit codes:")
			if code != 0 || i < 0 {
				t.Errorf("%s --help (exit %d) does not state its exit codes:\n%s", c.CommandPath(), code, out)
			} else if want, ok := own[c.CommandPath()]; ok && !strings.Contains(out[i:], " "+want+" ") {
				t.Errorf("%s --help does not name its exit code %s:\n%s", c.CommandPath(), want, out[i:])
			}
		}
		for _, sub := range c.Commands() {
			walk(sub)
		}
	}
	walk(newRoot(&globals{stdin: strings.NewReader(""), stdout: &bytes.Buffer{}, stderr: &bytes.Buffer{}}))
	if seen < 50 {
		t.Fatalf("only %d commands walked", seen)
	}
}
