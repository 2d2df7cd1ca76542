package match

import (
	"strings"
	"time"
)

// Domains are stored whole in a hash set; a lookup tries the observed name and
// each parent ("a.b.example.com", "b.example.com", "example.com", "com"). To
// avoid a map lookup per parent, the suffixes are hashed from the right, label
// by label (the reversed-label order), in one pass over the name, and each
// suffix's hash is first checked in a bitset holding the hashes of all domain
// indicators. With about 16 bits per domain the bitset answers "no" for ~94%
// of the suffixes that are not indicators.

// domainHash folds the bytes of a name from right to left (FNV-1a). Hashing
// from the right lets MatchDomain get every suffix's hash in one pass.
func domainHashStep(h uint64, c byte) uint64 { return (h ^ uint64(c)) * 1099511628211 }

const domainHashInit = 14695981039346656037

func domainHash(d string) uint64 {
	h := uint64(domainHashInit)
	for i := len(d) - 1; i >= 0; i-- {
		h = domainHashStep(h, d[i])
	}
	return h
}

func (s *Set) buildDomainFilter() {
	m := s.exact[Domain]
	if len(m) == 0 {
		return
	}
	bits := uint64(1 << 12)
	for bits < uint64(len(m))*16 {
		bits <<= 1
	}
	s.domainFilter = make([]uint64, bits/64)
	s.domainMask = bits - 1
	for d := range m {
		h := domainHash(d) & s.domainMask
		s.domainFilter[h>>6] |= 1 << (h & 63)
	}
}

// MatchDomain calls fn for every domain indicator equal to d or to one of its
// parent domains. d may be in any case and may end with a dot; non-ASCII names
// are converted to punycode (that path allocates).
func (s *Set) MatchDomain(d string, at time.Time, fn func(Hit)) int {
	if s.domainFilter == nil {
		return 0
	}
	if h, ok := stripPort(d); ok {
		d = h
	}
	d = strings.TrimSuffix(d, ".")
	if len(d) == 0 || len(d) > 253 {
		return 0
	}
	var buf [253]byte
	for i := 0; i < len(d); i++ {
		c := d[i]
		if c >= 0x80 {
			n, err := NormalizeDomain(d)
			if err != nil {
				return 0
			}
			return s.matchDomainLower([]byte(n), d, at, fn)
		}
		if c >= 'A' && c <= 'Z' {
			c += 'a' - 'A'
		}
		buf[i] = c
	}
	return s.matchDomainLower(buf[:len(d)], d, at, fn)
}

// matchDomainLower walks the lower-cased name b from the right; at every label
// boundary the hash so far is the hash of that suffix.
func (s *Set) matchDomainLower(b []byte, orig string, at time.Time, fn func(Hit)) int {
	m := s.exact[Domain]
	n := 0
	h := uint64(domainHashInit)
	for i := len(b) - 1; i >= 0; i-- {
		h = domainHashStep(h, b[i])
		if i > 0 && b[i-1] != '.' {
			continue
		}
		f := h & s.domainMask
		if s.domainFilter[f>>6]&(1<<(f&63)) == 0 {
			continue
		}
		if ref, ok := m[string(b[i:])]; ok {
			n += s.emit(ref, at, Hit{Kind: Domain, Value: domainKey(orig, b, i)}, fn)
		}
	}
	return n
}

// domainKey returns the matched suffix as a string; it shares orig's memory
// when orig was already lower case, and allocates (only on a hit) otherwise.
func domainKey(orig string, b []byte, i int) string {
	if len(orig) >= len(b) && orig[len(orig)-len(b)+i:] == string(b[i:]) {
		return orig[len(orig)-len(b)+i:]
	}
	return string(b[i:])
}

// MatchURL matches u exactly against URL indicators (after normalizing scheme,
// host, default port and fragment) and its host against domain, IP and CIDR
// indicators.
func (s *Set) MatchURL(u string, at time.Time, fn func(Hit)) int {
	scheme, host, port, rest, ok := splitURL(u)
	if !ok {
		return 0
	}
	n := 0
	if s.exact[URL] != nil {
		if canonicalURL(scheme, host, port, rest) {
			n += s.matchExact(URL, trimFragment(u), at, fn)
		} else if norm, _, err := NormalizeURL(u); err == nil {
			n += s.matchExact(URL, norm, at, fn)
		}
	}
	if a, ok := parseAddrPort(host); ok {
		n += s.MatchAddr(a, at, fn)
	} else {
		n += s.MatchDomain(host, at, fn)
	}
	return n
}

func trimFragment(u string) string {
	if i := strings.IndexByte(u, '#'); i >= 0 {
		return u[:i]
	}
	return u
}

// canonicalURL reports whether NormalizeURL would leave the URL unchanged
// (apart from the fragment), which is the common case in logs.
func canonicalURL(scheme, host, port, rest string) bool {
	if rest == "" || rest[0] != '/' || port != "" && port == defaultPorts[strings.ToLower(scheme)] {
		return false
	}
	for _, part := range [2]string{scheme, host} {
		for i := 0; i < len(part); i++ {
			if c := part[i]; c >= 'A' && c <= 'Z' || c >= 0x80 || c == '[' {
				return false
			}
		}
	}
	return true
}

// MatchEmail matches e exactly against e-mail indicators and its domain
// against domain indicators.
func (s *Set) MatchEmail(e string, at time.Time, fn func(Hit)) int {
	at_ := strings.LastIndexByte(e, '@')
	if at_ <= 0 {
		return 0
	}
	n := 0
	if m := s.exact[Email]; m != nil {
		if ref, ok := m[e]; ok {
			n += s.emit(ref, at, Hit{Kind: Email, Value: e}, fn)
		} else if hasUpperOrNonASCII(e) {
			if norm, err := NormalizeEmail(e); err == nil {
				n += s.matchExact(Email, norm, at, fn)
			}
		}
	}
	return n + s.MatchDomain(e[at_+1:], at, fn)
}

func hasUpperOrNonASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c >= 'A' && c <= 'Z' || c >= 0x80 {
			return true
		}
	}
	return false
}
