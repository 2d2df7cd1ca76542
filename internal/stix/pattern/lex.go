package pattern

import (
	"encoding/base64"
	"fmt"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// The lexer follows the token rules of the STIX 2.1 grammar (STIXPattern.g4 of
// the OASIS pattern validator): keywords are upper case and case-sensitive,
// identifiers may carry hyphens (only object types may use them unquoted),
// strings know exactly two escapes (\' and \\), and whitespace includes the
// Unicode spaces the grammar lists. Comments (/* */ and //) are skipped. Unlike
// a generated lexer it checks literals fully where they are read, so an error
// can name the exact byte that is wrong.

type tokKind int

const (
	tEOF tokKind = iota
	tLBrack
	tRBrack
	tLParen
	tRParen
	tColon
	tDot
	tComma
	tStar
	tOp      // comparison operator symbol; tok.op says which
	tKeyword // tok.text is the keyword
	tIdent   // tok.text; tok.hyphen is the offset of the first '-' or -1
	tString  // tok.val.Str
	tInt     // tok.val.Int; tok.text keeps the sign as written
	tFloat   // tok.val.Float
	tBool    // tok.val.Bool
	tBinary  // tok.val.Bytes
	tHex     // tok.val.Bytes
	tTime    // tok.val.Time
)

type token struct {
	kind   tokKind
	off    int    // byte offset of the first character
	end    int    // byte offset just after the token
	text   string // source text of the token
	op     CmpOp
	hyphen int
	val    Value
}

func (t token) String() string {
	switch t.kind {
	case tEOF:
		return "end of pattern"
	case tKeyword:
		return "keyword " + t.text
	case tIdent:
		return "name '" + t.text + "'"
	case tString:
		return "string " + t.text
	case tInt, tFloat:
		return "number " + t.text
	case tBool:
		return t.text
	case tBinary:
		return "binary literal"
	case tHex:
		return "hex literal"
	case tTime:
		return "timestamp " + t.text
	}
	return "'" + t.text + "'"
}

type lexer struct {
	src string
	pos int
}

func errAt(off int, format string, args ...any) *SyntaxError {
	return &SyntaxError{Offset: off, Msg: fmt.Sprintf(format, args...)}
}

// skipSpace skips whitespace and comments.
func (l *lexer) skipSpace() error {
	for l.pos < len(l.src) {
		c := l.src[l.pos]
		switch {
		case c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\v' || c == '\f':
			l.pos++
		case c == '/' && strings.HasPrefix(l.src[l.pos:], "/*"):
			end := strings.Index(l.src[l.pos+2:], "*/")
			if end < 0 {
				return errAt(l.pos, "comment is not closed with */")
			}
			l.pos += 2 + end + 2
		case c == '/' && strings.HasPrefix(l.src[l.pos:], "//"):
			for l.pos < len(l.src) && l.src[l.pos] != '\n' && l.src[l.pos] != '\r' {
				l.pos++
			}
		case c >= utf8.RuneSelf:
			r, n := utf8.DecodeRuneInString(l.src[l.pos:])
			if !isUnicodeSpace(r) {
				return nil
			}
			l.pos += n
		default:
			return nil
		}
	}
	return nil
}

// isUnicodeSpace reports the non-ASCII whitespace of the grammar's WS rule.
func isUnicodeSpace(r rune) bool {
	switch r {
	case 0x85, 0xa0, 0x1680, 0x2028, 0x2029, 0x202f, 0x205f, 0x3000:
		return true
	}
	return r >= 0x2000 && r <= 0x200a
}

func isIdentStart(c byte) bool {
	return c == '_' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z'
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }

// next reads the next token. Its switch on the first character is the
// lexer's table of tokens (STIX 2.1 pattern grammar: brackets, operators,
// quoted and prefixed literals) and is kept whole on purpose, each case one
// or two lines, so that it reads against the grammar; the longer tokens
// have functions of their own (lexString, lexNumber, lexIdent, …).
func (l *lexer) next() (token, error) {
	if err := l.skipSpace(); err != nil {
		return token{}, err
	}
	start := l.pos
	if l.pos >= len(l.src) {
		return token{kind: tEOF, off: start, end: start}, nil
	}
	c := l.src[l.pos]
	simple := func(k tokKind, n int) (token, error) {
		l.pos += n
		return token{kind: k, off: start, end: l.pos, text: l.src[start:l.pos]}, nil
	}
	op := func(o CmpOp, n int) (token, error) {
		l.pos += n
		return token{kind: tOp, op: o, off: start, end: l.pos, text: l.src[start:l.pos]}, nil
	}
	peek := func(i int) byte {
		if l.pos+i < len(l.src) {
			return l.src[l.pos+i]
		}
		return 0
	}
	switch c {
	case '[':
		return simple(tLBrack, 1)
	case ']':
		return simple(tRBrack, 1)
	case '(':
		return simple(tLParen, 1)
	case ')':
		return simple(tRParen, 1)
	case ':':
		return simple(tColon, 1)
	case ',':
		return simple(tComma, 1)
	case '*':
		return simple(tStar, 1)
	case '=':
		if peek(1) == '=' {
			return op(Eq, 2)
		}
		return op(Eq, 1)
	case '!':
		if peek(1) == '=' {
			return op(Neq, 2)
		}
		return token{}, errAt(start, "unexpected '!' (did you mean '!='?)")
	case '<':
		switch peek(1) {
		case '=':
			return op(Le, 2)
		case '>':
			return op(Neq, 2)
		}
		return op(Lt, 1)
	case '>':
		if peek(1) == '=' {
			return op(Ge, 2)
		}
		return op(Gt, 1)
	case '\'':
		return l.lexString()
	case '.':
		if isDigit(peek(1)) {
			return l.lexNumber()
		}
		return simple(tDot, 1)
	case '+', '-':
		if isDigit(peek(1)) || peek(1) == '.' && isDigit(peek(2)) {
			return l.lexNumber()
		}
		return token{}, errAt(start, "unexpected '%c'", c)
	}
	if isDigit(c) {
		return l.lexNumber()
	}
	if peek(1) == '\'' {
		switch c {
		case 't':
			return l.lexTimestamp()
		case 'h':
			return l.lexHex()
		case 'b':
			return l.lexBinary()
		}
	}
	if isIdentStart(c) {
		return l.lexIdent(), nil
	}
	r, _ := utf8.DecodeRuneInString(l.src[start:])
	if r == utf8.RuneError {
		return token{}, errAt(start, "invalid character (byte 0x%02x)", c)
	}
	return token{}, errAt(start, "unexpected character %q", r)
}

// lexIdent reads an identifier, a keyword or a boolean; hyphen is the
// offset of its first '-' (object types have them, property names must not).
func (l *lexer) lexIdent() token {
	start := l.pos
	hyphen := -1
	l.pos++
	for l.pos < len(l.src) {
		d := l.src[l.pos]
		if d == '-' {
			if hyphen < 0 {
				hyphen = l.pos
			}
		} else if !isIdentStart(d) && !isDigit(d) {
			break
		}
		l.pos++
	}
	text := l.src[start:l.pos]
	t := token{kind: tIdent, off: start, end: l.pos, text: text, hyphen: hyphen}
	switch {
	case text == "true" || text == "false":
		t.kind = tBool
		t.val = Value{Kind: KindBool, Bool: text == "true"}
	case isKeyword(text):
		t.kind = tKeyword
	}
	return t
}

// lexString reads a quoted string; the only escapes are \' and \\.
func (l *lexer) lexString() (token, error) {
	start := l.pos
	l.pos++ // opening quote
	var b strings.Builder
	plain := l.pos // start of the run of characters not yet copied
	for l.pos < len(l.src) {
		switch l.src[l.pos] {
		case '\'':
			var str string
			if plain == start+1 {
				str = l.src[plain:l.pos] // no escapes: share the source text
			} else {
				b.WriteString(l.src[plain:l.pos])
				str = b.String()
			}
			l.pos++
			return token{kind: tString, off: start, end: l.pos, text: l.src[start:l.pos],
				val: Value{Kind: KindString, Str: str}}, nil
		case '\\':
			b.WriteString(l.src[plain:l.pos])
			if l.pos+1 >= len(l.src) {
				return token{}, errAt(start, "string is not closed with '")
			}
			e := l.src[l.pos+1]
			if e != '\'' && e != '\\' {
				return token{}, errAt(l.pos, "invalid escape in string: only \\' and \\\\ are allowed")
			}
			b.WriteByte(e)
			l.pos += 2
			plain = l.pos
		default:
			l.pos++
		}
	}
	return token{}, errAt(start, "string is not closed with '")
}

// lexNumber reads IntLiteral or FloatLiteral: [+-]? digits, or [+-]? digits? '.' digits.
func (l *lexer) lexNumber() (token, error) {
	start := l.pos
	if c := l.src[l.pos]; c == '+' || c == '-' {
		l.pos++
	}
	digits := l.pos
	for l.pos < len(l.src) && isDigit(l.src[l.pos]) {
		l.pos++
	}
	intEnd := l.pos
	if l.pos < len(l.src) && l.src[l.pos] == '.' {
		l.pos++
		frac := l.pos
		for l.pos < len(l.src) && isDigit(l.src[l.pos]) {
			l.pos++
		}
		if l.pos == frac {
			return token{}, errAt(l.pos, "expected a digit after the decimal point")
		}
		text := l.src[start:l.pos]
		f, err := strconv.ParseFloat(strings.TrimPrefix(text, "+"), 64)
		if err != nil {
			return token{}, errAt(start, "number %s is out of range", text)
		}
		return token{kind: tFloat, off: start, end: l.pos, text: text, val: Value{Kind: KindFloat, Float: f}}, nil
	}
	text := l.src[start:l.pos]
	if intEnd-digits > 1 && l.src[digits] == '0' {
		return token{}, errAt(digits, "integer %s has a leading zero", text)
	}
	i, err := strconv.ParseInt(strings.TrimPrefix(text, "+"), 10, 64)
	if err != nil {
		return token{}, errAt(start, "integer %s is out of range (64-bit)", text)
	}
	return token{kind: tInt, off: start, end: l.pos, text: text, val: Value{Kind: KindInt, Int: i}}, nil
}

// quotedBody returns the text between the quotes of a prefixed literal
// (t'..', h'..', b'..') and moves past the closing quote. These literals have
// no escapes.
func (l *lexer) quotedBody(what string) (body string, bodyOff int, err error) {
	start := l.pos
	bodyOff = l.pos + 2
	end := strings.IndexByte(l.src[bodyOff:], '\'')
	if end < 0 {
		return "", 0, errAt(start, "%s literal is not closed with '", what)
	}
	l.pos = bodyOff + end + 1
	return l.src[bodyOff : bodyOff+end], bodyOff, nil
}

func (l *lexer) lexHex() (token, error) {
	start := l.pos
	body, off, err := l.quotedBody("hex")
	if err != nil {
		return token{}, err
	}
	b := make([]byte, 0, len(body)/2)
	for i := 0; i < len(body); i++ {
		if hexVal(body[i]) < 0 {
			return token{}, errAt(off+i, "hex literal: %q is not a hex digit", body[i])
		}
	}
	if len(body)%2 != 0 {
		return token{}, errAt(off+len(body), "hex literal has an odd number of digits")
	}
	for i := 0; i < len(body); i += 2 {
		b = append(b, byte(hexVal(body[i])<<4|hexVal(body[i+1])))
	}
	return token{kind: tHex, off: start, end: l.pos, text: l.src[start:l.pos], val: Value{Kind: KindHex, Bytes: b}}, nil
}

func hexVal(c byte) int {
	switch {
	case c >= '0' && c <= '9':
		return int(c - '0')
	case c >= 'a' && c <= 'f':
		return int(c-'a') + 10
	case c >= 'A' && c <= 'F':
		return int(c-'A') + 10
	}
	return -1
}

// lexBinary reads b'base64': standard alphabet, padded, at least one group of
// four characters (the grammar has no empty binary literal).
func (l *lexer) lexBinary() (token, error) {
	start := l.pos
	body, off, err := l.quotedBody("binary")
	if err != nil {
		return token{}, err
	}
	if body == "" {
		return token{}, errAt(off, "binary literal is empty")
	}
	pad := len(body) - len(strings.TrimRight(body, "="))
	for i := 0; i < len(body)-pad; i++ {
		c := body[i]
		if !(isIdentStart(c) && c != '_' || isDigit(c) || c == '+' || c == '/') {
			return token{}, errAt(off+i, "binary literal: %q is not a base64 character", c)
		}
	}
	if pad > 2 {
		return token{}, errAt(off+len(body)-pad, "binary literal: at most two '=' of padding")
	}
	if len(body)%4 != 0 {
		return token{}, errAt(off+len(body), "binary literal: base64 text must come in padded groups of 4 characters")
	}
	b, err := base64.StdEncoding.DecodeString(body)
	if err != nil {
		return token{}, errAt(off, "binary literal: %v", err)
	}
	return token{kind: tBinary, off: start, end: l.pos, text: l.src[start:l.pos], val: Value{Kind: KindBinary, Bytes: b}}, nil
}

// lexTimestamp reads t'YYYY-MM-DDTHH:MM:SS[.frac]Z'. The grammar allows second
// 60 (a leap second); Go's time has no leap seconds, so it becomes the first
// instant of the next minute, as RFC 3339 systems without leap-second tables do.
// Digits below a nanosecond are dropped.
func (l *lexer) lexTimestamp() (token, error) {
	start := l.pos
	body, off, err := l.quotedBody("timestamp")
	if err != nil {
		return token{}, err
	}
	t, bad, msg := parseTimestamp(body)
	if msg != "" {
		return token{}, errAt(off+bad, "timestamp %q: %s", body, msg)
	}
	return token{kind: tTime, off: start, end: l.pos, text: l.src[start:l.pos], val: Value{Kind: KindTimestamp, Time: t}}, nil
}

// parseTimestamp checks the exact form the grammar demands and then the
// calendar; on failure it returns the offset inside s and a message.
func parseTimestamp(s string) (time.Time, int, string) {
	// shape: 0123-56-89T12:45:78[.f+]Z
	const shape = "dddd-dd-ddTdd:dd:dd"
	for i := 0; i < len(shape); i++ {
		if i >= len(s) {
			return time.Time{}, len(s), "too short: expected YYYY-MM-DDTHH:MM:SSZ"
		}
		want := shape[i]
		if want == 'd' {
			if !isDigit(s[i]) {
				return time.Time{}, i, "expected a digit"
			}
		} else if s[i] != want {
			return time.Time{}, i, fmt.Sprintf("expected '%c'", want)
		}
	}
	i := len(shape)
	nanos := 0
	if i < len(s) && s[i] == '.' {
		i++
		fs := i
		for i < len(s) && isDigit(s[i]) {
			i++
		}
		if i == fs {
			return time.Time{}, i, "expected fraction digits after '.'"
		}
		frac := s[fs:i]
		if len(frac) > 9 {
			frac = frac[:9] // below a nanosecond cannot be represented
		}
		nanos, _ = strconv.Atoi(frac + strings.Repeat("0", 9-len(frac)))
	}
	if i >= len(s) || s[i] != 'Z' {
		return time.Time{}, i, "expected 'Z' (timestamps in patterns are in UTC)"
	}
	if i+1 != len(s) {
		return time.Time{}, i + 1, "unexpected text after 'Z'"
	}
	num := func(a, b int) int { n, _ := strconv.Atoi(s[a:b]); return n }
	year, month, day := num(0, 4), num(5, 7), num(8, 10)
	hour, min, sec := num(11, 13), num(14, 16), num(17, 19)
	switch {
	case month < 1 || month > 12:
		return time.Time{}, 5, "month must be 01 to 12"
	case day < 1 || day > 31:
		return time.Time{}, 8, "day must be 01 to 31"
	case hour > 23:
		return time.Time{}, 11, "hour must be 00 to 23"
	case min > 59:
		return time.Time{}, 14, "minute must be 00 to 59"
	case sec > 60:
		return time.Time{}, 17, "second must be 00 to 60"
	}
	leap := sec == 60
	if leap {
		sec = 59
	}
	t := time.Date(year, time.Month(month), day, hour, min, sec, nanos, time.UTC)
	if t.Day() != day {
		return time.Time{}, 8, fmt.Sprintf("day %02d does not exist in %04d-%02d", day, year, month)
	}
	if leap {
		t = t.Add(time.Second)
	}
	return t, 0, ""
}
