package cli

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"errors"
	"io"
	"os"
	"runtime/debug"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"

	"renkei/internal/i18n"

	"github.com/spf13/cobra"
	"golang.org/x/text/width"
)

// This file holds what every command shares to read its inputs and write
// its results: one way to open an input ("-" is standard input), one output
// flag (--format), one table writer (aligned by display width, so that
// Japanese lines up), and the version.

// openInput opens the file a command reads, or standard input for "-".
// Closing what it returns never closes standard input.
func (g *globals) openInput(name string) (io.ReadCloser, error) {
	if name == "-" {
		return io.NopCloser(g.stdin), nil
	}
	return os.Open(name)
}

// readInput reads the whole of a file a command reads, or of standard input
// for "-".
func (g *globals) readInput(name string) ([]byte, error) {
	if name == "-" {
		return io.ReadAll(g.stdin)
	}
	return os.ReadFile(name)
}

// Output formats a listing may be written in (--format).
const (
	formatTable = "table"
	formatJSON  = "json"
	formatCSV   = "csv"
)

// formatFlag adds the one output flag, --format, to cmd: its value is one
// of formats, the first being the default.
func formatFlag(cmd *cobra.Command, format *string, formats ...string) {
	*format = formats[0]
	cmd.Flags().StringVar(format, "format", formats[0], "")
	flagUsage(cmd.Flags(), "format", i18n.M("cli.help.flags.format", strings.Join(formats, ", ")))
	prev := cmd.PreRunE
	cmd.PreRunE = func(c *cobra.Command, args []string) error {
		if !slices.Contains(formats, *format) {
			return refuse(i18n.M("cli.bad_format", *format, strings.Join(formats, ", ")))
		}
		if prev != nil {
			return prev(c, args)
		}
		return nil
	}
}

// removedFlags are the output flags that --format replaced, and what to
// write instead: they are refused with that advice rather than as unknown.
var removedFlags = map[string]string{"json": "--format json", "output": "--format"}

// flagError is every command's answer to a flag it does not take: a flag
// --format replaced names its replacement.
func (g *globals) flagError(c *cobra.Command, err error) error {
	for name, use := range removedFlags {
		if c.Flags().Lookup(name) == nil && strings.Contains(err.Error(), "unknown flag: --"+name) {
			return errors.New(g.say(i18n.M("cli.flag.removed", "--"+name, use)))
		}
	}
	return err
}

// table collects tab-separated cells, one row per line, as text/tabwriter
// does, and on Flush writes them aligned by the width each cell takes on a
// terminal — two columns for a wide (CJK) character, none for a combining
// mark — or, in CSV, as one record per row.
type table struct {
	w    io.Writer
	csv  bool
	json bool
	buf  bytes.Buffer
}

// newTable writes an aligned table to w.
func newTable(w io.Writer) *table { return &table{w: w} }

// newTableAs writes a table in format: formatCSV, one record per row;
// formatJSON, an array with one object per row under the first row's
// names (lower case, "_" for spaces: "CREATED BY" is "created_by");
// otherwise aligned.
func newTableAs(w io.Writer, format string) *table {
	return &table{w: w, csv: format == formatCSV, json: format == formatJSON}
}

func (t *table) Write(p []byte) (int, error) { return t.buf.Write(p) }

// Flush writes the rows collected so far.
func (t *table) Flush() error {
	text := strings.TrimSuffix(t.buf.String(), "\n")
	t.buf.Reset()
	if text == "" {
		return nil
	}
	var rows [][]string
	for _, line := range strings.Split(text, "\n") {
		rows = append(rows, strings.Split(line, "\t"))
	}
	if t.csv {
		cw := csv.NewWriter(t.w)
		cw.WriteAll(rows)
		return cw.Error()
	}
	if t.json {
		return writeJSONRows(t.w, rows)
	}
	var widths []int
	for _, r := range rows {
		for i, c := range r[:len(r)-1] { // the last cell of a row is not padded
			if i >= len(widths) {
				widths = append(widths, 0)
			}
			widths[i] = max(widths[i], displayWidth(c))
		}
	}
	var b strings.Builder
	for _, r := range rows {
		for i, c := range r {
			b.WriteString(c)
			if i < len(r)-1 {
				b.WriteString(strings.Repeat(" ", widths[i]-displayWidth(c)+2))
			}
		}
		b.WriteByte('\n')
	}
	_, err := io.WriteString(t.w, b.String())
	return err
}

// writeJSONRows writes rows after the first as a JSON array of objects
// whose names, in the columns' order, are the first row's; a row's cells
// are strings, a missing cell is "".
func writeJSONRows(w io.Writer, rows [][]string) error {
	keys := make([][]byte, len(rows[0]))
	for i, h := range rows[0] {
		keys[i], _ = json.Marshal(strings.ReplaceAll(strings.ToLower(strings.TrimSpace(h)), " ", "_"))
	}
	var b bytes.Buffer
	b.WriteString("[")
	for n, r := range rows[1:] {
		if n > 0 {
			b.WriteString(",")
		}
		b.WriteString("\n  {")
		for i, k := range keys {
			if i > 0 {
				b.WriteString(", ")
			}
			cell := ""
			if i < len(r) {
				cell = r[i]
			}
			v, _ := json.Marshal(cell)
			b.Write(k)
			b.WriteString(": ")
			b.Write(v)
		}
		b.WriteString("}")
	}
	if len(rows) > 1 {
		b.WriteString("\n")
	}
	b.WriteString("]\n")
	_, err := w.Write(b.Bytes())
	return err
}

// displayWidth is how many terminal columns s takes: East Asian wide and
// fullwidth characters take two (Unicode UAX #11), combining marks and
// format characters none, everything else one. Ambiguous characters take
// one, as terminals set up for Japanese draw them by default.
func displayWidth(s string) int {
	n := 0
	for len(s) > 0 {
		r, size := utf8.DecodeRuneInString(s)
		s = s[size:]
		switch {
		case unicode.In(r, unicode.Mn, unicode.Me, unicode.Cf):
		case width.LookupRune(r).Kind() == width.EastAsianWide, width.LookupRune(r).Kind() == width.EastAsianFullwidth:
			n += 2
		default:
			n++
		}
	}
	return n
}

// versionString is the program's version from its build information: the
// module version when built from a tagged module (go install renkei@v1.2.3),
// or the one set with -ldflags "-X renkei/internal/cli.version=…", else
// "devel"; then the VCS revision and time the binary was built from
// ("+dirty" when the tree had uncommitted changes) and the Go version.
func versionString() string {
	bi, ok := debug.ReadBuildInfo()
	if !ok {
		return version + " (no build information)"
	}
	v := bi.Main.Version
	if version != "" {
		v = version
	}
	var rev, at, dirty string
	for _, s := range bi.Settings {
		switch s.Key {
		case "vcs.revision":
			rev = s.Value
		case "vcs.time":
			at = s.Value
		case "vcs.modified":
			if s.Value == "true" {
				dirty = "+dirty"
			}
		}
	}
	if v == "" || v == "(devel)" {
		v = "devel"
	}
	if rev != "" {
		v += " " + rev[:min(12, len(rev))] + dirty
		if at != "" {
			v += " " + at
		}
	}
	return v + " " + bi.GoVersion
}
