package huntpkg_test

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"renkei/internal/huntpkg"
)

func samplePackage() *huntpkg.Package {
	return &huntpkg.Package{Format: huntpkg.FormatVersion, ID: "hunt-package--0f6a5b8e-1c7e-4d5e-9c1a-7e2b3c4d5e6f", Title: "Sweep <VPN> & more",
		PublisherOrg: "identity--1", PublisherName: "国家サイバー統括室", TLP: "TLP:AMBER",
		Scope:      []huntpkg.ScopeEntry{{Kind: "sector", Value: "water"}, {Kind: "sector", Value: "energy"}},
		Rules:      []huntpkg.RuleFile{{Name: "b.yml", YAML: "title: b\n"}, {Name: "a.yml", YAML: "title: a\n"}},
		Indicators: []huntpkg.Indicator{{Value: "203.0.113.7"}}, Created: time.Date(2026, 11, 26, 9, 0, 0, 123456789, time.FixedZone("JST", 9*3600))}
}

func TestSignatureVerification(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "hunt-keys")
	keys, err := huntpkg.LoadOrCreateKeys(dir)
	if err != nil {
		t.Fatal(err)
	}
	st, err := os.Stat(filepath.Join(dir, "hunt-packages.key"))
	if err != nil || st.Mode().Perm() != 0o600 {
		t.Fatalf("key file mode: %v %v", st.Mode(), err)
	}
	again, err := huntpkg.LoadOrCreateKeys(dir)
	if err != nil || again.VerifierKey != keys.VerifierKey {
		t.Fatalf("the key must be made once and kept: %v", err)
	}
	other, err := huntpkg.LoadOrCreateKeys(filepath.Join(t.TempDir(), "other"))
	if err != nil {
		t.Fatal(err)
	}
	signed, err := keys.Sign(samplePackage())
	if err != nil {
		t.Fatal(err)
	}
	p, err := huntpkg.Verify(signed, keys.VerifierKey)
	if err != nil {
		t.Fatalf("verify: %v", err)
	}
	if p.Title != "Sweep <VPN> & more" || p.Rules[0].Name != "a.yml" || p.Scope[0].Value != "energy" || !p.Created.Equal(time.Date(2026, 11, 26, 0, 0, 0, 123456000, time.UTC)) {
		t.Fatalf("round trip: %+v", p)
	}
	for _, tc := range []struct {
		name   string
		mutate func([]byte) []byte
		key    string
	}{
		{"rule text changed", func(b []byte) []byte { return bytes.Replace(b, []byte(`title: a`), []byte(`title: A`), 1) }, keys.VerifierKey},
		{"scope widened", func(b []byte) []byte { return bytes.Replace(b, []byte(`"water"`), []byte(`"watex"`), 1) }, keys.VerifierKey},
		{"indicator dropped", func(b []byte) []byte { return bytes.Replace(b, []byte(`{"value":"203.0.113.7"}`), nil, 1) }, keys.VerifierKey},
		{"signature line cut", func(b []byte) []byte { return b[:bytes.LastIndex(b, []byte("\n—"))+1] }, keys.VerifierKey},
		{"another hub's key", func(b []byte) []byte { return b }, other.VerifierKey},
	} {
		t.Run(tc.name, func(t *testing.T) {
			mut := tc.mutate(bytes.Clone(signed))
			if _, err := huntpkg.Verify(mut, tc.key); !errors.Is(err, huntpkg.ErrBadSignature) {
				t.Fatalf("want ErrBadSignature, got %v", err)
			}
		})
	}
	t.Run("re-signed but not canonical", func(t *testing.T) {
		text, _, _ := strings.Cut(string(signed), "\n\n")
		spaced := strings.Replace(text, `"title":`, `"title": `, 1) + "\n"
		if _, err := huntpkg.ParseCanonical([]byte(spaced)); err == nil {
			t.Fatal("a non-canonical text must be refused")
		}
	})
	t.Run("readable key refused", func(t *testing.T) {
		os.Chmod(filepath.Join(dir, "hunt-packages.key"), 0o644)
		if _, err := huntpkg.LoadOrCreateKeys(dir); err == nil || !strings.Contains(err.Error(), "chmod 600") {
			t.Fatalf("got %v", err)
		}
	})
}

func TestPatternValues(t *testing.T) {
	for _, tc := range []struct {
		name, pattern string
		want          []string
	}{
		{"ip", "[ipv4-addr:value = '203.0.113.7']", []string{"203.0.113.7"}},
		{"or and in", "[domain-name:value = 'evil.example' OR file:name IN ('a.exe', 'b.dll')]", []string{"a.exe", "b.dll", "evil.example"}},
		{"cidr", "[ipv4-addr:value ISSUBSET '198.51.100.0/24']", []string{"198.51.100.0/24"}},
		{"negation left out", "[ipv4-addr:value != '10.0.0.1']", nil},
		{"like left out", "[url:value LIKE '%evil%']", nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := huntpkg.PatternValues(tc.pattern)
			if err != nil {
				t.Fatal(err)
			}
			if strings.Join(got, ",") != strings.Join(tc.want, ",") {
				t.Fatalf("got %v, want %v", got, tc.want)
			}
		})
	}
	if _, err := huntpkg.PatternValues("[ipv4-addr:value = "); err == nil {
		t.Fatal("a broken pattern must be an error")
	}
}
