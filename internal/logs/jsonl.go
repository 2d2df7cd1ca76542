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
	var (
		ts      time.Time
		key     string
		stack   [64]byte // open brackets
		depth   int
		i       = 0
		n       = len(line)
		expectV = true // a value may start here
		started bool
	)
	for i < n {
		c := line[i]
		switch c {
		case ' ', '\t', '\r', '\n':
			i++
		case '{', '[':
			if !expectV {
				return ts, &SyntaxError{i, fmt.Sprintf("unexpected %q", c)}
			}
			if depth == len(stack) {
				return ts, &SyntaxError{i, "nested too deep"}
			}
			stack[depth] = c
			depth++
			started = true
			i++
		case '}', ']':
			open := byte('{')
			if c == ']' {
				open = '['
			}
			if depth == 0 || stack[depth-1] != open {
				return ts, &SyntaxError{i, fmt.Sprintf("unexpected %q", c)}
			}
			depth--
			expectV = false
			i++
			if depth == 0 {
				for ; i < n; i++ {
					if c := line[i]; c != ' ' && c != '\t' && c != '\r' && c != '\n' {
						return ts, &SyntaxError{i, "text after the end of the JSON value"}
					}
				}
				return ts, nil
			}
		case ',':
			if depth == 0 || expectV {
				return ts, &SyntaxError{i, "unexpected ','"}
			}
			expectV = true
			i++
		case ':':
			if depth == 0 || stack[depth-1] != '{' {
				return ts, &SyntaxError{i, "unexpected ':'"}
			}
			expectV = true
			i++
		case '"':
			if !expectV && depth > 0 {
				return ts, &SyntaxError{i, "missing ',' before string"}
			}
			s, end, err := jsonString(line, i)
			if err != nil {
				return ts, err
			}
			i = end
			// A key is followed by ':'.
			j := i
			for j < n && (line[j] == ' ' || line[j] == '\t') {
				j++
			}
			if j < n && line[j] == ':' && depth > 0 && stack[depth-1] == '{' {
				key = s
			} else {
				if depth == 0 {
					return ts, &SyntaxError{i, "a JSON line must be an object or array"}
				}
				if isTimeKey(key) && ts.IsZero() {
					ts = parseTimeText(s)
				}
				fn(key, s)
				expectV = false
			}
		default:
			if depth == 0 {
				return ts, &SyntaxError{i, "a JSON line must be an object or array"}
			}
			if !expectV {
				return ts, &SyntaxError{i, fmt.Sprintf("unexpected %q", c)}
			}
			j := i
			for j < n && line[j] != ',' && line[j] != '}' && line[j] != ']' && line[j] != ' ' && line[j] != '\t' && line[j] != '\r' && line[j] != '\n' {
				j++
			}
			lit := line[i:j]
			if !validLiteral(lit) {
				return ts, &SyntaxError{i, fmt.Sprintf("invalid literal %q", trunc(lit))}
			}
			if isTimeKey(key) && ts.IsZero() && lit[0] != 't' && lit[0] != 'f' && lit[0] != 'n' {
				ts = parseEpoch(lit)
			}
			if isPortKey(key) && lit[0] >= '0' && lit[0] <= '9' {
				fn(key, lit) // ports are numbers, and patterns test them
			}
			expectV = false
			i = j
		}
	}
	if !started {
		return ts, &SyntaxError{0, "empty line"}
	}
	return ts, &SyntaxError{n, "unexpected end of line (unclosed object or array)"}
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
