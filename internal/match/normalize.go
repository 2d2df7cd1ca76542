package match

import (
	"fmt"
	"net/netip"
	"strings"

	"golang.org/x/net/idna"
)

// idnaProfile converts internationalized names to their ASCII (punycode) form
// the way resolvers do, so that "例え.jp" and "xn--r8jz45g.jp" are the same indicator.
var idnaProfile = idna.New(idna.MapForLookup(), idna.Transitional(false), idna.StrictDomainName(false))

// NormalizeDomain returns d in the form the domain set stores: lower case,
// without a trailing dot, internationalized labels in punycode.
func NormalizeDomain(d string) (string, error) {
	if h, ok := stripPort(d); ok {
		d = h
	}
	d = strings.TrimSuffix(d, ".")
	ascii := true
	for i := 0; i < len(d); i++ {
		if d[i] >= 0x80 {
			ascii = false
			break
		}
	}
	if !ascii {
		a, err := idnaProfile.ToASCII(d)
		if err != nil {
			return "", fmt.Errorf("domain %q: %w", d, err)
		}
		d = a
	}
	d = strings.ToLower(d)
	if !looksDomain(d) {
		return "", fmt.Errorf("%q is not a domain name", d)
	}
	return d, nil
}

// NormalizeEmail lower-cases the domain part and the local part (providers
// treat local parts case-insensitively in practice; indicators are matched the same way).
func NormalizeEmail(e string) (string, error) {
	at := strings.LastIndexByte(e, '@')
	if at <= 0 || at == len(e)-1 || !validLocal(e[:at]) {
		return "", fmt.Errorf("%q is not an e-mail address", e)
	}
	d, err := NormalizeDomain(e[at+1:])
	if err != nil {
		return "", fmt.Errorf("e-mail %q: %w", e, err)
	}
	return strings.ToLower(e[:at]) + "@" + d, nil
}

// NormalizeHash returns the lower-case hex form of a hash and its kind.
func NormalizeHash(h string) (string, Kind, error) {
	k := Classify(h)
	if !k.IsHash() {
		return "", Unknown, fmt.Errorf("%q is not an MD5, SHA-1, SHA-256 or SHA-512 hex digest", h)
	}
	return strings.ToLower(h), k, nil
}

// splitURL cuts a URL into scheme, host (without port or user info), port and
// the rest (path, query). The fragment is dropped.
func splitURL(u string) (scheme, host, port, rest string, ok bool) {
	i := strings.Index(u, "://")
	if i <= 0 || !isScheme(u[:i]) {
		return "", "", "", "", false
	}
	scheme, u = u[:i], u[i+3:]
	if j := strings.IndexByte(u, '#'); j >= 0 {
		u = u[:j]
	}
	end := strings.IndexAny(u, "/?")
	if end < 0 {
		end = len(u)
	}
	auth := u[:end]
	rest = u[end:]
	if j := strings.LastIndexByte(auth, '@'); j >= 0 {
		auth = auth[j+1:]
	}
	host = auth
	if strings.HasPrefix(auth, "[") {
		j := strings.IndexByte(auth, ']')
		if j < 0 {
			return "", "", "", "", false
		}
		host = auth[1:j]
		if strings.HasPrefix(auth[j+1:], ":") {
			port = auth[j+2:]
		}
	} else if j := strings.LastIndexByte(auth, ':'); j >= 0 {
		host, port = auth[:j], auth[j+1:]
	}
	if host == "" {
		return "", "", "", "", false
	}
	return scheme, host, port, rest, true
}

var defaultPorts = map[string]string{"http": "80", "https": "443", "ftp": "21", "ws": "80", "wss": "443"}

// NormalizeURL returns the form URL indicators are stored and looked up in:
// scheme and host in lower case (host in punycode), no default port, no
// fragment, "/" for an empty path. The path and query are kept as they are,
// since they are case-sensitive. It also returns the host, so that callers can
// match it as a domain or address.
func NormalizeURL(u string) (norm, host string, err error) {
	scheme, host, port, rest, ok := splitURL(u)
	if !ok {
		return "", "", fmt.Errorf("%q is not a URL", u)
	}
	scheme = strings.ToLower(scheme)
	if a, ok := parseAddrPort(host); ok {
		host = a.String()
		if a.Is6() {
			host = "[" + host + "]"
		}
	} else if h, err := NormalizeDomain(host); err == nil {
		host = h
	} else {
		host = strings.ToLower(host)
	}
	if port == defaultPorts[scheme] {
		port = ""
	}
	if rest == "" || rest[0] == '?' {
		rest = "/" + rest
	}
	var b strings.Builder
	b.Grow(len(scheme) + len(host) + len(port) + len(rest) + 4)
	b.WriteString(scheme)
	b.WriteString("://")
	b.WriteString(host)
	if port != "" {
		b.WriteByte(':')
		b.WriteString(port)
	}
	b.WriteString(rest)
	return b.String(), strings.Trim(host, "[]"), nil
}

// refang undoes the usual ways of making indicators safe to paste:
// hxxp://, hxxps://, fxp://, [.], (.), {.}, [dot], [@], [at], [:]//. A scheme
// is refanged only when "://" follows it: fxpck.example.jp and hxxpfoo.jp are
// names, not defanged URLs.
func refang(s string) string {
	if strings.ContainsAny(s, "[({") {
		s = strings.NewReplacer("[.]", ".", "(.)", ".", "{.}", ".", "[dot]", ".", "(dot)", ".", "[@]", "@", "[at]", "@", "[:]", ":", "[://]", "://").Replace(s)
	}
	low := strings.ToLower(s)
	for _, d := range defangedSchemes {
		if strings.HasPrefix(low, d.from) {
			return d.to + s[len(d.from):]
		}
	}
	return s
}

var defangedSchemes = []struct{ from, to string }{
	{"hxxps://", "https://"}, {"hxxp://", "http://"}, {"fxps://", "ftps://"}, {"fxp://", "ftp://"},
}

// parsePrefixLoose parses an IP or CIDR and returns it masked, IPv4-in-IPv6 unmapped.
func parsePrefixLoose(s string) (netip.Prefix, bool) {
	if i := strings.IndexByte(s, '/'); i >= 0 {
		p, err := netip.ParsePrefix(s)
		if err != nil {
			return netip.Prefix{}, false
		}
		a := p.Addr()
		bits := p.Bits()
		if a.Is4In6() && bits >= 96 {
			a, bits = a.Unmap(), bits-96
		}
		return netip.PrefixFrom(a, bits).Masked(), true
	}
	a, err := netip.ParseAddr(s)
	if err != nil || a.Zone() != "" {
		return netip.Prefix{}, false
	}
	a = a.Unmap()
	return netip.PrefixFrom(a, a.BitLen()), true
}
