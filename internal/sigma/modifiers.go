package sigma

import (
	"encoding/base64"
	"fmt"
	"strings"
	"unicode/utf16"
)

// knownModifiers lists every value modifier of the Sigma modifiers appendix
// (v2.1.0) plus the regular-expression flags.
var knownModifiers = map[string]bool{
	"contains": true, "startswith": true, "endswith": true, "all": true, "exists": true,
	"cased": true, "neq": true, "windash": true, "re": true, "i": true, "m": true, "s": true,
	"base64": true, "base64offset": true, "utf16le": true, "utf16be": true, "utf16": true,
	"wide": true, "lt": true, "lte": true, "gt": true, "gte": true, "minute": true,
	"hour": true, "day": true, "week": true, "month": true, "year": true, "cidr": true,
	"expand": true, "fieldref": true,
}

func hasMod(it *Item, m string) bool {
	for _, x := range it.Modifiers {
		if x == m {
			return true
		}
	}
	return false
}

// checkModifiers rejects unknown modifiers and combinations the
// specification rules out, so that a rule fails at load time, not at match time.
func checkModifiers(it *Item) error {
	for _, m := range it.Modifiers {
		if !knownModifiers[m] {
			return fmt.Errorf("field %q: unknown modifier %q", it.Field, m)
		}
	}
	if (hasMod(it, "i") || hasMod(it, "m") || hasMod(it, "s")) && !hasMod(it, "re") {
		return fmt.Errorf("field %q: regular expression flags i/m/s need the re modifier", it.Field)
	}
	for _, v := range it.Values {
		if v.Null && len(it.Values) > 1 {
			return fmt.Errorf("field %q: null cannot be part of a list of values", it.Field)
		}
	}
	if hasMod(it, "exists") {
		if len(it.Values) != 1 || !it.Values[0].Bool {
			return fmt.Errorf("field %q: exists needs a single true or false", it.Field)
		}
	}
	for _, m := range []string{"lt", "lte", "gt", "gte"} {
		if hasMod(it, m) {
			for _, v := range it.Values {
				if !v.Num {
					return fmt.Errorf("field %q: %s needs numeric values, got %q", it.Field, m, v.S)
				}
			}
		}
	}
	if it.Field == "" && (hasMod(it, "fieldref") || hasMod(it, "exists")) {
		return fmt.Errorf("keyword search cannot use %v", it.Modifiers)
	}
	return nil
}

// windashChars are the characters the windash modifier treats as equivalent.
var windashChars = []string{"-", "/", "–", "—", "―"}

// windashVariants returns every spelling of s with each command-line flag
// dash (a '-' or '/' at the start of a word) replaced by each windash
// character. Up to 4 flags are permuted; beyond that, the value is returned
// with one substitution at a time, which keeps rules bounded.
func windashVariants(s string) []string {
	var pos []int
	rs := []rune(s)
	for i, r := range rs {
		if r != '-' && r != '/' {
			continue
		}
		prevWord := i > 0 && isWordRune(rs[i-1])
		nextWord := i+1 < len(rs) && isWordRune(rs[i+1])
		if !prevWord && nextWord {
			pos = append(pos, i)
		}
	}
	if len(pos) == 0 {
		return []string{s}
	}
	if len(pos) > 4 {
		pos = pos[:4]
	}
	out := []string{}
	var rec func(k int, cur []rune)
	rec = func(k int, cur []rune) {
		if k == len(pos) {
			out = append(out, string(cur))
			return
		}
		for _, d := range windashChars {
			c := append([]rune(nil), cur...)
			c[pos[k]] = []rune(d)[0]
			rec(k+1, c)
		}
	}
	rec(0, rs)
	return out
}

func isWordRune(r rune) bool {
	return r == '_' || (r >= 'a' && r <= 'z') || (r >= 'A' && r <= 'Z') || (r >= '0' && r <= '9')
}

func utf16le(s string) string {
	u := utf16.Encode([]rune(s))
	b := make([]byte, 0, 2*len(u))
	for _, c := range u {
		b = append(b, byte(c), byte(c>>8))
	}
	return string(b)
}

func utf16be(s string) string {
	u := utf16.Encode([]rune(s))
	b := make([]byte, 0, 2*len(u))
	for _, c := range u {
		b = append(b, byte(c>>8), byte(c))
	}
	return string(b)
}

// base64Offsets returns the three forms a value takes inside a longer base64
// string, depending on its byte offset modulo 3 (the characters that depend on
// the neighbouring bytes are cut off).
func base64Offsets(s string) []string {
	start := []int{0, 2, 3}
	endCut := []int{0, 3, 2}
	var out []string
	for i := 0; i < 3; i++ {
		enc := base64.StdEncoding.EncodeToString([]byte(strings.Repeat(" ", i) + s))
		cut := endCut[(len(s)+i)%3]
		if len(enc)-cut <= start[i] {
			continue
		}
		out = append(out, enc[start[i]:len(enc)-cut])
	}
	return out
}

// expandPlaceholders replaces %name% placeholders (not escaped with a
// backslash) with each of their values; all combinations are produced.
func expandPlaceholders(s string, values map[string][]string) ([]string, error) {
	out := []string{""}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c == '\\' && i+1 < len(s) && s[i+1] == '%' {
			for k := range out {
				out[k] += "%"
			}
			i++
			continue
		}
		if c == '%' {
			j := strings.IndexByte(s[i+1:], '%')
			if j > 0 {
				name := s[i+1 : i+1+j]
				vals, ok := values[name]
				if !ok {
					vals, ok = values[strings.ToLower(name)]
				}
				if !ok {
					return nil, fmt.Errorf("placeholder %%%s%% has no values (define it under placeholders: in the mapping file)", name)
				}
				var next []string
				for _, o := range out {
					for _, v := range vals {
						next = append(next, o+v)
					}
				}
				out = next
				i += j + 1
				continue
			}
		}
		for k := range out {
			out[k] += string(c)
		}
	}
	return out, nil
}
