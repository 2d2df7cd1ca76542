package match

import (
	"fmt"
	"net/netip"
	"strings"

	"renkei/internal/stix/pattern"
)

// A STIX pattern compiles in one of two ways.
//
// Atomic patterns, an OR of observations each holding an OR of equality (=,
// IN, ISSUBSET) comparisons on an indexable property, become plain entries of
// the set, one per value: "[ipv4-addr:value = '198.51.100.1' OR
// domain-name:value = 'evil.example']" is two entries sharing the indicator.
// These are matched at full speed on any input.
//
// Everything else (AND inside an observation, AND/FOLLOWEDBY between
// observations, WITHIN/REPEATS/START-STOP qualifiers, ports, negations,
// ordering operators) becomes a Rule evaluated on a stream of records by a
// RuleState; see rule.go.

// indexable maps a property path to the kind of value it holds; "" means the
// kind is taken from the value itself (an IP, CIDR or domain).
var indexable = map[string]Kind{
	"ipv4-addr:value":                   Unknown,
	"ipv6-addr:value":                   Unknown,
	"domain-name:value":                 Domain,
	"url:value":                         URL,
	"email-addr:value":                  Email,
	"email-message:from_ref.value":      Email,
	"email-message:sender_ref.value":    Email,
	"email-message:to_refs[*].value":    Email,
	"email-message:cc_refs[*].value":    Email,
	"network-traffic:src_ref.value":     Unknown,
	"network-traffic:dst_ref.value":     Unknown,
	"file:hashes.MD5":                   MD5,
	"file:hashes.SHA-1":                 SHA1,
	"file:hashes.SHA-256":               SHA256,
	"file:hashes.SHA-512":               SHA512,
	"x509-certificate:hashes.MD5":       MD5,
	"x509-certificate:hashes.SHA-1":     SHA1,
	"x509-certificate:hashes.SHA-256":   SHA256,
	"x509-certificate:hashes.SHA-512":   SHA512,
	"artifact:hashes.SHA-256":           SHA256,
	"artifact:hashes.MD5":               MD5,
	"windows-registry-key:key":          Kind(255), // not indexable; kept for clarity
	"x509-certificate:serial_number":    Kind(255),
	"process:binary_ref.hashes.SHA-256": SHA256,
}

// PathString returns the property path in the form rules and Observed use:
// "file:hashes.SHA-256", "email-message:to_refs[*].value" (any list index is
// written [*]); hash names are upper-cased as the STIX hash vocabulary writes them.
func PathString(p pattern.ObjectPath) string {
	var b strings.Builder
	b.WriteString(p.ObjectType)
	b.WriteByte(':')
	prevHashes := false
	for i, s := range p.Steps {
		switch {
		case s.Name != "":
			if i > 0 {
				b.WriteByte('.')
			}
			name := s.Name
			if prevHashes {
				name = strings.ToUpper(name)
				if name == "SHA1" || name == "SHA256" || name == "SHA512" {
					name = name[:3] + "-" + name[3:]
				}
			}
			b.WriteString(name)
			prevHashes = s.Name == "hashes"
		default:
			b.WriteString("[*]")
		}
	}
	return b.String()
}

// AddSTIX parses and compiles the STIX pattern ind.Pattern for ind.
func (b *Builder) AddSTIX(ind Indicator) error {
	p, err := pattern.Parse(ind.Pattern)
	if err != nil {
		return fmt.Errorf("indicator %s: %w", ind.ID, err)
	}
	return b.AddPattern(p, ind)
}

// AddPattern compiles a parsed pattern for ind: into set entries when it is
// atomic, into a Rule otherwise.
func (b *Builder) AddPattern(p *pattern.Pattern, ind Indicator) error {
	var entries []atom
	if atomsOfObs(p.Expr, &entries) {
		prov := b.provIndex(&ind)
		for _, a := range entries {
			if err := b.addAtom(a, prov); err != nil {
				return fmt.Errorf("indicator %s: %s: %w", ind.ID, a.path, err)
			}
		}
		return nil
	}
	r, err := compileRule(p, &ind)
	if err != nil {
		return fmt.Errorf("indicator %s: %w", ind.ID, err)
	}
	b.rules = append(b.rules, r)
	return nil
}

type atom struct {
	path  string
	kind  Kind
	value string
	cidr  bool // ISSUBSET
}

// atomsOfObs collects the atoms of an OR of observations; false when the
// expression needs a rule.
func atomsOfObs(e pattern.ObservationExpr, out *[]atom) bool {
	switch e := e.(type) {
	case *pattern.Observation:
		return atomsOfCmp(e.Expr, out)
	case *pattern.ObsBinary:
		return e.Op == pattern.ObsOr && atomsOfObs(e.Left, out) && atomsOfObs(e.Right, out)
	}
	return false
}

func atomsOfCmp(e pattern.ComparisonExpr, out *[]atom) bool {
	switch e := e.(type) {
	case *pattern.CmpBinary:
		return e.Op == pattern.Or && atomsOfCmp(e.Left, out) && atomsOfCmp(e.Right, out)
	case *pattern.Comparison:
		if e.Negated {
			return false
		}
		path := PathString(e.Path)
		k, ok := indexable[path]
		if !ok || k == Kind(255) {
			return false
		}
		switch e.Op {
		case pattern.Eq:
			if e.Value.Kind != pattern.KindString {
				return false
			}
			*out = append(*out, atom{path, k, e.Value.Str, false})
		case pattern.In:
			for _, v := range e.Value.Set {
				if v.Kind != pattern.KindString {
					return false
				}
				*out = append(*out, atom{path, k, v.Str, false})
			}
		case pattern.IsSubset:
			if e.Value.Kind != pattern.KindString || k != Unknown {
				return false
			}
			*out = append(*out, atom{path, k, e.Value.Str, true})
		default:
			return false
		}
		return true
	}
	return false
}

func (b *Builder) addAtom(a atom, prov uint32) error {
	switch a.kind {
	case Unknown: // an address, CIDR or (for network-traffic refs) a domain
		if p, err := pattern.ParseIPOrCIDR(a.value); err == nil {
			b.addPrefix(p, prov)
			return nil
		}
		if !a.cidr && strings.HasPrefix(a.path, "network-traffic:") && Classify(a.value) == Domain {
			d, err := NormalizeDomain(a.value)
			if err != nil {
				return err
			}
			b.strs = append(b.strs, kvStr{Domain, d, prov})
			return nil
		}
		return fmt.Errorf("%q is not an IP address or CIDR", a.value)
	case Domain:
		d, err := NormalizeDomain(a.value)
		if err != nil {
			return err
		}
		b.strs = append(b.strs, kvStr{Domain, d, prov})
	case URL:
		u, _, err := NormalizeURL(a.value)
		if err != nil {
			return err
		}
		b.strs = append(b.strs, kvStr{URL, u, prov})
	case Email:
		e, err := NormalizeEmail(a.value)
		if err != nil {
			return err
		}
		b.strs = append(b.strs, kvStr{Email, e, prov})
	default:
		h, k, err := NormalizeHash(a.value)
		if err != nil {
			return err
		}
		if k != a.kind {
			return fmt.Errorf("%q is a %v digest, not %v", a.value, k, a.kind)
		}
		b.strs = append(b.strs, kvStr{k, h, prov})
	}
	return nil
}

// ObservedPaths are the STIX property paths under which a value of kind k
// found in a log is offered to rules.
func ObservedPaths(k Kind, a netip.Addr) []string {
	switch k {
	case IP:
		if a.Is4() {
			return []string{"ipv4-addr:value"}
		}
		return []string{"ipv6-addr:value"}
	case Domain:
		return []string{"domain-name:value"}
	case URL:
		return []string{"url:value"}
	case Email:
		return []string{"email-addr:value"}
	case MD5:
		return []string{"file:hashes.MD5"}
	case SHA1:
		return []string{"file:hashes.SHA-1"}
	case SHA256:
		return []string{"file:hashes.SHA-256"}
	case SHA512:
		return []string{"file:hashes.SHA-512"}
	}
	return nil
}
