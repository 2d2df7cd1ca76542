package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"renkei/internal/policy"
)

// Hunting packages (package huntpkg keeps their rules): hunt_packages with
// their scope in hunt_package_scope, and the runs members report in
// hunt_runs with their counts per rule in hunt_run_rules. Which packages a
// reader lists is policy.HuntPackageFilter; the TLP of each is decided after.

// HuntPackage is a published package as stored: its signed note is the
// package itself (huntpkg reads it back from there).
type HuntPackage struct {
	ID            string
	Title         string
	Description   string
	PublisherOrg  string
	PublisherUser int64
	TLP           int
	Rules         string // JSON
	Indicators    string // JSON
	Created       time.Time
	Signed        string
	KeyName       string
}

// HuntScope is one entry of a package's scope.
type HuntScope struct{ Kind, Value string }

// PublishHuntPackage stores a package and its scope in one transaction, a
// sector entry's value as its key (SectorKey).
func (db *DB) PublishHuntPackage(ctx context.Context, p HuntPackage, scope []HuntScope) error {
	return db.InTx(ctx, func(tx *Tx) error {
		if _, err := tx.Exec(ctx, `INSERT INTO hunt_packages(id, title, description, publisher_org, publisher_user, tlp, rules, indicators, created_at, signed, key_name)
			VALUES(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`, p.ID, p.Title, p.Description, p.PublisherOrg, p.PublisherUser, p.TLP,
			p.Rules, p.Indicators, Micros(p.Created), p.Signed, p.KeyName); err != nil {
			return fmt.Errorf("store package: %w", err)
		}
		for _, se := range scope {
			if se.Kind == "sector" {
				se.Value = SectorKey(se.Value)
			}
			if _, err := tx.Exec(ctx, "INSERT INTO hunt_package_scope(package_id, kind, value) VALUES(?, ?, ?)", p.ID, se.Kind, se.Value); err != nil {
				return fmt.Errorf("store package scope: %w", err)
			}
		}
		return nil
	})
}

// HuntPackageSigned returns package id's signed note, its publishing user and its TLP.
func (db *DB) HuntPackageSigned(ctx context.Context, id string) (HuntPackage, error) {
	p := HuntPackage{ID: id}
	err := db.QueryRow(ctx, "SELECT signed, publisher_user, tlp FROM hunt_packages WHERE id = ?", id).Scan(&p.Signed, &p.PublisherUser, &p.TLP)
	if errors.Is(err, sql.ErrNoRows) {
		return p, fmt.Errorf("hunting package %s: %w", id, ErrNotFound)
	}
	if err != nil {
		return p, fmt.Errorf("load hunting package %s: %w", id, err)
	}
	return p, nil
}

// HuntPackageIDs lists, newest first, the ids of up to limit packages that
// v's organization published or is addressed by (policy.HuntPackageFilter).
func (db *DB) HuntPackageIDs(ctx context.Context, v policy.Viewer, limit int) ([]string, error) {
	cond, args := policy.HuntPackageFilter(v, "p")
	return queryAll(ctx, db, "list hunting packages", func(row interface{ Scan(...any) error }) (string, error) {
		var id string
		err := row.Scan(&id)
		return id, err
	}, "SELECT p.id FROM hunt_packages p WHERE "+cond+" ORDER BY p.created_at DESC LIMIT ?", append(args, limit)...)
}

// HuntPackagesRunBy returns the ids of the packages org has reported a run of.
func (db *DB) HuntPackagesRunBy(ctx context.Context, org string) (map[string]bool, error) {
	rows, err := db.Query(ctx, "SELECT DISTINCT package_id FROM hunt_runs WHERE org_id = ?", org)
	if err != nil {
		return nil, fmt.Errorf("packages run by %s: %w", org, err)
	}
	defer rows.Close()
	m := map[string]bool{}
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			return nil, fmt.Errorf("packages run by %s: %w", org, err)
		}
		m[id] = true
	}
	return m, rows.Err()
}

// HuntRun is one reported run of a package.
type HuntRun struct {
	ID int64 // the row id: a sequence over every organization's runs, never shown outside the hub
	// PublicID is the run's id outside the hub (the report's answer, the
	// publisher's alert and findings): 128 random bits in hex (NewPublicID).
	PublicID   string
	PackageID  string
	OrgID      string
	OrgName    string // read, not stored
	UserID     int64
	User       string
	RanAt      time.Time
	Reported   time.Time
	Events     int64
	Files      int
	Bytes      int64
	ReadErrors int
	Hits       int64
	DurationMS int64
	MatchCount int
	Matches    string // one JSON object a line, as the member sent them
}

// HuntRuleHits is what one rule found in a run.
type HuntRuleHits struct {
	RuleID string
	Title  string
	Hits   int64
}

// ReportHuntRun stores a run with its counts per rule in one transaction and
// returns its row id; the run is given a public id when it has none.
func (db *DB) ReportHuntRun(ctx context.Context, r HuntRun, rules []HuntRuleHits) (int64, error) {
	if r.PublicID == "" {
		r.PublicID = NewPublicID()
	}
	err := db.InTx(ctx, func(tx *Tx) error {
		if err := tx.QueryRow(ctx, `INSERT INTO hunt_runs(public_id, package_id, org_id, user_id, user_login, ran_at, reported_at, events, files, bytes, read_errors, hits, duration_ms, matches, match_count)
			VALUES(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`, r.PublicID, r.PackageID, r.OrgID, r.UserID, r.User, Micros(r.RanAt), Micros(r.Reported),
			r.Events, r.Files, r.Bytes, r.ReadErrors, r.Hits, r.DurationMS, r.Matches, r.MatchCount).Scan(&r.ID); err != nil {
			return fmt.Errorf("store hunting report: %w", err)
		}
		for _, rh := range rules {
			if _, err := tx.Exec(ctx, "INSERT INTO hunt_run_rules(run_id, rule_id, title, hits) VALUES(?, ?, ?, ?)", r.ID, rh.RuleID, rh.Title, rh.Hits); err != nil {
				return fmt.Errorf("store hunting report rules: %w", err)
			}
		}
		return nil
	})
	return r.ID, err
}

// HuntRuleTotals sums the hits per rule over runs, most hits first.
func (db *DB) HuntRuleTotals(ctx context.Context, runIDs []int64) ([]HuntRuleHits, error) {
	out := []HuntRuleHits{}
	if len(runIDs) == 0 {
		return out, nil
	}
	args := make([]any, len(runIDs))
	for i, id := range runIDs {
		args[i] = id
	}
	totals, err := queryAll(ctx, db, "hunting rule totals", func(row interface{ Scan(...any) error }) (HuntRuleHits, error) {
		var rh HuntRuleHits
		err := row.Scan(&rh.RuleID, &rh.Title, &rh.Hits)
		return rh, err
	}, "SELECT rule_id, MAX(title), SUM(hits) FROM hunt_run_rules WHERE run_id IN (?"+strings.Repeat(", ?", len(runIDs)-1)+
		") GROUP BY rule_id ORDER BY SUM(hits) DESC, rule_id", args...)
	if err != nil {
		return nil, err
	}
	return append(out, totals...), nil
}

// HuntRuns lists the runs of package pkgID that v may read
// (policy.HuntRunFilter: its own, or all of a package it published, or all
// for the center), newest first, with the reporting organization's name.
// The package's TLP is decided on each run after.
func (db *DB) HuntRuns(ctx context.Context, v policy.Viewer, pkgID string) ([]HuntRun, error) {
	cond, args := policy.HuntRunFilter(v, "r", "p")
	q := `SELECT r.id, r.public_id, r.org_id, o.name, r.user_id, r.user_login, r.ran_at, r.reported_at, r.events, r.files, r.bytes, r.read_errors, r.hits, r.duration_ms,
		r.match_count, r.matches FROM hunt_runs r JOIN orgs o ON o.id = r.org_id JOIN hunt_packages p ON p.id = r.package_id
		WHERE r.package_id = ? AND ` + cond + " ORDER BY r.ran_at DESC, r.id DESC"
	return queryAll(ctx, db, "hunting runs of "+pkgID, func(row interface{ Scan(...any) error }) (HuntRun, error) {
		r := HuntRun{PackageID: pkgID}
		var ran, rep int64
		err := row.Scan(&r.ID, &r.PublicID, &r.OrgID, &r.OrgName, &r.UserID, &r.User, &ran, &rep, &r.Events, &r.Files, &r.Bytes, &r.ReadErrors, &r.Hits,
			&r.DurationMS, &r.MatchCount, &r.Matches)
		r.RanAt, r.Reported = FromMicros(ran), FromMicros(rep)
		return r, err
	}, q, append([]any{pkgID}, args...)...)
}
