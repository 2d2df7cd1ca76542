package export

import (
	"bufio"
	"encoding/csv"
	"fmt"
	"slices"
	"sort"
	"strings"
	"time"

	"renkei/internal/match"
)

// writeZeek writes a Zeek intel framework file. Zeek's DOMAIN indicators
// match exact names only; URLs are written without the scheme, as Zeek's
// HTTP::build_url gives them.
//
// Zeek keeps one meta record per indicator, type and meta.source: a second
// line with the same value replaces the first. So each value is written once,
// and its meta.desc names every indicator that gives it, with its TLP
// ("indicator--a… TLP:AMBER, list:feed.txt"). Entries come sorted, so a value
// given by several indicators comes in a run; URLs, which lose their scheme,
// are gathered until their run of entries ends.
func writeZeek(w *bufio.Writer, entries func(func(match.Entry)), opt Options) Result {
	var res Result
	fmt.Fprintf(w, "#fields\tindicator\tindicator_type\tmeta.source\tmeta.desc\n")
	type line struct {
		v, typ string
		descs  []string
	}
	write := func(l *line) {
		fmt.Fprintf(w, "%s\t%s\t%s\t%s\n", l.v, l.typ, zeekField(opt.Source), zeekField(strings.Join(l.descs, ", ")))
		res.Written++
	}
	var cur *line
	var urls []*line
	urlAt := map[string]*line{}
	flush := func() {
		if cur != nil {
			write(cur)
			cur = nil
		}
		for _, l := range urls {
			write(l)
		}
		urls, urlAt = nil, map[string]*line{}
	}
	entries(func(e match.Entry) {
		var typ, v string
		switch e.Kind {
		case match.IP:
			typ, v = "Intel::ADDR", e.Value
		case match.CIDR:
			typ, v = "Intel::SUBNET", e.Value
		case match.Domain:
			typ, v = "Intel::DOMAIN", e.Value
		case match.URL:
			_, rest, _ := strings.Cut(e.Value, "://")
			typ, v = "Intel::URL", rest
		case match.Email:
			typ, v = "Intel::EMAIL", e.Value
		case match.MD5, match.SHA1, match.SHA256, match.SHA512:
			typ, v = "Intel::FILE_HASH", e.Value
		default:
			res.skip(e.Kind)
			return
		}
		if strings.ContainsAny(v, "\t\n") {
			res.skip(e.Kind)
			return
		}
		desc := indicatorName(e.Indicator)
		if e.Indicator.TLP != "" {
			desc += " TLP:" + strings.ToUpper(e.Indicator.TLP)
		}
		var l *line
		switch {
		case typ == "Intel::URL" && urlAt[v] != nil:
			l = urlAt[v]
		case typ == "Intel::URL":
			if cur != nil {
				write(cur)
				cur = nil
			}
			l = &line{v: v, typ: typ}
			urls = append(urls, l)
			urlAt[v] = l
		case cur != nil && cur.v == v && cur.typ == typ:
			l = cur
		default:
			flush()
			cur = &line{v: v, typ: typ}
			l = cur
		}
		if !slices.Contains(l.descs, desc) {
			l.descs = append(l.descs, desc)
		}
	})
	flush()
	return res
}

func zeekField(s string) string {
	s = strings.NewReplacer("\t", " ", "\n", " ").Replace(s)
	if s == "" {
		return "-"
	}
	return s
}

// writeRPZ writes a DNS response policy zone: each domain and its subdomains
// get NXDOMAIN (CNAME .), and answers holding an IPv4 address inside an
// address indicator (IPv4 or IPv6) are blocked through rpz-ip triggers.
func writeRPZ(w *bufio.Writer, entries func(func(match.Entry)), opt Options) Result {
	var res Result
	serial := opt.At.Unix()
	fmt.Fprintf(w, "; %s response policy zone, generated %s\n", opt.Source, opt.At.UTC().Format(time.RFC3339))
	fmt.Fprintf(w, "$TTL 300\n@ IN SOA localhost. hostmaster.%s. ( %d 3600 600 86400 300 )\n@ IN NS localhost.\n", strings.TrimSuffix(opt.Zone, "."), serial)
	// Entries come sorted, so a value given by several indicators comes in
	// a run: writing it once needs only the previous name.
	last := ""
	entries(func(e match.Entry) {
		var name, line string
		switch e.Kind {
		case match.Domain:
			name = e.Value
			line = name + " CNAME .\n*." + name + " CNAME .\n"
		case match.IP, match.CIDR:
			name, _ = rpzIP(e.Prefix)
			line = name + " CNAME .\n"
		default:
			res.skip(e.Kind)
			return
		}
		if name == last {
			return
		}
		last = name
		w.WriteString(line)
		res.Written++
	})
	return res
}

// writeCSV writes every value with its provenance.
func writeCSV(w *bufio.Writer, entries func(func(match.Entry))) (Result, error) {
	var res Result
	cw := csv.NewWriter(w)
	_ = cw.Write([]string{"value", "kind", "indicator", "pattern", "tlp", "valid_from", "valid_until"})
	ts := func(t time.Time) string {
		if t.IsZero() {
			return ""
		}
		return t.UTC().Format(time.RFC3339)
	}
	var err error
	entries(func(e match.Entry) {
		ind := e.Indicator
		if err == nil {
			err = cw.Write([]string{e.Value, e.Kind.String(), ind.ID, ind.Pattern, ind.TLP, ts(ind.ValidFrom), ts(ind.ValidUntil)})
			res.Written++
		}
	})
	if err != nil {
		return res, err
	}
	cw.Flush()
	return res, cw.Error()
}

// SkippedText describes what an export left out, for a summary line.
func (r Result) SkippedText() string {
	if len(r.Skipped) == 0 {
		return ""
	}
	var parts []string
	for k, n := range r.Skipped {
		parts = append(parts, fmt.Sprintf("%d %s", n, k))
	}
	sort.Strings(parts)
	return strings.Join(parts, ", ")
}
