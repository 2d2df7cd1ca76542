package cli

// The --help of every command in the language of messages to people (issue
// 12). Help texts are catalog texts (internal/i18n/catalog/{ja,en}.cli.help*.json)
// under keys named after the command's path — "renkei sbom scan" has
// cli.help.renkei.sbom.scan.short, .long (when it has more to say), .example
// (when it shows command lines) and .flag.<name> for each flag it defines —
// and the headings of cobra's usage text are cli.help.heading.*. The code
// declares only a command's use, arguments and flags, with "" for each
// flag's usage (TestHelpTextsComeFromTheCatalog). A flag that a helper
// defines alike on many commands (--format, --hub) takes its usage from one
// message instead (flagUsage); a command's own .flag.<name> key still comes
// first. cobra's own help and completion commands and its --help and
// --version flags are there too, so that no help is left in English.

import (
	"regexp"
	"strconv"
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
		c.InitDefaultHelpCmd()
		c.InitDefaultCompletionCmd()
		if c.InitDefaultVersionFlag(); c.Flags().Lookup("version") != nil {
			flagUsage(c.Flags(), "version", i18n.M("cli.help.flag.version", c.Name()))
		}
	}
	// --help is there before the command line is read, so that cobra knows
	// it takes no value ("renkei --help --lang ja" is not a command "ja").
	c.InitDefaultHelpFlag()
	flagUsage(c.Flags(), "help", i18n.M("cli.help.flag.help", c.Name()))
	if i18n.Has(key + ".short") {
		c.Short = i18n.Text(lang, key+".short")
		c.Long = ""
		if i18n.Has(key + ".long") {
			c.Long = i18n.Text(lang, key+".long")
		}
	}
	if i18n.Has(key + ".example") {
		c.Example = i18n.Text(lang, key+".example")
	}
	c.LocalFlags().VisitAll(func(f *pflag.Flag) {
		if i18n.Has(key + ".flag." + f.Name) {
			f.Usage = i18n.Text(lang, key+".flag."+f.Name)
		} else if m, ok := sharedUsage(f); ok {
			f.Usage = m.In(lang)
		}
	})
	g.documentExitCodes(c)
	for _, sub := range c.Commands() {
		g.localize(sub)
	}
}

// usageMessage is the annotation of a flag that holds its usage message:
// the key, then the parameters.
const usageMessage = "renkei-usage"

// flagUsage gives the flag name of fs its usage from message m, for flags
// that helpers define alike on many commands (--format, --hub, --as).
func flagUsage(fs *pflag.FlagSet, name string, m i18n.Message) {
	if err := fs.SetAnnotation(name, usageMessage, append([]string{m.Key}, m.Params...)); err != nil {
		panic(err) // a flag defined just before: a mistake in the code
	}
}

// sharedUsage is the message flagUsage gave f.
func sharedUsage(f *pflag.Flag) (i18n.Message, bool) {
	a := f.Annotations[usageMessage]
	if len(a) == 0 {
		return i18n.Message{}, false
	}
	return i18n.Message{Key: a[0], Params: a[1:]}, true
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
	for _, fs := range []string{".LocalFlags", ".InheritedFlags"} {
		t = strings.Replace(t, fs+".FlagUsages | trimTrailingWhitespaces", fs+".FlagUsages | trimTrailingWhitespaces | localDefaults "+strconv.Quote(i18n.Text(lang, "cli.help.default", "${1}")), 1)
	}
	const more = `Use "{{.CommandPath}} [command] --help" for more information about a command.`
	return strings.Replace(t, more, i18n.Text(lang, "cli.help.heading.more", "{{.CommandPath}}"), 1)
}

func init() { cobra.AddTemplateFunc("localDefaults", localDefaults) }

// flagDefault is how pflag ends the usage line of a flag whose default is
// not its type's zero value.
var flagDefault = regexp.MustCompile(`(?m) \(default (.*)\)$`)

// localDefaults is pflag's flag usage lines with each default stated as
// replacement says it (cli.help.default with its value as ${1}).
func localDefaults(replacement, usages string) string {
	return flagDefault.ReplaceAllString(usages, replacement)
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
