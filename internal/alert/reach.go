package alert

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"strings"
	"syscall"
	"time"
)

// Reach decides where webhooks may be posted: never inside the hub's own
// network (loopback, link-local, private, unique-local, cloud metadata and
// the other special-purpose ranges below), unless the hub administrator
// allows a range (serve --webhook-allow). A member registering a webhook
// must not be able to make the hub post to its own admin interfaces or to a
// metadata service.
//
// A URL is checked when it is registered, and the address is checked again
// each time a delivery dials it: a name that resolved outside at
// registration may resolve inside later (DNS rebinding), so the check that
// counts is on the address actually dialed (net.Dialer.Control), after
// resolution, for every connection including redirects. No proxy is used,
// so the address dialed is the webhook's own.
type Reach struct {
	// Allow lists ranges the hub administrator lets webhooks reach although
	// they are inside; empty allows none.
	Allow []netip.Prefix
	// Resolver looks host names up; nil is the system resolver. Tests set
	// one so that a name can resolve to a loopback address without DNS.
	Resolver Resolver
}

// Resolver looks up the addresses of a host name (*net.Resolver is one).
type Resolver interface {
	LookupNetIP(ctx context.Context, network, host string) ([]netip.Addr, error)
}

// inside are the ranges no webhook may reach unless allowed, with the name
// given in refusals.
var inside = []struct {
	prefix netip.Prefix
	name   string
}{
	{netip.MustParsePrefix("0.0.0.0/8"), "this network"},
	{netip.MustParsePrefix("10.0.0.0/8"), "private"},
	{netip.MustParsePrefix("100.64.0.0/10"), "shared (carrier-grade NAT, cloud metadata)"},
	{netip.MustParsePrefix("127.0.0.0/8"), "loopback"},
	{netip.MustParsePrefix("169.254.0.0/16"), "link-local (cloud metadata)"},
	{netip.MustParsePrefix("172.16.0.0/12"), "private"},
	{netip.MustParsePrefix("192.0.0.0/24"), "IETF protocol assignments"},
	{netip.MustParsePrefix("192.168.0.0/16"), "private"},
	{netip.MustParsePrefix("198.18.0.0/15"), "benchmarking"},
	{netip.MustParsePrefix("224.0.0.0/4"), "multicast"},
	{netip.MustParsePrefix("240.0.0.0/4"), "reserved"},
	{netip.MustParsePrefix("168.63.129.16/32"), "cloud metadata (Azure)"},
	{netip.MustParsePrefix("::/128"), "unspecified"},
	{netip.MustParsePrefix("::1/128"), "loopback"},
	{netip.MustParsePrefix("fc00::/7"), "unique-local (cloud metadata)"},
	{netip.MustParsePrefix("fe80::/10"), "link-local"},
	{netip.MustParsePrefix("fec0::/10"), "site-local"},
	{netip.MustParsePrefix("ff00::/8"), "multicast"},
}

// nat64 is the well-known NAT64 prefix: its addresses reach the IPv4
// address in their last 32 bits, which is checked instead.
var nat64 = netip.MustParsePrefix("64:ff9b::/96")

// Refused says why a webhook may not reach addr, or "" when it may.
func (r *Reach) Refused(addr netip.Addr) string {
	if !addr.IsValid() {
		return "no address"
	}
	addr = addr.Unmap().WithZone("") // a prefix never contains a zoned address

	if nat64.Contains(addr) {
		b := addr.As16()
		addr = netip.AddrFrom4([4]byte(b[12:]))
	}
	for _, p := range r.Allow {
		if p.Contains(addr) {
			return ""
		}
	}
	for _, in := range inside {
		if in.prefix.Contains(addr) {
			return fmt.Sprintf("%s is a %s address, inside the hub's network", addr, in.name)
		}
	}
	return ""
}

// ErrInside is wrapped around refusals of an address inside the hub's
// network.
var ErrInside = errors.New("webhooks may not reach inside the hub's network (the hub administrator can allow a range with serve --webhook-allow)")

// CheckURL accepts an http(s) URL with a host and no credentials whose host
// is not inside the hub's network: an address inside, "localhost", or a
// name that resolves to an address inside is refused. A name that does not
// resolve now is accepted; each delivery checks the address it dials.
func (r *Reach) CheckURL(ctx context.Context, raw string) error {
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Hostname() == "" {
		return fmt.Errorf("%q is not an http(s) URL", raw)
	}
	if u.User != nil {
		return fmt.Errorf("%q: put no credentials in the URL; the body is signed with the webhook's secret", raw)
	}
	host := strings.TrimSuffix(strings.ToLower(u.Hostname()), ".")
	if a, err := netip.ParseAddr(host); err == nil {
		if why := r.Refused(a); why != "" {
			return fmt.Errorf("%q: %s: %w", raw, why, ErrInside)
		}
		return nil
	}
	if last := host[strings.LastIndexByte(host, '.')+1:]; numeric(last) {
		// 127.1, 2130706433, 0x7f.1: resolvers read these as addresses.
		return fmt.Errorf("%q: %s is an IP address in a non-standard form; write it as a.b.c.d or an IPv6 address", raw, host)
	}
	if host == "localhost" || strings.HasSuffix(host, ".localhost") {
		return fmt.Errorf("%q: %s names this machine: %w", raw, host, ErrInside)
	}
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	addrs, err := r.resolver().LookupNetIP(ctx, "ip", host)
	if err != nil {
		return nil
	}
	for _, a := range addrs {
		if why := r.Refused(a); why != "" {
			return fmt.Errorf("%q: %s resolves to %s: %w", raw, host, why, ErrInside)
		}
	}
	return nil
}

// numeric says whether a host name label is a number (decimal, octal or
// hex), which no top-level domain is.
func numeric(label string) bool {
	hex := strings.HasPrefix(label, "0x")
	if hex {
		label = label[2:]
	}
	if label == "" {
		return hex
	}
	for _, c := range label {
		if (c < '0' || c > '9') && (!hex || c < 'a' || c > 'f') {
			return false
		}
	}
	return true
}

func (r *Reach) resolver() Resolver {
	if r.Resolver != nil {
		return r.Resolver
	}
	return net.DefaultResolver
}

// Client returns an HTTP client whose every connection goes to an address
// the webhook may reach, checked on the address dialed.
func (r *Reach) Client(timeout time.Duration) *http.Client {
	d := &net.Dialer{Timeout: timeout, Control: func(network, address string, _ syscall.RawConn) error {
		ap, err := netip.ParseAddrPort(address)
		if err != nil {
			return fmt.Errorf("dial %s: %w", address, err)
		}
		if why := r.Refused(ap.Addr()); why != "" {
			return fmt.Errorf("dial %s: %s: %w", address, why, ErrInside)
		}
		return nil
	}}
	dial := func(ctx context.Context, network, address string) (net.Conn, error) {
		host, port, err := net.SplitHostPort(address)
		if err != nil {
			return nil, err
		}
		var addrs []netip.Addr
		if a, err := netip.ParseAddr(host); err == nil {
			addrs = []netip.Addr{a}
		} else if addrs, err = r.resolver().LookupNetIP(ctx, "ip", host); err != nil {
			return nil, err
		}
		var last error
		for _, a := range addrs {
			c, err := d.DialContext(ctx, network, net.JoinHostPort(a.Unmap().String(), port))
			if err == nil {
				return c, nil
			}
			last = err
		}
		if last == nil {
			last = fmt.Errorf("%s has no address", host)
		}
		return nil, last
	}
	return &http.Client{Timeout: timeout, Transport: &http.Transport{
		Proxy:               nil, // the address dialed must be the webhook's own
		DialContext:         dial,
		ForceAttemptHTTP2:   true,
		MaxIdleConnsPerHost: 2,
		IdleConnTimeout:     90 * time.Second,
		TLSHandshakeTimeout: timeout,
	}}
}
