package match

import (
	"cmp"
	"net/netip"
	"slices"
	"sync/atomic"
	"time"

	"github.com/gaissmai/bart"
)

const (
	multiBit = 1 << 31
	numKinds = int(SHA512) + 1
)

// Set is a compiled, immutable set of indicators. All methods are safe for
// concurrent use; the Match methods do not allocate for ASCII input.
type Set struct {
	prov  []Indicator
	multi [][]uint32 // provenance lists for values given by several indicators

	v4 *addr4Table
	v6 *addr6Table

	// cidr maps each prefix to its index in cidrPfx; cidrSpan[i] (offset<<32
	// | length) selects the run of cidrRefs holding the prefix's own
	// indicators first, then those of every shorter prefix containing it, so
	// that one longest-prefix lookup finds all containing prefixes. Flat
	// arrays of small integers keep a CIDR at about 60 bytes.
	cidr     *bart.Table[uint32]
	cidrPfx  []netip.Prefix
	cidrSpan []uint64
	cidrRefs []cidrRef

	exact [numKinds]map[string]uint32 // Domain, URL, Email and hash kinds

	rules   []*Rule
	ruleIdx *ruleIndex

	// domainFilter has one bit set per domain indicator (by domainHash);
	// a candidate suffix whose bit is clear is skipped without a map lookup.
	domainFilter []uint64
	domainMask   uint64

	counts [numKinds]int
}

// cidrRef is one indicator of one prefix: indexes into cidrPfx and prov.
type cidrRef struct{ pfx, prov uint32 }

// cidrList returns the refs of prefix i: its own, then its ancestors'.
func (s *Set) cidrList(i uint32) []cidrRef {
	sp := s.cidrSpan[i]
	off := sp >> 32
	return s.cidrRefs[off : off+sp&0xffffffff]
}

// Indicators returns the provenance table; Hit.Indicator points into it.
func (s *Set) Indicators() []Indicator { return s.prov }

// Count returns how many distinct values of kind k the set holds (IP counts
// IPv4 and IPv6 addresses).
func (s *Set) Count(k Kind) int { return s.counts[k] }

// Len returns the number of distinct values in the set, plus stateful rules.
func (s *Set) Len() int {
	n := len(s.rules)
	for _, c := range s.counts {
		n += c
	}
	return n
}

func (s *Set) buildPrefixes(entries []kvPfx) {
	if len(entries) == 0 {
		return
	}
	// Shorter prefixes first: when a prefix is inserted, every prefix that
	// contains it is already in the table and its list is complete.
	slices.SortFunc(entries, func(x, y kvPfx) int {
		if c := cmp.Compare(x.pfx.Bits(), y.pfx.Bits()); c != 0 {
			return c
		}
		return x.pfx.Addr().Compare(y.pfx.Addr())
	})
	s.cidr = new(bart.Table[uint32])
	for i := 0; i < len(entries); {
		j := i + 1
		for j < len(entries) && entries[j].pfx == entries[i].pfx {
			j++
		}
		p := entries[i].pfx
		pi := uint32(len(s.cidrPfx))
		off := len(s.cidrRefs)
		for _, e := range entries[i:j] {
			if !slices.Contains(s.cidrRefs[off:], cidrRef{pi, e.prov}) {
				s.cidrRefs = append(s.cidrRefs, cidrRef{pi, e.prov})
			}
		}
		if parent, ok := s.cidr.LookupPrefix(p); ok {
			s.cidrRefs = append(s.cidrRefs, s.cidrList(parent)...)
		}
		s.cidrPfx = append(s.cidrPfx, p)
		s.cidrSpan = append(s.cidrSpan, uint64(off)<<32|uint64(len(s.cidrRefs)-off))
		s.cidr.Insert(p, pi)
		i = j
	}
	s.cidrRefs = slices.Clip(s.cidrRefs)
}

// emit calls fn for every active indicator behind ref and returns how many.
func (s *Set) emit(ref uint32, at time.Time, h Hit, fn func(Hit)) int {
	if ref&multiBit == 0 {
		ind := &s.prov[ref]
		if !ind.ActiveAt(at) {
			return 0
		}
		h.Indicator = ind
		fn(h)
		return 1
	}
	n := 0
	for _, p := range s.multi[ref&^multiBit] {
		ind := &s.prov[p]
		if ind.ActiveAt(at) {
			h.Indicator = ind
			fn(h)
			n++
		}
	}
	return n
}

// MatchAddr calls fn for every indicator matching address a: the address
// itself and every CIDR containing it. at is the time of the observation
// (zero: check revocation only). It returns the number of hits.
func (s *Set) MatchAddr(a netip.Addr, at time.Time, fn func(Hit)) int {
	n := 0
	if a.Is4() {
		if ref, ok := s.v4.get(ipv4Key(a)); ok {
			n += s.emit(ref, at, Hit{Kind: IP, Prefix: netip.PrefixFrom(a, 32)}, fn)
		}
	} else if a.Is4In6() {
		return s.MatchAddr(a.Unmap(), at, fn)
	} else {
		if ref, ok := s.v6.get(a.As16()); ok {
			n += s.emit(ref, at, Hit{Kind: IP, Prefix: netip.PrefixFrom(a, 128)}, fn)
		}
	}
	if s.cidr != nil {
		if li, ok := s.cidr.Lookup(a); ok {
			for _, r := range s.cidrList(li) {
				n += s.emit(r.prov, at, Hit{Kind: CIDR, Prefix: s.cidrPfx[r.pfx]}, fn)
			}
		}
	}
	return n
}

// MatchPrefix calls fn for indicators on exactly prefix p or on a prefix containing it.
func (s *Set) MatchPrefix(p netip.Prefix, at time.Time, fn func(Hit)) int {
	if p.IsSingleIP() {
		return s.MatchAddr(p.Addr(), at, fn)
	}
	if s.cidr == nil {
		return 0
	}
	n := 0
	if li, ok := s.cidr.LookupPrefix(p.Masked()); ok {
		for _, r := range s.cidrList(li) {
			n += s.emit(r.prov, at, Hit{Kind: CIDR, Prefix: s.cidrPfx[r.pfx]}, fn)
		}
	}
	return n
}

// MatchExact looks up an already normalized URL, e-mail or hash value.
func (s *Set) matchExact(k Kind, v string, at time.Time, fn func(Hit)) int {
	m := s.exact[k]
	if m == nil {
		return 0
	}
	if ref, ok := m[v]; ok {
		return s.emit(ref, at, Hit{Kind: k, Value: v}, fn)
	}
	return 0
}

// MatchHash matches an MD5, SHA-1, SHA-256 or SHA-512 hex digest in any case.
func (s *Set) MatchHash(h string, at time.Time, fn func(Hit)) int {
	var k Kind
	switch len(h) {
	case 32:
		k = MD5
	case 40:
		k = SHA1
	case 64:
		k = SHA256
	case 128:
		k = SHA512
	default:
		return 0
	}
	if s.exact[k] == nil {
		return 0
	}
	var buf [128]byte
	lowered := false
	for i := 0; i < len(h); i++ {
		c := h[i]
		if c >= 'A' && c <= 'Z' {
			c += 'a' - 'A'
			lowered = true
		}
		buf[i] = c
	}
	if ref, ok := s.exact[k][string(buf[:len(h)])]; ok {
		v := h
		if lowered {
			v = string(buf[:len(h)]) // only on a hit
		}
		return s.emit(ref, at, Hit{Kind: k, Value: v}, fn)
	}
	return 0
}

// MatchValue classifies v and matches it as what it looks like: addresses
// (also "ip:port") against IP and CIDR indicators; domains against domain
// indicators and their parents; URLs exactly and by host; e-mail addresses
// exactly and by domain; hashes exactly. It returns v's kind and the number
// of hits.
func (s *Set) MatchValue(v string, at time.Time, fn func(Hit)) (Kind, int) {
	// Addresses are the most common values in logs: parse them once here
	// rather than in Classify and again for the lookup. (No hash digest
	// starts with a digit and parses as an address: digests have no '.' or ':'.)
	if len(v) > 1 && v[0] >= '0' && v[0] <= '9' && len(v) <= 21 {
		if a, ok := parseAddrPort(v); ok {
			return IP, s.MatchAddr(a, at, fn)
		}
	}
	k := Classify(v)
	switch k {
	case IP:
		a, _ := parseAddrPort(v)
		return k, s.MatchAddr(a, at, fn)
	case CIDR:
		p, _ := parsePrefixLoose(v)
		return k, s.MatchPrefix(p, at, fn)
	case Domain:
		return k, s.MatchDomain(v, at, fn)
	case URL:
		return k, s.MatchURL(v, at, fn)
	case Email:
		return k, s.MatchEmail(v, at, fn)
	case MD5, SHA1, SHA256, SHA512:
		return k, s.MatchHash(v, at, fn)
	}
	return k, 0
}

// Matcher holds the current Set; Swap replaces it atomically, so that
// indicator updates never pause matching. The zero Matcher matches nothing.
type Matcher struct {
	p atomic.Pointer[Set]
}

// Swap installs s and returns the previous Set.
func (m *Matcher) Swap(s *Set) *Set { return m.p.Swap(s) }

// Set returns the current Set, or an empty one. Callers matching a batch of
// records should call it once per batch, so the whole batch sees one Set.
func (m *Matcher) Set() *Set {
	if s := m.p.Load(); s != nil {
		return s
	}
	return emptySet
}

var emptySet = NewBuilder().Build()
