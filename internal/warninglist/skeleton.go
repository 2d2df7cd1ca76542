package warninglist

import (
	"strings"

	"golang.org/x/net/idna"
)

// confusables maps letters of other scripts to the Latin letter they are
// drawn like. The pairs are taken from Unicode's confusables.txt (UTS #39,
// "Unicode Security Mechanisms", section 4 "Confusable Detection"; every
// pair below is an MA entry there whose prototype is one Latin letter):
// the Cyrillic and Greek lower-case letters used in IDN homograph attacks.
// Fullwidth and other compatibility forms need no entry: IDNA's mapping
// (UTS #46), which internal/match applies to every name, already folds
// "ｇｏｏｇｌｅ.com" to "google.com".
var confusables = map[rune]rune{
	// Cyrillic
	'\u0430': 'a', // а CYRILLIC SMALL LETTER A
	'\u0441': 'c', // с CYRILLIC SMALL LETTER ES
	'\u0501': 'd', // ԁ CYRILLIC SMALL LETTER KOMI DE
	'\u0435': 'e', // е CYRILLIC SMALL LETTER IE
	'\u04bb': 'h', // һ CYRILLIC SMALL LETTER SHHA
	'\u0456': 'i', // і CYRILLIC SMALL LETTER BYELORUSSIAN-UKRAINIAN I
	'\u0458': 'j', // ј CYRILLIC SMALL LETTER JE
	'\u043e': 'o', // о CYRILLIC SMALL LETTER O
	'\u0440': 'p', // р CYRILLIC SMALL LETTER ER
	'\u051b': 'q', // ԛ CYRILLIC SMALL LETTER QA
	'\u0455': 's', // ѕ CYRILLIC SMALL LETTER DZE
	'\u051d': 'w', // ԝ CYRILLIC SMALL LETTER WE
	'\u0445': 'x', // х CYRILLIC SMALL LETTER HA
	'\u0443': 'y', // у CYRILLIC SMALL LETTER U
	// Greek
	'\u03b1': 'a', // α GREEK SMALL LETTER ALPHA
	'\u03b9': 'i', // ι GREEK SMALL LETTER IOTA
	'\u03bd': 'v', // ν GREEK SMALL LETTER NU
	'\u03bf': 'o', // ο GREEK SMALL LETTER OMICRON
	'\u03c1': 'p', // ρ GREEK SMALL LETTER RHO
	'\u03c5': 'u', // υ GREEK SMALL LETTER UPSILON
	// Latin letters outside ASCII
	'\u0131': 'i', // ı LATIN SMALL LETTER DOTLESS I
	'\u0261': 'g', // ɡ LATIN SMALL LETTER SCRIPT G
}

// Skeleton returns the name a punycode domain is drawn like when each
// confusable letter is replaced by its Latin prototype: the skeleton of
// "xn--ggle-55da.com" (gооgle.com, with two Cyrillic о) is "google.com".
// It reports false when d has no internationalized label or its skeleton
// still holds letters outside ASCII (a name in another script is not a
// homograph of a Latin name).
func Skeleton(d string) (string, bool) {
	if !strings.Contains(d, "xn--") {
		return "", false
	}
	u, err := idna.Punycode.ToUnicode(d)
	if err != nil {
		return "", false
	}
	var b strings.Builder
	b.Grow(len(u))
	for _, r := range u {
		if p, ok := confusables[r]; ok {
			r = p
		}
		if r >= 0x80 {
			return "", false
		}
		b.WriteRune(r)
	}
	return b.String(), true
}
