// Package i18n is Renkei's one message catalog: every text meant for a
// person — the console's pages, alerts, e-mails, the CLI's messages to
// people, PDFs to come — in Japanese and English under stable keys. A text
// with parameters takes them as fmt verbs (%s, %d, %v), filled in order.
//
// The catalogs are catalog/<lang>.json, one flat object key → text, and
// catalog/<lang>.<capability>.json merged into it; a key defined twice is an
// error. Tests hold both languages to the same keys and verbs, every key a
// program names to the catalog, and the glossary (docs/glossary.md, which
// is DESIGN.md's) to the Japanese terms the catalog uses.
//
// Text stored for later readers (an alert) is stored as a Message, a key
// and its parameters, and rendered in each reader's language when read;
// never as one string glued from both languages. Nothing here reads the
// network or the store.
package i18n

import (
	"embed"
	"encoding/json"
	"fmt"
	"io/fs"
	"strings"
	"sync"

	"golang.org/x/text/language"
)

//go:embed catalog/*.json
var files embed.FS

// Languages are Renkei's languages; the first is the default.
var Languages = []string{"ja", "en"}

var matcher = language.NewMatcher([]language.Tag{language.Japanese, language.English})

// Catalog is one language's texts, key → text.
type Catalog map[string]string

// MissingMark starts what a missing key renders as, so that tests (and
// people) notice it.
const MissingMark = "‹missing:"

// Load reads the catalogs of every language.
func Load() (map[string]Catalog, error) {
	out := map[string]Catalog{}
	for _, l := range Languages {
		b, err := files.ReadFile("catalog/" + l + ".json")
		if err != nil {
			return nil, err
		}
		var c Catalog
		if err := json.Unmarshal(b, &c); err != nil {
			return nil, fmt.Errorf("catalog %s.json: %w", l, err)
		}
		extra, _ := fs.Glob(files, "catalog/"+l+".*.json")
		for _, name := range extra {
			b, err := files.ReadFile(name)
			if err != nil {
				return nil, err
			}
			var more Catalog
			if err := json.Unmarshal(b, &more); err != nil {
				return nil, fmt.Errorf("catalog %s: %w", name, err)
			}
			for k, v := range more {
				if _, dup := c[k]; dup {
					return nil, fmt.Errorf("catalog %s: key %q is defined twice", name, k)
				}
				c[k] = v
			}
		}
		out[l] = c
	}
	return out, nil
}

// Text returns the text for key in c, formatted with args.
func (c Catalog) Text(key string, args ...any) string {
	s, ok := c[key]
	if !ok {
		return MissingMark + key + "›"
	}
	if len(args) > 0 {
		return fmt.Sprintf(s, args...)
	}
	return s
}

var catalogs = sync.OnceValues(Load)

// Text returns the text for key in language lang (the default language when
// lang is not one of Languages), formatted with args.
func Text(lang, key string, args ...any) string {
	cats, err := catalogs()
	if err != nil {
		return MissingMark + key + "›"
	}
	return cats[Lang(lang)].Text(key, args...)
}

// Lang is lang when it is one of Languages ("en", "en-US" are "en"), the
// default language otherwise.
func Lang(lang string) string {
	base, _, _ := strings.Cut(strings.ToLower(strings.TrimSpace(lang)), "-")
	for _, l := range Languages {
		if base == l {
			return l
		}
	}
	return Languages[0]
}

// Accept chooses a language from an Accept-Language header; ok is false when
// the header names none of Languages.
func Accept(header string) (lang string, ok bool) {
	if header == "" {
		return Languages[0], false
	}
	tags, _, err := language.ParseAcceptLanguage(header)
	if err != nil || len(tags) == 0 {
		return Languages[0], false
	}
	_, i, conf := matcher.Match(tags...)
	if conf == language.No {
		return Languages[0], false
	}
	return Languages[i], true
}

// Message is a text kept for readers to come: a catalog key and its
// parameters, rendered in each reader's language.
type Message struct {
	Key    string   `json:"key"`
	Params []string `json:"params,omitempty"`
}

// M is the message key with params. Call it with a literal key: a test
// finds every call and checks the key and the number of parameters against
// both catalogs.
func M(key string, params ...string) Message { return Message{Key: key, Params: params} }

// refMark starts a parameter that is itself a message (Ref).
const refMark = "\x1e"

// Ref is message m as a parameter of another message, rendered in the same
// language as the message it is part of (a device's kind, a clause that is
// there or not).
func Ref(m Message) string {
	b, _ := json.Marshal(m)
	return refMark + string(b)
}

// In renders the message in lang, and the messages among its parameters.
func (m Message) In(lang string) string {
	args := make([]any, len(m.Params))
	for i, p := range m.Params {
		args[i] = p
		if rest, ok := strings.CutPrefix(p, refMark); ok {
			var sub Message
			if json.Unmarshal([]byte(rest), &sub) == nil {
				args[i] = sub.In(lang)
			}
		}
	}
	return Text(lang, m.Key, args...)
}

// Has reports whether every language's catalog has key, for a name kept
// outside the catalog too (a report type of a deadlines file given at
// start) that is shown from the catalog when it is there.
func Has(key string) bool {
	cats, err := catalogs()
	if err != nil {
		return false
	}
	for _, l := range Languages {
		if _, ok := cats[l][key]; !ok {
			return false
		}
	}
	return true
}
