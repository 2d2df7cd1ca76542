package match

import (
	"errors"
	"strings"
	"testing"

	"renkei/internal/stix/pattern"
)

func TestValuesToPattern(t *testing.T) {
	for _, tc := range []struct {
		name, values, kind, want string
		errLine                  int
	}{
		{name: "ipv4", values: "198.51.100.7", want: "[ipv4-addr:value = '198.51.100.7']"},
		{name: "ipv4 cidr masked", values: "198.51.100.7/24", want: "[ipv4-addr:value = '198.51.100.0/24']"},
		{name: "ipv6", values: "2001:DB8::1", want: "[ipv6-addr:value = '2001:db8::1']"},
		{name: "ipv4-mapped ipv6 is ipv4", values: "::ffff:192.0.2.1", want: "[ipv4-addr:value = '192.0.2.1']"},
		{name: "domain lowercased, root dot dropped", values: "Evil.Example.", want: "[domain-name:value = 'evil.example']"},
		{name: "url", values: "https://evil.example/a?b=c", want: "[url:value = 'https://evil.example/a?b=c']"},
		{name: "url with quote escaped", values: "http://x.example/it's", want: `[url:value = 'http://x.example/it\'s']`},
		{name: "email", values: "ceo@evil.example", want: "[email-addr:value = 'ceo@evil.example']"},
		{name: "md5", values: "D41D8CD98F00B204E9800998ECF8427E", want: "[file:hashes.MD5 = 'd41d8cd98f00b204e9800998ecf8427e']"},
		{name: "sha1", values: "da39a3ee5e6b4b0d3255bfef95601890afd80709", want: "[file:hashes.'SHA-1' = 'da39a3ee5e6b4b0d3255bfef95601890afd80709']"},
		{name: "sha256", values: "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855", want: "[file:hashes.'SHA-256' = 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855']"},
		{name: "several, blank lines, duplicates", values: "\n198.51.100.7\r\n\nevil.example\n198.51.100.7\n", want: "[ipv4-addr:value = '198.51.100.7' OR domain-name:value = 'evil.example']"},
		{name: "explicit kind", values: "evil.example", kind: "domain", want: "[domain-name:value = 'evil.example']"},
		{name: "explicit kind mismatch", values: "198.51.100.7", kind: "ipv6", errLine: 1},
		{name: "single label is not a domain", values: "localhost", errLine: 1},
		{name: "garbage on line 2", values: "198.51.100.7\nnot a thing!", errLine: 2},
		{name: "bad email", values: "a@b@c.example", errLine: 1},
		{name: "url without host", values: "https://", errLine: 1},
		{name: "hash of odd length", values: "abc", kind: "md5", errLine: 1},
		{name: "nothing", values: " \n \n", errLine: -1},
		// The edges Classify draws, which the form now shares with sweeps.
		{name: "version number is not a domain", values: "1.2.3", errLine: 1},
		{name: "idn in punycode", values: "例え.jp", want: "[domain-name:value = 'xn--r8jz45g.jp']"},
		{name: "domain starting with hex letters", values: "deadbeef.example", want: "[domain-name:value = 'deadbeef.example']"},
		{name: "ipv6 starting with a letter", values: "fe80::1", want: "[ipv6-addr:value = 'fe80::1']"},
		{name: "ipv6 cidr", values: "2001:db8::1/32", want: "[ipv6-addr:value = '2001:db8::/32']"},
		{name: "address with port", values: "192.0.2.1:443", errLine: 1},
		{name: "domain with port", values: "evil.example.com:8443", errLine: 1},
		{name: "bad cidr", values: "10.0.0.0/33", errLine: 1},
		{name: "address with zone", values: "fe80::1%eth0", errLine: 1},
		{name: "url scheme upper", values: "HTTPS://evil.example", want: "[url:value = 'HTTPS://evil.example']"},
		{name: "url with space", values: "http://x.example/a b", errLine: 1},
		{name: "email lowercased", values: "Bad.Actor@Evil.Example", want: "[email-addr:value = 'bad.actor@evil.example']"},
		{name: "at but no domain", values: "user@localhost", errLine: 1},
		{name: "hex of a hash length but not hex", values: strings.Repeat("g", 32), errLine: 1},
		{name: "hex of no hash length", values: strings.Repeat("a", 33), errLine: 1},
		{name: "explicit kind of another hash", values: "da39a3ee5e6b4b0d3255bfef95601890afd80709", kind: "md5", errLine: 1},
		{name: "explicit ipv4 for a mapped address", values: "::ffff:192.0.2.1", kind: "ipv4", want: "[ipv4-addr:value = '192.0.2.1']"},
		{name: "unknown kind", values: "evil.example", kind: "hostname", errLine: 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := ValuesToPattern(tc.values, tc.kind)
			if tc.errLine != 0 {
				var ve *ValueError
				switch {
				case err == nil:
					t.Fatalf("got %q, want an error", got)
				case tc.errLine > 0 && (!errors.As(err, &ve) || ve.Line != tc.errLine):
					t.Fatalf("error %v, want one at line %d", err, tc.errLine)
				}
				return
			}
			if err != nil || got != tc.want {
				t.Fatalf("got %q, %v; want %q", got, err, tc.want)
			}
			if _, err := pattern.Parse(got); err != nil {
				t.Fatalf("the pattern does not parse: %v", err)
			}
		})
	}
}

// FuzzValuesToPattern: whatever people paste, the result is an error or a
// pattern the STIX pattern parser accepts.
func FuzzValuesToPattern(f *testing.F) {
	for _, s := range []string{"198.51.100.7", "evil.example\nhttps://x.example/'\\", "a@b.example", "::1/128", "d41d8cd98f00b204e9800998ecf8427e", "http://[::1]:80/x y"} {
		f.Add(s, "auto")
	}
	f.Add("x.example", "domain")
	f.Fuzz(func(t *testing.T, values, kind string) {
		p, err := ValuesToPattern(values, kind)
		if err != nil {
			return
		}
		if _, err := pattern.Parse(p); err != nil {
			t.Fatalf("ValuesToPattern(%q, %q) = %q, which does not parse: %v", values, kind, p, err)
		}
	})
}
