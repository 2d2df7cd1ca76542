package stix

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"strings"
	"testing"
)

func FuzzParse(f *testing.F) {
	for _, s := range []string{indicatorJSON, sightingJSON, relationshipJSON, identityJSON, reportJSON, fileJSON, netJSON,
		emailJSON, artifactJSON, markingJSON, tlp2JSON, langJSON, extDefJSON, customSDO, newSDO, customSCO, locationJSON,
		`{"type":"x"}`, `{}`, `[]`, `{"type":"indicator","id":"indicator--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f","a\u0000b":1}`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		o, err := Parse(data, Options{ValidatePattern: func(p string) error {
			if strings.Contains(p, "!") {
				return errors.New("bang")
			}
			return nil
		}})
		if err != nil {
			if _, ok := AsValidationError(err); !ok {
				t.Fatalf("error is not a *ValidationError: %T %v", err, err)
			}
			if err.Error() == "" {
				t.Fatal("empty error text")
			}
			return
		}
		// An accepted object is valid JSON, compact, and parses again to the same result.
		if !json.Valid(o.Raw) {
			t.Fatalf("Raw is not valid JSON: %q", o.Raw)
		}
		var a, b any
		if json.Unmarshal(data, &a) != nil || json.Unmarshal(o.Raw, &b) != nil {
			t.Fatal("input or Raw does not decode")
		}
		ja, _ := json.Marshal(a)
		jb, _ := json.Marshal(b)
		if !bytes.Equal(ja, jb) {
			t.Fatalf("Raw differs from input:\n%s\n%s", ja, jb)
		}
		o2, err := Parse(o.Raw, Options{})
		if err != nil {
			t.Fatalf("Raw of an accepted object is rejected: %v", err)
		}
		if o2.ID != o.ID || o2.Type != o.Type || !o2.Modified.Equal(o.Modified) {
			t.Fatalf("reparse differs: %+v vs %+v", o2, o)
		}
		if !strings.HasPrefix(o.ID, o.Type+"--") {
			t.Fatalf("id %q does not match type %q", o.ID, o.Type)
		}
		// SetProperty keeps the object valid when it sets an unrelated custom property.
		r, err := SetProperty(o.Raw, "x_renkei_fuzz", 1)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := Parse(r, Options{}); err != nil {
			t.Fatalf("after SetProperty: %v", err)
		}
	})
}

func FuzzBundleReader(f *testing.F) {
	for _, s := range []string{
		`{"type":"bundle","id":"bundle--5330e3e3-8f58-4d21-9f4b-793a054c0d33","objects":[` + indicatorJSON + `,` + sightingJSON + `]}`,
		`{"more":true,"next":"x","objects":[{},{"a":"\"]}"},5]}`,
		`{"objects":[{"a":[1,{"b":"\\"}]}]}`, `{}`, `[`, `{"objects":[{"a":1}`,
	} {
		f.Add([]byte(s), 64)
	}
	f.Fuzz(func(t *testing.T, body []byte, max int) {
		if max < 0 {
			max = -max
		}
		max = max%4096 + 1
		// Differential oracle: for a valid body of the form {"objects":[…]}, the reader
		// must hand out exactly the elements encoding/json sees.
		var want []json.RawMessage
		oracle := false
		var env map[string]json.RawMessage
		if json.Valid(body) && json.Unmarshal(body, &env) == nil && len(env) == 1 && env["objects"] != nil &&
			json.Unmarshal(env["objects"], &want) == nil && bytes.Count(body, []byte(`"objects"`)) == 1 {
			oracle = true
		}
		br := NewBundleReader(bytes.NewReader(body), max)
		var lastFatal error
		n := 0
		for i := 0; i < len(body)+2; i++ {
			raw, idx, err := br.Next()
			if errors.Is(err, io.EOF) {
				if oracle && n != len(want) {
					t.Fatalf("reader gave %d elements, encoding/json %d", n, len(want))
				}
				return
			}
			var ee *ElementError
			switch {
			case err == nil:
				if len(raw) > max {
					t.Fatalf("element %d is %d bytes, over the limit %d", idx, len(raw), max)
				}
				if len(raw) == 0 || raw[0] != '{' {
					t.Fatalf("element %d is not an object: %q", idx, raw)
				}
				if oracle && (idx >= len(want) || !bytes.Equal(raw, want[idx])) {
					t.Fatalf("element %d: %q, encoding/json sees %q", idx, raw, want[min(idx, len(want)-1)])
				}
				n++
			case errors.As(err, &ee):
				n++
			default:
				if oracle {
					t.Fatalf("valid body rejected: %v", err)
				}
				if lastFatal != nil {
					if err.Error() != lastFatal.Error() {
						t.Fatalf("fatal error changed: %v then %v", lastFatal, err)
					}
					return
				}
				lastFatal = err
			}
		}
		if lastFatal == nil {
			t.Fatal("reader neither ended nor failed")
		}
	})
}
