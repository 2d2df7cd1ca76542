package i18n

import (
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"
)

// glossaryEntry is one row of docs/glossary.md: the Japanese terms and the
// English terms, alternatives in the order the row gives them.
type glossaryEntry struct{ ja, en []string }

// readGlossary reads the table of docs/glossary.md (copied from the design).
func readGlossary(t *testing.T) []glossaryEntry {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "..", "docs", "glossary.md"))
	if err != nil {
		t.Fatalf("the glossary: %v", err)
	}
	var out []glossaryEntry
	for _, line := range strings.Split(string(b), "\n") {
		cells := strings.Split(strings.Trim(strings.TrimSpace(line), "|"), "|")
		if len(cells) != 2 || strings.HasPrefix(strings.TrimSpace(cells[0]), "---") || strings.TrimSpace(cells[0]) == "日本語" {
			continue
		}
		en := regexp.MustCompile(`\s*\([^)]*\)`).ReplaceAllString(cells[1], "") // "(the center)" explains, it is not the term
		out = append(out, glossaryEntry{ja: split(cells[0]), en: split(en)})
	}
	return out
}

func split(cell string) []string {
	var out []string
	for _, s := range strings.Split(cell, " / ") {
		if s = strings.TrimSpace(s); s != "" {
			out = append(out, s)
		}
	}
	return out
}

// englishTerm matches an English term in a text, in any case, singular or
// plural, as whole words.
func englishTerm(term string) *regexp.Regexp {
	q := regexp.QuoteMeta(strings.ToLower(term))
	if strings.HasSuffix(q, "y") {
		q = strings.TrimSuffix(q, "y") + "(?:y|ies)"
	} else {
		q += "s?"
	}
	return regexp.MustCompile(`(?i)\b` + q + `\b`)
}

// otherSense are phrases where an English glossary term names something
// else, removed before a text is checked: a vendor's CSAF advisory is its
// security advisory (アドバイザリ), not the center's advisory (注意喚起).
var otherSense = regexp.MustCompile(`(?i)\bCSAF advisor(?:y|ies)\b`)

// TestCatalogUsesTheGlossary: wherever an English catalog text uses a term
// of the glossary, the Japanese text of the same key uses the glossary's
// Japanese term for it, so that one concept has one name in each language.
func TestCatalogUsesTheGlossary(t *testing.T) {
	cats, err := Load()
	if err != nil {
		t.Fatal(err)
	}
	glossary := readGlossary(t)
	if len(glossary) < 10 {
		t.Fatalf("read %d glossary entries from docs/glossary.md; is the table there?", len(glossary))
	}
	keys := make([]string, 0, len(cats["en"]))
	for k := range cats["en"] {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, g := range glossary {
		for i, en := range g.en {
			ja := g.ja // any of them, unless both sides pair up
			if len(g.ja) == len(g.en) {
				ja = g.ja[i : i+1]
			}
			re := englishTerm(en)
			for _, k := range keys {
				if !re.MatchString(otherSense.ReplaceAllString(cats["en"][k], "")) {
					continue
				}
				found := false
				for _, j := range ja {
					found = found || strings.Contains(cats["ja"][k], j)
				}
				if !found {
					t.Errorf("%s: the English says %q, the Japanese lacks %s: %q", k, en, strings.Join(ja, " or "), cats["ja"][k])
				}
			}
		}
	}
}
