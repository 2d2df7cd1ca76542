package api

import (
	"strings"
	"testing"
)

// FuzzEtagMatches feeds If-None-Match headers: no input panics, a header
// listing the ETag (weak or strong, among others) matches, and a header
// without it or "*" never does.
func FuzzEtagMatches(f *testing.F) {
	for _, s := range []string{`"abc"`, `W/"abc", "def"`, `*`, ``, `,,,`, `"ab"c"`} {
		f.Add(s)
	}
	const etag = `"0123456789abcdef0123456789abcdef"`
	f.Fuzz(func(t *testing.T, h string) {
		got := etagMatches(h, etag)
		if !strings.Contains(h, etag) && !strings.Contains(h, "*") && got {
			t.Fatalf("%q matched %s", h, etag)
		}
		if !etagMatches(h+", W/"+etag, etag) {
			t.Fatalf("%q + the ETag did not match", h)
		}
	})
}

// FuzzValidZone feeds ?zone= values: an accepted zone has only DNS label
// characters, so it cannot inject lines into the RPZ file.
func FuzzValidZone(f *testing.F) {
	for _, s := range []string{"rpz.example.jp", "rpz.example.jp.", "a..b", "x\nIN A 1.2.3.4", strings.Repeat("a", 64)} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, z string) {
		if !validZone(z) {
			return
		}
		if strings.ContainsAny(z, " \t\r\n;()\"$@\\") || len(z) > 253 {
			t.Fatalf("accepted %q", z)
		}
	})
}
