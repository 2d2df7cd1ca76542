package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"golang.org/x/text/unicode/norm"

	"renkei/internal/policy"
)

// OrgKinds are the kinds of organization: the national center, the oversight
// committee (policy.OrgKindCommittee, which is not a member: it shares and
// receives no intelligence) and the kinds of member organization.
var OrgKinds = []string{"center", policy.OrgKindCommittee, "government", "operator", "local-government", "medical", "sme", "vendor", "research", "partner"}

// MemberOrgKinds are the kinds of member organization an advisory or a
// hunting package may address: every kind but the center and the committee.
var MemberOrgKinds = []string{"government", "operator", "local-government", "medical", "sme", "vendor", "research", "partner"}

// Org is a member organization. Its ID is its STIX identity id.
type Org struct {
	ID, Name, Kind, Sector string
	Created                time.Time
	// Disabled: the hub administrator disabled the organization; its users
	// neither log in nor use tokens, and its records stay.
	Disabled bool
	// Designated: a designated operator (特別社会基盤事業者) with the
	// duties of the law; BusinessType and Ministry are keys of the
	// maintained lists (package designation).
	Designated             bool
	BusinessType, Ministry string
}

// IsCenter reports whether the organization is the national center.
func (o Org) IsCenter() bool { return o.Kind == "center" }

// IsCommittee reports whether the organization is the oversight committee.
func (o Org) IsCommittee() bool { return o.Kind == policy.OrgKindCommittee }

// SectorKey is the canonical form of a sector in which every sector is
// stored — an organization's, and a hunting package's scope entry — so that
// SQL compares sectors exactly, the same on SQLite and PostgreSQL whatever
// their case folding: spaces trimmed, Unicode compatibility forms composed
// (NFKC: full-width "Ｅｎｅｒｇｙ" is "Energy", half-width kana full-width),
// then lower case (Unicode, not ASCII only). Code that compares sectors in
// Go compares their keys.
func SectorKey(s string) string {
	return strings.ToLower(norm.NFKC.String(strings.TrimSpace(s)))
}

// sectorKeys is migration 00030, the one written in Go (migrations/README.md):
// every sector stored before sectors were stored as their key becomes its
// key — organizations' and hunting scope entries' — since neither SQL
// dialect can compute SectorKey (SQLite's LOWER folds ASCII only).
func (db *DB) sectorKeys(ctx context.Context, tx *sql.Tx) error {
	for _, t := range []struct{ sel, upd string }{
		{"SELECT DISTINCT sector FROM orgs", "UPDATE orgs SET sector = ? WHERE sector = ?"},
		{"SELECT DISTINCT value FROM hunt_package_scope WHERE kind = 'sector'", "UPDATE hunt_package_scope SET value = ? WHERE kind = 'sector' AND value = ?"},
	} {
		rows, err := tx.QueryContext(ctx, t.sel)
		if err != nil {
			return fmt.Errorf("sector keys: %w", err)
		}
		var sectors []string
		for rows.Next() {
			var s string
			if err := rows.Scan(&s); err != nil {
				rows.Close()
				return fmt.Errorf("sector keys: %w", err)
			}
			sectors = append(sectors, s)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return fmt.Errorf("sector keys: %w", err)
		}
		for _, s := range sectors {
			if k := SectorKey(s); k != s {
				if _, err := tx.ExecContext(ctx, db.Rebind(t.upd), k, s); err != nil {
					return fmt.Errorf("sector keys: %q: %w", s, err)
				}
			}
		}
	}
	return nil
}

// AddOrg stores a new organization, its sector as its key (SectorKey).
func (db *DB) AddOrg(ctx context.Context, o Org) error {
	_, err := db.Exec(ctx, "INSERT INTO orgs(id, name, kind, sector, created_at) VALUES(?, ?, ?, ?, ?)",
		o.ID, o.Name, o.Kind, SectorKey(o.Sector), Micros(o.Created))
	if err != nil {
		return fmt.Errorf("add organization %q: %w", o.Name, err)
	}
	return nil
}

const orgCols = "id, name, kind, sector, created_at, disabled, designated, business_type, ministry"

func scanOrg(row interface{ Scan(...any) error }) (Org, error) {
	var o Org
	var c int64
	var dis, des int
	err := row.Scan(&o.ID, &o.Name, &o.Kind, &o.Sector, &c, &dis, &des, &o.BusinessType, &o.Ministry)
	o.Created, o.Disabled, o.Designated = FromMicros(c), dis != 0, des != 0
	return o, err
}

// Org finds an organization by id or by name.
func (db *DB) Org(ctx context.Context, idOrName string) (Org, error) {
	o, err := scanOrg(db.QueryRow(ctx, "SELECT "+orgCols+" FROM orgs WHERE id = ? OR name = ?", idOrName, idOrName))
	if errors.Is(err, sql.ErrNoRows) {
		return o, fmt.Errorf("organization %q: %w", idOrName, ErrNotFound)
	}
	return o, err
}

// Orgs lists every organization by name.
func (db *DB) Orgs(ctx context.Context) ([]Org, error) {
	return queryAll(ctx, db, "list organizations", scanOrg, "SELECT "+orgCols+" FROM orgs ORDER BY name")
}

// CenterOrg returns the national center's organization.
func (db *DB) CenterOrg(ctx context.Context) (Org, error) {
	o, err := scanOrg(db.QueryRow(ctx, "SELECT "+orgCols+" FROM orgs WHERE kind = 'center' ORDER BY created_at LIMIT 1"))
	if errors.Is(err, sql.ErrNoRows) {
		return o, fmt.Errorf("the national center organization: %w", ErrNotFound)
	}
	return o, err
}

// CommitteeOrg returns the oversight committee's organization.
func (db *DB) CommitteeOrg(ctx context.Context) (Org, error) {
	o, err := scanOrg(db.QueryRow(ctx, "SELECT "+orgCols+" FROM orgs WHERE kind = ? ORDER BY created_at LIMIT 1", policy.OrgKindCommittee))
	if errors.Is(err, sql.ErrNoRows) {
		return o, fmt.Errorf("the oversight committee's organization: %w", ErrNotFound)
	}
	return o, err
}

// Group is a sharing group: organizations and other groups.
type Group struct {
	ID, Name     string
	MemberOrgs   []string // direct member organization ids
	MemberGroups []string // direct member group ids
	Created      time.Time
}

// AddGroup stores a new group with its direct members and refreshes the
// membership closure.
func (db *DB) AddGroup(ctx context.Context, g Group) error {
	return db.InTx(ctx, func(tx *Tx) error {
		if _, err := tx.Exec(ctx, "INSERT INTO groups(id, name, created_at) VALUES(?, ?, ?)", g.ID, g.Name, Micros(g.Created)); err != nil {
			return fmt.Errorf("add group %q: %w", g.Name, err)
		}
		if err := setGroupMembers(ctx, tx, g); err != nil {
			return err
		}
		return refreshGroupClosure(ctx, tx)
	})
}

// SetGroupMembers replaces a group's direct members.
func (db *DB) SetGroupMembers(ctx context.Context, g Group) error {
	return db.InTx(ctx, func(tx *Tx) error {
		if _, err := tx.Exec(ctx, "DELETE FROM group_members WHERE group_id = ?", g.ID); err != nil {
			return err
		}
		if err := setGroupMembers(ctx, tx, g); err != nil {
			return err
		}
		return refreshGroupClosure(ctx, tx)
	})
}

func setGroupMembers(ctx context.Context, tx *Tx, g Group) error {
	for _, o := range g.MemberOrgs {
		if _, err := tx.Exec(ctx, "INSERT INTO group_members(group_id, member_org_id) VALUES(?, ?)", g.ID, o); err != nil {
			return fmt.Errorf("group %q: member organization %s: %w", g.Name, o, err)
		}
	}
	for _, m := range g.MemberGroups {
		if m == g.ID {
			return fmt.Errorf("group %q cannot contain itself", g.Name)
		}
		if _, err := tx.Exec(ctx, "INSERT INTO group_members(group_id, member_group_id) VALUES(?, ?)", g.ID, m); err != nil {
			return fmt.Errorf("group %q: member group %s: %w", g.Name, m, err)
		}
	}
	return nil
}

// refreshGroupClosure recomputes group_orgs: for every group, every
// organization reachable through nested groups. Groups are few, so a full
// recomputation in Go is simpler and as fast as a recursive query.
func refreshGroupClosure(ctx context.Context, tx *Tx) error {
	rows, err := tx.Query(ctx, "SELECT group_id, COALESCE(member_org_id, ''), COALESCE(member_group_id, '') FROM group_members")
	if err != nil {
		return err
	}
	orgs := map[string][]string{}
	subs := map[string][]string{}
	groups := map[string]bool{}
	for rows.Next() {
		var g, o, s string
		if err := rows.Scan(&g, &o, &s); err != nil {
			rows.Close()
			return err
		}
		groups[g] = true
		if o != "" {
			orgs[g] = append(orgs[g], o)
		}
		if s != "" {
			subs[g] = append(subs[g], s)
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	if _, err := tx.Exec(ctx, "DELETE FROM group_orgs"); err != nil {
		return err
	}
	for g := range groups {
		seen := map[string]bool{}
		members := map[string]bool{}
		var walk func(string)
		walk = func(x string) {
			if seen[x] {
				return // cycles are harmless: each group is visited once
			}
			seen[x] = true
			for _, o := range orgs[x] {
				members[o] = true
			}
			for _, s := range subs[x] {
				walk(s)
			}
		}
		walk(g)
		for o := range members {
			if _, err := tx.Exec(ctx, "INSERT INTO group_orgs(group_id, org_id) VALUES(?, ?)", g, o); err != nil {
				return err
			}
		}
	}
	return nil
}

// Group finds a group by id or name, with its direct members.
func (db *DB) Group(ctx context.Context, idOrName string) (Group, error) {
	var g Group
	var c int64
	err := db.QueryRow(ctx, "SELECT id, name, created_at FROM groups WHERE id = ? OR name = ?", idOrName, idOrName).Scan(&g.ID, &g.Name, &c)
	if errors.Is(err, sql.ErrNoRows) {
		return g, fmt.Errorf("group %q: %w", idOrName, ErrNotFound)
	}
	if err != nil {
		return g, err
	}
	g.Created = FromMicros(c)
	rows, err := db.Query(ctx, "SELECT COALESCE(member_org_id, ''), COALESCE(member_group_id, '') FROM group_members WHERE group_id = ?", g.ID)
	if err != nil {
		return g, err
	}
	defer rows.Close()
	for rows.Next() {
		var o, s string
		if err := rows.Scan(&o, &s); err != nil {
			return g, err
		}
		if o != "" {
			g.MemberOrgs = append(g.MemberOrgs, o)
		}
		if s != "" {
			g.MemberGroups = append(g.MemberGroups, s)
		}
	}
	return g, rows.Err()
}

// Groups lists every group by name, with direct members.
func (db *DB) Groups(ctx context.Context) ([]Group, error) {
	rows, err := db.Query(ctx, "SELECT id FROM groups ORDER BY name")
	if err != nil {
		return nil, err
	}
	var ids []string
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			rows.Close()
			return nil, err
		}
		ids = append(ids, id)
	}
	rows.Close()
	out := make([]Group, 0, len(ids))
	for _, id := range ids {
		g, err := db.Group(ctx, id)
		if err != nil {
			return nil, err
		}
		out = append(out, g)
	}
	return out, nil
}

// OrgGroups returns every group that contains the organization, directly or
// through nesting.
func (db *DB) OrgGroups(ctx context.Context, orgID string) ([]string, error) {
	rows, err := db.Query(ctx, "SELECT group_id FROM group_orgs WHERE org_id = ? ORDER BY group_id", orgID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var g string
		if err := rows.Scan(&g); err != nil {
			return nil, err
		}
		out = append(out, g)
	}
	return out, rows.Err()
}
