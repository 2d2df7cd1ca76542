package store

// The tables of post-quantum migration (package pqc, issue 16): each
// organization's crypto assets, the endpoints it registered and confirmed
// it owns, the hub's probes of them, and its plan's steps. Every listing a
// person sees is filtered in the query by policy.PQCFilter (an
// organization's own inventory, as its connection points); the one read
// across organizations, PQCAssetsBySector, is for the center's view, which
// package pqc asks policy about first and shows only as counts.

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"renkei/internal/policy"
	"renkei/internal/problem"
)

// PQCAsset is one stored crypto asset: Body is the asset as package pqc
// writes it (JSON), classified again at each read.
type PQCAsset struct {
	ID           int64     `json:"-"`
	PublicID     string    `json:"id"`
	OrgID        string    `json:"org"`
	Source       string    `json:"source"` // cbom, probe, manual
	Origin       string    `json:"origin"` // what it came with: a CBOM's name, an endpoint's public id; "" for one entered by hand
	Body         []byte    `json:"-"`
	DataLifetime int       `json:"data_lifetime_years"`
	Created      time.Time `json:"created"`
}

const pqcAssetCols = "a.id, a.public_id, a.org_id, a.source, a.origin, a.body, a.data_lifetime, a.created_at"

func scanPQCAsset(row interface{ Scan(...any) error }) (PQCAsset, error) {
	var a PQCAsset
	var body string
	var cr int64
	err := row.Scan(&a.ID, &a.PublicID, &a.OrgID, &a.Source, &a.Origin, &body, &a.DataLifetime, &cr)
	a.Body, a.Created = []byte(body), FromMicros(cr)
	return a, err
}

// ReplacePQCAssets stores as, one transaction, in place of the assets org
// holds from the same source and origin when origin is not "" (a CBOM
// registered again, an endpoint probed again), keeping the data lifetime
// the member marked on the one it replaces (same origin, source and kind,
// given by key). The public ids not set are set.
func (db *DB) ReplacePQCAssets(ctx context.Context, org, source, origin string, as []PQCAsset) error {
	return db.InTx(ctx, func(tx *Tx) error {
		if origin != "" {
			if _, err := tx.Exec(ctx, "DELETE FROM pqc_assets WHERE org_id = ? AND source = ? AND origin = ?", org, source, origin); err != nil {
				return fmt.Errorf("replace crypto assets of %s: %w", origin, err)
			}
		}
		for i := range as {
			a := &as[i]
			if a.PublicID == "" {
				a.PublicID = NewPublicID()
			}
			a.OrgID, a.Source, a.Origin = org, source, origin
			if err := tx.QueryRow(ctx, "INSERT INTO pqc_assets(public_id, org_id, source, origin, body, data_lifetime, created_at) VALUES(?, ?, ?, ?, ?, ?, ?) RETURNING id",
				a.PublicID, org, source, origin, string(a.Body), a.DataLifetime, Micros(a.Created)).Scan(&a.ID); err != nil {
				return fmt.Errorf("store crypto asset %d: %w", i+1, err)
			}
		}
		return nil
	})
}

// PQCAssets lists the crypto assets v may read, by id: the access condition
// (policy.PQCFilter) is part of the query.
func (db *DB) PQCAssets(ctx context.Context, v policy.Viewer) ([]PQCAsset, error) {
	cond, args := policy.PQCFilter(v, "a.org_id")
	return queryAll(ctx, db, "list crypto assets", scanPQCAsset, "SELECT "+pqcAssetCols+" FROM pqc_assets a WHERE "+cond+" ORDER BY a.id", args...)
}

// SetPQCDataLifetime marks how many years the data crypto asset id of org
// protects must stay confidential.
func (db *DB) SetPQCDataLifetime(ctx context.Context, org, id string, years int) error {
	res, err := db.Exec(ctx, "UPDATE pqc_assets SET data_lifetime = ? WHERE public_id = ? AND org_id = ?", years, id, org)
	if err != nil {
		return fmt.Errorf("crypto asset %s: %w", id, err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return fmt.Errorf("crypto asset %s: %w", id, ErrNotFound)
	}
	return nil
}

// PQCSectorAsset is an asset as the center's view counts it: the sector
// and kind of its organization, never which organization.
type PQCSectorAsset struct {
	Org, Sector, Kind string
	Body              []byte
	DataLifetime      int
}

// PQCAssetsBySector reads every organization's crypto assets with its
// sector and kind, for the center's view (package pqc asks
// policy.MayReadPQCSectors first and returns only counts).
func (db *DB) PQCAssetsBySector(ctx context.Context) ([]PQCSectorAsset, error) {
	return queryAll(ctx, db, "crypto assets by sector", func(row interface{ Scan(...any) error }) (PQCSectorAsset, error) {
		var a PQCSectorAsset
		var body string
		err := row.Scan(&a.Org, &a.Sector, &a.Kind, &body, &a.DataLifetime)
		a.Body = []byte(body)
		return a, err
	}, "SELECT a.org_id, o.sector, o.kind, a.body, a.data_lifetime FROM pqc_assets a JOIN orgs o ON o.id = a.org_id ORDER BY a.id")
}

// PQCEndpoint is a TLS or SSH endpoint an organization registered for the
// hub to probe. Addresses are the IP addresses its host resolved to when
// the organization confirmed it owns it: the hub probes only those.
type PQCEndpoint struct {
	ID           int64     `json:"-"`
	PublicID     string    `json:"id"`
	OrgID        string    `json:"org"`
	Address      string    `json:"address"`  // HOST:PORT as registered
	Protocol     string    `json:"protocol"` // tls or ssh
	Addresses    string    `json:"addresses,omitempty"`
	Confirmed    time.Time `json:"confirmed,omitzero"`
	ConfirmedBy  string    `json:"confirmed_by,omitempty"`
	DataLifetime int       `json:"data_lifetime_years"`
	Probed       time.Time `json:"probed,omitzero"`
	Created      time.Time `json:"created"`
}

const pqcEndpointCols = "e.id, e.public_id, e.org_id, e.address, e.protocol, e.addresses, e.confirmed_at, e.confirmed_by, e.data_lifetime, e.probed_at, e.created_at"

func scanPQCEndpoint(row interface{ Scan(...any) error }) (PQCEndpoint, error) {
	var e PQCEndpoint
	var conf, probed, cr int64
	err := row.Scan(&e.ID, &e.PublicID, &e.OrgID, &e.Address, &e.Protocol, &e.Addresses, &conf, &e.ConfirmedBy, &e.DataLifetime, &probed, &cr)
	e.Confirmed, e.Probed, e.Created = FromMicros(conf), FromMicros(probed), FromMicros(cr)
	return e, err
}

// AddPQCEndpoint registers an endpoint, not yet confirmed; an organization
// registers each address and protocol once (ErrConflict).
func (db *DB) AddPQCEndpoint(ctx context.Context, e *PQCEndpoint) error {
	if e.PublicID == "" {
		e.PublicID = NewPublicID()
	}
	err := db.QueryRow(ctx, "INSERT INTO pqc_endpoints(public_id, org_id, address, protocol, data_lifetime, created_at) VALUES(?, ?, ?, ?, ?, ?) ON CONFLICT(org_id, address, protocol) DO NOTHING RETURNING id",
		e.PublicID, e.OrgID, e.Address, e.Protocol, e.DataLifetime, Micros(e.Created)).Scan(&e.ID)
	if errors.Is(err, sql.ErrNoRows) {
		return problem.Newf(problem.ErrConflict, "endpoint %s (%s) is registered already", e.Address, e.Protocol)
	}
	if err != nil {
		return fmt.Errorf("register endpoint %s: %w", e.Address, err)
	}
	return nil
}

// PQCEndpoints lists the endpoints v may read, by id (policy.PQCFilter).
func (db *DB) PQCEndpoints(ctx context.Context, v policy.Viewer) ([]PQCEndpoint, error) {
	cond, args := policy.PQCFilter(v, "e.org_id")
	return queryAll(ctx, db, "list endpoints", scanPQCEndpoint, "SELECT "+pqcEndpointCols+" FROM pqc_endpoints e WHERE "+cond+" ORDER BY e.id", args...)
}

// PQCEndpointsAt returns org's endpoints registered as address (any protocol).
func (db *DB) PQCEndpointsAt(ctx context.Context, org, address string) ([]PQCEndpoint, error) {
	return queryAll(ctx, db, "endpoints at "+address, scanPQCEndpoint, "SELECT "+pqcEndpointCols+" FROM pqc_endpoints e WHERE e.org_id = ? AND e.address = ? ORDER BY e.id", org, address)
}

// PQCEndpoint returns org's endpoint of public id id.
func (db *DB) PQCEndpoint(ctx context.Context, org, id string) (PQCEndpoint, error) {
	e, err := scanPQCEndpoint(db.QueryRow(ctx, "SELECT "+pqcEndpointCols+" FROM pqc_endpoints e WHERE e.public_id = ? AND e.org_id = ?", id, org))
	if errors.Is(err, sql.ErrNoRows) {
		return e, fmt.Errorf("endpoint %s: %w", id, ErrNotFound)
	}
	return e, err
}

// ConfirmPQCEndpoint records that user by confirmed at at that org owns
// endpoint id, which resolved then to addresses (comma-separated).
func (db *DB) ConfirmPQCEndpoint(ctx context.Context, org, id, addresses, by string, at time.Time) error {
	res, err := db.Exec(ctx, "UPDATE pqc_endpoints SET addresses = ?, confirmed_by = ?, confirmed_at = ? WHERE public_id = ? AND org_id = ?", addresses, by, Micros(at), id, org)
	if err != nil {
		return fmt.Errorf("confirm endpoint %s: %w", id, err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return fmt.Errorf("endpoint %s: %w", id, ErrNotFound)
	}
	return nil
}

// ErrPQCProbeLimit is the refusal of a probe over the rate limit.
var ErrPQCProbeLimit = problem.Kind(problem.ErrConflict, "probe rate limit", "the hub probes an endpoint at most once in its interval, and an organization's endpoints at most so many times an hour: try again later")

// TakePQCProbe claims a probe of org's endpoint id at at, one transaction:
// refused (ErrPQCProbeLimit) when the endpoint was probed less than gap
// before, or org's endpoints perHour times in the hour before at.
func (db *DB) TakePQCProbe(ctx context.Context, org, id string, at time.Time, gap time.Duration, perHour int) error {
	return db.InTx(ctx, func(tx *Tx) error {
		var n int
		if err := tx.QueryRow(ctx, "SELECT COUNT(*) FROM pqc_probes WHERE org_id = ? AND at > ?", org, Micros(at.Add(-time.Hour))).Scan(&n); err != nil {
			return fmt.Errorf("count probes: %w", err)
		}
		if n >= perHour {
			return ErrPQCProbeLimit
		}
		res, err := tx.Exec(ctx, "UPDATE pqc_endpoints SET probed_at = ? WHERE public_id = ? AND org_id = ? AND probed_at <= ?", Micros(at), id, org, Micros(at.Add(-gap)))
		if err != nil {
			return fmt.Errorf("claim probe of %s: %w", id, err)
		}
		if k, _ := res.RowsAffected(); k == 0 {
			return ErrPQCProbeLimit
		}
		if _, err := tx.Exec(ctx, "INSERT INTO pqc_probes(org_id, endpoint_id, at) VALUES(?, ?, ?)", org, id, Micros(at)); err != nil {
			return fmt.Errorf("record probe of %s: %w", id, err)
		}
		return nil
	})
}

// PQCStep is one step of an organization's migration plan.
type PQCStep struct {
	ID        int64     `json:"-"`
	PublicID  string    `json:"id"`
	OrgID     string    `json:"org"`
	Title     string    `json:"title"`
	Owner     string    `json:"owner"`
	Due       time.Time `json:"due,omitzero"`
	Milestone string    `json:"milestone,omitempty"` // deprecation, disallowed, government
	AssetID   string    `json:"asset,omitempty"`     // the crypto asset it migrates, by public id
	Status    string    `json:"status"`              // planned, in-progress, done
	Created   time.Time `json:"created"`
	Updated   time.Time `json:"updated"`
	Done      time.Time `json:"done,omitzero"`
}

const pqcStepCols = "s.id, s.public_id, s.org_id, s.title, s.owner, s.due, s.milestone, s.asset_id, s.status, s.created_at, s.updated_at, s.done_at"

func scanPQCStep(row interface{ Scan(...any) error }) (PQCStep, error) {
	var s PQCStep
	var due, cr, up, done int64
	err := row.Scan(&s.ID, &s.PublicID, &s.OrgID, &s.Title, &s.Owner, &due, &s.Milestone, &s.AssetID, &s.Status, &cr, &up, &done)
	s.Due, s.Created, s.Updated, s.Done = FromMicros(due), FromMicros(cr), FromMicros(up), FromMicros(done)
	return s, err
}

// AddPQCStep adds a step to s.OrgID's plan.
func (db *DB) AddPQCStep(ctx context.Context, s *PQCStep) error {
	if s.PublicID == "" {
		s.PublicID = NewPublicID()
	}
	if err := db.QueryRow(ctx, "INSERT INTO pqc_steps(public_id, org_id, title, owner, due, milestone, asset_id, status, created_at, updated_at, done_at) VALUES(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
		s.PublicID, s.OrgID, s.Title, s.Owner, Micros(s.Due), s.Milestone, s.AssetID, s.Status, Micros(s.Created), Micros(s.Updated), Micros(s.Done)).Scan(&s.ID); err != nil {
		return fmt.Errorf("add plan step %q: %w", s.Title, err)
	}
	return nil
}

// PQCSteps lists the plan steps v may read, by due date (policy.PQCFilter).
func (db *DB) PQCSteps(ctx context.Context, v policy.Viewer) ([]PQCStep, error) {
	cond, args := policy.PQCFilter(v, "s.org_id")
	return queryAll(ctx, db, "list plan steps", scanPQCStep, "SELECT "+pqcStepCols+" FROM pqc_steps s WHERE "+cond+" ORDER BY s.due, s.id", args...)
}

// PQCStepsBySector reads every organization's steps with its sector and
// kind, for the center's progress view (counts only).
func (db *DB) PQCStepsBySector(ctx context.Context) ([]PQCStep, map[string][2]string, error) {
	steps, err := queryAll(ctx, db, "plan steps", scanPQCStep, "SELECT "+pqcStepCols+" FROM pqc_steps s ORDER BY s.id")
	if err != nil {
		return nil, nil, err
	}
	orgs := map[string][2]string{}
	rows, err := db.Query(ctx, "SELECT id, sector, kind FROM orgs")
	if err != nil {
		return nil, nil, fmt.Errorf("organizations' sectors: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var id, sector, kind string
		if err := rows.Scan(&id, &sector, &kind); err != nil {
			return nil, nil, err
		}
		orgs[id] = [2]string{sector, kind}
	}
	return steps, orgs, rows.Err()
}

// UpdatePQCStep changes the status, owner and due date of org's step s.PublicID.
func (db *DB) UpdatePQCStep(ctx context.Context, org string, s PQCStep) error {
	res, err := db.Exec(ctx, "UPDATE pqc_steps SET status = ?, owner = ?, due = ?, updated_at = ?, done_at = ? WHERE public_id = ? AND org_id = ?",
		s.Status, s.Owner, Micros(s.Due), Micros(s.Updated), Micros(s.Done), s.PublicID, org)
	if err != nil {
		return fmt.Errorf("update plan step %s: %w", s.PublicID, err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return fmt.Errorf("plan step %s: %w", s.PublicID, ErrNotFound)
	}
	return nil
}

// PQCStep returns org's step of public id id.
func (db *DB) PQCStep(ctx context.Context, org, id string) (PQCStep, error) {
	s, err := scanPQCStep(db.QueryRow(ctx, "SELECT "+pqcStepCols+" FROM pqc_steps s WHERE s.public_id = ? AND s.org_id = ?", id, org))
	if errors.Is(err, sql.ErrNoRows) {
		return s, fmt.Errorf("plan step %s: %w", id, ErrNotFound)
	}
	return s, err
}
