package stix

import (
	"bytes"

	"github.com/go-json-experiment/json/jsontext"
)

// Helpers that walk JSON which splitMembers has already found well-formed. They do no
// validation of their own and allocate nothing, which is what keeps Parse fast: the
// nested structures of STIX (external references, kill chain phases, markings,
// extensions, hashes) are read by these instead of by reflection.

// valueEnd returns the index just past the JSON value that starts at v[i].
func valueEnd(v []byte, i int) int {
	if i >= len(v) {
		return len(v)
	}
	switch v[i] {
	case '"':
		return endOfString(v, i)
	case '{', '[':
		depth := 0
		for j := i; j < len(v); j++ {
			switch v[j] {
			case '"':
				j = endOfString(v, j) - 1
			case '{', '[':
				depth++
			case '}', ']':
				depth--
				if depth == 0 {
					return j + 1
				}
			}
		}
		return len(v)
	}
	j := i
	for j < len(v) {
		switch v[j] {
		case ',', '}', ']', ' ', '\t', '\n', '\r':
			return j
		}
		j++
	}
	return j
}

// eachMember calls fn for every member of the JSON object v, in order, with the
// decoded name and the raw value, and stops at the first non-empty result.
func eachMember(v []byte, fn func(name string, val []byte) (sub, msg string)) (string, string) {
	if len(v) == 0 || v[0] != '{' {
		return "", "must be an object, not " + kindName(v)
	}
	i := skipWS(v, 1)
	for i < len(v) && v[i] != '}' {
		if v[i] == ',' {
			i = skipWS(v, i+1)
		}
		j := endOfString(v, i)
		name, _ := jsonString(v[i:j])
		i = skipWS(v, j)
		i = skipWS(v, i+1) // ':'
		k := valueEnd(v, i)
		if sub, msg := fn(name, v[i:k]); msg != "" {
			return sub, msg
		}
		i = skipWS(v, k)
	}
	return "", ""
}

// eachElement calls fn for every element of the JSON array v.
func eachElement(v []byte, fn func(i int, val []byte) (sub, msg string)) (string, string) {
	if len(v) == 0 || v[0] != '[' {
		return "", "must be a list, not " + kindName(v)
	}
	i := skipWS(v, 1)
	n := 0
	for i < len(v) && v[i] != ']' {
		if v[i] == ',' {
			i = skipWS(v, i+1)
		}
		k := valueEnd(v, i)
		if sub, msg := fn(n, v[i:k]); msg != "" {
			return sub, msg
		}
		n++
		i = skipWS(v, k)
	}
	return "", ""
}

// objectFields returns the raw values of the wanted member names (at most 6) of
// object v, nil for absent ones.
func objectFields(v []byte, names ...string) (out [6][]byte) {
	eachMember(v, func(name string, val []byte) (string, string) {
		for i, n := range names {
			if n == name {
				out[i] = val
			}
		}
		return "", ""
	})
	return out
}

// jsonString returns the Go string of a JSON string value and whether v is one.
func jsonString(v []byte) (string, bool) {
	if len(v) < 2 || v[0] != '"' {
		return "", false
	}
	inner := v[1 : len(v)-1]
	for _, c := range inner {
		if c == '\\' {
			b, err := jsontext.AppendUnquote(nil, v)
			if err != nil {
				return "", false
			}
			return string(b), true
		}
	}
	return string(inner), true
}

// stringList decodes a non-empty list of strings (the spec forbids empty lists). The
// value has already been checked to be well-formed JSON, so a direct scan suffices.
func stringList(v []byte) ([]string, string) {
	if len(v) == 0 || v[0] != '[' {
		return nil, "must be a list of strings, not " + kindName(v)
	}
	l := make([]string, 0, 2)
	i := skipWS(v, 1)
	for i < len(v) && v[i] != ']' {
		if len(l) > 0 {
			if v[i] != ',' {
				return nil, "must be a list of strings"
			}
			i = skipWS(v, i+1)
		}
		if i >= len(v) || v[i] != '"' {
			return nil, "must be a list of strings, not a list of " + kindName(v[min(i, len(v)):])
		}
		j := endOfString(v, i)
		s, ok := jsonString(v[i:j])
		if !ok {
			return nil, "must be a list of strings"
		}
		l = append(l, s)
		i = skipWS(v, j)
	}
	if i >= len(v) {
		return nil, "must be a list of strings"
	}
	if len(l) == 0 {
		return nil, "must not be an empty list"
	}
	return l, ""
}

func skipWS(v []byte, i int) int {
	for i < len(v) && (v[i] == ' ' || v[i] == '\n' || v[i] == '\t' || v[i] == '\r') {
		i++
	}
	return i
}

// endOfString returns the index just past the JSON string starting at v[i] == '"'.
// It jumps from quote to quote with bytes.IndexByte (vectorized) and counts the
// backslashes before each, since most of a STIX object's bytes are inside strings.
func endOfString(v []byte, i int) int {
	j := i + 1
	for j < len(v) {
		k := bytes.IndexByte(v[j:], '"')
		if k < 0 {
			return len(v)
		}
		q := j + k
		n := 0
		for p := q - 1; p > i && v[p] == '\\'; p-- {
			n++
		}
		if n%2 == 0 {
			return q + 1
		}
		j = q + 1
	}
	return len(v)
}

// compactJSON appends src to dst without the white space outside strings. src must
// be valid JSON (Parse has checked it), which makes this a plain copy of the runs
// between white space; already compact input is a single copy.
func compactJSON(dst, src []byte) []byte {
	start, i := 0, 0
	for i < len(src) {
		switch src[i] {
		case '"':
			i = endOfString(src, i)
		case ' ', '\t', '\n', '\r':
			dst = append(dst, src[start:i]...)
			for i < len(src) && (src[i] == ' ' || src[i] == '\t' || src[i] == '\n' || src[i] == '\r') {
				i++
			}
			start = i
		default:
			i++
		}
	}
	return append(dst, src[start:]...)
}

func trimSpace(b []byte) []byte {
	for len(b) > 0 && (b[0] == ' ' || b[0] == '\n' || b[0] == '\t' || b[0] == '\r') {
		b = b[1:]
	}
	return b
}
