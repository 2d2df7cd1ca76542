package match

import (
	"net/netip"
	"strings"
)

// Kind says what a value looks like.
type Kind uint8

// The kinds Classify tells apart.
const (
	Unknown Kind = iota
	IP
	CIDR
	Domain
	URL
	Email
	MD5
	SHA1
	SHA256
	SHA512
)

var kindNames = [...]string{"unknown", "ip", "cidr", "domain", "url", "email", "md5", "sha1", "sha256", "sha512"}

// String returns the lower-case name used in output ("ip", "domain", "sha256", …).
func (k Kind) String() string {
	if int(k) < len(kindNames) {
		return kindNames[k]
	}
	return "unknown"
}

// IsHash reports whether k is one of the hash kinds.
func (k Kind) IsHash() bool { return k >= MD5 && k <= SHA512 }

// Classify says what v looks like, cheaply: it looks at the first bytes and the
// length before trying any parser, so that it can be called on every string of
// every log record. It does not trim spaces; "1.2.3.4:80" and "[::1]:80" are IP.
func Classify(v string) Kind {
	n := len(v)
	if n == 0 || n > 2048 {
		return Unknown
	}
	c := v[0]
	switch {
	case n == 32 || n == 40 || n == 64 || n == 128:
		if isHex(v) {
			switch n {
			case 32:
				return MD5
			case 40:
				return SHA1
			case 64:
				return SHA256
			default:
				return SHA512
			}
		}
	}
	if c >= '0' && c <= '9' || c == ':' || c == '[' || isHexLetter(c) {
		if k := classifyAddr(v); k != Unknown {
			return k
		}
	}
	if i := strings.Index(v, "://"); i > 0 && i <= 10 {
		if _, host, _, _, ok := splitURL(v); ok && host != "" {
			return URL
		}
		return Unknown
	}
	if at := strings.LastIndexByte(v, '@'); at >= 0 {
		if at > 0 && at < n-1 && validLocal(v[:at]) && looksDomain(v[at+1:]) {
			return Email
		}
		return Unknown
	}
	if looksDomain(v) {
		return Domain
	}
	if h, ok := stripPort(v); ok && looksDomain(h) { // "evil.example:443" in proxy logs
		return Domain
	}
	return Unknown
}

// stripPort removes a ":port" suffix.
func stripPort(v string) (string, bool) {
	i := strings.LastIndexByte(v, ':')
	if i <= 0 || !isPort(v[i+1:]) {
		return v, false
	}
	return v[:i], true
}

// classifyAddr recognizes IPs, IP:port and CIDRs.
func classifyAddr(v string) Kind {
	if _, ok := parseAddrPort(v); ok {
		return IP
	}
	if i := strings.IndexByte(v, '/'); i > 0 && i < len(v)-1 && i >= len(v)-4 {
		if _, rest, ok := parseIPv4Prefix(v); ok {
			if rest[0] == '/' && isPort(rest[1:]) && len(rest) <= 3 && (len(rest) == 2 || rest[1] != '0') {
				if bits := atoiSmall(rest[1:]); bits <= 32 {
					return CIDR
				}
			}
			return Unknown
		}
		if !addrChars(v[:i]) {
			return Unknown
		}
		if _, err := netip.ParsePrefix(v); err == nil {
			return CIDR
		}
	}
	return Unknown
}

// parseAddrPort parses an address, optionally with a port ("1.2.3.4:80",
// "[2001:db8::1]:443"), and returns the address unmapped from IPv4-in-IPv6.
func parseAddrPort(v string) (netip.Addr, bool) {
	if len(v) < 2 || len(v) > 64 {
		return netip.Addr{}, false
	}
	if a, rest, ok := parseIPv4Prefix(v); ok {
		if rest == "" {
			return a, true
		}
		if rest[0] == ':' && isPort(rest[1:]) {
			return a, true
		}
		if rest[0] != '/' {
			return netip.Addr{}, false
		}
	}
	if !addrChars(v) {
		return netip.Addr{}, false
	}
	if a, err := netip.ParseAddr(v); err == nil {
		if a.Zone() != "" {
			a = a.WithZone("")
		}
		return a.Unmap(), true
	}
	if strings.IndexByte(v, '%') >= 0 {
		return netip.Addr{}, false
	}
	if ap, err := netip.ParseAddrPort(v); err == nil {
		return ap.Addr().Unmap(), true
	}
	return netip.Addr{}, false
}

// parseIPv4Prefix parses a dotted-quad IPv4 address at the start of v without
// allocating (netip's parse errors allocate, and most strings in a log are not
// addresses) and returns the rest of v.
func parseIPv4Prefix(v string) (netip.Addr, string, bool) {
	var b [4]byte
	i := 0
	for part := 0; part < 4; part++ {
		if part > 0 {
			if i >= len(v) || v[i] != '.' {
				return netip.Addr{}, "", false
			}
			i++
		}
		start, n := i, 0
		for i < len(v) && v[i] >= '0' && v[i] <= '9' {
			n = n*10 + int(v[i]-'0')
			i++
			if i-start > 3 {
				return netip.Addr{}, "", false
			}
		}
		if i == start || n > 255 || i-start > 1 && v[start] == '0' {
			return netip.Addr{}, "", false
		}
		b[part] = byte(n)
	}
	return netip.AddrFrom4(b), v[i:], true
}

func atoiSmall(s string) int {
	n := 0
	for i := 0; i < len(s); i++ {
		n = n*10 + int(s[i]-'0')
	}
	return n
}

func isPort(s string) bool {
	if len(s) == 0 || len(s) > 5 {
		return false
	}
	n := 0
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
		n = n*10 + int(s[i]-'0')
	}
	return n <= 65535
}

// addrChars reports whether v could be an IPv6 address or [address]:port:
// only hex digits, ':', '.', '[', ']' and at least one ':'.
func addrChars(v string) bool {
	colon := false
	for i := 0; i < len(v); i++ {
		c := v[i]
		switch {
		case c == ':':
			colon = true
		case c >= '0' && c <= '9' || isHexLetter(c) || c == '.' || c == '[' || c == ']':
		default:
			return false
		}
	}
	return colon
}

func isHexLetter(c byte) bool { return c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F' }

func isHex(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= '0' && c <= '9' || isHexLetter(c)) {
			return false
		}
	}
	return true
}

func isScheme(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i] | 0x20
		if !(c >= 'a' && c <= 'z' || i > 0 && (s[i] >= '0' && s[i] <= '9' || s[i] == '+' || s[i] == '-' || s[i] == '.')) {
			return false
		}
	}
	return true
}

func validLocal(s string) bool {
	if len(s) > 64 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c <= ' ' || c == '@' || c == '<' || c == '>' || c == '(' || c == ')' || c == ',' || c == ';' || c == ':' || c == '"' || c == '\\' || c == '[' || c == ']' || c == 0x7f {
			return false
		}
	}
	return true
}

// looksDomain reports whether s has the shape of a host name with at least two
// labels and a last label that is not all digits (so "1.2.3" is not a domain).
// Non-ASCII labels are accepted here and converted to punycode by
// NormalizeDomain.
func looksDomain(s string) bool {
	if len(s) > 0 && s[len(s)-1] == '.' {
		s = s[:len(s)-1]
	}
	if len(s) < 3 || len(s) > 253 {
		return false
	}
	dots, labelLen, alphaInLast := 0, 0, false
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '.':
			if labelLen == 0 || s[i-1] == '-' {
				return false
			}
			dots++
			labelLen = 0
			alphaInLast = false
			continue
		case c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= 0x80:
			alphaInLast = true
		case c >= '0' && c <= '9' || c == '_':
		case c == '-':
			if labelLen == 0 {
				return false
			}
		default:
			return false
		}
		labelLen++
		if labelLen > 63 {
			return false
		}
	}
	return dots > 0 && labelLen > 0 && alphaInLast && s[len(s)-1] != '-'
}
