// Package approval keeps the oversight committee's approvals (rule C6): for
// collecting communications information from a source, and for access and
// neutralization measures. A request names its legal basis, target, period
// and justification; an overseer approves or denies it with reasons; an
// emergency measure is recorded as executed first and opens a post-notification
// task at once. Every request and decision is appended to the audit log before
// it takes effect, and the log index is kept with the record.
//
// Approvals fit what they approve: a source collects only under an approval
// of the kind its legal basis needs, and a measure never gates collection.
// An emergency measure's period is bounded by the hub's configuration, and
// it lapses (is in force no more) when its post-notification deadline passes
// without the committee's decision. The committee may revoke an approval it
// granted; collection and access stop at once. Nobody related to a request
// (its requester, the requester's organization, an account the requester
// created) decides or revokes it.
//
// Collection sources ask InForce before they run. This package does not
// decide who may read intelligence (package policy) and holds no content.
package approval

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"renkei/internal/alert"
	"renkei/internal/audit"
	"renkei/internal/auth"
	"renkei/internal/i18n"
	"renkei/internal/jst"
	"renkei/internal/policy"
	"renkei/internal/problem"
	"renkei/internal/store"
)

// Kinds of approval under the Active Cyber Defense law.
const (
	// Collection under an agreement with an operator (consent-based acquisition).
	KindCollectionAgreement = "collection-agreement"
	// Collection without consent (e.g. foreign→foreign transit), needing the committee's approval.
	KindCollectionCommittee = "collection-committee"
	// Access and neutralization measure (アクセス・無害化措置).
	KindMeasure = "access-neutralization"
)

// Kinds lists every kind.
var Kinds = []string{KindCollectionAgreement, KindCollectionCommittee, KindMeasure}

// Statuses of an approval.
const (
	StatusPending   = "pending"
	StatusApproved  = "approved"
	StatusDenied    = "denied"
	StatusEmergency = "emergency" // executed before approval; post-notification due
	StatusRevoked   = "revoked"
)

// Limits are the hub's configuration for emergency measures, kept in the
// store's settings so that every node applies the same (renkei approval limits).
type Limits struct {
	// MaxEmergencyPeriod bounds an emergency measure's period, from its
	// execution to its end, whatever the requester asks (setting
	// approval_emergency_max_hours).
	MaxEmergencyPeriod time.Duration
	// PostNotification is how long after an emergency measure the committee
	// must have decided on it; past it, undecided, the measure lapses
	// (setting approval_post_notification_hours). The statute sets it; this
	// is configuration, not law.
	PostNotification time.Duration
}

// DefaultLimits apply where the settings say nothing.
var DefaultLimits = Limits{MaxEmergencyPeriod: 7 * 24 * time.Hour, PostNotification: 7 * 24 * time.Hour}

// Setting keys of the limits, in whole hours.
const (
	SettingEmergencyMax     = "approval_emergency_max_hours"
	SettingPostNotification = "approval_post_notification_hours"
)

// ReadLimits returns the hub's limits for emergency measures.
func ReadLimits(ctx context.Context, db *store.DB) (Limits, error) {
	l := DefaultLimits
	for key, d := range map[string]*time.Duration{SettingEmergencyMax: &l.MaxEmergencyPeriod, SettingPostNotification: &l.PostNotification} {
		v, err := db.Setting(ctx, key)
		if err != nil {
			return l, fmt.Errorf("approval limits: %s: %w", key, err)
		}
		if v == "" {
			continue
		}
		h, err := strconv.Atoi(v)
		if err != nil || h <= 0 {
			return l, fmt.Errorf("approval limits: setting %s is %q, not a positive number of hours", key, v)
		}
		*d = time.Duration(h) * time.Hour
	}
	return l, nil
}

// SetLimits changes the limits for emergency measures, after recording the
// change in the audit log (policy.change). It applies to measures filed from
// then on.
func (s *Service) SetLimits(ctx context.Context, c auth.Caller, l Limits) error {
	if l.MaxEmergencyPeriod < time.Hour || l.PostNotification < time.Hour {
		return problem.Field("limits", "give each limit as a whole number of hours, at least 1h")
	}
	maxH, postH := strconv.Itoa(int(l.MaxEmergencyPeriod/time.Hour)), strconv.Itoa(int(l.PostNotification/time.Hour))
	if _, err := s.record(ctx, c, audit.ActionPolicyChange, "setting:approval-limits",
		map[string]string{SettingEmergencyMax: maxH, SettingPostNotification: postH}); err != nil {
		return err
	}
	if err := s.DB.SetSetting(ctx, SettingEmergencyMax, maxH); err != nil {
		return err
	}
	return s.DB.SetSetting(ctx, SettingPostNotification, postH)
}

// Approval is one request and its outcome, as the store keeps it
// (store.Approval), with the rules of when it is in force. PrefixPreserving
// grants the sources collecting under it prefix-preserving pseudonyms (see
// PrefixPreservingReveals); Purposes are the only purposes its source's
// records may be read for (none: any purpose stated in full).
type Approval store.Approval

// PrefixPreservingReveals says what a kept prefix reveals, for the
// committee deciding a request that asks for it (docs/telemetry.md).
const PrefixPreservingReveals = "within one source and retention period, two pseudonyms share exactly as many leading bits " +
	"as the two addresses do: the subnet layout of the pseudonymized network is visible, and whoever can send traffic " +
	"to chosen addresses learns the pseudonymized prefixes they share with every other pseudonym"

// Lapsed reports whether a of an emergency measure has lapsed at t: its
// post-notification deadline passed without the committee's decision.
func (a Approval) Lapsed(t time.Time) bool {
	return a.Status == StatusEmergency && !a.NotifyDue.IsZero() && !t.Before(a.NotifyDue)
}

// Granted reports whether the approval stands at t: approved by the
// committee, or an emergency measure that has not lapsed. A pending, denied,
// revoked or lapsed one does not.
func (a Approval) Granted(t time.Time) bool {
	return a.Status == StatusApproved || (a.Status == StatusEmergency && !a.Lapsed(t))
}

// InForceAt reports whether the approval allows acting at t: granted, and t
// within its period.
func (a Approval) InForceAt(t time.Time) bool {
	return a.Granted(t) && !t.Before(a.ValidFrom) && t.Before(a.ValidUntil)
}

// Service keeps approvals in the store and records them in the audit log.
// Package app builds the one service of a process with what it needs.
type Service struct {
	DB     *store.DB
	Now    func() time.Time
	Alerts *alert.Service // opens the committee's post-notification task
	Center string         // the national center's organization id
	// Record appends an act to the audit log before it takes effect
	// (hub.Hub.Record); every act on an approval is refused without it.
	Record func(ctx context.Context, c auth.Caller, action, objectID string, detail map[string]string) (uint64, error)
}

// record is Record, refusing the act when the process keeps no audit log.
func (s *Service) record(ctx context.Context, c auth.Caller, action, objectID string, detail map[string]string) (uint64, error) {
	if s.Record == nil {
		return 0, problem.ErrAuditUnavailable
	}
	return s.Record(ctx, c, action, objectID, detail)
}

// Request is what a requester files.
type Request struct {
	Kind          string
	LegalBasis    string
	Target        string
	Justification string
	ValidFrom     time.Time
	ValidUntil    time.Time
	// Purposes, when given, are the only purposes the source's records may
	// be read for under this approval (see Purposes).
	Purposes []string
	// PrefixPreserving asks for prefix-preserving pseudonyms (collection
	// kinds only).
	PrefixPreserving bool
}

func (r Request) check(now time.Time) error {
	switch {
	case !slices.Contains(Kinds, r.Kind):
		return problem.Field("kind", "%q is not one of %s", r.Kind, strings.Join(Kinds, ", "))
	case strings.TrimSpace(r.LegalBasis) == "":
		return problem.Field("legal_basis", "name the provision or agreement the request rests on")
	case strings.TrimSpace(r.Target) == "":
		return problem.Field("target", "describe the source or target")
	case strings.TrimSpace(r.Justification) == "":
		return problem.Field("justification", "say why it is necessary")
	case r.ValidFrom.IsZero() || r.ValidUntil.IsZero():
		return problem.Field("period", "give a start and an end")
	case !r.ValidUntil.After(r.ValidFrom):
		return problem.Field("period", "the end must be after the start")
	case !r.ValidUntil.After(now):
		return problem.Field("period", "the end is already past")
	case r.PrefixPreserving && r.Kind == KindMeasure:
		return problem.Field("prefix_preserving", "only a collection approval can grant prefix-preserving pseudonyms")
	}
	return checkPurposes(r.Purposes)
}

// ErrNotAllowed is returned when the caller's role may not do what it asked.
var ErrNotAllowed = problem.Kind(problem.ErrForbidden, "", "not allowed")

func (s *Service) now() time.Time { return s.Now().UTC() }

// File records a request by a handler or analyst of the center. When emergency
// is true (measures only), the measure is recorded as executed now and a
// post-notification task opens.
func (s *Service) File(ctx context.Context, c auth.Caller, r Request, emergency bool) (Approval, error) {
	if !policy.MayFileApproval(c.Viewer()) {
		return Approval{}, fmt.Errorf("%w: requests are filed by the center's handlers and analysts", ErrNotAllowed)
	}
	now := s.now()
	if err := r.check(now); err != nil {
		return Approval{}, err
	}
	if emergency && r.Kind != KindMeasure {
		return Approval{}, problem.Field("emergency", "only access and neutralization measures may be executed before approval")
	}
	lim, err := ReadLimits(ctx, s.DB)
	if err != nil {
		return Approval{}, err
	}
	if emergency {
		// Executed now: the period runs from now, and its length is the
		// hub's to bound, not the requester's.
		if r.ValidFrom.After(now) {
			r.ValidFrom = now
		}
		if r.ValidUntil.Sub(r.ValidFrom) > lim.MaxEmergencyPeriod {
			return Approval{}, problem.Field("period", "an emergency measure lasts at most %s (the hub's limit); ask the committee for longer",
				lim.MaxEmergencyPeriod)
		}
	}
	a := Approval{Kind: r.Kind, RequesterUser: c.User.Login, RequesterOrg: c.Org.ID, LegalBasis: r.LegalBasis, Target: r.Target,
		Justification: r.Justification, ValidFrom: r.ValidFrom.UTC(), ValidUntil: r.ValidUntil.UTC(), Status: StatusPending, Created: now,
		PrefixPreserving: r.PrefixPreserving, Purposes: normPurposes(r.Purposes)}
	action := audit.ActionApprovalRequest
	if emergency {
		a.Status, a.Emergency, a.NotifyDue = StatusEmergency, true, now.Add(lim.PostNotification)
		action = audit.ActionEmergencyMeasure
	}
	// Logged before the transaction commits: if the log refuses, nothing is recorded.
	detail := map[string]string{
		"kind": a.Kind, "legal_basis": a.LegalBasis, "valid_from": a.ValidFrom.Format(time.RFC3339), "valid_until": a.ValidUntil.Format(time.RFC3339)}
	if a.PrefixPreserving {
		detail["prefix_preserving"] = "true"
	}
	if len(a.Purposes) > 0 {
		detail["purposes"] = strconv.Itoa(len(a.Purposes))
	}
	stored, err := s.DB.FileApproval(ctx, store.Approval(a), func(id int64) (uint64, error) {
		return s.record(ctx, c, action, approvalRef(id), detail)
	})
	a = Approval(stored)
	if err != nil {
		return Approval{}, err
	}
	if emergency {
		s.notifyCommittee(ctx, a)
	}
	return a, nil
}

// mayDecide refuses a decision on a by c unless c is a member of the
// oversight committee, in the committee's organization, unrelated to the
// request (policy.Unrelated).
func mayDecide(c auth.Caller, a Approval) error {
	if !policy.DecidesApprovals(policy.Role(c.User.Role)) || !c.Org.IsCommittee() {
		return fmt.Errorf("%w: only members of the oversight committee decide", ErrNotAllowed)
	}
	err := policy.Unrelated(policy.Party{Login: c.User.Login, OrgID: c.Org.ID, CreatedBy: c.User.CreatedBy},
		policy.Party{Login: a.RequesterUser, OrgID: a.RequesterOrg})
	if err != nil {
		return fmt.Errorf("%w: %w", ErrNotAllowed, err)
	}
	return nil
}

// Decide records an overseer's approval or denial, with reasons.
func (s *Service) Decide(ctx context.Context, c auth.Caller, id int64, approve bool, reason string) (Approval, error) {
	if !policy.DecidesApprovals(policy.Role(c.User.Role)) || !c.Org.IsCommittee() {
		return Approval{}, fmt.Errorf("%w: only members of the oversight committee decide", ErrNotAllowed)
	}
	if strings.TrimSpace(reason) == "" {
		return Approval{}, problem.Field("reason", "give the reasons for the decision")
	}
	stored, err := s.DB.ChangeApproval(ctx, id, func(sa *store.Approval) error {
		a := (*Approval)(sa)
		if err := mayDecide(c, *a); err != nil {
			return err
		}
		if a.Status != StatusPending && a.Status != StatusEmergency {
			return problem.Newf(problem.ErrConflict, "approval %d is %s and cannot be decided again", id, a.Status)
		}
		now := s.now()
		status := StatusDenied
		if approve {
			status = StatusApproved
		}
		idx, err := s.record(ctx, c, audit.ActionApprovalDecide, approvalRef(id), map[string]string{"decision": status, "kind": a.Kind})
		if err != nil {
			return err
		}
		a.Status, a.DecidedBy, a.DecisionReason, a.DecidedAt, a.AuditIndex = status, c.User.Login, reason, now, idx
		if a.Emergency && a.NotifiedAt.IsZero() {
			a.NotifiedAt = now // deciding on an emergency measure closes its post-notification
		}
		return nil
	})
	return Approval(stored), err
}

// Revoke records the committee's revocation of an approval it granted (or of
// an emergency measure), with reasons: logged (approval.revoke) first, then
// the approval is in force no more, for collection and for access at once.
func (s *Service) Revoke(ctx context.Context, c auth.Caller, id int64, reason string) (Approval, error) {
	if !policy.DecidesApprovals(policy.Role(c.User.Role)) || !c.Org.IsCommittee() {
		return Approval{}, fmt.Errorf("%w: only members of the oversight committee revoke", ErrNotAllowed)
	}
	if strings.TrimSpace(reason) == "" {
		return Approval{}, problem.Field("reason", "give the reasons for the revocation")
	}
	stored, err := s.DB.ChangeApproval(ctx, id, func(sa *store.Approval) error {
		a := (*Approval)(sa)
		if err := mayDecide(c, *a); err != nil {
			return err
		}
		if a.Status != StatusApproved && a.Status != StatusEmergency {
			return problem.Newf(problem.ErrConflict, "approval %d is %s; only an approved one or an emergency measure can be revoked", id, a.Status)
		}
		now := s.now()
		idx, err := s.record(ctx, c, audit.ActionApprovalRevoke, approvalRef(id), map[string]string{"kind": a.Kind, "was": a.Status})
		if err != nil {
			return err
		}
		if a.Emergency && a.NotifiedAt.IsZero() {
			a.NotifiedAt = now // the committee has acted on the measure
		}
		a.Status, a.RevokedBy, a.RevokeReason, a.RevokedAt, a.AuditIndex = StatusRevoked, c.User.Login, reason, now, idx
		return nil
	})
	return Approval(stored), err
}

// ErrKindMismatch is returned when an approval is not of the kind the act needs.
var ErrKindMismatch = errors.New("approval of another kind")

// InForce returns the approval with this reference ("approval-42" or "42")
// when it is of the given kind and allows acting at t, and an error saying
// why not otherwise. Sources of communications information call it before
// they run (rule C6), with the kind their legal basis needs.
func (s *Service) InForce(ctx context.Context, ref, kind string, t time.Time) (Approval, error) {
	return InForce(ctx, s.DB, ref, kind, t)
}

// InForce is Service.InForce for readers that only check an approval.
func InForce(ctx context.Context, db *store.DB, ref, kind string, t time.Time) (Approval, error) {
	a, err := Get(ctx, db, ref)
	if err != nil {
		return a, err
	}
	if a.Kind != kind {
		return a, fmt.Errorf("%w: approval %d is for %s, not %s", ErrKindMismatch, a.ID, a.Kind, kind)
	}
	if a.Lapsed(t) {
		return a, fmt.Errorf("emergency measure %d lapsed at %s: the committee did not decide on it by its post-notification deadline",
			a.ID, a.NotifyDue.Format(time.RFC3339))
	}
	if !a.InForceAt(t) {
		return a, fmt.Errorf("approval %d is not in force at %s (status %s, valid %s to %s)", a.ID, t.Format(time.RFC3339), a.Status,
			a.ValidFrom.Format(time.RFC3339), a.ValidUntil.Format(time.RFC3339))
	}
	return a, nil
}

// Get returns the approval with this reference ("approval-42" or "42").
func (s *Service) Get(ctx context.Context, ref string) (Approval, error) { return Get(ctx, s.DB, ref) }

// Get is Service.Get for readers.
func Get(ctx context.Context, db *store.DB, ref string) (Approval, error) {
	id, err := strconv.ParseInt(strings.TrimPrefix(ref, "approval-"), 10, 64)
	if err != nil {
		return Approval{}, fmt.Errorf("approval reference %q is not valid", ref)
	}
	a, err := db.Approval(ctx, id)
	return Approval(a), err
}

// List returns the approvals v may read (policy.ApprovalFilter), newest
// first; status "" lists all.
func (s *Service) List(ctx context.Context, v policy.Viewer, status string, limit int) ([]Approval, error) {
	as, err := s.DB.Approvals(ctx, v, status, limit)
	return approvals(as), err
}

// OverdueNotifications lists emergency measures whose post-notification is past due.
func (s *Service) OverdueNotifications(ctx context.Context, now time.Time) ([]Approval, error) {
	as, err := s.DB.OverdueApprovals(ctx, now)
	return approvals(as), err
}

func approvals(as []store.Approval) []Approval {
	out := make([]Approval, len(as))
	for i, a := range as {
		out[i] = Approval(a)
	}
	return out
}

// notifyCommittee opens the post-notification task of an emergency measure:
// an alert to the center and to the committee's organization through the
// hub's alert path.
func (s *Service) notifyCommittee(ctx context.Context, a Approval) {
	orgs := []string{s.Center}
	if c, err := s.DB.CommitteeOrg(ctx); err == nil {
		orgs = append(orgs, c.ID)
	}
	due := a.NotifyDue.In(jst.Zone).Format("2006-01-02 15:04 MST")
	id := strconv.FormatInt(a.ID, 10)
	title := i18n.M("alert.approval.emergency", id, due)
	for _, org := range orgs {
		todo := i18n.M("alert.approval.emergency.todo.committee", due)
		if org == s.Center {
			todo = i18n.M("alert.approval.emergency.todo.center", due)
		}
		body := alert.Lines(
			i18n.M("alert.approval.emergency.what", id, i18n.Ref(i18n.M("approval.kind."+a.Kind)), a.LegalBasis),
			i18n.M("alert.approval.emergency.target", a.Target),
			alert.Blank,
			todo)
		s.Alerts.Raise(ctx, store.Alert{OrgID: org, Kind: "emergency-measure", Severity: "high",
			TitleKey: title.Key, TitleParams: title.Params, BodyMsgs: body,
			ObjectRef: approvalRef(a.ID)})
	}
}

func approvalRef(id int64) string { return "approval-" + strconv.FormatInt(id, 10) }
