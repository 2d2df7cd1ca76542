package match

import (
	"net/netip"
	"time"
)

// Indicator is the provenance of one or more compiled values: where they came
// from and when they apply. Many values may share one Indicator (every line of
// a plain list shares the list's Indicator; every value of a STIX pattern
// shares the STIX indicator's).
type Indicator struct {
	ID      string // STIX id, or "list:<file>" for plain lists
	Pattern string // STIX pattern, empty for plain lists
	Given   string // the indicator as its author wrote it, when it is one value
	TLP     string // "clear", "green", "amber", "amber+strict", "red", or "" if unmarked
	// Markings are the object_marking_refs of the source object, copied to
	// anything derived from it (sightings).
	Markings   []string
	ValidFrom  time.Time // zero: always
	ValidUntil time.Time // zero: never expires
	Revoked    bool
	// Modified is the STIX object's version (its modified time); zero for
	// plain lists. Exports derive a rule's revision from it.
	Modified time.Time
}

// ActiveAt reports whether the indicator applies at time at. A zero at checks
// revocation only, for inputs that carry no time.
func (ind *Indicator) ActiveAt(at time.Time) bool {
	if ind.Revoked {
		return false
	}
	if at.IsZero() {
		return true
	}
	if !ind.ValidFrom.IsZero() && at.Before(ind.ValidFrom) {
		return false
	}
	return ind.ValidUntil.IsZero() || at.Before(ind.ValidUntil)
}

// sameProvenance compares everything but the slice of markings by value.
func sameProvenance(a, b *Indicator) bool {
	if a.ID != b.ID || a.Pattern != b.Pattern || a.Given != b.Given || a.TLP != b.TLP || a.Revoked != b.Revoked ||
		!a.ValidFrom.Equal(b.ValidFrom) || !a.ValidUntil.Equal(b.ValidUntil) || !a.Modified.Equal(b.Modified) || len(a.Markings) != len(b.Markings) {
		return false
	}
	for i := range a.Markings {
		if a.Markings[i] != b.Markings[i] {
			return false
		}
	}
	return true
}

// Hit is one indicator matched by one observed value.
type Hit struct {
	Indicator *Indicator
	Kind      Kind         // kind of the indicator value (IP, CIDR, Domain, …)
	Prefix    netip.Prefix // the indicator's address or prefix, for IP and CIDR
	Value     string       // the indicator's normalized value, for the other kinds
}

// IndicatorValue returns the matched indicator value in canonical form:
// "192.0.2.1", "10.0.0.0/8", "example.com", a URL, an address or a hash.
func (h Hit) IndicatorValue() string {
	switch h.Kind {
	case IP:
		return h.Prefix.Addr().String()
	case CIDR:
		return h.Prefix.String()
	}
	return h.Value
}
