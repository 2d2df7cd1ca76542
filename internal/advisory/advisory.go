// Package advisory carries the center's advisories (注意喚起) to an audience —
// all members, sectors, kinds of organization, named organizations — with
// required actions and a due date, correction requests (是正要求) to government
// agencies with the findings of an audit campaign, and requests to suppliers
// of computers and services (Art. 42), each tracked to closure: who
// acknowledged, who completed, with what evidence.
//
// The audience is resolved to organizations once, when the advisory is
// published, so counts are exact and never change with later membership. An
// advisory is visible to the center and to the organizations it addresses;
// that rule is policy.AdvisoryFilter and is enforced in every query. Every
// notification goes through alert.Service.Raise. It must not publish STIX
// objects: intelligence goes through the hub.
package advisory

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
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

// Kinds of advisory.
const (
	KindAdvisory   = "advisory"   // 注意喚起
	KindCorrection = "correction" // 是正要求, to government agencies
	KindSupplier   = "supplier"   // request to a supplier of computers and services (Art. 42)
)

// Kinds lists the kinds.
var Kinds = []string{KindAdvisory, KindCorrection, KindSupplier}

// Severities of an advisory.
var Severities = []string{"low", "medium", "high", "critical"}

// Audience is whom an advisory addresses; the union of its parts.
type Audience struct {
	All     bool     `json:"all,omitempty"`
	Sectors []string `json:"sectors,omitempty"`
	Kinds   []string `json:"kinds,omitempty"` // kinds of organization
	Orgs    []string `json:"orgs,omitempty"`  // names or ids
}

// Advisory is an advisory, correction request or supplier request.
type Advisory struct {
	ID          int64     `json:"id"`
	Kind        string    `json:"kind"`
	Title       string    `json:"title"`
	Body        string    `json:"body,omitempty"`
	Findings    string    `json:"findings,omitempty"` // of the audit, for correction requests
	Campaign    string    `json:"campaign,omitempty"` // the audit campaign
	Actions     []string  `json:"actions"`
	Audience    Audience  `json:"audience"`
	Severity    string    `json:"severity"`
	Due         time.Time `json:"due"`
	PublishedBy int64     `json:"published_by,omitempty"`
	Published   time.Time `json:"published"`
	Closed      time.Time `json:"closed,omitzero"`
	Counts      Counts    `json:"counts"`
}

// Counts are the exact tallies of an advisory's targets.
type Counts struct {
	Targets      int `json:"targets"`
	Acknowledged int `json:"acknowledged"`
	Completed    int `json:"completed"`
	Overdue      int `json:"overdue"` // not completed by the due date
}

// Target is one addressed organization's progress.
type Target struct {
	OrgID     string    `json:"org_id"`
	OrgName   string    `json:"org_name"`
	Acked     time.Time `json:"acknowledged,omitzero"`
	Completed time.Time `json:"completed,omitzero"`
	Evidence  string    `json:"evidence,omitempty"`
}

// Service publishes and tracks advisories in the store. Package app builds
// the one service of a process with what it needs.
type Service struct {
	DB     *store.DB
	Now    func() time.Time
	Alerts *alert.Service // tells each addressed organization
	// Record appends an act to the audit log before it takes effect
	// (hub.Hub.Record); nil when the process keeps no audit log, and then
	// advisories are published unlogged.
	Record func(ctx context.Context, c auth.Caller, action, objectID string, detail map[string]string) (uint64, error)
}

func (s *Service) db() *store.DB  { return s.DB }
func (s *Service) now() time.Time { return s.Now().UTC() }

// mayPublish: the center's administrators and analysts (policy.MayPublishAdvisory).
func mayPublish(c auth.Caller) error {
	if !policy.MayPublishAdvisory(c.Viewer()) {
		return fmt.Errorf("%w: only the center's analysts publish advisories and requests", problem.ErrForbidden)
	}
	return nil
}

// Publish checks an advisory, resolves its audience to organizations, stores
// both in one transaction and alerts every addressed organization.
func (s *Service) Publish(ctx context.Context, c auth.Caller, a Advisory) (Advisory, error) {
	if err := mayPublish(c); err != nil {
		return a, err
	}
	now := s.now()
	errs := a.check(now)
	targets, err := s.targets(ctx, a, &errs)
	if err != nil {
		return a, err
	}
	if len(errs) > 0 {
		return a, fmt.Errorf("invalid advisory: %w", errs)
	}
	return a, s.publish(ctx, c, &a, targets, now)
}

// check fills in an advisory's defaults (kind advisory, severity medium, no
// empty actions) and finds the problems of its fields, audience included,
// that need no lookup.
func (a *Advisory) check(now time.Time) problem.Problems {
	var errs problem.Problems
	if a.Kind == "" {
		a.Kind = KindAdvisory
	}
	if !slices.Contains(Kinds, a.Kind) {
		errs.Add("kind", "", "%q is not a kind (want %s)", a.Kind, strings.Join(Kinds, ", "))
	}
	if strings.TrimSpace(a.Title) == "" {
		errs.Add("title", "required", "is required")
	}
	if a.Severity == "" {
		a.Severity = "medium"
	}
	if !slices.Contains(Severities, a.Severity) {
		errs.Add("severity", "", "%q is not a severity (want %s)", a.Severity, strings.Join(Severities, ", "))
	}
	a.Actions = slices.DeleteFunc(a.Actions, func(x string) bool { return strings.TrimSpace(x) == "" })
	if len(a.Actions) == 0 {
		errs.Add("actions", "required", "name at least one required action")
	}
	switch {
	case a.Due.IsZero():
		errs.Add("due", "required", "is required")
	case !a.Due.After(now):
		errs.Add("due", "past", "%s is in the past", a.Due.In(jst.Zone).Format("2006-01-02 15:04 MST"))
	}
	if a.Kind == KindCorrection && strings.TrimSpace(a.Findings) == "" {
		errs.Add("findings", "required", "a correction request states the audit's findings")
	}
	au := a.Audience
	if !au.All && len(au.Sectors)+len(au.Kinds)+len(au.Orgs) == 0 {
		errs.Add("audience", "audience", "name the audience: all members, sectors, kinds of organization or organizations")
	}
	for i, k := range au.Kinds {
		if !slices.Contains(store.MemberOrgKinds, k) {
			errs.Add(fmt.Sprintf("audience.kinds[%d]", i), "", "%q is not a kind of member organization", k)
		}
	}
	return errs
}

// targets resolves an advisory's audience to the member organizations it
// addresses, adding to errs the organizations it names that do not exist,
// an audience that addresses nobody, and addressees of the wrong kind for a
// correction or supplier request. It resolves nothing while errs has
// problems of the fields.
func (s *Service) targets(ctx context.Context, a Advisory, errs *problem.Problems) ([]store.Org, error) {
	au := a.Audience
	var named []string
	for i, o := range au.Orgs {
		org, err := s.db().Org(ctx, strings.TrimSpace(o))
		if err != nil {
			errs.Add(fmt.Sprintf("audience.orgs[%d]", i), "", "no organization %q", o)
			continue
		}
		named = append(named, org.ID)
	}
	if len(*errs) > 0 {
		return nil, nil
	}
	orgs, err := s.db().Orgs(ctx)
	if err != nil {
		return nil, err
	}
	var targets []store.Org
	for _, o := range orgs {
		if o.IsCenter() || o.IsCommittee() { // neither is a member organization
			continue
		}
		if au.All || slices.Contains(au.Sectors, o.Sector) || slices.Contains(au.Kinds, o.Kind) || slices.Contains(named, o.ID) {
			targets = append(targets, o)
		}
	}
	if len(targets) == 0 {
		errs.Add("audience", "audience", "addresses no member organization")
	}
	for _, o := range targets {
		if a.Kind == KindCorrection && o.Kind != "government" {
			errs.Add("audience", "", "correction requests go to government agencies; %s is %s", o.Name, o.Kind)
		}
		if a.Kind == KindSupplier && o.Kind != "vendor" {
			errs.Add("audience", "", "supplier requests go to suppliers (vendor organizations); %s is %s", o.Name, o.Kind)
		}
	}
	return targets, nil
}

// publish stores a checked advisory and its targets in one transaction and
// alerts every addressed organization.
func (s *Service) publish(ctx context.Context, c auth.Caller, a *Advisory, targets []store.Org, now time.Time) error {
	a.PublishedBy, a.Published = c.User.ID, now
	actions, _ := json.Marshal(a.Actions)
	aud, _ := json.Marshal(a.Audience)
	err := s.db().InTx(ctx, func(tx *store.Tx) error {
		if err := tx.QueryRow(ctx, `INSERT INTO advisories(kind, title, body, findings, campaign, actions, audience, severity, due_at, published_by, published_at)
			VALUES(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`, a.Kind, a.Title, a.Body, a.Findings, a.Campaign, string(actions), string(aud),
			a.Severity, store.Micros(a.Due), a.PublishedBy, store.Micros(now)).Scan(&a.ID); err != nil {
			return fmt.Errorf("publish advisory: %w", err)
		}
		for _, o := range targets {
			if _, err := tx.Exec(ctx, "INSERT INTO advisory_targets(advisory_id, org_id) VALUES(?, ?)", a.ID, o.ID); err != nil {
				return fmt.Errorf("address %s: %w", o.Name, err)
			}
		}
		// The committee's annual figures count notices, demands and
		// recommendations from the audit log, so each is logged as it is issued.
		if s.Record != nil {
			action := map[string]string{KindAdvisory: audit.ActionNoticeIssue, KindCorrection: audit.ActionDemandIssue, KindSupplier: audit.ActionDemandIssue}[a.Kind] // Art. 42 requests are demands (求め) too
			if _, err := s.Record(ctx, c, action, fmt.Sprintf("advisory-%d", a.ID), map[string]string{"kind": a.Kind, "targets": fmt.Sprint(len(targets))}); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return err
	}
	a.Counts.Targets = len(targets)
	title := i18n.M("alert.advisory."+a.Kind, a.Title, a.Due.In(jst.Zone).Format("2006-01-02 15:04 MST"))
	data, _ := json.Marshal(map[string]any{"advisory": a.ID, "kind": a.Kind, "due": a.Due})
	for _, o := range targets {
		if _, err := s.Alerts.Raise(ctx, store.Alert{OrgID: o.ID, Kind: "advisory", Severity: a.Severity,
			TitleKey: title.Key, TitleParams: title.Params,
			Body: strings.Join(a.Actions, "\n"), Data: string(data)}); err != nil {
			return fmt.Errorf("alert %s: %w", o.Name, err)
		}
	}
	return nil
}

// Acknowledge records that the caller's organization has read the advisory.
// Acknowledging twice is harmless: the first time counts.
func (s *Service) Acknowledge(ctx context.Context, c auth.Caller, id int64) error {
	if !policy.MayAcknowledge(c.Viewer()) {
		return fmt.Errorf("%w: the %s role may not acknowledge", problem.ErrForbidden, c.User.Role)
	}
	now := s.now()
	res, err := s.db().Exec(ctx, "UPDATE advisory_targets SET acked_at = ?, acked_by = ? WHERE advisory_id = ? AND org_id = ? AND acked_at = 0",
		store.Micros(now), c.User.ID, id, c.Org.ID)
	if err != nil {
		return fmt.Errorf("acknowledge advisory %d: %w", id, err)
	}
	if n, _ := res.RowsAffected(); n == 1 {
		return nil
	}
	return s.mustTarget(ctx, id, c.Org.ID)
}

func (s *Service) mustTarget(ctx context.Context, id int64, org string) error {
	var n int
	if err := s.db().QueryRow(ctx, "SELECT COUNT(*) FROM advisory_targets WHERE advisory_id = ? AND org_id = ?", id, org).Scan(&n); err != nil {
		return err
	}
	if n == 0 {
		return fmt.Errorf("advisory %d addressed to your organization: %w", id, store.ErrNotFound)
	}
	return nil
}

// Complete records that the caller's organization has done the required
// actions, with evidence (required for correction and supplier requests). It
// acknowledges too if that was not done. Completing twice keeps the first.
func (s *Service) Complete(ctx context.Context, c auth.Caller, id int64, evidence string) error {
	if !policy.MayComplete(c.Viewer()) {
		return fmt.Errorf("%w: the %s role may not report completion", problem.ErrForbidden, c.User.Role)
	}
	var kind string
	err := s.db().QueryRow(ctx, "SELECT a.kind FROM advisories a JOIN advisory_targets t ON t.advisory_id = a.id WHERE a.id = ? AND t.org_id = ?", id, c.Org.ID).Scan(&kind)
	if errors.Is(err, sql.ErrNoRows) {
		return fmt.Errorf("advisory %d addressed to your organization: %w", id, store.ErrNotFound)
	}
	if err != nil {
		return err
	}
	evidence = strings.TrimSpace(evidence)
	if kind != KindAdvisory && evidence == "" {
		return fmt.Errorf("invalid completion: %w", problem.Field("evidence", "a %s request is completed with evidence of what was done", kind))
	}
	if len(evidence) > 64<<10 {
		return fmt.Errorf("invalid completion: %w", problem.Field("evidence", "is longer than 64 KiB; attach details elsewhere and summarize"))
	}
	now := s.now()
	_, err = s.db().Exec(ctx, `UPDATE advisory_targets SET completed_at = ?, completed_by = ?, evidence = ?,
		acked_at = CASE WHEN acked_at = 0 THEN ? ELSE acked_at END, acked_by = CASE WHEN acked_by = 0 THEN ? ELSE acked_by END
		WHERE advisory_id = ? AND org_id = ? AND completed_at = 0`, store.Micros(now), c.User.ID, evidence, store.Micros(now), c.User.ID, id, c.Org.ID)
	if err != nil {
		return fmt.Errorf("complete advisory %d: %w", id, err)
	}
	return nil
}

// visibleSQL is the visibility rule of advisories on the alias a
// (policy.AdvisoryFilter): the center sees all; other members the ones
// addressed to them; the committee none.
func visibleSQL(v policy.Viewer) (string, []any) { return policy.AdvisoryFilter(v, "a") }

const advCols = "a.id, a.kind, a.title, a.body, a.findings, a.campaign, a.actions, a.audience, a.severity, a.due_at, a.published_by, a.published_at, a.closed_at"

// countsSQL counts targets with correlated subqueries, so that one query
// gives every advisory's exact tallies at the same instant. Counted are the
// targets v may see the progress of: every target for the center, its own
// for a member (policy.SeesEveryRecipientsProgress). Its arguments come
// first in a query's arguments; the due time is the last of them.
func countsSQL(v policy.Viewer, now time.Time) (string, []any) {
	tc, targs := "", []any(nil)
	if !policy.SeesEveryRecipientsProgress(v) {
		tc, targs = " AND t.org_id = ?", []any{v.OrgID}
	}
	q := `(SELECT COUNT(*) FROM advisory_targets t WHERE t.advisory_id = a.id` + tc + `),
	(SELECT COUNT(*) FROM advisory_targets t WHERE t.advisory_id = a.id AND t.acked_at <> 0` + tc + `),
	(SELECT COUNT(*) FROM advisory_targets t WHERE t.advisory_id = a.id AND t.completed_at <> 0` + tc + `),
	(SELECT COUNT(*) FROM advisory_targets t WHERE t.advisory_id = a.id AND t.completed_at = 0 AND a.due_at < ?` + tc + `)`
	var args []any
	for range 3 {
		args = append(args, targs...)
	}
	args = append(args, store.Micros(now))
	return q, append(args, targs...)
}

func scanAdvisory(row interface{ Scan(...any) error }) (Advisory, error) {
	var a Advisory
	var actions, aud string
	var due, pub, closed int64
	err := row.Scan(&a.ID, &a.Kind, &a.Title, &a.Body, &a.Findings, &a.Campaign, &actions, &aud, &a.Severity, &due, &a.PublishedBy, &pub, &closed,
		&a.Counts.Targets, &a.Counts.Acknowledged, &a.Counts.Completed, &a.Counts.Overdue)
	json.Unmarshal([]byte(actions), &a.Actions)
	json.Unmarshal([]byte(aud), &a.Audience)
	a.Due, a.Published, a.Closed = store.FromMicros(due), store.FromMicros(pub), store.FromMicros(closed)
	return a, err
}

// ListQuery selects advisories.
type ListQuery struct {
	Kind     string
	OpenOnly bool
	Limit    int
}

// List returns the advisories v may see, newest first, with their counts.
func (s *Service) List(ctx context.Context, v policy.Viewer, q ListQuery) ([]Advisory, error) {
	cond, args := visibleSQL(v)
	counts, cargs := countsSQL(v, s.now())
	query := "SELECT " + advCols + ", " + counts + " FROM advisories a WHERE " + cond
	args = append(cargs, args...)
	if q.Kind != "" {
		query += " AND a.kind = ?"
		args = append(args, q.Kind)
	}
	if q.OpenOnly {
		query += " AND a.closed_at = 0"
	}
	if q.Limit <= 0 || q.Limit > 1000 {
		q.Limit = 200
	}
	query += " ORDER BY a.id DESC LIMIT ?"
	args = append(args, q.Limit)
	rows, err := s.db().Query(ctx, query, args...)
	if err != nil {
		return nil, fmt.Errorf("list advisories: %w", err)
	}
	defer rows.Close()
	var out []Advisory
	for rows.Next() {
		a, err := scanAdvisory(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, a)
	}
	return out, rows.Err()
}

// Get returns one advisory with its counts and the targets v may see the
// progress of: every target for the center, its own row for an addressed
// organization (policy.SeesEveryRecipientsProgress).
func (s *Service) Get(ctx context.Context, v policy.Viewer, id int64) (Advisory, []Target, error) {
	cond, args := visibleSQL(v)
	counts, cargs := countsSQL(v, s.now())
	a, err := scanAdvisory(s.db().QueryRow(ctx, "SELECT "+advCols+", "+counts+" FROM advisories a WHERE a.id = ? AND "+cond,
		append(append(cargs, id), args...)...))
	if errors.Is(err, sql.ErrNoRows) {
		return a, nil, fmt.Errorf("advisory %d: %w", id, store.ErrNotFound)
	}
	if err != nil {
		return a, nil, err
	}
	q := "SELECT t.org_id, o.name, t.acked_at, t.completed_at, t.evidence FROM advisory_targets t JOIN orgs o ON o.id = t.org_id WHERE t.advisory_id = ?"
	targs := []any{id}
	if !policy.SeesEveryRecipientsProgress(v) {
		q += " AND t.org_id = ?"
		targs = append(targs, v.OrgID)
	}
	rows, err := s.db().Query(ctx, q+" ORDER BY o.name", targs...)
	if err != nil {
		return a, nil, err
	}
	defer rows.Close()
	var ts []Target
	for rows.Next() {
		var t Target
		var ack, done int64
		if err := rows.Scan(&t.OrgID, &t.OrgName, &ack, &done, &t.Evidence); err != nil {
			return a, nil, err
		}
		t.Acked, t.Completed = store.FromMicros(ack), store.FromMicros(done)
		ts = append(ts, t)
	}
	return a, ts, rows.Err()
}

// Close closes an advisory (center only); acknowledgements stay as they are.
func (s *Service) Close(ctx context.Context, c auth.Caller, id int64) error {
	if err := mayPublish(c); err != nil {
		return err
	}
	res, err := s.db().Exec(ctx, "UPDATE advisories SET closed_at = ? WHERE id = ? AND closed_at = 0", store.Micros(s.now()), id)
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return fmt.Errorf("open advisory %d: %w", id, store.ErrNotFound)
	}
	return nil
}
