package huntpkg

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"renkei/internal/policy"
)

// FormatVersion names the canonical form; it is the first field of every
// signed package so that a later format can never be mistaken for this one.
const FormatVersion = "renkei-hunt-package/1"

// Scope kinds: who a package is for. An organization is in scope when any
// one entry names it.
const (
	ScopeAll     = "all"      // every member organization
	ScopeSector  = "sector"   // organizations of a sector (orgs.sector)
	ScopeOrgKind = "org-kind" // organizations of a kind (operator, medical, …)
	ScopeOrg     = "org"      // one organization, by id
	ScopeGroup   = "group"    // the organizations of a sharing group, however nested
)

// ScopeEntry is one "kind=value" of a scope.
type ScopeEntry struct {
	Kind  string `json:"kind"`
	Value string `json:"value,omitempty"`
}

func (e ScopeEntry) String() string {
	if e.Kind == ScopeAll {
		return ScopeAll
	}
	return e.Kind + "=" + e.Value
}

// ParseScope reads "sector=energy,sector=water,org-kind=medical,org=NAME,group=NAME,all".
// Organization and group names are resolved to ids by Publish.
func ParseScope(s string) ([]ScopeEntry, error) {
	var out []ScopeEntry
	for i, part := range strings.Split(s, ",") {
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		if part == ScopeAll {
			out = append(out, ScopeEntry{Kind: ScopeAll})
			continue
		}
		k, v, ok := strings.Cut(part, "=")
		k, v = strings.TrimSpace(k), strings.TrimSpace(v)
		if k == "kind" {
			k = ScopeOrgKind
		}
		if !ok || v == "" || !slices.Contains([]string{ScopeSector, ScopeOrgKind, ScopeOrg, ScopeGroup}, k) {
			return nil, fmt.Errorf("scope entry %d %q: want all, sector=S, org-kind=K, org=NAME or group=NAME", i+1, part)
		}
		out = append(out, ScopeEntry{Kind: k, Value: v})
	}
	if len(out) == 0 {
		return nil, errors.New("empty scope: name at least one sector, org-kind, org or group (or all)")
	}
	return out, nil
}

// RuleFile is one Sigma YAML file of a package, kept as the publisher wrote
// it (rule collections with several documents included).
type RuleFile struct {
	Name string `json:"name"` // file name, for messages
	YAML string `json:"yaml"`
}

// Indicator is one value to sweep the logs for. When it came from a STIX
// indicator on the hub, STIXID names it.
type Indicator struct {
	Value  string `json:"value"`
	STIXID string `json:"stix_id,omitempty"`
}

// Package is the content members run, exactly as signed.
type Package struct {
	Format        string       `json:"format"`
	ID            string       `json:"id"`
	Title         string       `json:"title"`
	Description   string       `json:"description,omitempty"`
	PublisherOrg  string       `json:"publisher_org"`
	PublisherName string       `json:"publisher_name"`
	TLP           string       `json:"tlp"` // "TLP:AMBER"
	Scope         []ScopeEntry `json:"scope"`
	Rules         []RuleFile   `json:"rules"`
	Indicators    []Indicator  `json:"indicators"`
	Created       time.Time    `json:"created"`
}

// TLPLevel parses the package's TLP label.
func (p *Package) TLPLevel() (policy.TLP, error) { return policy.ParseTLP(p.TLP) }

// Canonical returns the bytes that are signed: JSON with the fields in the
// order of the struct, no HTML escaping, no insignificant space, the time in
// UTC to the microsecond, scope, rules and indicators sorted. Two hubs given
// the same package produce the same bytes, so a signature can be checked by
// anyone who re-encodes what they received.
func (p *Package) Canonical() ([]byte, error) {
	c := *p
	c.Format = FormatVersion
	c.Created = p.Created.UTC().Truncate(time.Microsecond)
	c.Scope = slices.Clone(p.Scope)
	slices.SortFunc(c.Scope, func(a, b ScopeEntry) int { return strings.Compare(a.String(), b.String()) })
	c.Rules = slices.Clone(p.Rules)
	slices.SortStableFunc(c.Rules, func(a, b RuleFile) int { return strings.Compare(a.Name, b.Name) })
	c.Indicators = slices.Clone(p.Indicators)
	slices.SortStableFunc(c.Indicators, func(a, b Indicator) int { return strings.Compare(a.Value, b.Value) })
	if c.Rules == nil {
		c.Rules = []RuleFile{}
	}
	if c.Indicators == nil {
		c.Indicators = []Indicator{}
	}
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(c); err != nil {
		return nil, fmt.Errorf("canonical form of package %s: %w", p.ID, err)
	}
	return b.Bytes(), nil // one line, ending in "\n", as a signed note's text must
}

// ParseCanonical reads a package from its canonical form and checks that
// the bytes are canonical, so nothing unsigned can ride along.
func ParseCanonical(data []byte) (*Package, error) {
	var p Package
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&p); err != nil {
		return nil, fmt.Errorf("package: %w", err)
	}
	if p.Format != FormatVersion {
		return nil, fmt.Errorf("package: format %q is not %q", p.Format, FormatVersion)
	}
	again, err := p.Canonical()
	if err != nil {
		return nil, err
	}
	if !bytes.Equal(again, data) {
		return nil, fmt.Errorf("package %s: not in canonical form", p.ID)
	}
	return &p, nil
}
