package match

import (
	"bytes"
	"cmp"
	"net/netip"
	"slices"
	"strings"
	"time"
)

// Entry is one compiled value with its provenance, as Each lists them.
type Entry struct {
	Kind      Kind
	Value     string       // canonical text: "192.0.2.1", "10.0.0.0/8", "evil.example", a URL, …
	Prefix    netip.Prefix // for IP and CIDR
	Indicator *Indicator
}

// Each calls fn for every value of the set whose indicator is active at time
// at (zero: not revoked), one call per (value, indicator), ordered by kind
// (IP, CIDR, domain, URL, e-mail, hashes), then address or text, then
// indicator id. It is for exports, not for matching: it walks the whole set,
// but holds only 8 bytes per value besides what fn keeps, so a 10M-address
// set can be written out without copying it. Stateful rules are not values
// and are not listed.
func (s *Set) Each(at time.Time, fn func(Entry)) {
	emit := func(k Kind, v string, p netip.Prefix, ref uint32) {
		one := func(pi uint32) {
			if ind := &s.prov[pi]; ind.ActiveAt(at) {
				fn(Entry{k, v, p, ind})
			}
		}
		if ref&multiBit == 0 {
			one(ref)
			return
		}
		provs := slices.Clone(s.multi[ref&^multiBit])
		slices.SortFunc(provs, func(a, b uint32) int { return strings.Compare(s.prov[a].ID, s.prov[b].ID) })
		for _, pi := range provs {
			one(pi)
		}
	}
	if s.v4 != nil {
		pairs := make([]uint64, 0, s.v4.n)
		for _, slot := range s.v4.slots {
			if slot != 0 {
				pairs = append(pairs, slot) // address in the high half: sorts by address
			}
		}
		slices.Sort(pairs)
		for _, slot := range pairs {
			k := uint32(slot >> 32)
			a := netip.AddrFrom4([4]byte{byte(k >> 24), byte(k >> 16), byte(k >> 8), byte(k)})
			emit(IP, a.String(), netip.PrefixFrom(a, 32), uint32(slot)-1)
		}
	}
	if s.v6 != nil && s.v6.n > 0 {
		type kr struct {
			k   [16]byte
			ref uint32
		}
		keys := make([]kr, 0, s.v6.n)
		s.v6.each(func(a [16]byte, ref uint32) { keys = append(keys, kr{a, ref}) })
		slices.SortFunc(keys, func(a, b kr) int { return bytes.Compare(a.k[:], b.k[:]) })
		for _, e := range keys {
			a := netip.AddrFrom16(e.k)
			emit(IP, a.String(), netip.PrefixFrom(a, 128), e.ref)
		}
	}
	if len(s.cidrPfx) > 0 {
		idx := make([]int, len(s.cidrPfx))
		for i := range idx {
			idx[i] = i
		}
		slices.SortFunc(idx, func(a, b int) int {
			pa, pb := s.cidrPfx[a], s.cidrPfx[b]
			if c := pa.Addr().Compare(pb.Addr()); c != 0 {
				return c
			}
			return cmp.Compare(pa.Bits(), pb.Bits())
		})
		for _, i := range idx {
			p := s.cidrPfx[i]
			for _, r := range s.cidrList(uint32(i)) {
				if r.pfx != uint32(i) { // the rest of the list belongs to containing prefixes
					break
				}
				if ind := &s.prov[r.prov]; ind.ActiveAt(at) {
					fn(Entry{CIDR, p.String(), p, ind})
				}
			}
		}
	}
	for k := Domain; int(k) < numKinds; k++ {
		m := s.exact[k]
		if len(m) == 0 {
			continue
		}
		keys := make([]string, 0, len(m))
		for v := range m {
			keys = append(keys, v)
		}
		slices.Sort(keys)
		for _, v := range keys {
			emit(k, v, netip.Prefix{}, m[v])
		}
	}
}

// Entries returns what Each lists, as a slice.
func (s *Set) Entries(at time.Time) []Entry {
	var out []Entry
	s.Each(at, func(e Entry) { out = append(out, e) })
	return out
}
