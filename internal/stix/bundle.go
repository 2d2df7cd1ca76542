package stix

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strconv"
)

// BundleReader reads a STIX bundle ({"type":"bundle","id":…,"objects":[…]}) or a TAXII
// 2.1 envelope ({"objects":[…],"more":…,"next":…}) from a stream, one element of
// "objects" at a time, in memory bounded by the largest element it hands out, whatever
// the size of the whole body.
//
// It only frames the elements (matching brackets and strings); each element is then
// checked by Parse. An element over the size limit, or one that is not a JSON object,
// is reported as an *ElementError and reading goes on with the next one; any other
// error is fatal and is returned again by every later call.
type BundleReader struct {
	r          *bufio.Reader
	max        int
	offset     int64
	state      int
	index      int
	err        error
	bundleID   string
	sawObjects bool
	more       bool
	next       string
	stack      []byte
	head       []byte // first bytes of the last element over the limit
}

const (
	stateStart = iota
	stateEnvelope
	stateObjects
	stateDone
)

// maxEnvelopeValue bounds the envelope's own properties (type, id, more, next, …).
const maxEnvelopeValue = 64 << 10

// maxHead is how much of an element over the limit is kept to find its id.
const maxHead = 4096

// maxDepth bounds nesting inside one element, so that a hostile body cannot grow the
// bracket stack without limit.
const maxDepth = 1000

// ElementError is a problem with one element of "objects"; the reader can go on.
type ElementError struct {
	Index  int    // position in "objects", from 0
	Offset int64  // byte offset of the element in the body
	ID     string // the element's id when it could be read from its first bytes
	Msg    string
}

func (e *ElementError) Error() string {
	if e.ID != "" {
		return fmt.Sprintf("bundle element %d (%s, offset %d): %s", e.Index, e.ID, e.Offset, e.Msg)
	}
	return fmt.Sprintf("bundle element %d (offset %d): %s", e.Index, e.Offset, e.Msg)
}

// NewBundleReader returns a reader of the bundle or envelope in r that hands out
// elements of at most maxObjectBytes bytes (0 means 16 MiB).
func NewBundleReader(r io.Reader, maxObjectBytes int) *BundleReader {
	if maxObjectBytes <= 0 {
		maxObjectBytes = 16 << 20
	}
	return &BundleReader{r: bufio.NewReaderSize(r, 64<<10), max: maxObjectBytes}
}

// BundleID returns the bundle's id once it has been read (bundles usually give it
// before "objects"; if it comes after, it is known once Next has returned io.EOF).
// It is "" for a TAXII envelope.
func (b *BundleReader) BundleID() string { return b.bundleID }

// More and NextCursor return the TAXII envelope's "more" and "next" properties, known
// once they have been read (at the latest when Next has returned io.EOF).
func (b *BundleReader) More() bool         { return b.more }
func (b *BundleReader) NextCursor() string { return b.next }

// Next returns the next element of "objects" as raw bytes (a fresh slice the caller may
// keep) and its index. It returns io.EOF after the last element, once the whole body has
// been read and found well-formed.
func (b *BundleReader) Next() (json.RawMessage, int, error) {
	if b.err != nil {
		return nil, b.index, b.err
	}
	raw, idx, err := b.next1()
	if err != nil {
		var ee *ElementError
		if !errors.As(err, &ee) {
			b.err = err
		}
	}
	return raw, idx, err
}

func (b *BundleReader) fatalf(format string, args ...any) error {
	return fmt.Errorf("bundle: offset %d: %s", b.offset, fmt.Sprintf(format, args...))
}

func (b *BundleReader) next1() (json.RawMessage, int, error) {
	for {
		switch b.state {
		case stateStart:
			// RFC 8259 lets a parser ignore a byte order mark; files saved by
			// Windows tools often start with one.
			if bom, _ := b.r.Peek(3); bytes.Equal(bom, []byte("\xef\xbb\xbf")) {
				b.r.Discard(3)
				b.offset += 3
			}
			c, err := b.skipSpace()
			if err != nil {
				return nil, 0, b.eofErr(err, "empty body: expected a JSON object")
			}
			if c != '{' {
				return nil, 0, b.fatalf("a bundle must be a JSON object, found %q", c)
			}
			if c, err = b.skipSpace(); err != nil {
				return nil, 0, b.eofErr(err, "unterminated bundle object")
			}
			if c == '}' {
				if err := b.finish(); err != nil {
					return nil, 0, err
				}
				continue
			}
			if err := b.unread(); err != nil {
				return nil, 0, err
			}
			b.state = stateEnvelope
		case stateEnvelope:
			if err := b.envelopeMember(); err != nil {
				return nil, b.index, err
			}
		case stateObjects:
			c, err := b.skipSpace()
			if err != nil {
				return nil, b.index, b.eofErr(err, "unterminated objects list")
			}
			if c == ']' {
				if err := b.separator(); err != nil {
					return nil, b.index, err
				}
				continue
			}
			if b.index > 0 {
				if c != ',' {
					return nil, b.index, b.fatalf("expected ',' or ']' after element %d, found %q", b.index-1, c)
				}
				if _, err = b.skipSpace(); err != nil {
					return nil, b.index, b.eofErr(err, "unterminated objects list")
				}
			}
			if err := b.unread(); err != nil {
				return nil, b.index, err
			}
			start := b.offset
			idx := b.index
			b.index++
			raw, overflow, err := b.scanValue(b.max)
			if err != nil {
				return nil, idx, err
			}
			switch {
			case overflow:
				id, _ := guessID(b.head)
				return nil, idx, &ElementError{Index: idx, Offset: start, ID: id, Msg: "object is " + strconv.FormatInt(b.offset-start, 10) + " bytes, over the limit of " + strconv.Itoa(b.max)}
			case raw[0] != '{':
				return nil, idx, &ElementError{Index: idx, Offset: start, Msg: "an element of objects must be a JSON object, not " + kindName(raw)}
			}
			return raw, idx, nil
		case stateDone:
			return nil, b.index, io.EOF
		}
	}
}

func (b *BundleReader) unread() error {
	if err := b.r.UnreadByte(); err != nil {
		return err
	}
	b.offset--
	return nil
}

func (b *BundleReader) eofErr(err error, msg string) error {
	if err == io.EOF {
		return b.fatalf("%s", msg)
	}
	return fmt.Errorf("bundle: read at offset %d: %w", b.offset, err)
}

// envelopeMember reads one member of the bundle object. For "objects" it stops after
// the opening bracket (state becomes stateObjects); for the others it reads the value,
// keeps what the reader reports, and consumes the following ',' or '}'.
func (b *BundleReader) envelopeMember() error {
	c, err := b.skipSpace()
	if err != nil {
		return b.eofErr(err, "unterminated bundle object")
	}
	if c != '"' {
		return b.fatalf("expected a property name in the bundle object, found %q", c)
	}
	if err := b.unread(); err != nil {
		return err
	}
	keyRaw, overflow, err := b.scanValue(1024)
	if err != nil {
		return err
	}
	key, ok := jsonString(keyRaw)
	if overflow || !ok {
		return b.fatalf("invalid property name in the bundle object")
	}
	if c, err = b.skipSpace(); err != nil || c != ':' {
		return b.fatalf("expected ':' after %q", key)
	}
	if key == "objects" {
		if b.sawObjects {
			return b.fatalf("objects appears twice")
		}
		b.sawObjects = true
		if c, err = b.skipSpace(); err != nil || c != '[' {
			return b.fatalf("objects must be a list")
		}
		b.state = stateObjects
		return nil
	}
	if _, err = b.skipSpace(); err != nil {
		return b.eofErr(err, "unterminated bundle object")
	}
	if err := b.unread(); err != nil {
		return err
	}
	val, overflow, err := b.scanValue(maxEnvelopeValue)
	if err != nil {
		return err
	}
	if overflow {
		return b.fatalf("bundle property %q is over %d bytes", key, maxEnvelopeValue)
	}
	switch key {
	case "type":
		if t, ok := jsonString(val); !ok || t != "bundle" {
			return b.fatalf(`type must be "bundle", not %s`, truncate(val, 60))
		}
	case "id":
		id, ok := jsonString(val)
		if typ, valid := validIdentifier(id); !ok || !valid || typ != "bundle" {
			return b.fatalf(`id must be "bundle--<UUID>", not %s`, truncate(val, 80))
		}
		b.bundleID = id
	case "spec_version":
		// STIX 2.0 bundles carried the version here; their objects lack spec_version.
		if v, _ := jsonString(val); v != "2.1" {
			return b.fatalf("this is a STIX %s bundle; only STIX 2.1 is accepted", truncate(val, 20))
		}
	case "more":
		b.more = string(val) == "true"
	case "next":
		b.next, _ = jsonString(val)
	}
	return b.separator()
}

// separator consumes the ',' or '}' after a member of the bundle object.
func (b *BundleReader) separator() error {
	c, err := b.skipSpace()
	if err != nil {
		return b.eofErr(err, "unterminated bundle object")
	}
	switch c {
	case ',':
		b.state = stateEnvelope
		return nil
	case '}':
		return b.finish()
	}
	return b.fatalf("expected ',' or '}' in the bundle object, found %q", c)
}

// finish checks that nothing but white space follows the bundle object.
func (b *BundleReader) finish() error {
	if _, err := b.skipSpace(); err != io.EOF {
		if err != nil {
			return b.eofErr(err, "")
		}
		return b.fatalf("unexpected data after the bundle object")
	}
	b.state = stateDone
	return nil
}

func (b *BundleReader) readByte() (byte, error) {
	c, err := b.r.ReadByte()
	if err == nil {
		b.offset++
	}
	return c, err
}

func (b *BundleReader) skipSpace() (byte, error) {
	for {
		c, err := b.readByte()
		if err != nil {
			return 0, err
		}
		switch c {
		case ' ', '\t', '\r', '\n':
			continue
		}
		return c, nil
	}
}

// scanValue reads one JSON value, matching brackets and skipping over strings, and
// returns its bytes if they fit in limit, or overflow=true (having consumed the value
// all the same, keeping nothing). Literals and numbers are not checked here: Parse
// checks the element as a whole. It works on the reader's buffered chunks directly,
// so framing costs about a nanosecond a byte and one copy of what is kept.
func (b *BundleReader) scanValue(limit int) (raw []byte, overflow bool, err error) {
	var st scanState
	b.stack = b.stack[:0]
	for {
		if b.r.Buffered() == 0 {
			if _, err := b.r.Peek(1); err != nil {
				if err == io.EOF && st.scalar {
					return raw, overflow, nil
				}
				if st.inStr {
					return nil, false, b.eofErr(err, "unterminated string")
				}
				return nil, false, b.eofErr(err, "unterminated value")
			}
		}
		chunk, _ := b.r.Peek(b.r.Buffered())
		n, done, msg := b.scanChunk(chunk, &st)
		if msg != "" {
			b.offset += int64(n)
			return nil, false, b.fatalf("%s", msg)
		}
		if !overflow {
			if len(raw)+n > limit {
				// Keep the first bytes, where the id usually is, to name the element.
				b.head = append(append(b.head[:0], raw[:min(len(raw), maxHead)]...), chunk[:min(n, maxHead-min(len(raw), maxHead))]...)
				overflow, raw = true, nil
			} else {
				raw = append(raw, chunk[:n]...)
			}
		}
		b.r.Discard(n)
		b.offset += int64(n)
		if done {
			return raw, overflow, nil
		}
	}
}

type scanState struct{ inStr, esc, started, scalar bool }

// scanChunk advances the framing state over chunk. It returns how many bytes belong
// to the value, whether the value ended, or a message for a framing error.
func (b *BundleReader) scanChunk(chunk []byte, st *scanState) (n int, done bool, msg string) {
	for i := 0; i < len(chunk); i++ {
		c := chunk[i]
		if st.inStr {
			if st.esc {
				st.esc = false
				continue
			}
			// Jump to the next quote (vectorized) and decide from the run of
			// backslashes before it whether it closes the string.
			k := bytes.IndexByte(chunk[i:], '"')
			if k < 0 {
				n := 0
				for p := len(chunk) - 1; p >= i && chunk[p] == '\\'; p-- {
					n++
				}
				st.esc = n%2 == 1
				return len(chunk), false, ""
			}
			q := i + k
			n := 0
			for p := q - 1; p >= i && chunk[p] == '\\'; p-- {
				n++
			}
			i = q
			if n%2 == 1 {
				continue // an escaped quote
			}
			st.inStr = false
			if len(b.stack) == 0 {
				return q + 1, true, ""
			}
			continue
		}
		if st.scalar {
			switch c {
			case ',', '}', ']', ' ', '\t', '\r', '\n':
				return i, true, ""
			}
			continue
		}
		switch c {
		case '"':
			st.inStr, st.started = true, true
		case '{', '[':
			if len(b.stack) >= maxDepth {
				return i, false, "nesting deeper than " + strconv.Itoa(maxDepth)
			}
			b.stack = append(b.stack, c)
			st.started = true
		case '}', ']':
			want := byte('{')
			if c == ']' {
				want = '['
			}
			if len(b.stack) == 0 || b.stack[len(b.stack)-1] != want {
				return i, false, "unexpected " + strconv.QuoteRune(rune(c))
			}
			b.stack = b.stack[:len(b.stack)-1]
			if len(b.stack) == 0 {
				return i + 1, true, ""
			}
		case ' ', '\t', '\r', '\n', ',', ':':
			if !st.started {
				return i, false, "expected a value, found " + strconv.QuoteRune(rune(c))
			}
		default:
			if !st.started {
				st.scalar, st.started = true, true
			}
		}
	}
	return len(chunk), false, ""
}
