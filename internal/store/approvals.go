package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"renkei/internal/policy"
)

// The oversight committee's approvals (package approval keeps their rules):
// the approvals table and the purposes each allows in approval_purposes.
// Which approvals a reader lists is policy.ApprovalFilter.

// Approval is one request to the committee and its outcome, with the
// purposes it allows, in the order filed.
type Approval struct {
	ID             int64
	Kind           string
	RequesterUser  string
	RequesterOrg   string
	LegalBasis     string
	Target         string
	Justification  string
	ValidFrom      time.Time
	ValidUntil     time.Time
	Status         string
	Emergency      bool
	DecidedBy      string
	DecisionReason string
	DecidedAt      time.Time
	NotifyDue      time.Time
	NotifiedAt     time.Time
	AuditIndex     uint64
	Created        time.Time
	RevokedBy      string
	RevokeReason   string
	RevokedAt      time.Time
	// PrefixPreserving grants the sources collecting under this approval
	// prefix-preserving pseudonyms (Crypto-PAn) for member-internal
	// addresses instead of keyed ones.
	PrefixPreserving bool
	// Purposes are the only purposes its source's records may be read for
	// (none: any purpose stated in full).
	Purposes []string
}

const approvalCols = `id, kind, requester_user, requester_org, legal_basis, target, justification, valid_from, valid_until, status, emergency,
	decided_by, decision_reason, decided_at, notify_due, notified_at, audit_index, created_at, revoked_by, revoke_reason, revoked_at, prefix_preserving`

func scanApproval(row interface{ Scan(...any) error }) (Approval, error) {
	var a Approval
	var vf, vu, da, nd, na, c, idx, ra int64
	var em, pp int
	err := row.Scan(&a.ID, &a.Kind, &a.RequesterUser, &a.RequesterOrg, &a.LegalBasis, &a.Target, &a.Justification, &vf, &vu, &a.Status, &em,
		&a.DecidedBy, &a.DecisionReason, &da, &nd, &na, &idx, &c, &a.RevokedBy, &a.RevokeReason, &ra, &pp)
	a.PrefixPreserving = pp != 0
	a.RevokedAt = FromMicros(ra)
	a.ValidFrom, a.ValidUntil, a.DecidedAt = FromMicros(vf), FromMicros(vu), FromMicros(da)
	a.NotifyDue, a.NotifiedAt, a.Created, a.Emergency, a.AuditIndex = FromMicros(nd), FromMicros(na), FromMicros(c), em != 0, uint64(idx)
	return a, err
}

type rowQuerier interface {
	QueryRow(ctx context.Context, q string, args ...any) *sql.Row
}

func approvalByID(ctx context.Context, q rowQuerier, id int64) (Approval, error) {
	a, err := scanApproval(q.QueryRow(ctx, "SELECT "+approvalCols+" FROM approvals WHERE id = ?", id))
	if errors.Is(err, sql.ErrNoRows) {
		return a, fmt.Errorf("approval %d: %w", id, ErrNotFound)
	}
	if err != nil {
		return a, fmt.Errorf("read approval %d: %w", id, err)
	}
	return a, nil
}

// FileApproval stores a new request with its purposes and, in the same
// transaction, calls logged with its id: logged appends the request to the
// audit log and returns the entry's index, kept with the request. When
// logged fails nothing is stored. It returns the request as stored.
func (db *DB) FileApproval(ctx context.Context, a Approval, logged func(id int64) (uint64, error)) (Approval, error) {
	err := db.InTx(ctx, func(tx *Tx) error {
		if err := tx.QueryRow(ctx, `INSERT INTO approvals(kind, requester_user, requester_org, legal_basis, target, justification,
			valid_from, valid_until, status, emergency, notify_due, created_at, prefix_preserving) VALUES(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`,
			a.Kind, a.RequesterUser, a.RequesterOrg, a.LegalBasis, a.Target, a.Justification, Micros(a.ValidFrom), Micros(a.ValidUntil),
			a.Status, BoolInt(a.Emergency), Micros(a.NotifyDue), Micros(a.Created), BoolInt(a.PrefixPreserving)).Scan(&a.ID); err != nil {
			return fmt.Errorf("file approval request: %w", err)
		}
		for i, p := range a.Purposes {
			if _, err := tx.Exec(ctx, "INSERT INTO approval_purposes(approval_id, position, purpose) VALUES(?, ?, ?)", a.ID, i, p); err != nil {
				return fmt.Errorf("record purposes of approval %d: %w", a.ID, err)
			}
		}
		idx, err := logged(a.ID)
		if err != nil {
			return err
		}
		a.AuditIndex = idx
		if _, err := tx.Exec(ctx, "UPDATE approvals SET audit_index = ? WHERE id = ?", int64(idx), a.ID); err != nil {
			return fmt.Errorf("file approval request %d: %w", a.ID, err)
		}
		return nil
	})
	return a, err
}

// ChangeApproval reads approval id and hands it to change, in one
// transaction; when change returns nil, what it set of the decision, the
// revocation, the post-notification and the audit index is stored. change
// checks the act, appends it to the audit log and sets the fields; when it
// fails nothing is stored. It returns the approval as stored, with its
// purposes.
func (db *DB) ChangeApproval(ctx context.Context, id int64, change func(a *Approval) error) (Approval, error) {
	var a Approval
	err := db.InTx(ctx, func(tx *Tx) error {
		var err error
		if a, err = approvalByID(ctx, tx, id); err != nil {
			return err
		}
		if err := change(&a); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `UPDATE approvals SET status = ?, decided_by = ?, decision_reason = ?, decided_at = ?, notified_at = ?,
			revoked_by = ?, revoke_reason = ?, revoked_at = ?, audit_index = ? WHERE id = ?`,
			a.Status, a.DecidedBy, a.DecisionReason, Micros(a.DecidedAt), Micros(a.NotifiedAt), a.RevokedBy, a.RevokeReason, Micros(a.RevokedAt),
			int64(a.AuditIndex), id); err != nil {
			return fmt.Errorf("change approval %d: %w", id, err)
		}
		return nil
	})
	if err != nil {
		return a, err
	}
	a.Purposes, err = db.ApprovalPurposes(ctx, id)
	return a, err
}

// Approval returns approval id with its purposes.
func (db *DB) Approval(ctx context.Context, id int64) (Approval, error) {
	a, err := approvalByID(ctx, db, id)
	if err != nil {
		return a, err
	}
	a.Purposes, err = db.ApprovalPurposes(ctx, id)
	return a, err
}

// ApprovalPurposes returns the purposes approval id allows, in the order filed.
func (db *DB) ApprovalPurposes(ctx context.Context, id int64) ([]string, error) {
	return queryAll(ctx, db, fmt.Sprintf("purposes of approval %d", id), func(row interface{ Scan(...any) error }) (string, error) {
		var p string
		err := row.Scan(&p)
		return p, err
	}, "SELECT purpose FROM approval_purposes WHERE approval_id = ? ORDER BY position", id)
}

// Approvals lists, newest first, up to limit approvals v may read
// (policy.ApprovalFilter) with their purposes; status "" lists every status.
func (db *DB) Approvals(ctx context.Context, v policy.Viewer, status string, limit int) ([]Approval, error) {
	cond, args := policy.ApprovalFilter(v, "a")
	q := "SELECT " + approvalCols + " FROM approvals a WHERE " + cond
	if status != "" {
		q += " AND a.status = ?"
		args = append(args, status)
	}
	out, err := db.approvals(ctx, q+" ORDER BY a.id DESC LIMIT ?", append(args, limit)...)
	if err != nil {
		return nil, fmt.Errorf("list approvals: %w", err)
	}
	for i := range out {
		if out[i].Purposes, err = db.ApprovalPurposes(ctx, out[i].ID); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// OverdueApprovals lists, earliest due first, the emergency measures whose
// post-notification was due before now and has not been made.
func (db *DB) OverdueApprovals(ctx context.Context, now time.Time) ([]Approval, error) {
	out, err := db.approvals(ctx, "SELECT "+approvalCols+" FROM approvals WHERE emergency = 1 AND notified_at = 0 AND notify_due < ? ORDER BY notify_due", Micros(now))
	if err != nil {
		return nil, fmt.Errorf("overdue post-notifications: %w", err)
	}
	return out, nil
}

func (db *DB) approvals(ctx context.Context, q string, args ...any) ([]Approval, error) {
	return queryAll(ctx, db, "list approvals", scanApproval, q, args...)
}
