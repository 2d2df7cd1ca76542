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

// readGlossary reads the table of docs/glossary.md (copied from the design,
// TestGlossaryIsTheDesigns).
func readGlossary(t *testing.T) []glossaryEntry {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "..", "docs", "glossary.md"))
	if err != nil {
		t.Fatalf("the glossary: %v", err)
	}
	var out []glossaryEntry
	for _, row := range glossaryRows(string(b)) {
		en := regexp.MustCompile(`\s*\([^)]*\)`).ReplaceAllString(row[1], "") // "(the center)" explains, it is not the term
		out = append(out, glossaryEntry{ja: split(row[0]), en: split(en)})
	}
	return out
}

// glossaryRows are the rows, Japanese and English cells trimmed, of the
// first table in text whose header is "| 日本語 | English |".
func glossaryRows(text string) [][2]string {
	var out [][2]string
	in := false
	for _, line := range strings.Split(text, "\n") {
		line = strings.TrimSpace(line)
		cells := strings.Split(strings.Trim(line, "|"), "|")
		if !strings.HasPrefix(line, "|") || len(cells) != 2 {
			if in {
				break
			}
			continue
		}
		ja, en := strings.TrimSpace(cells[0]), strings.TrimSpace(cells[1])
		switch {
		case ja == "日本語" && en == "English":
			in = true
		case in && !strings.HasPrefix(ja, "---"):
			out = append(out, [2]string{ja, en})
		}
	}
	return out
}

// designPath is where the design sits beside a checkout (../shared, as the
// README says), from this package's folder.
var designPath = filepath.Join("..", "..", "..", "shared", "DESIGN.md")

// TestGlossaryIsTheDesigns: the glossary the catalog is checked against
// (docs/glossary.md) is DESIGN.md's ("The console": "Use these terms
// consistently in both"), row for row, so that the terms the console, the
// alerts, the e-mails and the CLI use are the design's. The design is not in
// the repository: the test compares when ../shared/DESIGN.md is there and
// says that it skipped otherwise.
func TestGlossaryIsTheDesigns(t *testing.T) {
	design, err := os.ReadFile(designPath)
	if err != nil {
		t.Skipf("DESIGN.md is not beside the checkout (%v): docs/glossary.md is not compared with the design's glossary", err)
	}
	doc, err := os.ReadFile(filepath.Join("..", "..", "docs", "glossary.md"))
	if err != nil {
		t.Fatal(err)
	}
	want, got := glossaryRows(string(design)), glossaryRows(string(doc))
	if len(want) < 10 {
		t.Fatalf("read %d glossary rows from %s; is its table (| 日本語 | English |) still there?", len(want), designPath)
	}
	for i := range max(len(want), len(got)) {
		switch {
		case i >= len(got):
			t.Errorf("docs/glossary.md lacks the design's row %q | %q", want[i][0], want[i][1])
		case i >= len(want):
			t.Errorf("docs/glossary.md has a row the design lacks: %q | %q", got[i][0], got[i][1])
		case got[i] != want[i]:
			t.Errorf("docs/glossary.md row %d is %q | %q; the design says %q | %q", i+1, got[i][0], got[i][1], want[i][0], want[i][1])
		}
	}
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
// security advisory (アドバイザリ), not the center's advisory (注意喚起), and
// so are the vulnerability advisories a feed or an SBOM holds (counted beside
// VEX statements and KEV entries), the advisory documents, feeds and sources
// of the CLI's help and the advisory inputs of an SBOM scan (--advisories).
var otherSense = regexp.MustCompile(`(?i)\bCSAF advisor(?:y|ies)\b|%s advisories, %s VEX|\badvisory inputs\b|--advisories\b|\bvulnerability\s+advisor(?:y|ies)\b|\badvisory\s+(?:documents?|feeds?|sources)\b|\badvisor(?:y|ies),? (?:KEV|VEX|EPSS)\b`)

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
				if strings.HasSuffix(k, ".example") {
					continue // command lines: "renkei advisory publish" names a command, not the term
				}
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
