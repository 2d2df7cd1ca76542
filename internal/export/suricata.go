package export

import (
	"bufio"
	"crypto/sha256"
	"encoding/binary"
	"fmt"
	"net/netip"
	"sort"
	"strconv"
	"strings"
	"time"

	"renkei/internal/match"
)

// Suricata sids. A sid is what a SOC's alert history, suppressions and
// tickets refer to, so it must keep its meaning when other indicators come
// and go: it is derived from what the rule detects (the indicator's STIX id,
// the kind of rule and the value; for address groups the TLP and the address
// block), never from the rule's position in the file.
const (
	// DefaultSIDBase and DefaultSIDRange give the sids Renkei uses unless
	// told otherwise: 1,000,000,000 to 2,073,741,823, above the ranges of
	// the public rule sets (Snort/Talos, Emerging Threats, Suricata's own)
	// and below 2^31 for tools that keep a sid in a signed 32-bit integer.
	DefaultSIDBase  = 1_000_000_000
	DefaultSIDRange = 1 << 30

	// suricataListBytes bounds the address list of one rule: Suricata reads
	// a rule of at most 8 KiB (DETECT_MAX_RULE_SIZE), and the rest of the
	// rule (msg, metadata) needs some room.
	suricataListBytes = 7000

	// suricataClass is the classtype of every rule: "A Network Trojan was
	// detected" in Suricata's classification.config, priority 1, as the
	// public IOC rule sets use for indicator matches.
	suricataClass = "trojan-activity"
)

// suricataRule is one rule before its sid is known.
type suricataRule struct {
	key   string        // what the sid is derived from
	body  string        // the rule up to, not including, "sid:"
	rev   int64         // the version of what it detects
	sid   uint32        // assigned by assignSIDs
	pair  *suricataRule // the other direction of an address group
	trace []string      // address groups: "VALUE INDICATOR" lines, written as comments
}

// sidOf gives the n-th candidate sid of key: SHA-256 of the key (with "#n"
// appended for n > 0), its first 8 bytes modulo the range, plus the base.
func sidOf(key string, n int, base, size uint32) uint32 {
	if n > 0 {
		key += "#" + strconv.Itoa(n)
	}
	h := sha256.Sum256([]byte(key))
	return base + uint32(binary.BigEndian.Uint64(h[:8])%uint64(size))
}

// assignSIDs gives every rule its sid. Keys are visited in sorted order and a
// key whose sid is taken tries its next candidate, so the outcome depends only
// on the set of keys: a sid moves only when a new key both collides with it
// and sorts before it (with 100,000 rules in 2^30 sids, about one new rule in
// 10,000 collides with any existing one).
func assignSIDs(rules []*suricataRule, base, size uint32) error {
	if uint64(len(rules)) > uint64(size) {
		return fmt.Errorf("suricata: %d rules do not fit in a sid range of %d", len(rules), size)
	}
	sorted := append([]*suricataRule(nil), rules...)
	sort.Slice(sorted, func(i, j int) bool { return sorted[i].key < sorted[j].key })
	used := make(map[uint32]bool, len(rules))
	for _, r := range sorted {
		for n := 0; ; n++ {
			if s := sidOf(r.key, n, base, size); !used[s] {
				used[s], r.sid = true, s
				break
			}
		}
	}
	return nil
}

// revOf is a rule's rev: the Unix time of the indicator's version (STIX
// modified), so each new version of the object raises it; 1 for values
// without a version (plain lists).
func revOf(t time.Time) int64 {
	if t.IsZero() || t.Unix() < 1 || t.Unix() > 1<<32-1 {
		return 1
	}
	return t.Unix()
}

// addrGroup is the addresses of one TLP in one address block, split into
// parts that each fit in a rule.
type addrGroup struct {
	tlp, block string
	parts      []*addrPart
}

type addrPart struct {
	addrs []string
	seen  map[string]bool
	size  int
	rev   int64
	trace []string
}

// addrBlock is the block an address or CIDR is grouped by: its /8 (IPv4) or
// /16 (IPv6), so that a group keeps its meaning as addresses come and go.
func addrBlock(p netip.Prefix) string {
	a := p.Addr()
	if a.Is4() {
		return netip.PrefixFrom(a, 8).Masked().String()
	}
	return netip.PrefixFrom(a, 16).Masked().String()
}

// writeSuricata writes Suricata rules. Addresses and CIDRs are grouped by TLP
// and address block into rules of up to suricataListBytes of addresses, one
// rule per direction, each preceded by comment lines tracing every address
// back to its indicators; per domain, dns.query, tls.sni and http.host rules
// match the name and every subdomain (dotprefix + endswith); per URL, an
// http.host + http.uri rule (http.uri.raw when the path holds
// percent-encoding, which http.uri would see decoded). Every rule carries the
// classtype and, in metadata, the indicator (or group) and the TLP.
func writeSuricata(w *bufio.Writer, entries []match.Entry, opt Options) (Result, error) {
	var res Result
	var rules []*suricataRule
	rule := func(key string, rev int64, format string, args ...any) *suricataRule {
		r := &suricataRule{key: key, rev: rev, body: fmt.Sprintf(format, args...)}
		rules = append(rules, r)
		return r
	}

	groups := map[string]*addrGroup{}
	var order []*addrGroup
	for _, e := range entries {
		if e.Kind != match.IP && e.Kind != match.CIDR {
			continue
		}
		tlp := tlpOr(e.Indicator.TLP)
		block := addrBlock(e.Prefix)
		g := groups[tlp+" "+block]
		if g == nil {
			g = &addrGroup{tlp: tlp, block: block}
			groups[tlp+" "+block] = g
			order = append(order, g)
		}
		var p *addrPart
		if n := len(g.parts); n > 0 {
			p = g.parts[n-1]
		}
		if p == nil || !p.seen[e.Value] && p.size+len(e.Value)+1 > suricataListBytes {
			p = &addrPart{seen: map[string]bool{}, rev: 1}
			g.parts = append(g.parts, p)
		}
		if !p.seen[e.Value] {
			p.seen[e.Value] = true
			p.addrs = append(p.addrs, e.Value)
			p.size += len(e.Value) + 1
		}
		p.rev = max(p.rev, revOf(e.Indicator.Modified))
		p.trace = append(p.trace, e.Value+" "+indicatorName(e.Indicator))
	}
	for _, g := range order {
		for i, p := range g.parts {
			name := fmt.Sprintf("%s part %d", g.block, i+1)
			list := "[" + strings.Join(p.addrs, ",") + "]"
			meta := fmt.Sprintf("metadata:renkei_group %s, tlp %s;", metaText(name), metaText(g.tlp))
			msg := fmt.Sprintf("Renkei addresses TLP:%s %s", strings.ToUpper(g.tlp), name)
			key := fmt.Sprintf("addresses|%s|%s|%d", g.tlp, g.block, i+1)
			src := rule(key+"|src", p.rev, `alert ip %s any -> any any (msg:"%s (source address)"; classtype:%s; %s`, list, msg, suricataClass, meta)
			dst := rule(key+"|dst", p.rev, `alert ip any any -> %s any (msg:"%s (destination address)"; classtype:%s; %s`, list, msg, suricataClass, meta)
			src.pair, src.trace = dst, p.trace
		}
	}
	for _, e := range entries {
		ind := e.Indicator
		meta := fmt.Sprintf("classtype:%s; metadata:renkei_indicator %s, tlp %s;", suricataClass, metaText(ind.ID), metaText(tlpOr(ind.TLP)))
		key := ind.ID + "|" + e.Value
		rev := revOf(ind.Modified)
		switch e.Kind {
		case match.IP, match.CIDR:
		case match.Domain:
			msg := msgText(ind, e.Value)
			c := contentText("." + e.Value)
			rule(key+"|dns", rev, `alert dns any any -> any any (msg:"%s (DNS query)"; dns.query; dotprefix; content:"%s"; nocase; endswith; %s`, msg, c, meta)
			rule(key+"|tls", rev, `alert tls any any -> any any (msg:"%s (TLS SNI)"; tls.sni; dotprefix; content:"%s"; nocase; endswith; %s`, msg, c, meta)
			rule(key+"|http", rev, `alert http any any -> any any (msg:"%s (HTTP host)"; http.host; dotprefix; content:"%s"; endswith; %s`, msg, c, meta)
		case match.URL:
			_, rest, _ := strings.Cut(e.Value, "://")
			host, path, _ := strings.Cut(rest, "/")
			host, _, _ = strings.Cut(host, ":")
			path = "/" + path
			// http.uri is the normalized URI, in which %xx is decoded: a
			// percent-encoded path is matched against the request as sent.
			uri := "http.uri"
			if strings.Contains(path, "%") {
				uri = "http.uri.raw"
			}
			rule(key+"|url", rev, `alert http any any -> any any (msg:"%s (URL)"; http.host; content:"%s"; bsize:%d; %s; content:"%s"; bsize:%d; %s`,
				msgText(ind, e.Value), contentText(host), len(host), uri, contentText(path), len(path), meta)
		default:
			res.skip(e.Kind) // hashes and e-mail addresses need file or SMTP lists
		}
	}
	if err := assignSIDs(rules, uint32(opt.SIDBase), uint32(opt.SIDRange)); err != nil {
		return res, err
	}

	fmt.Fprintf(w, "# %s Suricata rules, generated %s\n", opt.Source, opt.At.UTC().Format(time.RFC3339))
	fmt.Fprintf(w, "# sids are derived from the indicators (STIX id, rule kind, value) within %d-%d and do not change\n", opt.SIDBase, opt.SIDBase+opt.SIDRange-1)
	fmt.Fprintf(w, "# between exports; rev is the indicator's version. An address group's indicators are listed\n")
	fmt.Fprintf(w, "# above its rules: \"# sid SRC DST: ADDRESS INDICATOR\".\n")
	for _, r := range rules {
		if r.pair != nil {
			for _, t := range r.trace {
				fmt.Fprintf(w, "# sid %d %d: %s\n", r.sid, r.pair.sid, t)
			}
		}
		fmt.Fprintf(w, "%s sid:%d; rev:%d;)\n", r.body, r.sid, r.rev)
		res.Written++
	}
	return res, nil
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
