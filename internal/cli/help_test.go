package cli

import (
	"bytes"
	"renkei/internal/i18n"
	"strings"
	"testing"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
)

// TestEveryHelpStatesExitCodes: every command that runs says in its --help
// what its exit status means, and the commands that end with a status of
// their own (a gate that found something, input none of which could be read,
// mail that could not be sent) name it there.
func TestEveryHelpStatesExitCodes(t *testing.T) {
	t.Parallel()
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

// TestHelpInEachLanguage: --help is written in the language of messages to
// people — the root command's help and global flags, the headings and the
// exit codes from the catalog — and every help key in the catalog names a
// command or a flag that is there.
func TestHelpInEachLanguage(t *testing.T) {
	t.Parallel()
	for _, lang := range i18n.Languages {
		code, out, stderr := run(t, "", "sbom", "scan", "--help", "--lang", lang)
		for _, key := range []string{"cli.help.heading.usage", "cli.help.heading.global_flags", "cli.help.renkei.flag.data"} {
			if want := i18n.Text(lang, key); code != 0 || !strings.Contains(out, want) {
				t.Errorf("sbom scan --help --lang %s (exit %d, %s) lacks %q:\n%s", lang, code, stderr, want, out)
			}
		}
		_, out, _ = run(t, "", "org", "list", "--help", "--lang", lang)
		if want := i18n.Text(lang, "cli.help.exit_codes"); !strings.Contains(out, want) {
			t.Errorf("org list --help --lang %s lacks %q:\n%s", lang, want, out)
		}
		_, out, _ = run(t, "", "--lang="+lang, "--help")
		if want := i18n.Text(lang, "cli.help.renkei.long"); !strings.Contains(out, want) {
			t.Errorf("--help --lang %s lacks %q:\n%s", lang, want, out)
		}
	}

	cats, err := i18n.Load()
	if err != nil {
		t.Fatal(err)
	}
	there := map[string]bool{}
	var walk func(c *cobra.Command)
	walk = func(c *cobra.Command) {
		k := helpKey(c)
		there[k+".short"], there[k+".long"], there[k+".example"] = true, true, true
		c.LocalFlags().VisitAll(func(f *pflag.Flag) { there[k+".flag."+f.Name] = true })
		for _, s := range c.Commands() {
			walk(s)
		}
	}
	walk(newRoot(&globals{}))
	for k := range cats["en"] {
		if strings.HasPrefix(k, "cli.help.renkei.") || k == "cli.help.renkei.short" {
			if !there[k] {
				t.Errorf("catalog key %s names no command or flag", k)
			}
		}
	}
}

// TestHelpAnyWhereLangIsGiven: --lang after --help gives the help in that
// language, at the root and on a command ("renkei --help --lang ja" is not
// a command "ja"), as the renkei command run in a process of its own.
func TestHelpAnyWhereLangIsGiven(t *testing.T) {
	for _, tt := range []struct {
		args []string
		key  string // a text of the help asked for
	}{
		{[]string{"--help", "--lang", "ja"}, "cli.help.renkei.long"},
		{[]string{"-h", "--lang=ja"}, "cli.help.renkei.long"},
		{[]string{"sbom", "--help", "--lang", "ja"}, "cli.help.renkei.sbom.long"},
		{[]string{"sbom", "scan", "--help", "--lang", "ja"}, "cli.help.renkei.sbom.scan.flag.fail-on"},
		{[]string{"--help", "--lang", "en"}, "cli.help.renkei.long"},
	} {
		lang := i18n.Lang(tt.args[len(tt.args)-1][strings.LastIndexAny(tt.args[len(tt.args)-1], "=")+1:])
		out, stderr, ok := asProcess(t, tt.args)
		if want := i18n.Text(lang, tt.key); !ok || !strings.Contains(out, want) || !strings.Contains(out, i18n.Text(lang, "cli.help.heading.usage")) {
			t.Errorf("renkei %s: ok %v, stderr %q; want its help in %s with %q:\n%s", strings.Join(tt.args, " "), ok, stderr, lang, want, out)
		}
	}
}

// TestEveryCommandsHelpInBothLanguages renders the --help of every command
// in each language: each command has its texts in the catalog (its .short
// key), each flag its usage (its .flag.<name> key or a flagUsage message),
// and no help shows a missing key.
func TestEveryCommandsHelpInBothLanguages(t *testing.T) {
	seen := 0
	var walk func(c *cobra.Command)
	walk = func(c *cobra.Command) {
		k := helpKey(c)
		if !i18n.Has(k + ".short") {
			t.Errorf("%s: no catalog key %s.short", c.CommandPath(), k)
		}
		c.LocalFlags().VisitAll(func(f *pflag.Flag) {
			if _, shared := sharedUsage(f); !shared && !i18n.Has(k+".flag."+f.Name) {
				t.Errorf("%s --%s: no catalog key %s.flag.%[2]s and no flagUsage", c.CommandPath(), f.Name, k)
			}
		})
		seen++
		for _, lang := range i18n.Languages {
			t.Setenv("RENKEI_LANG", lang) // not --lang: "notify set --lang" is the mail's language
			code, out, stderr := run(t, "", append(strings.Fields(strings.TrimPrefix(c.CommandPath(), "renkei")), "--help")...)
			text := i18n.Text(lang, k+".short")
			if i18n.Has(k + ".long") {
				text = i18n.Text(lang, k+".long")
			}
			text, _, _ = strings.Cut(text, "\n")
			if code != 0 || strings.Contains(out, i18n.MissingMark) || !strings.Contains(out, text) {
				t.Errorf("RENKEI_LANG=%[2]s %[1]s --help (exit %[3]d, %s) lacks %q or shows a missing key:\n%s", c.CommandPath(), lang, code, stderr, text, out)
			}
		}
		for _, s := range c.Commands() {
			walk(s)
		}
	}
	walk(newRoot(&globals{stdin: strings.NewReader(""), stdout: &bytes.Buffer{}, stderr: &bytes.Buffer{}}))
	if seen < 100 {
		t.Fatalf("only %d commands walked", seen)
	}
}
