package cli

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
)

// TestVersionFromBuildInfo: `renkei --version` prints the version the build
// information gives (module version or devel, VCS revision when built from a
// repository) and the Go version, and exits 0.
func TestVersionFromBuildInfo(t *testing.T) {
	t.Parallel()
	code, out, stderr := run(t, "", "--version")
	if code != 0 || !strings.HasPrefix(out, "renkei version ") || !strings.HasSuffix(out, " "+runtime.Version()+"\n") || stderr != "" {
		t.Fatalf("--version: exit %d, stdout %q, stderr %q", code, out, stderr)
	}
}

// TestErrorsSayRenkeiOnce: an error is one line beginning "renkei: ", never
// "renkei: renkei: " — not for the root command's own errors, and not for
// a message that carries the prefix already.
func TestErrorsSayRenkeiOnce(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		name string
		args []string
		want string
	}{
		{"unknown command", []string{"nosuch"}, `renkei: unknown command "nosuch" for "renkei"` + "\n"},
		{"unknown flag", []string{"--nosuch"}, "renkei: unknown flag: --nosuch\n"},
		{"subcommand", []string{"sweep", "--indicators", filepath.Join(t.TempDir(), "none.txt"), "-"}, "renkei: sweep: open "},
	} {
		t.Run(tt.name, func(t *testing.T) {
			code, _, stderr := run(t, "", tt.args...)
			if code == 0 || !strings.HasPrefix(stderr, tt.want) || strings.Contains(stderr, "renkei: renkei:") || strings.Count(stderr, "\n") != 1 {
				t.Errorf("exit %d, stderr %q; want one line beginning %q", code, stderr, tt.want)
			}
		})
	}
	if got := errorLine(newRoot(&globals{}), "renkei: store: closed"); got != "renkei: store: closed" {
		t.Errorf("a message with the prefix: %q", got)
	}
}

// TestOneOutputFlag: a command's output format is chosen with --format and
// nothing else. The older names (--json, hunt's --output) are refused with
// a message pointing to --format.
func TestOneOutputFlag(t *testing.T) {
	t.Parallel()
	var walk func(c *cobra.Command)
	walk = func(c *cobra.Command) {
		c.Flags().VisitAll(func(f *pflag.Flag) {
			switch {
			case f.Name == "json", f.Name == "output" && c.Name() != "export":
				t.Errorf("%s --%s: name the output flag --format", c.CommandPath(), f.Name)
			}
		})
		for _, s := range c.Commands() {
			walk(s)
		}
	}
	walk(newRoot(&globals{}))

	data := []string{"--data", t.TempDir()}
	code, out, stderr := run(t, "", append([]string{"asset", "products", "fortinet", "--format", "csv"}, data...)...)
	rows, err := csv.NewReader(strings.NewReader(out)).ReadAll()
	if code != 0 || err != nil || len(rows) < 2 || strings.Join(rows[0], ",") != "VENDOR,PRODUCT,KEY,ALSO NAMED" {
		t.Fatalf("--format csv: exit %d, %v, %q %s", code, err, out, stderr)
	}
	for _, old := range [][]string{{"asset", "products", "fortinet", "--json"}, {"hunt", "--output", "csv", "x.evtx"}} {
		code, out, stderr = run(t, "", append(old, data...)...)
		if want := "use --format"; code != 1 || out != "" || !strings.Contains(stderr, want) || strings.Count(stderr, "\n") != 1 {
			t.Errorf("%v: exit %d, %q %q; want it refused in one line saying %q", old, code, out, stderr, want)
		}
	}
	if code, _, stderr = run(t, "", append([]string{"asset", "products", "--format", "xml"}, data...)...); code != 1 || !strings.Contains(stderr, `--format "xml": use one of table, json, csv`) {
		t.Fatalf("--format xml: exit %d, %s", code, stderr)
	}
}

// TestTablesAlignJapanese: a table's columns line up on a terminal when a
// cell holds Japanese (two columns a character), as text/tabwriter (one
// column a rune) did not.
func TestTablesAlignJapanese(t *testing.T) {
	t.Parallel()
	data := []string{"--data", t.TempDir()}
	for _, name := range []string{"北海道電力株式会社", "Kanto Electric"} {
		if code, _, stderr := run(t, "", append([]string{"org", "add", name, "--kind", "operator", "--sector", "energy"}, data...)...); code != 0 {
			t.Fatal(stderr)
		}
	}
	code, out, stderr := run(t, "", append([]string{"org", "list"}, data...)...)
	if code != 0 {
		t.Fatal(stderr)
	}
	col := -1
	for _, line := range strings.Split(strings.TrimSpace(out), "\n") {
		i := strings.Index(line, "operator")
		if i < 0 {
			i = strings.Index(line, "KIND")
		}
		if i < 0 {
			continue // the center's own kind
		}
		if c := displayWidth(line[:i]); col >= 0 && c != col {
			t.Fatalf("the KIND column starts at %d and at %d:\n%s", col, c, out)
		} else {
			col = c
		}
	}
	for s, want := range map[string]int{"abc": 3, "北海道": 6, "ｶﾅ": 2, "Ａ": 2, "é": 1, "e\u0301": 1, "": 0} {
		if got := displayWidth(s); got != want {
			t.Errorf("displayWidth(%q) = %d, want %d", s, got, want)
		}
	}
}

// TestDashReadsStandardInput: every command that reads a file reads
// standard input for "-".
func TestDashReadsStandardInput(t *testing.T) {
	t.Parallel()
	data := []string{"--data", t.TempDir()}
	if code, _, stderr := run(t, "", append([]string{"org", "add", "Minato City Hall", "--kind", "local-government", "--sector", "government"}, data...)...); code != 0 {
		t.Fatal(stderr)
	}
	code, out, stderr := run(t, "kind,vendor,product,version\nvpn,Fortinet,FortiOS,7.2.4\n",
		append([]string{"asset", "import", "--org", "Minato City Hall", "-"}, data...)...)
	if code != 0 || !strings.HasPrefix(out, "1 connection points imported") {
		t.Fatalf("asset import -: exit %d, %q %s", code, out, stderr)
	}
	kev, err := os.ReadFile(filepath.Join("..", "..", "..", "shared", "corpora", "cisa-kev", "known_exploited_vulnerabilities.json"))
	if err != nil {
		t.Skip("the KEV corpus is not here:", err)
	}
	code, out, stderr = run(t, string(kev), append([]string{"feeds", "import", "-"}, data...)...)
	if code != 0 || !strings.Contains(out, "file:-") && !strings.Contains(out+stderr, "KEV") {
		t.Fatalf("feeds import -: exit %d, %q %s", code, out, stderr)
	}
	var sb bytes.Buffer
	sb.WriteString("192.0.2.0/24\n")
	if code, _, stderr = run(t, sb.String(), append([]string{"telemetry", "ranges-import", "-"}, data...)...); code != 0 {
		t.Fatalf("telemetry ranges-import -: exit %d, %s", code, stderr)
	}
}

// TestListCommandsOfferJSON: every command that lists in a table offers
// --format json beside table (a "list" command, and any whose --format
// offers csv), written by the one table writer as an array of objects
// named by the table's columns.
func TestListCommandsOfferJSON(t *testing.T) {
	t.Parallel()
	var walk func(c *cobra.Command)
	walk = func(c *cobra.Command) {
		f := c.Flags().Lookup("format")
		if c.Name() == "list" && f == nil {
			t.Errorf("%s: a list command without --format", c.CommandPath())
		}
		// partner add's --format names the feed's format read: issue 15's
		// command-line contract writes it so ("--feed URL --format csv|text|misp").
		if f != nil && c.Name() != "export" && c.Name() != "hunt" && c.CommandPath() != "renkei partner add" && (c.Name() == "list" || strings.Contains(f.Usage, "csv")) && !strings.Contains(f.Usage, "json") {
			t.Errorf("%s --format: %q offers no json", c.CommandPath(), f.Usage)
		}
		for _, s := range c.Commands() {
			walk(s)
		}
	}
	walk(newRoot(&globals{}))

	data := []string{"--data", t.TempDir()}
	if code, _, stderr := run(t, "", append([]string{"org", "add", "北海道電力株式会社", "--kind", "operator", "--sector", "energy"}, data...)...); code != 0 {
		t.Fatal(stderr)
	}
	for _, args := range [][]string{{"org", "list"}, {"warninglists", "list"}, {"user", "list"}} {
		code, out, stderr := run(t, "", append(append(args, "--format", "json"), data...)...)
		var rows []map[string]string
		if err := json.Unmarshal([]byte(out), &rows); code != 0 || err != nil || len(rows) == 0 {
			t.Fatalf("%v --format json: exit %d, %v: %q %s", args, code, err, out, stderr)
		}
		if _, ok := rows[0]["id"]; !ok && args[0] != "user" {
			t.Errorf("%v --format json: no id in %v", args, rows[0])
		}
	}
	code, out, _ := run(t, "", append([]string{"org", "list", "--format", "json"}, data...)...)
	if code != 0 || !strings.Contains(out, `"name": "北海道電力株式会社"`) || !strings.Contains(out, `"sector": "energy"`) {
		t.Errorf("org list --format json:\n%s", out)
	}
}

// TestInputFormatsAreNotOutputFlags: --format names what a command writes;
// the format of what sweep and feeds add read has a flag of its own.
func TestInputFormatsAreNotOutputFlags(t *testing.T) {
	t.Parallel()
	root := newRoot(&globals{})
	for _, tc := range []struct {
		path []string
		flag string
	}{{[]string{"sweep"}, "input-format"}, {[]string{"feeds", "add"}, "feed-format"}} {
		c, _, err := root.Find(tc.path)
		if err != nil {
			t.Fatal(err)
		}
		if c.Flags().Lookup(tc.flag) == nil || c.Flags().Lookup("format") != nil {
			t.Errorf("%s: want --%s and no --format", c.CommandPath(), tc.flag)
		}
	}
}
