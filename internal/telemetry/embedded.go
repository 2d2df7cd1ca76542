package telemetry

import "net/netip"

// IPv6 addresses can carry an IPv4 address inside them. Traffic to such an
// address reaches the host at that IPv4 address (through a translator or a
// tunnel), so for rule C3 it is as domestic as the IPv4 address is: a
// domestic→domestic flow written with NAT64 or 6to4 addresses is still
// domestic→domestic. The forms read here, each from its specification:
//
//   - IPv4-mapped ::ffff:a.b.c.d (RFC 4291 §2.5.5.2) and IPv4-translated
//     ::ffff:0:a.b.c.d (RFC 2765 §2.1): the last 32 bits;
//   - IPv4-compatible ::a.b.c.d (RFC 4291 §2.5.5.1, deprecated): the last 32 bits;
//   - NAT64 well-known prefix 64:ff9b::/96 (RFC 6052 §2.1): the last 32 bits;
//   - NAT64 local-use prefix 64:ff9b:1::/48 (RFC 8215), in the RFC 6052 §2.2
//     layout of a /48: bits 48–63 and 72–87 hold the IPv4 address, bits
//     64–71 (the "u" octet) and the suffix (88–127) are zero; the form
//     64:ff9b:1::a.b.c.d (a /96 taken at the start of the block) is read too.
//     Any other address of 64:ff9b::/32 cannot be read unambiguously;
//   - 6to4 2002::/16 (RFC 3056 §2): bits 16–47;
//   - Teredo 2001::/32 (RFC 4380 §4): the client's IPv4 address (the public
//     address of its NAT, where traffic to it is delivered) in bits 96–127,
//     inverted (XOR 0xffffffff). Bits 32–63 name the Teredo server the
//     client qualified with, which is not on the path of its traffic and
//     says nothing of where the host is: judging by it too would let a
//     foreign host pass as domestic (and a foreign→foreign flow be kept
//     under an operator agreement) by naming a domestic server;
//   - ISATAP (RFC 5214 §6.1): an interface identifier of 0000:5efe or
//     0200:5efe followed by the IPv4 address, under any /64.
//
// 6rd (RFC 5969) and network-specific NAT64 prefixes sit inside an
// operator's own IPv6 allocation, which the list of ranges already covers.

// embedding is what an address says about the IPv4 addresses inside it.
type embedding struct {
	v4 netip.Addr // the embedded IPv4 address the host is reached at, if any
	ok bool
	// ambiguous is true when the address lies in a translation prefix but its
	// bits follow none of the layouts that prefix allows.
	ambiguous bool
}

func (e *embedding) add(b0, b1, b2, b3 byte) {
	e.v4, e.ok = netip.AddrFrom4([4]byte{b0, b1, b2, b3}), true
}

func allZero(b []byte) bool {
	for _, x := range b {
		if x != 0 {
			return false
		}
	}
	return true
}

// embeddedIPv4 returns the IPv4 address embedded in an IPv6 address a
// (already unmapped: IPv4-mapped addresses arrive here as IPv4).
func embeddedIPv4(a netip.Addr) (e embedding) {
	b := a.As16()
	switch {
	case allZero(b[:12]): // IPv4-compatible ::a.b.c.d
		e.add(b[12], b[13], b[14], b[15])
	case allZero(b[:8]) && b[8] == 0xff && b[9] == 0xff && b[10] == 0 && b[11] == 0: // IPv4-translated ::ffff:0:a.b.c.d
		e.add(b[12], b[13], b[14], b[15])
	case b[0] == 0x00 && b[1] == 0x64 && b[2] == 0xff && b[3] == 0x9b: // 64:ff9b::/32
		switch {
		case allZero(b[4:12]): // well-known prefix 64:ff9b::/96
			e.add(b[12], b[13], b[14], b[15])
		case b[4] == 0 && b[5] == 1 && b[8] == 0 && allZero(b[11:]): // 64:ff9b:1::/48, RFC 6052 /48 layout
			e.add(b[6], b[7], b[9], b[10])
		case b[4] == 0 && b[5] == 1 && allZero(b[6:12]): // 64:ff9b:1::a.b.c.d
			e.add(b[12], b[13], b[14], b[15])
		default:
			e.ambiguous = true
		}
	case b[0] == 0x20 && b[1] == 0x02: // 6to4
		e.add(b[2], b[3], b[4], b[5])
	case b[0] == 0x20 && b[1] == 0x01 && b[2] == 0 && b[3] == 0: // Teredo: the client, not the server
		e.add(^b[12], ^b[13], ^b[14], ^b[15])
	case (b[8] == 0x00 || b[8] == 0x02) && b[9] == 0 && b[10] == 0x5e && b[11] == 0xfe: // ISATAP
		e.add(b[12], b[13], b[14], b[15])
	}
	return e
}

// domestic reports whether a is domestic: in a domestic range itself, or
// embedding an IPv4 address that is. known is false when a lies in a
// translation prefix in a form whose IPv4 address cannot be told.
func (r *Ranges) domestic(a netip.Addr) (dom, known bool) {
	a = a.Unmap()
	if r.table.Contains(a) {
		return true, true
	}
	if !a.Is6() {
		return false, true
	}
	e := embeddedIPv4(a)
	if e.ambiguous {
		return false, false
	}
	return e.ok && r.table.Contains(e.v4), true
}
