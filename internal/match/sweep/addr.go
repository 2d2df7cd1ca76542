package sweep

import (
	"net/netip"

	"renkei/internal/match"
)

// addrOf returns the address in v when k is IP, so rules can tell IPv4 from IPv6.
func addrOf(k match.Kind, v string) netip.Addr {
	if k != match.IP {
		return netip.Addr{}
	}
	if a, err := netip.ParseAddr(v); err == nil {
		return a.Unmap()
	}
	if ap, err := netip.ParseAddrPort(v); err == nil {
		return ap.Addr().Unmap()
	}
	return netip.Addr{}
}
