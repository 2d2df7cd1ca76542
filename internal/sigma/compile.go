package sigma

import (
	"encoding/base64"
	"fmt"
	"math"
	"net/netip"
	"regexp"
	"regexp/syntax"
	"sort"
	"strconv"
	"strings"
	"time"
)

// CompileOptions says how rule fields meet event fields.
type CompileOptions struct {
	// Fields receives an id for every field the rule refers to.
	Fields *Fields
	// Rename maps Sigma field names to the names used by the events of
	// one log source (for example Image -> NewProcessName for Security 4688).
	Rename map[string]string
	// Placeholders gives the values of %name% placeholders for |expand.
	Placeholders map[string][]string
	// Where adds equality conditions that the log source mapping requires
	// (for example EventType: CreateKey for registry_add).
	Where map[string][]string
}

// Compiled is a detection rule turned into a tree of matchers.
type Compiled struct {
	Rule   *Rule
	root   node
	atoms  []string // the rule can match only if one of these occurs in the event text; nil: no such set
	fields []int    // ids of the fields the rule's matchers read
}

// Match reports whether the event matches the rule's condition.
func (c *Compiled) Match(e *Event) bool { return c.root.eval(e) }

// Atoms returns the literal strings of which at least one must occur
// (lower-cased) in any event the rule matches, or nil when the rule has no
// such necessary literal.
func (c *Compiled) Atoms() []string { return c.atoms }

// Compile turns a detection rule into matchers. Rules that cannot be
// compiled (a bad regular expression, a placeholder without values, a
// modifier misuse) return an error saying which search, field and value.
func Compile(r *Rule, opt CompileOptions) (*Compiled, error) {
	if r.Detection == nil {
		return nil, fmt.Errorf("rule %q has no detection", r.Title)
	}
	if opt.Fields == nil {
		opt.Fields = NewFields()
	}
	c := &compiler{opt: opt, det: r.Detection, searches: map[string]node{}}
	var alts []node
	for _, cond := range r.Detection.Conditions {
		n, err := c.cond(cond.root)
		if err != nil {
			return nil, err
		}
		alts = append(alts, n)
	}
	var root node = orN(alts)
	if len(alts) == 1 {
		root = alts[0]
	}
	if len(opt.Where) > 0 {
		keys := make([]string, 0, len(opt.Where))
		for k := range opt.Where {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		and := andN{}
		for _, k := range keys {
			f := &fieldN{id: opt.Fields.ID(k)}
			g := []pred{}
			for _, v := range opt.Where[k] {
				g = append(g, newStrPred([]patTok{{lit: v}}, false))
			}
			f.groups = [][]pred{g}
			and = append(and, f)
		}
		root = append(and, root)
	}
	out := &Compiled{Rule: r, root: root}
	out.atoms = dedupe(trimAtoms(atomsOf(root)))
	out.fields = fieldsOf(root, nil)
	return out, nil
}

type compiler struct {
	opt      CompileOptions
	det      *Detection
	searches map[string]node
}

func (c *compiler) cond(x cond) (node, error) {
	switch x := x.(type) {
	case condIdent:
		return c.search(x.name)
	case condOf:
		var kids []node
		for _, n := range x.expand(c.det) {
			k, err := c.search(n)
			if err != nil {
				return nil, err
			}
			kids = append(kids, k)
		}
		switch {
		case x.all:
			return andN(kids), nil
		case x.n <= 1:
			return orN(kids), nil
		default:
			return &countN{n: x.n, kids: kids}, nil
		}
	case condAnd:
		l, err := c.cond(x.l)
		if err != nil {
			return nil, err
		}
		r, err := c.cond(x.r)
		if err != nil {
			return nil, err
		}
		return andN{l, r}, nil
	case condOr:
		l, err := c.cond(x.l)
		if err != nil {
			return nil, err
		}
		r, err := c.cond(x.r)
		if err != nil {
			return nil, err
		}
		return orN{l, r}, nil
	case condNot:
		k, err := c.cond(x.x)
		if err != nil {
			return nil, err
		}
		return &notN{k}, nil
	}
	return nil, fmt.Errorf("unknown condition node %T", x)
}

func (c *compiler) search(name string) (node, error) {
	if n, ok := c.searches[name]; ok {
		return n, nil
	}
	s := c.det.Searches[name]
	if s == nil {
		return nil, fmt.Errorf("unknown search %q", name)
	}
	var clauses orN
	for _, cl := range s.Clauses {
		var and andN
		for _, it := range cl {
			n, err := c.item(it)
			if err != nil {
				return nil, fmt.Errorf("search %q line %d field %q: %w", name, it.Line, it.Field, err)
			}
			and = append(and, n)
		}
		if len(and) == 1 {
			clauses = append(clauses, and[0])
		} else {
			clauses = append(clauses, and)
		}
	}
	var n node = clauses
	if len(clauses) == 1 {
		n = clauses[0]
	}
	c.searches[name] = n
	return n, nil
}

func (c *compiler) fieldID(name string) int {
	if r, ok := c.opt.Rename[name]; ok {
		name = r
	}
	return c.opt.Fields.ID(name)
}

func (c *compiler) item(it *Item) (node, error) {
	has := func(m string) bool { return hasMod(it, m) }
	id := -1
	if it.Field != "" {
		id = c.fieldID(it.Field)
	}
	if has("exists") {
		return &existsN{id: id, want: it.Values[0].S == "true"}, nil
	}
	if len(it.Values) == 1 && it.Values[0].Null {
		var n node = &nullN{id: id}
		if has("neq") {
			n = &notN{n}
		}
		return n, nil
	}
	if has("fieldref") {
		var kids []node
		for _, v := range it.Values {
			r := &refN{id: id, ref: c.fieldID(v.S), cased: has("cased")}
			switch {
			case has("contains"):
				r.kind = pContains
			case has("startswith"):
				r.kind = pPrefix
			case has("endswith"):
				r.kind = pSuffix
			}
			kids = append(kids, r)
		}
		var n node = orN(kids)
		if has("all") {
			n = andN(kids)
		}
		if len(kids) == 1 {
			n = kids[0]
		}
		if has("neq") {
			n = &notN{n}
		}
		return n, nil
	}
	f := &fieldN{id: id, all: has("all")}
	for _, v := range it.Values {
		if v.Null {
			return nil, fmt.Errorf("null cannot be part of a list of values")
		}
		g, err := c.valuePreds(it, v)
		if err != nil {
			return nil, err
		}
		f.groups = append(f.groups, g)
	}
	f.buildSet()
	var n node = f
	if id < 0 {
		n = &kwN{f}
	}
	if has("neq") {
		n = &notN{n}
	}
	return n, nil
}

var timeUnits = []string{"minute", "hour", "day", "week", "month", "year"}

// valuePreds returns the alternatives one rule value expands into.
func (c *compiler) valuePreds(it *Item, v Value) ([]pred, error) {
	has := func(m string) bool { return hasMod(it, m) }
	cmp := ""
	for _, m := range []string{"lt", "lte", "gt", "gte"} {
		if has(m) {
			cmp = m
		}
	}
	for _, u := range timeUnits {
		if has(u) {
			n, err := strconv.Atoi(v.S)
			if err != nil {
				return nil, fmt.Errorf("%s needs an integer, got %q", u, v.S)
			}
			return []pred{&timeP{unit: u, op: cmp, v: n}}, nil
		}
	}
	if cmp != "" {
		f, err := parseNumber(v.S)
		if err != nil {
			return nil, fmt.Errorf("%s needs a number, got %q", cmp, v.S)
		}
		return []pred{&numP{op: cmp, v: f}}, nil
	}
	if has("re") {
		flags := ""
		for _, m := range []string{"i", "m", "s"} {
			if has(m) {
				flags += m
			}
		}
		src := v.S
		if flags != "" {
			src = "(?" + flags + ")" + src
		}
		re, err := regexp.Compile(src)
		if err != nil {
			return nil, fmt.Errorf("regular expression %q does not compile (Go RE2 has no lookaround or backreferences): %v", v.S, err)
		}
		return []pred{&reP{re: re, atom: regexAtom(src)}}, nil
	}
	if has("cidr") {
		p, err := netip.ParsePrefix(strings.TrimSpace(v.S))
		if err != nil {
			return nil, fmt.Errorf("cidr %q: %v", v.S, err)
		}
		return []pred{&cidrP{p: p.Masked()}}, nil
	}
	vals := []strVal{{s: v.S}}
	for _, m := range it.Modifiers {
		var next []strVal
		for _, sv := range vals {
			out, err := transform(m, sv, c.opt.Placeholders)
			if err != nil {
				return nil, err
			}
			next = append(next, out...)
		}
		vals = next
	}
	var preds []pred
	for _, sv := range vals {
		var toks []patTok
		if sv.plain {
			toks = []patTok{{lit: sv.s}}
		} else {
			toks = parseWildcards(sv.s)
		}
		if it.Field == "" && !has("startswith") && !has("endswith") {
			toks = wrapStars(toks, true, true) // keywords match anywhere in a value
		}
		toks = wrapStars(toks, has("contains") || has("endswith"), has("contains") || has("startswith"))
		preds = append(preds, newStrPred(toks, has("cased")))
	}
	return preds, nil
}

type strVal struct {
	s     string
	plain bool // already a literal: no wildcards to interpret
}

// transform applies one transformation modifier to a value.
func transform(m string, v strVal, placeholders map[string][]string) ([]strVal, error) {
	literal := func() (string, error) {
		if v.plain {
			return v.s, nil
		}
		toks := parseWildcards(v.s)
		var b strings.Builder
		for _, t := range toks {
			if t.star || t.any1 {
				return "", fmt.Errorf("modifier %s cannot encode a value with wildcards (%q)", m, v.s)
			}
			b.WriteString(t.lit)
		}
		return b.String(), nil
	}
	switch m {
	case "expand":
		out, err := expandPlaceholders(v.s, placeholders)
		if err != nil {
			return nil, err
		}
		res := make([]strVal, len(out))
		for i, s := range out {
			res[i] = strVal{s: s, plain: v.plain}
		}
		return res, nil
	case "windash":
		var res []strVal
		for _, s := range windashVariants(v.s) {
			res = append(res, strVal{s: s, plain: v.plain})
		}
		return res, nil
	case "utf16le", "wide", "utf16be", "utf16":
		s, err := literal()
		if err != nil {
			return nil, err
		}
		switch m {
		case "utf16be":
			s = utf16be(s)
		case "utf16":
			s = "\xff\xfe" + utf16le(s)
		default:
			s = utf16le(s)
		}
		return []strVal{{s: s, plain: true}}, nil
	case "base64":
		s, err := literal()
		if err != nil {
			return nil, err
		}
		return []strVal{{s: base64.StdEncoding.EncodeToString([]byte(s)), plain: true}}, nil
	case "base64offset":
		s, err := literal()
		if err != nil {
			return nil, err
		}
		var res []strVal
		for _, e := range base64Offsets(s) {
			res = append(res, strVal{s: e, plain: true})
		}
		return res, nil
	}
	return []strVal{v}, nil
}

// patTok is one piece of a Sigma string value: a literal, '*' or '?'.
type patTok struct {
	lit  string
	star bool
	any1 bool
}

// parseWildcards splits a Sigma string into literals and wildcards. A
// backslash escapes '*', '?' and itself; before any other character it is a
// plain backslash.
func parseWildcards(s string) []patTok {
	var toks []patTok
	var lit strings.Builder
	flush := func() {
		if lit.Len() > 0 {
			toks = append(toks, patTok{lit: lit.String()})
			lit.Reset()
		}
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '\\' && i+1 < len(s) && (s[i+1] == '*' || s[i+1] == '?' || s[i+1] == '\\'):
			lit.WriteByte(s[i+1])
			i++
		case c == '*':
			flush()
			toks = append(toks, patTok{star: true})
		case c == '?':
			flush()
			toks = append(toks, patTok{any1: true})
		default:
			lit.WriteByte(c)
		}
	}
	flush()
	return toks
}

func wrapStars(toks []patTok, front, back bool) []patTok {
	if front && (len(toks) == 0 || !toks[0].star) {
		toks = append([]patTok{{star: true}}, toks...)
	}
	if back && (len(toks) == 0 || !toks[len(toks)-1].star) {
		toks = append(toks, patTok{star: true})
	}
	return toks
}

func parseNumber(s string) (float64, error) {
	s = strings.TrimSpace(s)
	if strings.HasPrefix(s, "0x") || strings.HasPrefix(s, "0X") {
		n, err := strconv.ParseUint(s[2:], 16, 64)
		return float64(n), err
	}
	return strconv.ParseFloat(s, 64)
}

// ---- matchers ----

type node interface{ eval(e *Event) bool }

type andN []node
type orN []node
type notN struct{ x node }

type countN struct {
	n    int
	kids []node
}

func (a andN) eval(e *Event) bool {
	for _, k := range a {
		if !k.eval(e) {
			return false
		}
	}
	return true
}

func (o orN) eval(e *Event) bool {
	for _, k := range o {
		if k.eval(e) {
			return true
		}
	}
	return false
}

func (n *notN) eval(e *Event) bool { return !n.x.eval(e) }

func (c *countN) eval(e *Event) bool {
	hit := 0
	for _, k := range c.kids {
		if k.eval(e) {
			hit++
			if hit >= c.n {
				return true
			}
		}
	}
	return false
}

// fieldN matches one field against groups of alternatives: a group matches
// when any of its alternatives does; the node matches when any group does
// (all groups with the "all" modifier).
type fieldN struct {
	id     int
	all    bool
	groups [][]pred
	eqset  map[string]struct{} // case-insensitive equality values, when there are many
}

func (f *fieldN) buildSet() {
	if f.all || len(f.groups) < 4 {
		return
	}
	for _, g := range f.groups {
		for _, p := range g {
			s, ok := p.(*strP)
			if !ok || s.kind != pEq || s.cased {
				return
			}
		}
	}
	f.eqset = map[string]struct{}{}
	for _, g := range f.groups {
		for _, p := range g {
			f.eqset[p.(*strP).s] = struct{}{}
		}
	}
}

func (f *fieldN) eval(e *Event) bool {
	raw, low, ok := e.get(f.id)
	if !ok {
		return false
	}
	return f.matchValue(raw, low)
}

func (f *fieldN) matchValue(raw, low string) bool {
	if f.eqset != nil {
		_, ok := f.eqset[low]
		return ok
	}
	for _, g := range f.groups {
		hit := false
		for _, p := range g {
			if p.match(raw, low) {
				hit = true
				break
			}
		}
		if hit && !f.all {
			return true
		}
		if !hit && f.all {
			return false
		}
	}
	return f.all
}

// kwN searches every value of the event (keywords).
type kwN struct{ f *fieldN }

func (k *kwN) eval(e *Event) bool {
	if !k.f.all {
		return e.eachValue(func(raw, low string) bool { return k.f.matchValue(raw, low) })
	}
	for _, g := range k.f.groups {
		one := &fieldN{groups: [][]pred{g}}
		if !e.eachValue(func(raw, low string) bool { return one.matchValue(raw, low) }) {
			return false
		}
	}
	return true
}

type existsN struct {
	id   int
	want bool
}

func (x *existsN) eval(e *Event) bool {
	_, _, ok := e.get(x.id)
	return ok == x.want
}

// nullN matches a field that is absent or empty.
type nullN struct{ id int }

func (x *nullN) eval(e *Event) bool {
	raw, _, ok := e.get(x.id)
	return !ok || raw == ""
}

// refN compares two fields of the same event (fieldref).
type refN struct {
	id, ref int
	kind    int
	cased   bool
}

func (r *refN) eval(e *Event) bool {
	a, al, ok := e.get(r.id)
	if !ok {
		return false
	}
	b, bl, ok := e.get(r.ref)
	if !ok {
		return false
	}
	if !r.cased {
		a, b = al, bl
	}
	switch r.kind {
	case pContains:
		return strings.Contains(a, b)
	case pPrefix:
		return strings.HasPrefix(a, b)
	case pSuffix:
		return strings.HasSuffix(a, b)
	}
	return a == b
}

type pred interface {
	match(raw, low string) bool
}

const (
	pEq = iota
	pPrefix
	pSuffix
	pContains
	pAny
	pGlob
	pRegexp
)

// strP is a string comparison compiled from a Sigma value with wildcards.
type strP struct {
	kind  int
	s     string         // lower-cased unless cased
	segs  []string       // pGlob: literal pieces between '*'
	re    *regexp.Regexp // pRegexp: value with '?' wildcards
	cased bool
	atom  string
}

func newStrPred(toks []patTok, cased bool) *strP {
	p := &strP{cased: cased}
	hasQ := false
	for i := range toks {
		if toks[i].any1 {
			hasQ = true
		}
		if !cased {
			toks[i].lit = strings.ToLower(toks[i].lit)
		}
		if len(toks[i].lit) > len(p.atom) {
			p.atom = toks[i].lit
		}
	}
	p.atom = strings.ToLower(p.atom) // the prefilter scans lower-cased text
	if hasQ {
		var b strings.Builder
		b.WriteString("(?s)^")
		for _, t := range toks {
			switch {
			case t.star:
				b.WriteString(".*")
			case t.any1:
				b.WriteString(".")
			default:
				b.WriteString(regexp.QuoteMeta(t.lit))
			}
		}
		b.WriteString("$")
		p.kind = pRegexp
		p.re = regexp.MustCompile(b.String())
		return p
	}
	lead := len(toks) > 0 && toks[0].star
	trail := len(toks) > 0 && toks[len(toks)-1].star
	var segs []string
	for _, t := range toks {
		if !t.star {
			segs = append(segs, t.lit)
		}
	}
	switch {
	case len(segs) == 0 && len(toks) == 0:
		p.kind, p.s = pEq, ""
	case len(segs) == 0:
		p.kind = pAny
	case len(segs) == 1 && len(toks) == 1:
		p.kind, p.s = pEq, segs[0]
	case len(segs) == 1 && lead && trail && len(toks) == 3:
		p.kind, p.s = pContains, segs[0]
	case len(segs) == 1 && lead && len(toks) == 2:
		p.kind, p.s = pSuffix, segs[0]
	case len(segs) == 1 && trail && len(toks) == 2:
		p.kind, p.s = pPrefix, segs[0]
	default:
		p.kind = pGlob
		// an "\x00anchor" first or last segment marks an anchored end
		if !lead {
			p.segs = append(p.segs, "\x00anchor")
		}
		for _, t := range toks {
			if !t.star {
				p.segs = append(p.segs, t.lit)
			}
		}
		if !trail {
			p.segs = append(p.segs, "\x00anchor")
		}
	}
	return p
}

func (p *strP) match(raw, low string) bool {
	v := low
	if p.cased {
		v = raw
	}
	switch p.kind {
	case pEq:
		return v == p.s
	case pPrefix:
		return strings.HasPrefix(v, p.s)
	case pSuffix:
		return strings.HasSuffix(v, p.s)
	case pContains:
		return strings.Contains(v, p.s)
	case pAny:
		return true
	case pRegexp:
		return p.re.MatchString(v)
	}
	return globMatch(p.segs, v)
}

// globMatch matches v against literal segments separated by '*'. An
// "\x00anchor" first (last) segment means the next (previous) literal is
// anchored at the start (end). Greedy leftmost matching of the middle
// segments is exact for patterns made only of '*' and literals.
func globMatch(segs []string, v string) bool {
	const anchor = "\x00anchor"
	startAnch := len(segs) > 0 && segs[0] == anchor
	endAnch := len(segs) > 0 && segs[len(segs)-1] == anchor
	mid := segs
	if startAnch {
		mid = mid[1:]
	}
	if endAnch {
		mid = mid[:len(mid)-1]
	}
	if startAnch {
		if len(mid) == 0 || !strings.HasPrefix(v, mid[0]) {
			return false
		}
		v = v[len(mid[0]):]
		mid = mid[1:]
	}
	var last string
	if endAnch {
		if len(mid) == 0 {
			return v == ""
		}
		last = mid[len(mid)-1]
		mid = mid[:len(mid)-1]
		if len(v) < len(last) || !strings.HasSuffix(v, last) {
			return false
		}
		v = v[:len(v)-len(last)]
	}
	for _, s := range mid {
		i := strings.Index(v, s)
		if i < 0 {
			return false
		}
		v = v[i+len(s):]
	}
	return true
}

type reP struct {
	re   *regexp.Regexp
	atom string // a literal every match contains, lower-cased; "" if none
}

// regexAtom finds a literal that every match of the expression must
// contain: the longest literal of a top-level concatenation, looking through
// groups. Alternations and repetitions give none.
func regexAtom(src string) string {
	re, err := syntax.Parse(src, syntax.Perl)
	if err != nil {
		return ""
	}
	var walk func(r *syntax.Regexp) string
	walk = func(r *syntax.Regexp) string {
		switch r.Op {
		case syntax.OpLiteral:
			return strings.ToLower(string(r.Rune))
		case syntax.OpCapture, syntax.OpPlus:
			return walk(r.Sub[0])
		case syntax.OpRepeat:
			if r.Min >= 1 {
				return walk(r.Sub[0])
			}
		case syntax.OpConcat:
			best := ""
			for _, s := range r.Sub {
				if a := walk(s); len(a) > len(best) {
					best = a
				}
			}
			return best
		}
		return ""
	}
	a := walk(re.Simplify())
	if len(a) < 3 {
		return ""
	}
	return a
}

func (p *reP) match(raw, _ string) bool { return p.re.MatchString(raw) }

type cidrP struct{ p netip.Prefix }

func (p *cidrP) match(raw, _ string) bool {
	s := strings.TrimSpace(raw)
	s = strings.TrimPrefix(strings.TrimSuffix(s, "]"), "[")
	if i := strings.IndexByte(s, '%'); i >= 0 {
		s = s[:i]
	}
	a, err := netip.ParseAddr(s)
	if err != nil {
		return false
	}
	return p.p.Contains(a.Unmap())
}

type numP struct {
	op string
	v  float64
}

func (p *numP) match(raw, _ string) bool {
	f, err := parseNumber(raw)
	if err != nil || math.IsNaN(f) {
		return false
	}
	switch p.op {
	case "lt":
		return f < p.v
	case "lte":
		return f <= p.v
	case "gt":
		return f > p.v
	}
	return f >= p.v
}

// timeP extracts one part of a timestamp (time modifiers) and compares it.
type timeP struct {
	unit string
	op   string
	v    int
}

var timeLayouts = []string{time.RFC3339Nano, "2006-01-02 15:04:05.999999999", "2006-01-02T15:04:05.999999999", "2006-01-02 15:04:05"}

func (p *timeP) match(raw, _ string) bool {
	var t time.Time
	var err error
	for _, l := range timeLayouts {
		if t, err = time.Parse(l, strings.TrimSpace(raw)); err == nil {
			break
		}
	}
	if err != nil {
		return false
	}
	var n int
	switch p.unit {
	case "minute":
		n = t.Minute()
	case "hour":
		n = t.Hour()
	case "day":
		n = t.Day()
	case "week":
		_, n = t.ISOWeek()
	case "month":
		n = int(t.Month())
	default:
		n = t.Year()
	}
	switch p.op {
	case "lt":
		return n < p.v
	case "lte":
		return n <= p.v
	case "gt":
		return n > p.v
	case "gte":
		return n >= p.v
	}
	return n == p.v
}

// ---- prefilter atoms ----

// atomsOf returns literals of which one must occur in the event text for n
// to match, or nil when there is no such set.
func atomsOf(n node) []string {
	switch n := n.(type) {
	case andN:
		var best []string
		bestScore := math.MinInt
		for _, k := range n {
			a := atomsOf(k)
			if a == nil {
				continue
			}
			if s := atomScore(a); s > bestScore {
				best, bestScore = a, s
			}
		}
		return best
	case orN:
		var all []string
		for _, k := range n {
			a := atomsOf(k)
			if a == nil {
				return nil
			}
			all = append(all, a...)
		}
		return all
	case *countN:
		return atomsOf(orN(n.kids))
	case *fieldN:
		return fieldAtoms(n)
	case *kwN:
		return fieldAtoms(n.f) // fieldsOf marks the rule as scanning every field
	}
	return nil
}

func fieldAtoms(f *fieldN) []string {
	if f.eqset != nil {
		out := make([]string, 0, len(f.eqset))
		for k := range f.eqset {
			if k == "" {
				return nil
			}
			out = append(out, k)
		}
		sort.Strings(out)
		return out
	}
	groupAtoms := func(g []pred) []string {
		var out []string
		for _, p := range g {
			var a string
			switch s := p.(type) {
			case *strP:
				a = s.atom
			case *reP:
				a = s.atom
			}
			if a == "" {
				return nil
			}
			out = append(out, a)
		}
		return out
	}
	if f.all {
		var best []string
		bestScore := math.MinInt
		for _, g := range f.groups {
			if a := groupAtoms(g); a != nil {
				if s := atomScore(a); s > bestScore {
					best, bestScore = a, s
				}
			}
		}
		return best
	}
	var out []string
	for _, g := range f.groups {
		a := groupAtoms(g)
		if a == nil {
			return nil
		}
		out = append(out, a...)
	}
	return out
}

// fieldsOf collects the field ids a matcher tree reads.
func fieldsOf(n node, out []int) []int {
	switch n := n.(type) {
	case andN:
		for _, k := range n {
			out = fieldsOf(k, out)
		}
	case orN:
		for _, k := range n {
			out = fieldsOf(k, out)
		}
	case *countN:
		for _, k := range n.kids {
			out = fieldsOf(k, out)
		}
	case *notN:
		out = fieldsOf(n.x, out)
	case *fieldN:
		out = append(out, n.id)
	case *kwN:
		out = append(out, -1) // keywords: every field, also those no rule names
	}
	return out
}

// atomScore prefers long atoms (rarer in events) and few of them.
func atomScore(a []string) int {
	minLen := math.MaxInt
	for _, s := range a {
		minLen = min(minLen, len(s))
	}
	return min(minLen, 10)*1000 - len(a)
}

// maxAtom bounds prefilter literals: any piece of a required literal is
// still required, and short pieces keep the automaton small. The tail is
// kept because the end of a path or flag is usually its rarest part.
const maxAtom = 10

func trimAtoms(a []string) []string {
	for i, s := range a {
		if len(s) > maxAtom {
			s = s[len(s)-maxAtom:]
			// do not start inside a UTF-8 sequence
			for len(s) > 0 && s[0]&0xC0 == 0x80 {
				s = s[1:]
			}
			a[i] = s
		}
	}
	return a
}

func dedupe(a []string) []string {
	if a == nil {
		return nil
	}
	seen := map[string]bool{}
	out := []string{}
	for _, s := range a {
		if !seen[s] {
			seen[s] = true
			out = append(out, s)
		}
	}
	return out
}
