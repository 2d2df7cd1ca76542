package telemetry

import (
	"context"
	"errors"
	"fmt"
	"net/netip"
	"regexp"
	"slices"
	"strings"
	"time"

	"renkei/internal/policy"
	"renkei/internal/store"
)

// Source is a registered source of communications information.
type Source struct {
	ID          string
	Name        string
	LegalBasis  string // BasisAgreement or BasisCommittee
	ApprovalRef string // the approval that must be in force (C6)
	OperatorOrg string // the operator under whose agreement it is collected, if any
	Directions  []Direction
	Retention   time.Duration
	// Pseudonymize lists member-internal prefixes whose addresses are replaced
	// by prefix-preserving pseudonyms before matching and storage (C4).
	Pseudonymize []netip.Prefix
	// PrefixPreserving makes those pseudonyms prefix-preserving (Crypto-PAn)
	// rather than keyed; only honoured while the approval in force requires
	// it (ApprovalRequiresPrefixPreserving), else the source's records are refused.
	PrefixPreserving bool
	Created          time.Time
}

// ApprovalKind is the kind of approval the source's legal basis needs.
func (s *Source) ApprovalKind() string { return ApprovalKinds[s.LegalBasis] }

// Allows reports whether the source's legal basis covers direction d.
func (s *Source) Allows(d Direction) bool { return slices.Contains(s.Directions, d) }

var sourceID = regexp.MustCompile(`^[a-z0-9][a-z0-9-]{0,62}$`)

// AddSource registers a source after checking it.
func AddSource(ctx context.Context, db *store.DB, s Source) error {
	switch {
	case !sourceID.MatchString(s.ID):
		return fmt.Errorf("source id %q: use lower-case letters, digits and '-'", s.ID)
	case s.LegalBasis != BasisAgreement && s.LegalBasis != BasisCommittee:
		return fmt.Errorf("legal basis %q: want %s or %s", s.LegalBasis, BasisAgreement, BasisCommittee)
	case !strings.HasPrefix(s.ApprovalRef, "approval-"):
		return fmt.Errorf("approval %q: name the approval in force, e.g. approval-12 (see renkei approval list)", s.ApprovalRef)
	case s.Retention <= 0:
		return errors.New("retention must be positive, e.g. 30d")
	}
	if len(s.Directions) == 0 {
		s.Directions = DefaultDirections[s.LegalBasis]
	}
	for _, d := range s.Directions {
		if !slices.Contains(DefaultDirections[s.LegalBasis], d) {
			return fmt.Errorf("direction %s is not covered by a %s legal basis", d, s.LegalBasis)
		}
	}
	if s.Name == "" {
		s.Name = s.ID
	}
	return db.AddTelemetrySource(ctx, s.stored())
}

// stored is the source as the store keeps it.
func (s Source) stored() store.TelemetrySource {
	dirs := make([]string, len(s.Directions))
	for i, d := range s.Directions {
		dirs[i] = string(d)
	}
	ps := make([]string, len(s.Pseudonymize))
	for i, p := range s.Pseudonymize {
		ps[i] = p.String()
	}
	return store.TelemetrySource{ID: s.ID, Name: s.Name, LegalBasis: s.LegalBasis, ApprovalRef: s.ApprovalRef, OperatorOrg: s.OperatorOrg,
		Directions: dirs, Retention: s.Retention, Pseudonymize: ps, PrefixPreserving: s.PrefixPreserving, Created: s.Created}
}

// sourceOf reads a source as the store keeps it.
func sourceOf(st store.TelemetrySource) (Source, error) {
	s := Source{ID: st.ID, Name: st.Name, LegalBasis: st.LegalBasis, ApprovalRef: st.ApprovalRef, OperatorOrg: st.OperatorOrg,
		Retention: st.Retention, PrefixPreserving: st.PrefixPreserving, Created: st.Created}
	d, err := ParseDirections(strings.Join(st.Directions, ","))
	if err != nil {
		return s, fmt.Errorf("source %s: %w", st.ID, err)
	}
	s.Directions = d
	for _, p := range st.Pseudonymize {
		pp, err := netip.ParsePrefix(p)
		if err != nil {
			return s, fmt.Errorf("source %s: pseudonymized prefix: %w", st.ID, err)
		}
		s.Pseudonymize = append(s.Pseudonymize, pp)
	}
	return s, nil
}

// GetSource finds a source.
func GetSource(ctx context.Context, db *store.DB, id string) (Source, error) {
	st, err := db.TelemetrySource(ctx, id)
	if err != nil {
		return Source{ID: id}, err
	}
	return sourceOf(st)
}

// Sources lists the sources v may see (policy.TelemetrySourceFilter).
func Sources(ctx context.Context, db *store.DB, v policy.Viewer) ([]Source, error) {
	sts, err := db.TelemetrySources(ctx, v)
	if err != nil {
		return nil, err
	}
	out := make([]Source, 0, len(sts))
	for _, st := range sts {
		s, err := sourceOf(st)
		if err != nil {
			return nil, err
		}
		out = append(out, s)
	}
	return out, nil
}

// Counts are a source's kept, dropped and refused records by reason.
type Counts map[string]int64

// AddCounts adds to a source's counters.
func AddCounts(ctx context.Context, db *store.DB, source string, c Counts) error {
	return db.AddTelemetryCounts(ctx, source, c)
}

// GetCounts returns a source's counters.
func GetCounts(ctx context.Context, db *store.DB, source string) (Counts, error) {
	return db.TelemetryCounts(ctx, source)
}

// AddAddressSpace registers a prefix as a member's address space, so that
// matches involving it reach that member.
func AddAddressSpace(ctx context.Context, db *store.DB, org string, p netip.Prefix) error {
	return db.AddAddressSpace(ctx, org, p.Masked().String())
}
