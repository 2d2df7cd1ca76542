package telemetry

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"strconv"
	"time"

	"renkei/internal/approval"
	"renkei/internal/audit"
	"renkei/internal/auth"
	"renkei/internal/policy"
	"renkei/internal/problem"
)

// ErrNotHandler is returned when someone other than one of the center's
// designated handlers asks for communications information.
var ErrNotHandler = policy.ErrNotDesignatedHandler

// Access returns kept records of a source to one of the center's designated
// handlers for a stated purpose, while the approval the source rests on is
// in force, after recording the access in the audit log (rule C7) with the
// purpose and that approval; it returns the log index as the receipt.
//
// policy.MayReadRecords decides: a refusal is policy.ErrNotDesignatedHandler
// (also ErrNotHandler), policy.ErrApprovalNotInForce, or a purpose error
// (policy.ErrPurposeMissing, ErrPurposeTooShort, ErrPurposeNotApproved). An
// unknown source is store.ErrNotFound, said only to handlers.
func (s *Service) Access(ctx context.Context, c auth.Caller, sourceID, purpose string, limit int) ([]Record, uint64, error) {
	v, err := s.Viewer(ctx, c)
	if err != nil {
		return nil, 0, err
	}
	if !policy.ReadsRecords(v) {
		return nil, 0, ErrNotHandler
	}
	src, err := GetSource(ctx, s.DB, sourceID)
	if err != nil {
		return nil, 0, err
	}
	now := s.now()
	// Any reason the approval is not in force (missing, pending, denied,
	// revoked, expired, or unreadable) refuses the read: it fails closed.
	a, lapse := approval.InForce(ctx, s.DB, src.ApprovalRef, src.ApprovalKind(), now)
	var purposes []string
	if lapse == nil {
		if purposes, err = approval.Purposes(ctx, s.DB, a.ID); err != nil {
			return nil, 0, err
		}
	}
	if err := policy.MayReadRecords(v, policy.RecordsRead{ApprovalInForce: lapse == nil, ApprovalPurposes: purposes, Purpose: purpose}); err != nil {
		if errors.Is(err, policy.ErrApprovalNotInForce) && lapse != nil {
			return nil, 0, fmt.Errorf("%w (%v)", err, lapse)
		}
		return nil, 0, err
	}
	if limit <= 0 || limit > 1000 {
		limit = 100
	}
	out, err := s.DB.TelemetryRecords(ctx, v, sourceID, limit)
	if err != nil {
		return nil, 0, err
	}
	d := sha256.New()
	for _, r := range out {
		fmt.Fprintf(d, "%d,", r.ID)
	}
	if s.Append == nil {
		return nil, 0, problem.ErrAuditUnavailable
	}
	idx, err := s.Append(ctx, audit.Entry{User: c.User.Login, Org: c.Org.ID, Role: c.User.Role, Action: audit.ActionCommAccess,
		Purpose: policy.NormPurpose(purpose), LegalBasis: src.LegalBasis + " " + src.ApprovalRef, ObjectID: "source:" + sourceID,
		ObjectHash: hex.EncodeToString(d.Sum(nil)), Detail: map[string]string{"records": strconv.Itoa(len(out)),
			"approval_valid_until": a.ValidUntil.Format(time.RFC3339)}})
	if err != nil {
		return nil, 0, fmt.Errorf("%w: %v", problem.ErrAuditUnavailable, err)
	}
	return out, idx, nil
}
