package audit

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// parseCanonical decodes an entry that must be exactly in the canonical form
// Marshal produces. It is a direct scanner rather than encoding/json plus a
// re-encoding, because the committee's verifier parses every entry of the
// log (a million entries should take seconds); FuzzEntry checks it against
// the encoding/json reference (parseEntryReference in the tests).
func parseCanonical(data []byte) (Entry, error) {
	e, err := scanEntry(data, true)
	if err != nil {
		return Entry{}, fmt.Errorf("entry: %w", err)
	}
	return e, nil
}

// checkEntry accepts exactly what parseCanonical accepts but keeps only the
// time, node and sequence number, without allocating the other fields: the
// verifier needs no more, and it checks every entry of the log.
func checkEntry(data []byte) (Entry, error) {
	e, err := scanEntry(data, false)
	if err != nil {
		return Entry{}, fmt.Errorf("entry: %w", err)
	}
	return e, nil
}

// scanEntry scans a canonical entry; with full false only Time, Node and Seq
// are filled in.
func scanEntry(data []byte, full bool) (Entry, error) {
	p := scanner{b: data}
	var e Entry
	if !p.eat('{') {
		return Entry{}, p.fail("want '{'")
	}
	type field struct {
		name     string
		required bool
		set      func() error
	}
	str := func(dst *string, name string, required bool) func() error {
		keep := full || name == "node" || name == "time"
		return func() error {
			s, err := p.str()
			if err != nil {
				return err
			}
			if len(s) == 0 {
				if required {
					return errors.New("is empty")
				}
				return errors.New("is empty and must be omitted")
			}
			if keep {
				*dst = string(s)
			}
			return nil
		}
	}
	var ts string
	fields := []field{
		{"time", true, str(&ts, "time", true)},
		{"node", true, str(&e.Node, "node", true)},
		{"seq", true, func() error { v, err := p.uint(); e.Seq = v; return err }},
		{"user", false, str(&e.User, "user", false)},
		{"org", false, str(&e.Org, "org", false)},
		{"role", false, str(&e.Role, "role", false)},
		{"action", true, str(&e.Action, "action", true)},
		{"purpose", false, str(&e.Purpose, "purpose", false)},
		{"legal_basis", false, str(&e.LegalBasis, "legal_basis", false)},
		{"object_id", false, str(&e.ObjectID, "object_id", false)},
		{"object_hash", false, str(&e.ObjectHash, "object_hash", false)},
		{"request_id", false, str(&e.RequestID, "request_id", false)},
		{"detail", false, func() error { m, err := p.detail(full); e.Detail = m; return err }},
	}
	first := true
	for _, f := range fields {
		if p.peek() == '}' {
			if f.required {
				return Entry{}, p.fail("missing field " + f.name)
			}
			continue
		}
		save := p.i
		if !first && !p.eat(',') {
			return Entry{}, p.fail("want ',' or '}'")
		}
		key, err := p.str()
		if err != nil {
			return Entry{}, err
		}
		if string(key) != f.name {
			if f.required {
				return Entry{}, p.fail(fmt.Sprintf("want field %s, found %q (fields are in a fixed order, unknown fields are refused)", f.name, key))
			}
			p.i = save
			continue
		}
		if !p.eat(':') {
			return Entry{}, p.fail("want ':'")
		}
		if err := f.set(); err != nil {
			return Entry{}, fmt.Errorf("field %s: %w", f.name, err)
		}
		first = false
	}
	if !p.eat('}') {
		return Entry{}, p.fail("want '}' (unknown or misplaced field?)")
	}
	if p.i != len(p.b) {
		return Entry{}, p.fail("trailing data after the JSON object")
	}
	t, err := time.Parse(timeLayout, ts)
	if err != nil || t.Format(timeLayout) != ts {
		return Entry{}, fmt.Errorf("field time %q: want %s", ts, timeLayout)
	}
	e.Time = t
	if !full {
		// What Validate checks beyond the scan: strings were already
		// checked to be valid UTF-8 and required ones non-empty.
		if e.Seq == 0 {
			return Entry{}, errors.New("seq is 0 (sequence numbers start at 1)")
		}
		return e, nil
	}
	if err := e.Validate(); err != nil {
		return Entry{}, errors.New(strings.TrimPrefix(err.Error(), "entry: "))
	}
	return e, nil
}

type scanner struct {
	b []byte
	i int
}

func (p *scanner) fail(msg string) error {
	return fmt.Errorf("offset %d: %s (not canonical entry JSON)", p.i, msg)
}

func (p *scanner) peek() byte {
	if p.i < len(p.b) {
		return p.b[p.i]
	}
	return 0
}

func (p *scanner) eat(c byte) bool {
	if p.peek() == c && p.i < len(p.b) {
		p.i++
		return true
	}
	return false
}

// uint reads a decimal without sign, leading zeroes or exponent.
func (p *scanner) uint() (uint64, error) {
	start := p.i
	for p.i < len(p.b) && p.b[p.i] >= '0' && p.b[p.i] <= '9' {
		p.i++
	}
	s := string(p.b[start:p.i])
	if s == "" || (len(s) > 1 && s[0] == '0') {
		return 0, p.fail("want a decimal number without leading zeroes")
	}
	v, err := strconv.ParseUint(s, 10, 64)
	if err != nil {
		return 0, p.fail("number out of range")
	}
	return v, nil
}

const hexDigits = "0123456789abcdef"

// str reads a JSON string spelled exactly as encoding/json (without HTML
// escaping) spells it: \" \\ \n \r \t, \u00xx for other control characters,
// \u2028 and \u2029, lower-case hex, everything else as raw valid UTF-8.
//
// The result aliases the input when the string has no escapes.
func (p *scanner) str() ([]byte, error) {
	if !p.eat('"') {
		return nil, p.fail("want '\"'")
	}
	start := p.i
	// Fast path: no escapes.
	for p.i < len(p.b) {
		c := p.b[p.i]
		if c == '"' {
			s := p.b[start:p.i]
			p.i++
			if !utf8.Valid(s) || containsLineSep(s) {
				return nil, p.fail("string is not canonical UTF-8")
			}
			return s, nil
		}
		if c == '\\' || c < 0x20 {
			break
		}
		p.i++
	}
	p.i = start
	var out []byte
	for {
		if p.i >= len(p.b) {
			return nil, p.fail("unterminated string")
		}
		c := p.b[p.i]
		switch {
		case c == '"':
			raw := p.b[start:p.i] // escapes are ASCII: check only what was raw
			p.i++
			if !utf8.Valid(raw) || containsLineSep(raw) {
				return nil, p.fail("string is not canonical UTF-8")
			}
			if out == nil {
				out = []byte{}
			}
			return out, nil
		case c < 0x20:
			return nil, p.fail("raw control character in string")
		case c != '\\':
			out = append(out, c)
			p.i++
			continue
		}
		if p.i+1 >= len(p.b) {
			return nil, p.fail("unterminated escape")
		}
		esc := p.b[p.i+1]
		p.i += 2
		switch esc {
		case '"', '\\':
			out = append(out, esc)
		case 'n':
			out = append(out, '\n')
		case 'r':
			out = append(out, '\r')
		case 't':
			out = append(out, '\t')
		case 'u':
			if p.i+4 > len(p.b) {
				return nil, p.fail("short \\u escape")
			}
			h := p.b[p.i : p.i+4]
			p.i += 4
			var r rune
			for _, d := range h {
				k := indexByte(hexDigits, d)
				if k < 0 {
					return nil, p.fail("\\u escape must use lower-case hex")
				}
				r = r<<4 | rune(k)
			}
			if !(r < 0x20 && r != '\n' && r != '\r' && r != '\t') && r != 0x2028 && r != 0x2029 {
				return nil, p.fail(fmt.Sprintf("needless escape \\u%s", h))
			}
			out = utf8.AppendRune(out, r)
		default:
			return nil, p.fail(fmt.Sprintf("escape \\%c is not canonical", esc))
		}
	}
}

func indexByte(s string, c byte) int {
	for i := 0; i < len(s); i++ {
		if s[i] == c {
			return i
		}
	}
	return -1
}

// containsLineSep reports raw U+2028 or U+2029, which encoding/json always
// escapes.
func containsLineSep(s []byte) bool {
	for i := 0; i+2 < len(s); i++ {
		if s[i] == 0xe2 && s[i+1] == 0x80 && (s[i+2] == 0xa8 || s[i+2] == 0xa9) {
			return true
		}
	}
	return false
}

// detail reads a non-empty object of string values with keys in strictly
// increasing order.
func (p *scanner) detail(keep bool) (map[string]string, error) {
	if !p.eat('{') {
		return nil, p.fail("detail: want '{'")
	}
	if p.peek() == '}' {
		return nil, p.fail("empty detail must be omitted")
	}
	var m map[string]string
	if keep {
		m = map[string]string{}
	}
	var prev []byte
	first := true
	for {
		k, err := p.str()
		if err != nil {
			return nil, err
		}
		if !first && string(k) <= string(prev) {
			return nil, p.fail(fmt.Sprintf("detail key %q is not after %q (keys must be sorted and unique)", k, prev))
		}
		if !p.eat(':') {
			return nil, p.fail("detail: want ':'")
		}
		v, err := p.str()
		if err != nil {
			return nil, err
		}
		if keep {
			m[string(k)] = string(v)
		}
		prev, first = k, false
		if p.eat('}') {
			return m, nil
		}
		if !p.eat(',') {
			return nil, p.fail("detail: want ',' or '}'")
		}
	}
}
