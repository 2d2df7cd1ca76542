package match

import (
	"net/netip"
	"time"
)

// batchSize is how many addresses MatchAddrs looks up together.
const batchSize = 64

// MatchAddrs matches a batch of addresses (for flows: source and destination
// of many records) and calls fn with the index of the address in addrs for
// every hit. It gives the same hits as calling MatchAddr on each address.
//
// Why a batch: with millions of indicators the prefilter and the table do not
// fit in the CPU caches, and one lookup costs a memory round trip (~100 ns).
// Looking up 64 addresses in two passes — first load every prefilter word
// (independent loads the CPU overlaps), then probe the table only for the few
// that pass — keeps many memory accesses in flight instead of one.
func (s *Set) MatchAddrs(addrs []netip.Addr, at time.Time, fn func(i int, h Hit)) int {
	n := 0
	var keys [batchSize]uint32
	var words [batchSize]uint64
	var bits [batchSize]uint64
	var is4 [batchSize]bool
	t := s.v4
	for base := 0; base < len(addrs); base += batchSize {
		block := addrs[base:min(base+batchSize, len(addrs))]
		// Pass 1: gather the prefilter words.
		for i, a := range block {
			is4[i] = a.Is4()
			if !is4[i] {
				continue
			}
			k := ipv4Key(a)
			keys[i] = k
			f := t.filterBit(k)
			bits[i] = 1 << (f & 63)
			words[i] = t.filter[f>>6]
		}
		// Pass 2: probe the table for addresses that passed, and handle the
		// rest (IPv6, CIDRs) one by one.
		for i, a := range block {
			idx := base + i
			if is4[i] {
				if words[i]&bits[i] != 0 {
					if ref, ok := t.probe(keys[i]); ok {
						n += s.emit(ref, at, Hit{Kind: IP, Prefix: netip.PrefixFrom(a, 32)}, func(h Hit) { fn(idx, h) })
					}
				}
				if s.cidr != nil {
					n += s.matchCIDR(a, at, func(h Hit) { fn(idx, h) })
				}
				continue
			}
			n += s.MatchAddr(a, at, func(h Hit) { fn(idx, h) })
		}
	}
	return n
}

// probe looks k up in the slots, after the prefilter said it may be there.
func (t *addr4Table) probe(k uint32) (uint32, bool) {
	mask := uint64(len(t.slots) - 1)
	for i := t.home(k); ; i = (i + 1) & mask {
		s := t.slots[i]
		if s == 0 {
			return 0, false
		}
		if uint32(s>>32) == k {
			return uint32(s) - 1, true
		}
	}
}

func (s *Set) matchCIDR(a netip.Addr, at time.Time, fn func(Hit)) int {
	n := 0
	if li, ok := s.cidr.Lookup(a); ok {
		for _, r := range s.cidrList(li) {
			n += s.emit(r.prov, at, Hit{Kind: CIDR, Prefix: s.cidrPfx[r.pfx]}, fn)
		}
	}
	return n
}
