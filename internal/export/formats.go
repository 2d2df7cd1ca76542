package export

import (
	"bufio"
	"encoding/csv"
	"fmt"
	"sort"
	"strings"
	"time"

	"renkei/internal/match"
)

// suricataChunk is how many addresses go in one rule's address list.
const suricataChunk = 500

// writeSuricata writes address rules (one per indicator and chunk of its
// addresses, both directions) and, per domain, dns.query, tls.sni and
// http.host rules matching the name and every subdomain (dotprefix +
// endswith), and per URL an http.host + http.uri rule. sids count up from
// opt.SIDBase; msg carries the indicator's STIX id (or list name).
func writeSuricata(w *bufio.Writer, entries []match.Entry, opt Options) Result {
	var res Result
	sid := opt.SIDBase
	rule := func(format string, args ...any) {
		fmt.Fprintf(w, format, args...)
		fmt.Fprintf(w, " sid:%d; rev:1;)\n", sid)
		sid++
		res.Written++
	}
	fmt.Fprintf(w, "# %s Suricata rules, generated %s, sids from %d\n", opt.Source, opt.At.UTC().Format(time.RFC3339), opt.SIDBase)

	// Addresses grouped by indicator, in chunks.
	byInd := map[*match.Indicator][]string{}
	var order []*match.Indicator
	for _, e := range entries {
		if e.Kind != match.IP && e.Kind != match.CIDR {
			continue
		}
		if _, ok := byInd[e.Indicator]; !ok {
			order = append(order, e.Indicator)
		}
		byInd[e.Indicator] = append(byInd[e.Indicator], e.Value)
	}
	for _, ind := range order {
		addrs := byInd[ind]
		for i := 0; i < len(addrs); i += suricataChunk {
			list := "[" + strings.Join(addrs[i:min(i+suricataChunk, len(addrs))], ",") + "]"
			msg := msgText(ind, "")
			rule(`alert ip %s any -> any any (msg:"%s (source address)"; classtype:trojan-activity; metadata:renkei_indicator %s, tlp %s;`, list, msg, metaText(ind.ID), metaText(tlpOr(ind.TLP)))
			rule(`alert ip any any -> %s any (msg:"%s (destination address)"; classtype:trojan-activity; metadata:renkei_indicator %s, tlp %s;`, list, msg, metaText(ind.ID), metaText(tlpOr(ind.TLP)))
		}
	}
	for _, e := range entries {
		switch e.Kind {
		case match.IP, match.CIDR:
		case match.Domain:
			msg := msgText(e.Indicator, e.Value)
			c := contentText("." + e.Value)
			rule(`alert dns any any -> any any (msg:"%s (DNS query)"; dns.query; dotprefix; content:"%s"; nocase; endswith;`, msg, c)
			rule(`alert tls any any -> any any (msg:"%s (TLS SNI)"; tls.sni; dotprefix; content:"%s"; nocase; endswith;`, msg, c)
			rule(`alert http any any -> any any (msg:"%s (HTTP host)"; http.host; dotprefix; content:"%s"; endswith;`, msg, c)
		case match.URL:
			_, rest, _ := strings.Cut(e.Value, "://")
			host, path, _ := strings.Cut(rest, "/")
			host, _, _ = strings.Cut(host, ":")
			path = "/" + path
			rule(`alert http any any -> any any (msg:"%s (URL)"; http.host; content:"%s"; bsize:%d; http.uri; content:"%s"; bsize:%d;`,
				msgText(e.Indicator, e.Value), contentText(host), len(host), contentText(path), len(path))
		default:
			res.skip(e.Kind) // hashes and e-mail addresses need file or SMTP lists
		}
	}
	return res
}

func tlpOr(t string) string {
	if t == "" {
		return "unmarked"
	}
	return t
}

// msgText makes a rule message: no quotes, semicolons or backslashes.
func msgText(ind *match.Indicator, value string) string {
	s := "Renkei " + indicatorName(ind)
	if value != "" {
		s += " " + value
	}
	return strings.NewReplacer(`"`, "'", ";", ",", `\`, "/").Replace(s)
}

// metaText makes a metadata value: no commas, semicolons or quotes.
func metaText(s string) string {
	return strings.NewReplacer(",", "_", ";", "_", `"`, "_", " ", "_").Replace(s)
}

// contentText escapes a Suricata content string: '"', ';', '\' and '|' and
// non-printable bytes as |hex|.
func contentText(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c == '"' || c == ';' || c == '\\' || c == '|' || c < 0x20 || c >= 0x7f {
			fmt.Fprintf(&b, "|%02X|", c)
			continue
		}
		b.WriteByte(c)
	}
	return b.String()
}

// writeZeek writes a Zeek intel framework file. Zeek's DOMAIN indicators
// match exact names only; URLs are written without the scheme, as Zeek's
// HTTP::build_url gives them.
func writeZeek(w *bufio.Writer, entries func(func(match.Entry)), opt Options) Result {
	var res Result
	fmt.Fprintf(w, "#fields\tindicator\tindicator_type\tmeta.source\tmeta.desc\n")
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
		fmt.Fprintf(w, "%s\t%s\t%s\t%s\n", v, typ, zeekField(opt.Source), zeekField(desc))
		res.Written++
	})
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
