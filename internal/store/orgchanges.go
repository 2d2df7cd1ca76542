package store

import (
	"context"
	"fmt"
)

// Changes to organizations and groups after they are made (issue 18): the
// hub's acts in package hub log each one first.

// orgHoldingTables are the tables whose rows belong to or name an
// organization (a user, a record, a setting). An organization named in any
// is not deleted: it is disabled, so that nothing it did loses its author.
var orgHoldingTables = []struct{ table, col string }{
	{"users", "org_id"}, {"objects", "author_org"}, {"object_claims", "author_org"}, {"object_recipients", "org_id"},
	{"alerts", "org_id"}, {"cases", "org_id"}, {"consultations", "org_id"}, {"consultations", "handler_org"},
	{"consult_handlers", "org_id"}, {"incidents", "org_id"}, {"critical_computers", "org_id"}, {"advisory_targets", "org_id"},
	{"hunt_packages", "publisher_org"}, {"hunt_runs", "org_id"}, {"approvals", "requester_org"}, {"telemetry_sources", "operator_org"},
	{"org_address_space", "org_id"}, {"vuln_connection_points", "org_id"}, {"vuln_sboms", "org_id"}, {"vuln_publications", "org_id"},
	{"vuln_suppliers", "org_id"}, {"webhooks", "org_id"}, {"notify_prefs", "org_id"},
}

// OrgHoldings counts, per table, the rows that belong to or name the
// organization id; tables with none are left out.
func (db *DB) OrgHoldings(ctx context.Context, id string) (map[string]int64, error) {
	out := map[string]int64{}
	for _, t := range orgHoldingTables {
		var n int64
		if err := db.QueryRow(ctx, "SELECT COUNT(*) FROM "+t.table+" WHERE "+t.col+" = ?", id).Scan(&n); err != nil {
			return nil, fmt.Errorf("what organization %s holds: %s: %w", id, t.table, err)
		}
		if n > 0 {
			out[t.table] += n
		}
	}
	return out, nil
}

// UpdateOrg changes an organization's name, sector (stored as its key) and
// whether it is disabled. It is a change of ChangeAuth: every node forgets
// the credentials it remembers.
func (db *DB) UpdateOrg(ctx context.Context, o Org) error {
	return db.inTxChanged(ctx, ChangeAuth, func(tx *Tx) error {
		res, err := tx.Exec(ctx, "UPDATE orgs SET name = ?, sector = ?, disabled = ?, designated = ?, business_type = ?, ministry = ? WHERE id = ?",
			o.Name, SectorKey(o.Sector), BoolInt(o.Disabled), BoolInt(o.Designated), o.BusinessType, o.Ministry, o.ID)
		if err != nil {
			return fmt.Errorf("update organization %s: %w", o.ID, err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return fmt.Errorf("organization %s: %w", o.ID, ErrNotFound)
		}
		return nil
	})
}

// DeleteOrg removes an organization that holds nothing (OrgHoldings is
// empty; the caller checks first) and its memberships of groups.
func (db *DB) DeleteOrg(ctx context.Context, id string) error {
	return db.InTx(ctx, func(tx *Tx) error {
		if _, err := tx.Exec(ctx, "DELETE FROM group_members WHERE member_org_id = ?", id); err != nil {
			return fmt.Errorf("delete organization %s: memberships: %w", id, err)
		}
		res, err := tx.Exec(ctx, "DELETE FROM orgs WHERE id = ?", id)
		if err != nil {
			return fmt.Errorf("delete organization %s: %w", id, err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return fmt.Errorf("organization %s: %w", id, ErrNotFound)
		}
		return refreshGroupClosure(ctx, tx)
	})
}

// GroupAddressed counts the objects addressed to group g (by id or name)
// and the hunting scopes naming it.
func (db *DB) GroupAddressed(ctx context.Context, g Group) (int64, error) {
	var n, m int64
	if err := db.QueryRow(ctx, "SELECT COUNT(*) FROM object_recipients WHERE group_id = ? OR group_id = ?", g.ID, g.Name).Scan(&n); err != nil {
		return 0, fmt.Errorf("objects addressed to group %s: %w", g.Name, err)
	}
	if err := db.QueryRow(ctx, "SELECT COUNT(*) FROM hunt_package_scope WHERE kind = 'group' AND (value = ? OR value = ?)", g.ID, g.Name).Scan(&m); err != nil {
		return 0, fmt.Errorf("hunting scopes naming group %s: %w", g.Name, err)
	}
	return n + m, nil
}

// RenameGroup changes a group's name.
func (db *DB) RenameGroup(ctx context.Context, id, name string) error {
	res, err := db.Exec(ctx, "UPDATE groups SET name = ? WHERE id = ?", name, id)
	if err != nil {
		return fmt.Errorf("rename group %s: %w", id, err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return fmt.Errorf("group %s: %w", id, ErrNotFound)
	}
	return nil
}

// DeleteGroup removes a group, its memberships (its own and in other
// groups) and refreshes the membership closure.
func (db *DB) DeleteGroup(ctx context.Context, id string) error {
	return db.InTx(ctx, func(tx *Tx) error {
		if _, err := tx.Exec(ctx, "DELETE FROM group_members WHERE group_id = ? OR member_group_id = ?", id, id); err != nil {
			return fmt.Errorf("delete group %s: memberships: %w", id, err)
		}
		res, err := tx.Exec(ctx, "DELETE FROM groups WHERE id = ?", id)
		if err != nil {
			return fmt.Errorf("delete group %s: %w", id, err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return fmt.Errorf("group %s: %w", id, ErrNotFound)
		}
		return refreshGroupClosure(ctx, tx)
	})
}

// DesignatedWithoutRegister returns the designated operators (特別社会基盤
// 事業者) not disabled that have no critical computer registered (none, or
// only retired ones), by name: the duty the operating picture shows unmet.
func (db *DB) DesignatedWithoutRegister(ctx context.Context) ([]Org, error) {
	return queryAll(ctx, db, "designated operators without a register", scanOrg, "SELECT "+orgCols+" FROM orgs o WHERE o.designated = 1 AND o.disabled = 0"+
		" AND NOT EXISTS (SELECT 1 FROM critical_computers c WHERE c.org_id = o.id AND c.retired_at = 0) ORDER BY o.name")
}
