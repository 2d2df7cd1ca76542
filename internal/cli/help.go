package cli

// The --help of every command in the language of messages to people (issue
// 12). Help texts are catalog texts (internal/i18n/catalog/{ja,en}.cli.help.json)
// under keys named after the command's path — "renkei sbom scan" has
// cli.help.renkei.sbom.scan.short, .long (when it has more to say) and
// .flag.<name> for each flag it defines — and the headings of cobra's usage
// text are cli.help.heading.*. A command whose keys are in the catalog takes
// its help from there; the code then declares only its use, arguments, flags
// and examples (command lines). The root command and its global flags are
// there so far; the other commands' texts are still written in their files
// and move by deleting them there and adding their keys.

import (
	"strings"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"renkei/internal/i18n"
)

// helpKey is the start of command c's help keys.
func helpKey(c *cobra.Command) string {
	return "cli.help." + strings.Join(strings.Fields(c.CommandPath()), ".")
}

// localize gives c and every command under it its help in the language of
// messages to people, from the catalog where its keys are there, and states
// the exit codes where a command's help does not (documentExitCodes).
func (g *globals) localize(c *cobra.Command) {
	lang, key := g.language(), helpKey(c)
	if !c.HasParent() {
		c.SetUsageTemplate(usageTemplate(lang))
	}
	if i18n.Has(key + ".short") {
		c.Short = i18n.Text(lang, key+".short")
		c.Long = ""
		if i18n.Has(key + ".long") {
			c.Long = i18n.Text(lang, key+".long")
		}
	}
	c.LocalFlags().VisitAll(func(f *pflag.Flag) {
		if i18n.Has(key + ".flag." + f.Name) {
			f.Usage = i18n.Text(lang, key+".flag."+f.Name)
		}
	})
	g.documentExitCodes(c)
	for _, sub := range c.Commands() {
		g.localize(sub)
	}
}

// usageTemplate is cobra's usage text with its headings in lang.
func usageTemplate(lang string) string {
	t := (&cobra.Command{}).UsageTemplate()
	for _, h := range []struct{ text, key string }{
		{"Usage:{{", "cli.help.heading.usage"},
		{"\nAliases:\n", "cli.help.heading.aliases"},
		{"\nExamples:\n", "cli.help.heading.examples"},
		{"\nAvailable Commands:{{", "cli.help.heading.commands"},
		{"\nAdditional Commands:{{", "cli.help.heading.more_commands"},
		{"\nFlags:\n", "cli.help.heading.flags"},
		{"\nGlobal Flags:\n", "cli.help.heading.global_flags"},
		{"\nAdditional help topics:{{", "cli.help.heading.topics"},
	} {
		word := strings.Trim(h.text, "\n{")
		t = strings.Replace(t, h.text, strings.Replace(h.text, word, i18n.Text(lang, h.key), 1), 1)
	}
	const more = `Use "{{.CommandPath}} [command] --help" for more information about a command.`
	return strings.Replace(t, more, i18n.Text(lang, "cli.help.heading.more", "{{.CommandPath}}"), 1)
}

// documentExitCodes gives command c, when it can run and its help does not
// state its exit codes, the default statement, so that each --help tells a
// script what the exit status means (TestEveryHelpStatesExitCodes).
func (g *globals) documentExitCodes(c *cobra.Command) {
	if !c.Runnable() {
		return
	}
	for _, l := range i18n.Languages { // a statement added before, in the language then
		c.Long = strings.TrimSuffix(c.Long, "\n\n"+i18n.Text(l, "cli.help.exit_codes"))
	}
	for _, l := range i18n.Languages {
		if strings.Contains(c.Long, i18n.Text(l, "cli.help.exit_codes_label")) {
			return
		}
	}
	long := c.Long
	if long == "" {
		long = c.Short
	}
	c.Long = strings.TrimRight(long, "\n") + "\n\n" + g.say(i18n.M("cli.help.exit_codes"))
}
