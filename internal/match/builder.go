package match

import (
	"bytes"
	"cmp"
	"fmt"
	"net/netip"
	"slices"
	"strings"
)

// Builder collects indicator values and compiles them into a Set. It is not
// safe for concurrent use. Adding costs 8 bytes a value for IPv4 addresses
// until Build, so that 10M addresses can be compiled in a few hundred MB.
type Builder struct {
	prov  []Indicator
	v4    []kv4
	v6    []kv6
	pfx   []kvPfx
	strs  []kvStr
	rules []*Rule
}

type kv4 struct{ key, prov uint32 }
type kv6 struct {
	key  [16]byte
	prov uint32
}
type kvPfx struct {
	pfx  netip.Prefix
	prov uint32
}
type kvStr struct {
	kind Kind
	key  string
	prov uint32
}

// NewBuilder returns an empty Builder.
func NewBuilder() *Builder { return &Builder{} }

// provIndex interns ind: consecutive values with the same provenance (the
// lines of one list, the values of one pattern) share one table entry.
func (b *Builder) provIndex(ind *Indicator) uint32 {
	if n := len(b.prov); n > 0 && sameProvenance(&b.prov[n-1], ind) {
		return uint32(n - 1)
	}
	b.prov = append(b.prov, *ind)
	return uint32(len(b.prov) - 1)
}

// Len returns how many values were added.
func (b *Builder) Len() int { return len(b.v4) + len(b.v6) + len(b.pfx) + len(b.strs) + len(b.rules) }

// AddValue adds one plain indicator value (an IP, CIDR, domain, URL, e-mail
// address or MD5/SHA-1/SHA-256/SHA-512 hash, possibly defanged as
// hxxp://evil[.]example) with the provenance ind. It returns an error saying
// what text was not understood.
func (b *Builder) AddValue(text string, ind Indicator) error {
	v := refang(strings.TrimSpace(text))
	k := Classify(v)
	return b.addKind(k, v, text, &ind)
}

// addKind adds v, already classified as k.
func (b *Builder) addKind(k Kind, v, text string, ind *Indicator) error {
	switch k {
	case IP, CIDR:
		p, ok := parsePrefixLoose(v)
		if !ok {
			a, ok2 := parseAddrPort(v)
			if !ok2 {
				return fmt.Errorf("%q is not an IP address or CIDR", text)
			}
			p = netip.PrefixFrom(a, a.BitLen())
		}
		b.addPrefix(p, b.provIndex(ind))
	case Domain:
		d, err := NormalizeDomain(v)
		if err != nil {
			return err
		}
		b.strs = append(b.strs, kvStr{Domain, d, b.provIndex(ind)})
	case URL:
		u, _, err := NormalizeURL(v)
		if err != nil {
			return err
		}
		b.strs = append(b.strs, kvStr{URL, u, b.provIndex(ind)})
	case Email:
		e, err := NormalizeEmail(v)
		if err != nil {
			return err
		}
		b.strs = append(b.strs, kvStr{Email, e, b.provIndex(ind)})
	case MD5, SHA1, SHA256, SHA512:
		b.strs = append(b.strs, kvStr{k, strings.ToLower(v), b.provIndex(ind)})
	default:
		return fmt.Errorf("%q is not an IP, CIDR, domain, URL, e-mail or hash", text)
	}
	return nil
}

// AddPrefix adds an address (a full-length prefix) or CIDR prefix.
func (b *Builder) AddPrefix(p netip.Prefix, ind Indicator) {
	b.addPrefix(p, b.provIndex(&ind))
}

func (b *Builder) addPrefix(p netip.Prefix, prov uint32) {
	a := p.Addr()
	if a.Is4In6() && p.Bits() >= 96 {
		p = netip.PrefixFrom(a.Unmap(), p.Bits()-96)
		a = p.Addr()
	}
	p = p.Masked()
	switch {
	case a.Is4() && p.Bits() == 32:
		b.v4 = append(b.v4, kv4{ipv4Key(a), prov})
	case a.Is6() && p.Bits() == 128:
		b.v6 = append(b.v6, kv6{a.As16(), prov})
	default:
		b.pfx = append(b.pfx, kvPfx{p, prov})
	}
}

func ipv4Key(a netip.Addr) uint32 {
	b := a.As4()
	return uint32(b[0])<<24 | uint32(b[1])<<16 | uint32(b[2])<<8 | uint32(b[3])
}

// Build compiles everything added into an immutable Set. The Builder may be
// reused afterwards only by adding more and building again.
func (b *Builder) Build() *Set {
	s := &Set{prov: slices.Clip(b.prov)}

	// IPv4: sort, group duplicates, one table slot per distinct address.
	slices.SortFunc(b.v4, func(x, y kv4) int { return cmp.Compare(x.key, y.key) })
	distinct := 0
	for i := range b.v4 {
		if i == 0 || b.v4[i].key != b.v4[i-1].key {
			distinct++
		}
	}
	s.v4 = newAddr4Table(distinct)
	for i := 0; i < len(b.v4); {
		j := i + 1
		for j < len(b.v4) && b.v4[j].key == b.v4[i].key {
			j++
		}
		s.v4.put(b.v4[i].key, s.refFor(b.v4[i:j], func(e kv4) uint32 { return e.prov }))
		i = j
	}

	slices.SortFunc(b.v6, func(x, y kv6) int { return bytes.Compare(x.key[:], y.key[:]) })
	distinct6 := 0
	for i := range b.v6 {
		if i == 0 || b.v6[i].key != b.v6[i-1].key {
			distinct6++
		}
	}
	s.v6 = newAddr6Table(distinct6)
	for i := 0; i < len(b.v6); {
		j := i + 1
		for j < len(b.v6) && b.v6[j].key == b.v6[i].key {
			j++
		}
		var provs []uint32
		for _, e := range b.v6[i:j] {
			provs = appendUnique(provs, e.prov)
		}
		s.v6.put(b.v6[i].key, s.refOf(provs))
		i = j
	}

	s.buildPrefixes(b.pfx)

	var groups [numKinds]map[string][]uint32
	for _, e := range b.strs {
		if groups[e.kind] == nil {
			groups[e.kind] = map[string][]uint32{}
		}
		groups[e.kind][e.key] = appendUnique(groups[e.kind][e.key], e.prov)
	}
	for k, g := range groups {
		if g == nil {
			continue
		}
		s.exact[k] = make(map[string]uint32, len(g))
		for key, provs := range g {
			s.exact[k][key] = s.refOf(provs)
		}
		s.counts[k] = len(g)
	}
	s.buildDomainFilter()
	s.counts[IP] = distinct + distinct6
	s.counts[CIDR] = len(s.cidrPfx)
	s.rules = slices.Clone(b.rules)
	if len(s.rules) > 0 {
		s.buildRuleIndex()
	}
	return s
}

func appendUnique(list []uint32, v uint32) []uint32 {
	if slices.Contains(list, v) {
		return list
	}
	return append(list, v)
}

// refFor turns a group of entries into one ref.
func (s *Set) refFor(group []kv4, prov func(kv4) uint32) uint32 {
	if len(group) == 1 {
		return prov(group[0])
	}
	var provs []uint32
	for _, e := range group {
		provs = appendUnique(provs, prov(e))
	}
	return s.refOf(provs)
}

// refOf returns a single provenance index as is, or stores a list and returns
// its index with the multi bit set.
func (s *Set) refOf(provs []uint32) uint32 {
	if len(provs) == 1 {
		return provs[0]
	}
	s.multi = append(s.multi, provs)
	return uint32(len(s.multi)-1) | multiBit
}
