package telemetry

import (
	"bufio"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"math/bits"
	"net/netip"
	"strconv"
	"strings"

	"renkei/internal/store"
)

// RangeLineError is a line of a range list that could not be read.
type RangeLineError struct {
	Line int
	Text string
	Msg  string
}

func (e *RangeLineError) Error() string { return fmt.Sprintf("line %d: %q: %s", e.Line, e.Text, e.Msg) }

// maxRangeLines bounds a range list: the APNIC delegated file has about 80k lines.
const maxRangeLines = 2_000_000

// ParseRanges reads a list of domestic ranges: either CIDR prefixes, one per
// line, or an RIR "delegated" statistics file (APNIC's delegated-apnic-extended
// format: registry|cc|type|start|value|date|status…), from which the lines of
// country cc are taken (IPv4 value is a count of addresses, IPv6 value a
// prefix length). '#' starts a comment. Bad lines are returned as errors with
// their number; the version is a digest of the prefixes.
func ParseRanges(r io.Reader, cc string) (prefixes []netip.Prefix, version string, bad []error, err error) {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	h := sha256.New()
	n := 0
	for sc.Scan() {
		n++
		if n > maxRangeLines {
			return nil, "", bad, fmt.Errorf("more than %d lines", maxRangeLines)
		}
		line := strings.TrimSpace(sc.Text())
		if i := strings.IndexByte(line, '#'); i >= 0 {
			line = strings.TrimSpace(line[:i])
		}
		if line == "" {
			continue
		}
		var ps []netip.Prefix
		if strings.Contains(line, "|") {
			var perr error
			ps, perr = delegatedLine(line, cc)
			if perr != nil {
				bad = append(bad, &RangeLineError{n, line, perr.Error()})
				continue
			}
		} else {
			p, perr := netip.ParsePrefix(line)
			if perr != nil {
				a, aerr := netip.ParseAddr(line)
				if aerr != nil {
					bad = append(bad, &RangeLineError{n, line, "not a CIDR prefix"})
					continue
				}
				p = netip.PrefixFrom(a, a.BitLen())
			}
			ps = []netip.Prefix{p.Masked()}
		}
		for _, p := range ps {
			prefixes = append(prefixes, p)
			h.Write([]byte(p.String()))
			h.Write([]byte{'\n'})
		}
	}
	if err := sc.Err(); err != nil {
		return nil, "", bad, fmt.Errorf("line %d: %w", n+1, err)
	}
	return prefixes, hex.EncodeToString(h.Sum(nil))[:16], bad, nil
}

// delegatedLine reads one line of an RIR delegated file; lines of other
// countries, summaries and headers give nothing.
func delegatedLine(line, cc string) ([]netip.Prefix, error) {
	f := strings.Split(line, "|")
	if len(f) < 7 || !strings.EqualFold(f[1], cc) || (f[2] != "ipv4" && f[2] != "ipv6") {
		return nil, nil // header, summary, asn, or another country
	}
	if f[6] != "allocated" && f[6] != "assigned" {
		return nil, nil
	}
	start, err := netip.ParseAddr(f[3])
	if err != nil {
		return nil, fmt.Errorf("start %q is not an address", f[3])
	}
	v, err := strconv.ParseUint(f[4], 10, 64)
	if err != nil || v == 0 {
		return nil, fmt.Errorf("value %q is not a positive number", f[4])
	}
	if f[2] == "ipv6" {
		if v > 128 || !start.Is6() {
			return nil, fmt.Errorf("IPv6 prefix length %d", v)
		}
		return []netip.Prefix{netip.PrefixFrom(start, int(v)).Masked()}, nil
	}
	if !start.Is4() || v > 1<<32 {
		return nil, fmt.Errorf("IPv4 count %d from %s", v, start)
	}
	// An IPv4 count need not be a power of two: cover it with aligned prefixes.
	var out []netip.Prefix
	b := start.As4()
	cur := uint64(b[0])<<24 | uint64(b[1])<<16 | uint64(b[2])<<8 | uint64(b[3])
	end := cur + v
	if end > 1<<32 {
		return nil, fmt.Errorf("IPv4 range from %s of %d addresses runs past the end", start, v)
	}
	for cur < end {
		size := uint64(1) << bits.TrailingZeros64(cur|1<<32)
		for size > end-cur {
			size >>= 1
		}
		a := netip.AddrFrom4([4]byte{byte(cur >> 24), byte(cur >> 16), byte(cur >> 8), byte(cur)})
		out = append(out, netip.PrefixFrom(a, 32-bits.TrailingZeros64(size)))
		cur += size
	}
	return out, nil
}

// SaveRanges stores a new version of the list and makes it current.
func SaveRanges(ctx context.Context, db *store.DB, version string, prefixes []netip.Prefix) error {
	ps := make([]string, len(prefixes))
	for i, p := range prefixes {
		ps[i] = p.String()
	}
	return db.SaveDomesticRanges(ctx, version, ps)
}

// LoadRanges loads the current version of the list; nil when none was loaded.
func LoadRanges(ctx context.Context, db *store.DB) (*Ranges, error) {
	v, stored, err := db.DomesticRanges(ctx)
	if err != nil || v == "" {
		return nil, err
	}
	ps := make([]netip.Prefix, 0, len(stored))
	for _, s := range stored {
		p, err := netip.ParsePrefix(s)
		if err != nil {
			return nil, fmt.Errorf("stored range %q: %w", s, err)
		}
		ps = append(ps, p)
	}
	return NewRanges(v, ps), nil
}
