package warninglist

import (
	"cmp"
	"net/netip"
	"regexp"
	"slices"
	"strings"

	"github.com/coregx/ahocorasick"
	"github.com/gaissmai/bart"

	"renkei/internal/match"
)

// Hit is one list that holds a value: the list, the entry that matched and
// how. A value gives at most one hit per list.
type Hit struct {
	List  string `json:"list"`  // the list's ID
	Title string `json:"title"` // its name for people

	Version int    `json:"version"`
	Origin  string `json:"origin"`
	Action  string `json:"action"`
	Entry   string `json:"entry"`
	// How the entry matched: "exact" (the same value), "within" (the value
	// is in the entry's range or is a subdomain of the entry), "contains"
	// (the value's range or subdomains cover the entry: blocking the value
	// would block the entry), "substring", "regex", or "homograph" (the
	// value's confusable skeleton is the entry; see Skeleton).
	How string `json:"how"`
}

// Refuses reports whether the hit keeps a value out of exports.
func (h Hit) Refuses() bool { return h.Action != ActionWarn && h.How != "homograph" }

// The attribute classes a list applies to, from its matching_attributes.
const (
	classIP = iota
	classDomain
	classURL
	classURLHost
	classEmail
	classHash
	nClasses
)

var attrClass = map[string][]int{
	"ip": {classIP}, "ip-src": {classIP}, "ip-dst": {classIP}, "ip-src|port": {classIP}, "ip-dst|port": {classIP},
	"domain|ip": {classIP, classDomain}, "domain": {classDomain}, "hostname": {classDomain}, "hostname|port": {classDomain},
	"url": {classURL, classURLHost}, "uri": {classURL}, "link": {classURL, classURLHost},
	"email": {classEmail}, "email-src": {classEmail}, "email-dst": {classEmail}, "target-email": {classEmail},
	"whois-registrant-email": {classEmail}, "dns-soa-email": {classEmail}, "email-reply-to": {classEmail},
	"md5": {classHash}, "sha1": {classHash}, "sha224": {classHash}, "sha256": {classHash}, "sha512": {classHash},
	"filename|md5": {classHash}, "filename|sha1": {classHash}, "filename|sha224": {classHash},
	"filename|sha256": {classHash}, "filename|sha512": {classHash},
	"x509-fingerprint-md5": {classHash}, "x509-fingerprint-sha1": {classHash}, "x509-fingerprint-sha256": {classHash},
}

// classes gives the classes l applies to. A list without
// matching_attributes applies to every class its type can match.
func classes(l *List) []bool {
	c := make([]bool, nClasses)
	if l.Type == TypeCIDR {
		c[classIP] = true
		return c
	}
	if len(l.MatchingAttributes) == 0 {
		for i := range c {
			c[i] = true
		}
		return c
	}
	for _, a := range l.MatchingAttributes {
		for _, k := range attrClass[strings.ToLower(a)] {
			c[k] = true
		}
	}
	return c
}

// index holds the entries of every list that applies to one class.
type index struct {
	// names holds every text entry, so that one lookup per label of a
	// domain answers all three questions (the maps are large: each lookup
	// is a likely cache miss).
	names map[string]*name
	held  *filter // the keys of names, read before names (see lookup)
	// nets holds every network entry once, sorted by address and then by
	// length (the order bart's Subnets gives), with the lists that hold
	// it; pfx finds a value's supernets, as an index into nets, and the
	// order of nets finds its subnets by binary search (see checkIP).
	nets    []network
	pfx     *bart.Table[int32]
	subs    []string // substring patterns, by automaton pattern id
	subList [][]int32
	ac      *ahocorasick.Automaton
	regex   []listRegex
}

// name is what the lists say about one text.
type name struct {
	exact   []int32 // lists holding the text itself
	suffix  []int32 // lists holding the name and every subdomain of it
	parents []int32 // lists holding a name under this one
}

func (x *index) name(k string) *name {
	n := x.names[k]
	if n == nil {
		n = &name{}
		x.names[k] = n
	}
	return n
}

// network is one network entry and the lists that hold it.
type network struct {
	p     netip.Prefix
	text  string // p as a hit names it, written once when the matcher is built
	lists []int32
}

// lookup gives what the lists say about text k, or nil.
func (x *index) lookup(k string) *name {
	if x.held != nil && !x.held.mayHold(k) {
		return nil
	}
	return x.names[k]
}

type listRegex struct {
	list int32
	src  string
	re   *regexp.Regexp
}

func newIndex() *index {
	return &index{names: map[string]*name{}}
}

func addTo(ls *[]int32, l int32) {
	if n := len(*ls); n > 0 && (*ls)[n-1] == l {
		return
	}
	*ls = append(*ls, l)
}

// Matcher answers which lists hold a value.
type Matcher struct {
	lists []*List
	idx   [nClasses]*index
	// Bad counts entries that could not be read (an unparsable CIDR, a
	// regex Go's RE2 syntax cannot express), by list.
	Bad map[string]int
}

// New builds a Matcher over lists. Entries are normalized the way
// internal/match normalizes indicator values (lower case, no trailing dot,
// internationalized names in punycode), so that equal values compare equal.
func New(lists []*List) *Matcher {
	m := &Matcher{lists: lists, Bad: map[string]int{}}
	for i := range m.idx {
		m.idx[i] = newIndex()
	}
	subs := make([]map[string]int, nClasses)
	for i := range subs {
		subs[i] = map[string]int{}
	}
	nets := map[netip.Prefix]int{}
	for li, l := range lists {
		id := int32(li)
		if l.ID == "" {
			l.ID = l.Name
		}
		cls := classes(l)
		for _, raw := range l.List {
			e := strings.TrimSpace(raw)
			if e == "" {
				continue
			}
			ok := true
			switch l.Type {
			case TypeCIDR:
				ok = m.addCIDR(nets, id, e)
			case TypeRegex:
				ok = m.addRegex(id, cls, e)
			case TypeSubstring:
				m.addSubstring(id, cls, subs, e)
			default: // hostname, string
				m.addName(id, cls, l.Type == TypeHostname, e)
			}
			if !ok {
				m.Bad[l.ID]++
			}
		}
	}
	m.buildSubstrings()
	m.buildNetworks()
	for _, x := range m.idx {
		x.held = newFilter(len(x.names))
		for k := range x.names {
			x.held.add(k)
		}
	}
	return m
}

// addCIDR adds a network of list id (nets numbers the networks in
// m's IP index); it reports false for an entry that is not one.
func (m *Matcher) addCIDR(nets map[netip.Prefix]int, id int32, e string) bool {
	p, ok := parsePrefix(e)
	if !ok {
		return false
	}
	x := m.idx[classIP]
	i, ok := nets[p]
	if !ok {
		i = len(x.nets)
		nets[p] = i
		x.nets = append(x.nets, network{p: p})
	}
	addTo(&x.nets[i].lists, id)
	return true
}

// buildNetworks sorts the IP index's networks, names each as a hit will,
// and puts them in the table that finds a value's supernets.
func (m *Matcher) buildNetworks() {
	x := m.idx[classIP]
	if len(x.nets) == 0 {
		return
	}
	slices.SortFunc(x.nets, func(a, b network) int {
		return cmp.Or(a.p.Addr().Compare(b.p.Addr()), cmp.Compare(a.p.Bits(), b.p.Bits()))
	})
	x.pfx = new(bart.Table[int32])
	for i := range x.nets {
		x.nets[i].text = x.nets[i].p.String()
		x.pfx.Insert(x.nets[i].p, int32(i))
	}
}

// addRegex adds a MISP regular expression of list id to the classes it
// applies to; it reports false for one Go's RE2 syntax cannot express.
func (m *Matcher) addRegex(id int32, cls []bool, e string) bool {
	re, src, ok := compileMISPRegex(e)
	if !ok {
		return false
	}
	for c, on := range cls {
		if on {
			m.idx[c].regex = append(m.idx[c].regex, listRegex{list: id, src: src, re: re})
		}
	}
	return true
}

// addSubstring adds a substring of list id to the classes it applies to,
// each distinct substring once per class (subs numbers them), for the
// automaton buildSubstrings makes.
func (m *Matcher) addSubstring(id int32, cls []bool, subs []map[string]int, e string) {
	p := strings.ToLower(e)
	for c, on := range cls {
		if !on {
			continue
		}
		x := m.idx[c]
		pid, ok := subs[c][p]
		if !ok {
			pid = len(x.subs)
			subs[c][p] = pid
			x.subs = append(x.subs, p)
			x.subList = append(x.subList, nil)
		}
		if ls := x.subList[pid]; len(ls) == 0 || ls[len(ls)-1] != id {
			x.subList[pid] = append(ls, id)
		}
	}
}

// addName adds a hostname or string of list id to the classes it applies
// to. MISP's hostname lists (sub) hold a name and its subdomains; a leading
// "." or "*." says the same in string lists (MISP's google and microsoft
// lists are written so). Each parent of a domain is kept too, so that a
// value's parent can be found.
func (m *Matcher) addName(id int32, cls []bool, sub bool, e string) {
	v := strings.ToLower(e)
	if s, ok := strings.CutPrefix(v, "*."); ok {
		v, sub = s, true
	} else if s, ok := strings.CutPrefix(v, "."); ok {
		v, sub = s, true
	}
	v = strings.TrimSuffix(v, ".")
	if d, err := match.NormalizeDomain(v); err == nil && (cls[classDomain] || cls[classURLHost]) {
		v = d
	}
	for c, on := range cls {
		if !on {
			continue
		}
		x := m.idx[c]
		if sub && (c == classDomain || c == classURLHost) {
			addTo(&x.name(v).suffix, id)
		} else {
			addTo(&x.name(v).exact, id)
		}
		if c == classDomain || c == classURLHost {
			for p := v; ; {
				i := strings.IndexByte(p, '.')
				if i < 0 {
					break
				}
				p = p[i+1:]
				addTo(&x.name(p).parents, id)
			}
		}
	}
}

// buildSubstrings makes each class's Aho-Corasick automaton over its
// substrings.
func (m *Matcher) buildSubstrings() {
	for _, x := range m.idx {
		if len(x.subs) == 0 {
			continue
		}
		ac, err := ahocorasick.NewBuilder().AddStrings(x.subs).Build()
		if err != nil {
			// Patterns are plain strings: a failure is a bug in the library.
			m.Bad["substring"] += len(x.subs)
			x.subs, x.subList = nil, nil
			continue
		}
		x.ac = ac
	}
}

// Lists returns the lists the matcher was built from.
func (m *Matcher) Lists() []*List { return m.lists }

func parsePrefix(e string) (netip.Prefix, bool) {
	if strings.IndexByte(e, '/') >= 0 {
		p, err := netip.ParsePrefix(e)
		return p.Masked(), err == nil
	}
	if a, err := netip.ParseAddr(e); err == nil {
		return netip.PrefixFrom(a.Unmap(), a.Unmap().BitLen()), true
	}
	return netip.Prefix{}, false
}

// compileMISPRegex reads MISP's PHP-style /pattern/flags; flag i becomes
// (?i), g is meaningless for a match and ignored.
func compileMISPRegex(e string) (*regexp.Regexp, string, bool) {
	src := e
	flags := ""
	if len(e) >= 2 && e[0] == '/' {
		end := strings.LastIndexByte(e, '/')
		if end > 0 {
			src, flags = e[1:end], e[end+1:]
		}
	}
	if strings.Contains(flags, "i") {
		src = "(?i)" + src
	}
	re, err := regexp.Compile(src)
	if err != nil {
		return nil, "", false
	}
	return re, e, true
}

// hits collects at most one hit per list.
type hits struct {
	m   *Matcher
	out []Hit
}

func (h *hits) add(ids []int32, entry, how string) {
next:
	for _, id := range ids {
		l := h.m.lists[id]
		for _, o := range h.out {
			if o.List == l.ID {
				continue next
			}
		}
		action := l.Action
		if action == "" {
			action = ActionRefuse
		}
		h.out = append(h.out, Hit{List: l.ID, Title: l.Name, Version: l.Version, Origin: l.Origin, Action: action, Entry: entry, How: how})
	}
}

// Check returns the lists that hold value, a canonical value of kind k as
// internal/match gives it (match.Entry.Value), or nil.
func (m *Matcher) Check(k match.Kind, value string) []Hit {
	h := hits{m: m}
	switch k {
	case match.IP, match.CIDR:
		m.checkIP(&h, value)
	case match.Domain:
		m.checkDomain(&h, classDomain, value)
	case match.URL:
		m.checkText(&h, classURL, value)
		if host, ok := urlHost(value); ok {
			if _, err := netip.ParseAddr(host); err == nil {
				m.checkIP(&h, host)
			} else {
				m.checkDomain(&h, classURLHost, host)
			}
		}
	case match.Email:
		m.checkText(&h, classEmail, value)
	default:
		if k.IsHash() {
			m.checkText(&h, classHash, value)
		}
	}
	return h.out
}

// urlHost gives the host of URL u as match.NormalizeURL gives it, read
// straight from u when u is in the canonical form (scheme://host[:port]/…,
// host in lower case, an IPv6 address in brackets) and through
// NormalizeURL otherwise; it reports false when u has no host.
func urlHost(u string) (string, bool) {
	i := strings.Index(u, "://")
	if i < 0 {
		return "", false
	}
	a := u[i+3:]
	if j := strings.IndexAny(a, "/?#"); j >= 0 {
		a = a[:j]
	}
	host := a
	if strings.HasPrefix(a, "[") {
		if j := strings.IndexByte(a, ']'); j >= 0 {
			host = a[1:j]
		}
	} else if j := strings.LastIndexByte(a, ':'); j >= 0 {
		host = a[:j]
	}
	for k := 0; k < len(host); k++ {
		if c := host[k]; !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '.' || c == '-' || c == ':') {
			host = "" // not canonical: leave it to NormalizeURL
			break
		}
	}
	if host == "" || host[0] == '.' || host[len(host)-1] == '.' || strings.Contains(host, "..") {
		_, h, err := match.NormalizeURL(u)
		return h, err == nil && h != ""
	}
	return host, true
}

// CheckValue classifies and normalizes a value as internal/match would, then checks it.
func (m *Matcher) CheckValue(value string) []Hit {
	k, v, ok := Canonical(value)
	if !ok {
		return nil
	}
	return m.Check(k, v)
}

// Canonical gives the kind and canonical text of a value typed by a person.
func Canonical(value string) (match.Kind, string, bool) {
	value = strings.TrimSpace(value)
	if p, err := netip.ParsePrefix(value); err == nil {
		p = p.Masked()
		if p.IsSingleIP() {
			return match.IP, p.Addr().String(), true
		}
		return match.CIDR, p.String(), true
	}
	if a, err := netip.ParseAddr(value); err == nil {
		return match.IP, a.Unmap().String(), true
	}
	if strings.Contains(value, "://") {
		u, _, err := match.NormalizeURL(value)
		return match.URL, u, err == nil
	}
	if strings.Contains(value, "@") {
		e, err := match.NormalizeEmail(value)
		return match.Email, e, err == nil
	}
	if h, k, err := match.NormalizeHash(value); err == nil {
		return k, h, true
	}
	d, err := match.NormalizeDomain(value)
	return match.Domain, d, err == nil
}

func (m *Matcher) checkIP(h *hits, value string) {
	x := m.idx[classIP]
	if n := x.lookup(value); n != nil && n.exact != nil {
		h.add(n.exact, value, "exact")
	}
	m.checkSubRegex(h, x, value)
	if x.pfx == nil {
		return
	}
	p, ok := parsePrefix(value)
	if !ok {
		return
	}
	for _, i := range x.pfx.Supernets(p) {
		n := &x.nets[i]
		how := "within"
		if n.p == p {
			how = "exact"
		}
		h.add(n.lists, n.text, how)
	}
	if p.IsSingleIP() {
		return
	}
	// The networks inside p are those whose address lies in p and that are
	// longer than p: in nets they follow p's first address, in the order
	// the hits name them.
	first, last := p.Addr(), lastAddr(p)
	i, _ := slices.BinarySearchFunc(x.nets, first, func(n network, a netip.Addr) int { return n.p.Addr().Compare(a) })
	for ; i < len(x.nets) && x.nets[i].p.Addr().Compare(last) <= 0; i++ {
		if n := &x.nets[i]; n.p.Bits() > p.Bits() {
			h.add(n.lists, n.text, "contains")
		}
	}
}

// lastAddr is the last address of the masked prefix p.
func lastAddr(p netip.Prefix) netip.Addr {
	a := p.Addr().As16()
	from := p.Bits()
	if p.Addr().Is4() {
		from += 96
	}
	for b := from; b < 128; {
		if b%8 == 0 {
			a[b/8], b = 0xff, b+8
		} else {
			a[b/8] |= 0x80 >> (b % 8)
			b++
		}
	}
	if p.Addr().Is4() {
		return netip.AddrFrom16(a).Unmap()
	}
	return netip.AddrFrom16(a)
}

func (m *Matcher) checkDomain(h *hits, class int, d string) {
	x := m.idx[class]
	m.domainLists(h, x, d, "")
	m.checkSubRegex(h, x, d)
	if strings.Contains(d, "xn--") {
		if s, ok := Skeleton(d); ok && s != d {
			m.domainLists(h, x, s, "homograph")
		}
	}
}

// domainLists adds the lists holding d exactly or as a subdomain of a
// listed name; how overrides the way the hit is named when not empty.
func (m *Matcher) domainLists(h *hits, x *index, d, how string) {
	name := func(s string) string {
		if how != "" {
			return how
		}
		return s
	}
	for p, first := d, true; ; first = false {
		if n := x.lookup(p); n != nil {
			if first {
				h.add(n.exact, p, name("exact"))
				h.add(n.suffix, p, name("exact"))
				if how == "" && len(n.parents) > 0 {
					h.add(n.parents, "*."+p, "contains")
				}
			} else {
				h.add(n.suffix, p, name("within"))
			}
		}
		i := strings.IndexByte(p, '.')
		if i < 0 {
			return
		}
		p = p[i+1:]
	}
}

func (m *Matcher) checkText(h *hits, class int, v string) {
	x := m.idx[class]
	if n := x.lookup(v); n != nil {
		h.add(n.exact, v, "exact")
	}
	m.checkSubRegex(h, x, v)
}

func (m *Matcher) checkSubRegex(h *hits, x *index, v string) {
	if x.ac != nil {
		b := []byte(v)
		// Find, not IsMatch: IsMatch's start-byte prefilter scans the value
		// once per distinct first byte of the patterns, which costs more
		// than the automaton on values as short as indicators.
		if _, ok := x.ac.Find(b, 0); ok {
			for _, mt := range x.ac.FindAllOverlapping(b) {
				h.add(x.subList[mt.PatternID], x.subs[mt.PatternID], "substring")
			}
		}
	}
	for _, r := range x.regex {
		if r.re.MatchString(v) {
			h.add([]int32{r.list}, r.src, "regex")
		}
	}
}

// ValueHit is a hit on one value of an object (an indicator's pattern may
// compare several), as shown on the object.
type ValueHit struct {
	Value string `json:"value"`
	Hit
}
