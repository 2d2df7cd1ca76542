package huntpkg_test

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"

	"renkei/internal/hunt"
	"renkei/internal/huntpkg"
)

// FuzzParseCanonical: whatever arrives as a package text is either refused
// or re-encodes to exactly the same bytes.
func FuzzParseCanonical(f *testing.F) {
	c, _ := samplePackage().Canonical()
	f.Add(c)
	f.Add([]byte(`{"format":"renkei-hunt-package/1"}` + "\n"))
	f.Add([]byte("{}\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		p, err := huntpkg.ParseCanonical(data)
		if err != nil {
			return
		}
		again, err := p.Canonical()
		if err != nil || string(again) != string(data) {
			t.Fatalf("accepted a text that does not re-encode to itself: %q", data)
		}
	})
}

// FuzzVerify: no signed note verifies under a key that did not sign it.
func FuzzVerify(f *testing.F) {
	dir := f.TempDir()
	keys, err := huntpkg.LoadOrCreateKeys(dir)
	if err != nil {
		f.Fatal(err)
	}
	other, _ := huntpkg.LoadOrCreateKeys(filepath.Join(dir, "other"))
	signed, _ := other.Sign(samplePackage())
	f.Add(signed)
	f.Add([]byte("x\n\n— renkei-hunt-packages AAAA\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		if _, err := huntpkg.Verify(data, keys.VerifierKey); err == nil {
			t.Fatalf("verified a note the key never signed: %q", data)
		}
	})
}

func FuzzParseScope(f *testing.F) {
	for _, s := range []string{"sector=energy,sector=water", "all", "org=Power Co, group=ISAC", "kind=medical", ",,", "sector="} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		scope, err := huntpkg.ParseScope(s)
		if err != nil {
			return
		}
		for _, e := range scope {
			if e.Kind != huntpkg.ScopeAll && e.Value == "" {
				t.Fatalf("%q: entry %+v without a value", s, e)
			}
		}
	})
}

// FuzzIndicatorSweep: any indicator value becomes a Sigma rule that loads
// and finds the value, exactly, in a JSON event — wildcards and escapes in
// the value are taken literally.
func FuzzIndicatorSweep(f *testing.F) {
	for _, s := range []string{"203.0.113.7", "evil.example", `C:\Users\*\a?.exe`, `\\server\share`, "a\\*b", "'\"{}[]: -", "日本語.example"} {
		f.Add(s)
	}
	dir := f.TempDir()
	f.Fuzz(func(t *testing.T, v string) {
		v = strings.TrimSpace(v)
		if v == "" || !utf8.ValidString(v) || strings.IndexFunc(v, func(r rune) bool { return unicode.IsControl(r) || r == utf8.RuneError }) >= 0 {
			return
		}
		p := samplePackage()
		p.Rules = nil
		p.Indicators = []huntpkg.Indicator{{Value: v}}
		e, err := p.Engine(hunt.EngineOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if len(e.NotLoaded) > 0 {
			t.Fatalf("%q: indicator rule does not load: %v", v, e.NotLoaded[0])
		}
		path := filepath.Join(dir, "ev.jsonl")
		line, _ := json.Marshal(map[string]string{"message": "seen " + v + " here", "other": "x"})
		miss, _ := json.Marshal(map[string]string{"message": "nothing", "other": "y"})
		os.WriteFile(path, append(append(line, '\n'), append(miss, '\n')...), 0o600)
		inputs, _, _ := hunt.ListInputs([]string{path})
		var n int
		if _, err := p.RunLocal(context.Background(), e, inputs, hunt.RunOptions{Workers: 1}, false, func(*hunt.Match) { n++ }); err != nil {
			t.Fatal(err)
		}
		if n != 1 && !strings.Contains(strings.ToLower("nothing y"), strings.ToLower(v)) {
			t.Fatalf("%q: %d matches, want 1", v, n)
		}
	})
}
