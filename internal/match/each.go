package match

import (
	"cmp"
	"net/netip"
	"slices"
	"time"
)

// Entry is one compiled value with its provenance, as Entries lists them.
type Entry struct {
	Kind      Kind
	Value     string       // canonical text: "192.0.2.1", "10.0.0.0/8", "evil.example", a URL, …
	Prefix    netip.Prefix // for IP and CIDR
	Indicator *Indicator
}

// Entries lists every value of the set whose indicator is active at time at
// (zero: not revoked), sorted by kind and value, one entry per (value,
// indicator). It walks the whole set and allocates: it is for exports, not
// for matching. Stateful rules are not included: they are not single values.
func (s *Set) Entries(at time.Time) []Entry {
	var out []Entry
	add := func(k Kind, v string, p netip.Prefix, ref uint32) {
		each := func(pi uint32) {
			ind := &s.prov[pi]
			if ind.ActiveAt(at) {
				out = append(out, Entry{k, v, p, ind})
			}
		}
		if ref&multiBit == 0 {
			each(ref)
			return
		}
		for _, pi := range s.multi[ref&^multiBit] {
			each(pi)
		}
	}
	if s.v4 != nil {
		for _, slot := range s.v4.slots {
			if slot == 0 {
				continue
			}
			k := uint32(slot >> 32)
			a := netip.AddrFrom4([4]byte{byte(k >> 24), byte(k >> 16), byte(k >> 8), byte(k)})
			add(IP, a.String(), netip.PrefixFrom(a, 32), uint32(slot)-1)
		}
	}
	for k, ref := range s.v6 {
		a := netip.AddrFrom16(k)
		add(IP, a.String(), netip.PrefixFrom(a, 128), ref)
	}
	for i, p := range s.cidrKeys {
		for _, r := range s.cidrLists[i] {
			if r.pfx == p { // a prefix's own indicators; the rest belong to its parents
				ind := &s.prov[r.prov]
				if ind.ActiveAt(at) {
					out = append(out, Entry{CIDR, p.String(), p, ind})
				}
			}
		}
	}
	for k, m := range s.exact {
		for v, ref := range m {
			add(Kind(k), v, netip.Prefix{}, ref)
		}
	}
	slices.SortFunc(out, func(a, b Entry) int {
		if c := cmp.Compare(a.Kind, b.Kind); c != 0 {
			return c
		}
		if a.Kind == IP || a.Kind == CIDR {
			if c := a.Prefix.Addr().Compare(b.Prefix.Addr()); c != 0 {
				return c
			}
			if c := cmp.Compare(a.Prefix.Bits(), b.Prefix.Bits()); c != 0 {
				return c
			}
		} else if c := cmp.Compare(a.Value, b.Value); c != 0 {
			return c
		}
		return cmp.Compare(a.Indicator.ID, b.Indicator.ID)
	})
	return out
}
