package telemetry

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/netip"
	"regexp"
	"slices"
	"strings"
	"time"

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
	dirs := make([]string, len(s.Directions))
	for i, d := range s.Directions {
		dirs[i] = string(d)
	}
	ps := make([]string, len(s.Pseudonymize))
	for i, p := range s.Pseudonymize {
		ps[i] = p.String()
	}
	if s.Name == "" {
		s.Name = s.ID
	}
	pp := 0
	if s.PrefixPreserving {
		pp = 1
	}
	_, err := db.Exec(ctx, `INSERT INTO telemetry_sources(id, name, legal_basis, approval_ref, operator_org, directions, retention_seconds, pseudonymize,
		prefix_preserving, created_at) VALUES(?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`, s.ID, s.Name, s.LegalBasis, s.ApprovalRef, s.OperatorOrg, strings.Join(dirs, ","),
		int64(s.Retention/time.Second), strings.Join(ps, ","), pp, store.Micros(s.Created))
	if err != nil {
		return fmt.Errorf("add source %s: %w", s.ID, err)
	}
	return nil
}

const sourceCols = "id, name, legal_basis, approval_ref, operator_org, directions, retention_seconds, pseudonymize, prefix_preserving, created_at"

func scanSource(row interface{ Scan(...any) error }) (Source, error) {
	var s Source
	var dirs, ps string
	var ret, c, pp int64
	if err := row.Scan(&s.ID, &s.Name, &s.LegalBasis, &s.ApprovalRef, &s.OperatorOrg, &dirs, &ret, &ps, &pp, &c); err != nil {
		return s, err
	}
	s.PrefixPreserving = pp != 0
	s.Retention, s.Created = time.Duration(ret)*time.Second, store.FromMicros(c)
	d, err := ParseDirections(dirs)
	if err != nil {
		return s, err
	}
	s.Directions = d
	for _, p := range strings.Split(ps, ",") {
		if p == "" {
			continue
		}
		pp, err := netip.ParsePrefix(p)
		if err != nil {
			return s, err
		}
		s.Pseudonymize = append(s.Pseudonymize, pp)
	}
	return s, nil
}

// GetSource finds a source.
func GetSource(ctx context.Context, db *store.DB, id string) (Source, error) {
	s, err := scanSource(db.QueryRow(ctx, "SELECT "+sourceCols+" FROM telemetry_sources WHERE id = ?", id))
	if errors.Is(err, sql.ErrNoRows) {
		return s, fmt.Errorf("source %s: %w", id, store.ErrNotFound)
	}
	return s, err
}

// Sources lists every source.
func Sources(ctx context.Context, db *store.DB) ([]Source, error) {
	rows, err := db.Query(ctx, "SELECT "+sourceCols+" FROM telemetry_sources ORDER BY id")
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Source
	for rows.Next() {
		s, err := scanSource(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, s)
	}
	return out, rows.Err()
}

// Counts are a source's kept, dropped and refused records by reason.
type Counts map[string]int64

// AddCounts adds to a source's counters.
func AddCounts(ctx context.Context, db *store.DB, source string, c Counts) error {
	for reason, n := range c {
		if n == 0 {
			continue
		}
		if _, err := db.Exec(ctx, `INSERT INTO telemetry_counts(source_id, reason, count) VALUES(?, ?, ?)
			ON CONFLICT(source_id, reason) DO UPDATE SET count = telemetry_counts.count + excluded.count`, source, reason, n); err != nil {
			return fmt.Errorf("count %s/%s: %w", source, reason, err)
		}
	}
	return nil
}

// GetCounts returns a source's counters.
func GetCounts(ctx context.Context, db *store.DB, source string) (Counts, error) {
	rows, err := db.Query(ctx, "SELECT reason, count FROM telemetry_counts WHERE source_id = ?", source)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	c := Counts{}
	for rows.Next() {
		var r string
		var n int64
		if err := rows.Scan(&r, &n); err != nil {
			return nil, err
		}
		c[r] = n
	}
	return c, rows.Err()
}

// AddAddressSpace registers a prefix as a member's address space, so that
// matches involving it reach that member.
func AddAddressSpace(ctx context.Context, db *store.DB, org string, p netip.Prefix) error {
	_, err := db.Exec(ctx, "INSERT INTO org_address_space(org_id, prefix) VALUES(?, ?) ON CONFLICT DO NOTHING", org, p.Masked().String())
	return err
}
