package export

import (
	"bufio"
	"fmt"
	"io"
	"net/netip"
	"strings"
	"time"

	"renkei/internal/match"
)

// Formats lists the format names Write accepts.
var Formats = []string{"edl", "edl-domains", "edl-urls", "suricata", "zeek", "rpz", "csv"}

// Options tune an export.
type Options struct {
	At       time.Time // validity is checked at this time; zero: now
	SIDBase  int       // first Suricata sid; default DefaultSIDBase
	SIDRange int       // how many sids from SIDBase rules may take; default DefaultSIDRange
	Zone     string    // RPZ zone name; default "rpz.renkei"
	Source   string    // Zeek meta.source and file comments; default "renkei"
}

// Result says what an export wrote and what it left out.
type Result struct {
	Written int            // lines (or rules) written for values
	Skipped map[string]int // values the format cannot express, by kind
}

func (r *Result) skip(k match.Kind) {
	if r.Skipped == nil {
		r.Skipped = map[string]int{}
	}
	r.Skipped[k.String()]++
}

// Write compiles inds (STIX indicators by Pattern, plain values by Given)
// and writes them to w in format. Indicators that do not compile are an
// error naming the indicator.
func Write(w io.Writer, format string, inds []match.Indicator) error {
	b := match.NewBuilder()
	for _, ind := range inds {
		var err error
		if ind.Pattern != "" {
			err = b.AddSTIX(ind)
		} else {
			err = b.AddValue(ind.Given, ind)
		}
		if err != nil {
			return fmt.Errorf("export: %w", err)
		}
	}
	_, err := WriteSet(w, format, b.Build(), Options{})
	return err
}

// WriteSet writes the values of set active at opt.At in format.
func WriteSet(w io.Writer, format string, set *match.Set, opt Options) (Result, error) {
	if opt.At.IsZero() {
		opt.At = time.Now()
	}
	if opt.SIDBase == 0 {
		opt.SIDBase = DefaultSIDBase
	}
	if opt.SIDRange == 0 {
		opt.SIDRange = DefaultSIDRange
	}
	if opt.SIDBase < 1 || opt.SIDRange < 1 || int64(opt.SIDBase)+int64(opt.SIDRange)-1 > 1<<32-1 {
		return Result{}, fmt.Errorf("suricata sids %d + %d: Suricata sids are from 1 to 4294967295", opt.SIDBase, opt.SIDRange)
	}
	if opt.Zone == "" {
		opt.Zone = "rpz.renkei"
	}
	if opt.Source == "" {
		opt.Source = "renkei"
	}
	// Entries are streamed from the set (sorted per kind), so exporting 10M
	// addresses does not copy the set; only Suricata rules, grouped by
	// indicator, collect the addresses first.
	entries := func(fn func(match.Entry)) { set.Each(opt.At, fn) }
	bw := bufio.NewWriterSize(w, 1<<16)
	var res Result
	var err error
	switch format {
	case "edl":
		res = writeEDL(bw, entries, func(e match.Entry, _ *Result) (string, bool) {
			return e.Value, e.Kind == match.IP || e.Kind == match.CIDR
		})
	case "edl-domains":
		res = writeEDL(bw, entries, func(e match.Entry, _ *Result) (string, bool) {
			return e.Value + "\n*." + e.Value, e.Kind == match.Domain
		})
	case "edl-urls":
		seen := map[string]bool{} // http:// and https:// give the same line
		res = writeEDL(bw, entries, func(e match.Entry, res *Result) (string, bool) {
			if e.Kind != match.URL {
				return "", false
			}
			_, rest, _ := strings.Cut(e.Value, "://")
			if strings.ContainsAny(rest, "*^") {
				// PAN-OS (and FortiGate) read '*' and '^' in a URL list as
				// wildcards, with no way to escape them: the entry would
				// block far more than the indicator.
				res.skip(e.Kind)
				return "", false
			}
			if seen[rest] {
				return "", false
			}
			seen[rest] = true
			return rest, true
		})
	case "suricata":
		res, err = writeSuricata(bw, set.Entries(opt.At), opt)
	case "zeek":
		res = writeZeek(bw, entries, opt)
	case "rpz":
		res = writeRPZ(bw, entries, opt)
	case "csv":
		res, err = writeCSV(bw, entries)
	default:
		return res, fmt.Errorf("unknown export format %q (want %s)", format, strings.Join(Formats, ", "))
	}
	if err != nil {
		return res, err
	}
	return res, bw.Flush()
}

// indicatorName is how an indicator is named in comments and messages: its
// STIX id, or the list it came from.
func indicatorName(ind *match.Indicator) string {
	return ind.ID
}

// writeEDL writes one value per line, deduplicated (several indicators may
// give the same value), as firewalls' external dynamic lists expect. There is
// no comment header: PAN-OS allows comments only after an entry, and
// FortiGate and others count any line that is not an entry as invalid.
func writeEDL(w *bufio.Writer, entries func(func(match.Entry)), line func(match.Entry, *Result) (string, bool)) Result {
	var res Result
	last := ""
	entries(func(e match.Entry) {
		l, ok := line(e, &res)
		if !ok || l == last {
			return
		}
		last = l
		w.WriteString(l)
		w.WriteByte('\n')
		res.Written++
	})
	return res
}

// rpzIP gives the RPZ rpz-ip owner name of a prefix: 24.0.2.0.192.rpz-ip for
// 192.0.2.0/24, and for IPv6 the prefix length and the 16-bit groups in
// reverse order with the longest run of zero groups written "zz":
// 32.zz.db8.2001.rpz-ip for 2001:db8::/32.
func rpzIP(p netip.Prefix) (string, bool) {
	a := p.Addr()
	if a.Is4() {
		b := a.As4()
		return fmt.Sprintf("%d.%d.%d.%d.%d.rpz-ip", p.Bits(), b[3], b[2], b[1], b[0]), true
	}
	b := a.As16()
	var g [8]uint16
	for i := range g {
		g[i] = uint16(b[2*i])<<8 | uint16(b[2*i+1])
	}
	// The longest run of at least two zero groups becomes "zz".
	bestStart, bestLen := -1, 1
	for i := 0; i < 8; {
		if g[i] != 0 {
			i++
			continue
		}
		j := i
		for j < 8 && g[j] == 0 {
			j++
		}
		if j-i > bestLen {
			bestStart, bestLen = i, j-i
		}
		i = j
	}
	parts := []string{fmt.Sprint(p.Bits())}
	for i := 7; i >= 0; i-- {
		if bestStart >= 0 && i >= bestStart && i < bestStart+bestLen {
			if i == bestStart {
				parts = append(parts, "zz")
			}
			continue
		}
		parts = append(parts, fmt.Sprintf("%x", g[i]))
	}
	return strings.Join(parts, ".") + ".rpz-ip", true
}
