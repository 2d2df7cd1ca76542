package signin_test

import (
	"encoding/json"
	"strings"
	"testing"
	"unicode/utf8"

	"renkei/internal/signin"
	"renkei/internal/store"
)

// FuzzClaimConditions: a condition the center writes either parses into
// one that prints back as written, or is refused; claims from a provider
// (any JSON) never panic the matcher, and a parsed condition holds for
// claims that carry its value at its path.
func FuzzClaimConditions(f *testing.F) {
	f.Add("verified_claims.claims.corporate_number=1234567890123", `{"verified_claims":{"claims":{"corporate_number":"1234567890123"}}}`)
	f.Add("groups=power-soc", `{"groups":["staff","power-soc"]}`)
	f.Add("account_type=2", `{"account_type":2}`)
	f.Add("a.b=c", `{"a":[{"b":"c"},{"b":["d"]}]}`)
	f.Add("=x", `[]`)
	f.Add("x=", `null`)
	f.Fuzz(func(t *testing.T, cond, claimsJSON string) {
		c, err := signin.ParseCondition(cond)
		if err != nil {
			return
		}
		if c.String() != cond || c.Value == "" || strings.ContainsAny(c.Value, "\n\r") || !utf8.ValidString(c.Value) {
			t.Fatalf("condition %q parsed as %+v", cond, c)
		}
		var claims map[string]any
		if json.Unmarshal([]byte(claimsJSON), &claims) == nil {
			signin.Holds([]store.ClaimCondition{c}, claims)
		}
		// Claims built to hold it do.
		built := map[string]any{}
		at := built
		parts := strings.Split(c.Claim, ".")
		for _, p := range parts[:len(parts)-1] {
			next := map[string]any{}
			at[p] = next
			at = next
		}
		at[parts[len(parts)-1]] = c.Value
		if !signin.Holds([]store.ClaimCondition{c}, built) {
			t.Fatalf("%q does not hold for %v", cond, built)
		}
	})
}

// FuzzCertOrHash: what the center registers as a client certificate is a
// PEM certificate or a SHA-256; anything else is refused, never a panic,
// and an accepted one is always 64 lower-case hex digits.
func FuzzCertOrHash(f *testing.F) {
	f.Add([]byte("AB:CD:" + strings.Repeat("0", 60)))
	f.Add([]byte("-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n"))
	f.Fuzz(func(t *testing.T, in []byte) {
		h, err := signin.ParseCertOrHash(in)
		if err != nil {
			return
		}
		if len(h) != 64 || strings.ToLower(h) != h {
			t.Fatalf("accepted %q as %q", in, h)
		}
	})
}
