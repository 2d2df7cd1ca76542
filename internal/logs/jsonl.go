package logs

import (
	"fmt"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// SyntaxError is a malformed line: Offset is the byte offset in the line.
type SyntaxError struct {
	Offset int
	Msg    string
}

func (e *SyntaxError) Error() string { return fmt.Sprintf("offset %d: %s", e.Offset, e.Msg) }

// isPortKey reports whether a numeric value under this key is a port, which
// JSONValues reports although it is not a string.
func isPortKey(k string) bool {
	switch k {
	case "dst_port", "src_port", "dest_port", "source_port", "destination_port", "dport", "sport", "id.orig_p", "id.resp_p":
		return true
	}
	return false
}

// isTimeKey reports whether a key's value is taken as the record's time. A
// switch, not a map: it runs for every value of every line.
func isTimeKey(k string) bool {
	switch k {
	case "ts", "timestamp", "@timestamp", "time", "eventtime", "event_time":
		return true
	}
	return false
}

// JSONValues calls fn(key, value) for every string value of the JSON text in
// line, at any depth, and for the numeric values of port keys (dst_port,
// src_port, id.resp_p, …); key is the innermost object key (for an array element,
// the array's key; "" at the top level). It does not build a document: it is
// a single forward scan that checks the structure (strings terminated,
// brackets balanced, values separated) and returns a *SyntaxError at the first
// problem. Values in a time key (ts, timestamp, @timestamp, time) given as
// RFC 3339 text or as epoch seconds are returned as the record's time.
func JSONValues(line string, fn func(key, value string)) (time.Time, error) {
	sc := jsonScan{line: line, fn: fn, expectV: true}
	for sc.i < len(line) {
		var done bool
		var err error
		switch c := line[sc.i]; c {
		case ' ', '\t', '\r', '\n':
			sc.i++
		case '{', '[':
			err = sc.open(c)
		case '}', ']':
			done, err = sc.close(c)
		case ',':
			err = sc.comma()
		case ':':
			err = sc.colon()
		case '"':
			err = sc.str()
		default:
			err = sc.literal(c)
		}
		if err != nil || done {
			return sc.ts, err
		}
	}
	if !sc.started {
		return sc.ts, &SyntaxError{0, "empty line"}
	}
	return sc.ts, &SyntaxError{len(line), "unexpected end of line (unclosed object or array)"}
}

// jsonScan is the state of JSONValues's forward scan of one line: one
// method per kind of token, each starting at line[i] and moving i past it.
type jsonScan struct {
	line    string
	fn      func(key, value string)
	ts      time.Time
	key     string
	stack   [64]byte // open brackets
	depth   int
	i       int
	expectV bool // a value may start here
	started bool
}

func (sc *jsonScan) open(c byte) error {
	if !sc.expectV {
		return &SyntaxError{sc.i, fmt.Sprintf("unexpected %q", c)}
	}
	if sc.depth == len(sc.stack) {
		return &SyntaxError{sc.i, "nested too deep"}
	}
	sc.stack[sc.depth] = c
	sc.depth++
	sc.started = true
	sc.i++
	return nil
}

// close reports done when the bracket closes the line's value, which only
// white space may follow.
func (sc *jsonScan) close(c byte) (done bool, err error) {
	open := byte('{')
	if c == ']' {
		open = '['
	}
	if sc.depth == 0 || sc.stack[sc.depth-1] != open {
		return false, &SyntaxError{sc.i, fmt.Sprintf("unexpected %q", c)}
	}
	sc.depth--
	sc.expectV = false
	sc.i++
	if sc.depth > 0 {
		return false, nil
	}
	for ; sc.i < len(sc.line); sc.i++ {
		if c := sc.line[sc.i]; c != ' ' && c != '\t' && c != '\r' && c != '\n' {
			return true, &SyntaxError{sc.i, "text after the end of the JSON value"}
		}
	}
	return true, nil
}

func (sc *jsonScan) comma() error {
	if sc.depth == 0 || sc.expectV {
		return &SyntaxError{sc.i, "unexpected ','"}
	}
	sc.expectV = true
	sc.i++
	return nil
}

func (sc *jsonScan) colon() error {
	if sc.depth == 0 || sc.stack[sc.depth-1] != '{' {
		return &SyntaxError{sc.i, "unexpected ':'"}
	}
	sc.expectV = true
	sc.i++
	return nil
}

// str reads a string: a key when ':' follows it inside an object, else a
// value given to fn.
func (sc *jsonScan) str() error {
	if !sc.expectV && sc.depth > 0 {
		return &SyntaxError{sc.i, "missing ',' before string"}
	}
	s, end, err := jsonString(sc.line, sc.i)
	if err != nil {
		return err
	}
	sc.i = end
	j, n := sc.i, len(sc.line)
	for j < n && (sc.line[j] == ' ' || sc.line[j] == '\t') {
		j++
	}
	if j < n && sc.line[j] == ':' && sc.depth > 0 && sc.stack[sc.depth-1] == '{' {
		sc.key = s
		return nil
	}
	if sc.depth == 0 {
		return &SyntaxError{sc.i, "a JSON line must be an object or array"}
	}
	if isTimeKey(sc.key) && sc.ts.IsZero() {
		sc.ts = parseTimeText(s)
	}
	sc.fn(sc.key, s)
	sc.expectV = false
	return nil
}

// literal reads a number, true, false or null; the numbers of port keys
// are given to fn, and a time key's number is taken as epoch seconds.
func (sc *jsonScan) literal(c byte) error {
	if sc.depth == 0 {
		return &SyntaxError{sc.i, "a JSON line must be an object or array"}
	}
	if !sc.expectV {
		return &SyntaxError{sc.i, fmt.Sprintf("unexpected %q", c)}
	}
	j, n := sc.i, len(sc.line)
	for j < n && sc.line[j] != ',' && sc.line[j] != '}' && sc.line[j] != ']' && sc.line[j] != ' ' && sc.line[j] != '\t' && sc.line[j] != '\r' && sc.line[j] != '\n' {
		j++
	}
	lit := sc.line[sc.i:j]
	if !validLiteral(lit) {
		return &SyntaxError{sc.i, fmt.Sprintf("invalid literal %q", trunc(lit))}
	}
	if isTimeKey(sc.key) && sc.ts.IsZero() && lit[0] != 't' && lit[0] != 'f' && lit[0] != 'n' {
		sc.ts = parseEpoch(lit)
	}
	if isPortKey(sc.key) && lit[0] >= '0' && lit[0] <= '9' {
		sc.fn(sc.key, lit) // ports are numbers, and patterns test them
	}
	sc.expectV = false
	sc.i = j
	return nil
}

func trunc(s string) string {
	if len(s) > 20 {
		return s[:20] + "…"
	}
	return s
}

func validLiteral(s string) bool {
	switch s {
	case "true", "false", "null":
		return true
	}
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= '0' && c <= '9' || c == '-' || c == '+' || c == '.' || c == 'e' || c == 'E') {
			return false
		}
	}
	return true
}

// jsonString reads the string starting at line[i] == '"' and returns its
// value and the offset after the closing quote. Without escapes the value is
// a substring of line.
func jsonString(line string, i int) (string, int, error) {
	start := i + 1
	for j := start; j < len(line); j++ {
		switch c := line[j]; {
		case c == '"':
			return line[start:j], j + 1, nil
		case c == '\\':
			return jsonStringEscaped(line, i)
		case c < 0x20:
			return "", 0, &SyntaxError{j, "control character in string"}
		}
	}
	return "", 0, &SyntaxError{i, "unterminated string"}
}

func jsonStringEscaped(line string, i int) (string, int, error) {
	var b strings.Builder
	for j := i + 1; j < len(line); {
		c := line[j]
		switch {
		case c == '"':
			return b.String(), j + 1, nil
		case c < 0x20:
			return "", 0, &SyntaxError{j, "control character in string"}
		case c != '\\':
			b.WriteByte(c)
			j++
			continue
		}
		if j+1 >= len(line) {
			break
		}
		e := line[j+1]
		j += 2
		switch e {
		case '"', '\\', '/':
			b.WriteByte(e)
		case 'b':
			b.WriteByte('\b')
		case 'f':
			b.WriteByte('\f')
		case 'n':
			b.WriteByte('\n')
		case 'r':
			b.WriteByte('\r')
		case 't':
			b.WriteByte('\t')
		case 'u':
			if j+4 > len(line) {
				return "", 0, &SyntaxError{j - 2, "short \\u escape"}
			}
			r, err := strconv.ParseUint(line[j:j+4], 16, 16)
			if err != nil {
				return "", 0, &SyntaxError{j - 2, "bad \\u escape"}
			}
			j += 4
			ru := rune(r)
			if ru >= 0xD800 && ru < 0xDC00 && j+6 <= len(line) && line[j] == '\\' && line[j+1] == 'u' {
				if lo, err := strconv.ParseUint(line[j+2:j+6], 16, 16); err == nil && lo >= 0xDC00 && lo < 0xE000 {
					ru = (ru-0xD800)<<10 | (rune(lo) - 0xDC00) + 0x10000
					j += 6
				}
			}
			if !utf8.ValidRune(ru) {
				ru = utf8.RuneError
			}
			b.WriteRune(ru)
		default:
			return "", 0, &SyntaxError{j - 2, fmt.Sprintf("bad escape \\%c", e)}
		}
	}
	return "", 0, &SyntaxError{i, "unterminated string"}
}

// parseTimeText accepts RFC 3339 (with or without fraction or zone 'Z') and
// epoch seconds written as text.
func parseTimeText(s string) time.Time {
	if len(s) >= 19 && s[4] == '-' {
		if t, err := time.Parse(time.RFC3339Nano, s); err == nil {
			return t
		}
		if t, err := time.Parse("2006-01-02T15:04:05.999999999", s); err == nil {
			return t
		}
		if t, err := time.Parse("2006-01-02 15:04:05.999999999", s); err == nil {
			return t
		}
		return time.Time{}
	}
	return parseEpoch(s)
}

// parseEpoch reads epoch seconds (Zeek's ts, "1761955200.123456"), or
// milliseconds when the number is too large to be seconds. The fraction is
// read as digits, not through a float, so microseconds survive exactly.
func parseEpoch(s string) time.Time {
	intPart, frac, _ := strings.Cut(s, ".")
	sec, err := strconv.ParseInt(intPart, 10, 64)
	if err != nil || sec <= 0 || len(frac) > 9 {
		return time.Time{}
	}
	ns := int64(0)
	for i := 0; i < 9; i++ {
		ns *= 10
		if i < len(frac) {
			c := frac[i]
			if c < '0' || c > '9' {
				return time.Time{}
			}
			ns += int64(c - '0')
		}
	}
	if sec > 1e11 { // milliseconds
		return time.UnixMilli(sec).Add(time.Duration(ns / 1000)).UTC()
	}
	return time.Unix(sec, ns).UTC()
}
