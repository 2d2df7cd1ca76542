package pattern

import (
	"errors"
	"reflect"
	"testing"
)

// FuzzParse checks that no input makes Parse panic or loop, that every error
// is a *SyntaxError pointing inside the input, and that every accepted
// pattern round-trips through its canonical text to an equal tree.
func FuzzParse(f *testing.F) {
	for _, s := range specExamples {
		f.Add(s)
	}
	for _, s := range []string{
		"[file:created = t'2016-12-31T23:59:60Z']", "[a:b = b'====']", "[file:x[-1] = 1]",
		"([aaa:x = 1]) WITHIN 5 SECONDS WITHIN 6 SECONDS", "[aaa:x IN ()]", "[file:name = 'a\\'b']",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		p, err := Parse(s)
		if err != nil {
			var se *SyntaxError
			if !errors.As(err, &se) {
				t.Fatalf("error is %T, not *SyntaxError: %v", err, err)
			}
			if se.Offset < 0 || se.Offset > len(s) {
				t.Fatalf("offset %d outside the input (length %d): %v", se.Offset, len(s), err)
			}
			return
		}
		c := p.String()
		q, err := Parse(c)
		if err != nil {
			t.Fatalf("canonical text of %q does not parse: %v\n%s", s, err, c)
		}
		if !reflect.DeepEqual(p, q) {
			t.Fatalf("round trip changed the tree of %q:\n%s", s, c)
		}
		if c2 := q.String(); c2 != c {
			t.Fatalf("canonical text not stable:\n%s\n%s", c, c2)
		}
	})
}
