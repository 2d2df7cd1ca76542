package cli

// The language of the CLI's messages to people (issue 12): explanations of
// refusals, confirmations and progress lines come from the one catalog
// (internal/i18n/catalog, keys "cli.*") in Japanese or English. The
// language is the first of: --lang; RENKEI_LANG; the first of LC_ALL,
// LC_MESSAGES and LANG that is set, Japanese when it names Japanese
// (ja_JP.UTF-8) and English for any other locale (C, POSIX, en_US…);
// Japanese when none is set. Machine output — JSON, tables of data, ids,
// tokens and passwords on stdout — is the same in every language.

import (
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"renkei/internal/i18n"
	"renkei/internal/problem"
)

// language is the language of messages to people, by the rule above.
func (g *globals) language() string {
	for _, v := range []string{g.lang, os.Getenv("RENKEI_LANG")} {
		if v = strings.TrimSpace(v); v != "" {
			return i18n.Lang(v)
		}
	}
	for _, name := range []string{"LC_ALL", "LC_MESSAGES", "LANG"} {
		if v := os.Getenv(name); v != "" {
			if strings.HasPrefix(strings.ToLower(v), "ja") {
				return "ja"
			}
			return "en"
		}
	}
	return i18n.Languages[0]
}

// say is message m in the language of messages to people.
func (g *globals) say(m i18n.Message) string { return m.In(g.language()) }

// tell writes message m, in the language of messages to people, as a line
// to w (standard output for what a command did, standard error for notes
// on the way).
func (g *globals) tell(w io.Writer, m i18n.Message) { fmt.Fprintln(w, g.say(m)) }

// note writes message m to standard error as a line of command name's own:
// "renkei: <name>: <m>".
func (g *globals) note(name string, m i18n.Message) {
	fmt.Fprintln(g.stderr, "renkei: "+name+": "+g.say(m))
}

// said is the command line's own refusal of what it was given (a flag
// missing, a value it cannot read): a message, rendered in the language of
// messages to people when the error is printed (explain), in English in
// its Error text (when wrapped, logged or read by a test).
type said struct{ m i18n.Message }

// refuse is the refusal m as an error.
func refuse(m i18n.Message) error { return said{m} }

func (e said) Error() string { return e.m.In("en") }

// refusalMessages explain each kind of refusal to a person who is not an
// expert, in the order they are tested (the audit log's before the other
// unavailable parts).
var refusalMessages = []struct {
	kind error
	msg  i18n.Message
}{
	{problem.ErrInvalid, i18n.M("cli.refused.invalid")},
	{problem.ErrNotFound, i18n.M("cli.refused.notfound")},
	{problem.ErrForbidden, i18n.M("cli.refused.forbidden")},
	{problem.ErrConflict, i18n.M("cli.refused.conflict")},
	{problem.ErrAuditUnavailable, i18n.M("cli.refused.audit")},
	{problem.ErrUnavailable, i18n.M("cli.refused.unavailable")},
}

// explain is the one line an error is printed as: a refusal's detail as the
// capability said it, then what it means in the language of messages to
// people ("case 9: not found — 指定されたものが見つかりません"); any other
// error as it is.
func (g *globals) explain(err error) string {
	for _, r := range refusalMessages {
		if errors.Is(err, r.kind) {
			return oneLine(err.Error()) + " — " + g.say(r.msg)
		}
	}
	var s said
	if errors.As(err, &s) { // the refusal in the reader's language, within what wraps it
		return strings.Replace(err.Error(), s.Error(), g.say(s.m), 1)
	}
	return err.Error()
}

// oneLine keeps an error on the one line the CLI prints it on.
func oneLine(s string) string { return strings.ReplaceAll(s, "\n", " ") }
