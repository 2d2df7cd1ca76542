package hub

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"sync"

	"renkei/internal/audit"
	"renkei/internal/auth"
	"renkei/internal/policy"
	"renkei/internal/problem"
	"renkei/internal/store"
)

// ErrAuditUnavailable is problem.ErrAuditUnavailable: an act that must be
// logged first (rule C7) could not be logged.
var ErrAuditUnavailable = problem.ErrAuditUnavailable

// Logged reports whether releasing an object must be logged first (rule C7):
// TLP:AMBER+STRICT and TLP:RED objects.
func Logged(o store.Object) bool { return policy.ReadLogged(o.ACL.TLP) }

// Release records in the audit log, durably, every object of objs whose
// reading must be logged, before the caller sends them, and returns the log
// indices (the receipts). With an error nothing may be sent. action is
// audit.ActionObjectRead or audit.ActionObjectExport.
func (h *Hub) Release(ctx context.Context, c auth.Caller, action, requestID string, objs []store.Object) ([]uint64, error) {
	var logged []store.Object
	for _, o := range objs {
		if Logged(o) {
			logged = append(logged, o)
		}
	}
	if len(logged) == 0 {
		return nil, nil
	}
	if h.Audit == nil {
		return nil, ErrAuditUnavailable
	}
	idx := make([]uint64, len(logged))
	errs := make([]error, len(logged))
	var wg sync.WaitGroup
	for i, o := range logged {
		wg.Add(1)
		go func() { // appends made together share one durable write
			defer wg.Done()
			idx[i], errs[i] = h.Audit.Append(ctx, audit.Entry{
				User: c.User.Login, Org: c.Org.ID, Role: c.User.Role, Action: action,
				ObjectID: o.ID, ObjectHash: audit.HashObject(h.auditSalt, o.Raw), RequestID: requestID,
				Detail: map[string]string{"tlp": o.ACL.TLP.Label(), "collection": o.CollectionID},
			})
		}()
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		h.Log.Error("audit append failed; data withheld", "user", c.User.Login, "err", err)
		return nil, fmt.Errorf("%w: %v", ErrAuditUnavailable, err)
	}
	return idx, nil
}

// Record appends one act to the audit log durably (logins, token creation,
// role changes, deletions) and returns its index.
func (h *Hub) Record(ctx context.Context, c auth.Caller, action, objectID string, detail map[string]string) (uint64, error) {
	if h.Audit == nil {
		return 0, ErrAuditUnavailable
	}
	i, err := h.Audit.Append(ctx, audit.Entry{User: c.User.Login, Org: c.Org.ID, Role: c.User.Role, Action: action, ObjectID: objectID, Detail: detail})
	if err != nil {
		return 0, fmt.Errorf("%w: %v", ErrAuditUnavailable, err)
	}
	return i, nil
}

// auditSalt returns the hub's secret salt for object hashes in the log, made
// once per store: hashes then show that the same content was read without
// letting anyone confirm a guess of the content.
func loadAuditSalt(ctx context.Context, db *store.DB) ([]byte, error) {
	s, err := db.Setting(ctx, "audit_salt")
	if err != nil {
		return nil, err
	}
	if s == "" {
		b := make([]byte, 32)
		rand.Read(b)
		s = hex.EncodeToString(b)
		// If another node set it first, keep theirs.
		if s, err = db.SetSettingOnce(ctx, "audit_salt", s); err != nil {
			return nil, err
		}
	}
	return hex.DecodeString(s)
}
