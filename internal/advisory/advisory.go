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
// that rule is policy.AdvisoryFilter, put in every query by the store
// (store/advisories.go keeps the SQL). Every notification goes through
// alert.Service.Raise, titled from the message catalog. It must not publish
// STIX objects (intelligence goes through the hub), nor hold SQL.
package advisory

import (
	"context"
	"encoding/json"
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

// Advisory is an advisory, correction request or supplier request;
// Audience whom it addresses; Counts the exact tallies of its targets;
// Target one addressed organization's progress. They are kept in the store
// (store/advisories.go).
type (
	Advisory = store.Advisory
	Audience = store.AdvisoryAudience
	Counts   = store.AdvisoryCounts
	Target   = store.AdvisoryTarget
)

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
	errs := check(&a, now)
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
func check(a *Advisory, now time.Time) problem.Problems {
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
		org, err := s.DB.Org(ctx, strings.TrimSpace(o))
		if err != nil {
			errs.Add(fmt.Sprintf("audience.orgs[%d]", i), "", "no organization %q", o)
			continue
		}
		named = append(named, org.ID)
	}
	if len(*errs) > 0 {
		return nil, nil
	}
	orgs, err := s.DB.Orgs(ctx)
	if err != nil {
		return nil, err
	}
	var targets []store.Org
	for _, o := range orgs {
		if o.IsCenter() || o.IsCommittee() { // neither is a member organization
			continue
		}
		if au.All || slices.ContainsFunc(au.Sectors, func(s string) bool { return store.SectorKey(s) == o.Sector }) || slices.Contains(au.Kinds, o.Kind) || slices.Contains(named, o.ID) {
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
	// The committee's annual figures count notices, demands and
	// recommendations from the audit log, so each is logged as it is issued.
	var logged func(id string) error
	if s.Record != nil {
		logged = func(id string) error {
			action := map[string]string{KindAdvisory: audit.ActionNoticeIssue, KindCorrection: audit.ActionDemandIssue, KindSupplier: audit.ActionDemandIssue}[a.Kind] // Art. 42 requests are demands (求め) too
			_, err := s.Record(ctx, c, action, "advisory-"+id, map[string]string{"kind": a.Kind, "targets": fmt.Sprint(len(targets))})
			return err
		}
	}
	if err := s.DB.PublishAdvisory(ctx, a, targets, logged); err != nil {
		return err
	}
	a.Counts.Targets = len(targets)
	due := a.Due.In(jst.Zone).Format("2006-01-02 15:04 MST")
	title := i18n.M("alert.advisory."+a.Kind, a.Title, due)
	body := []i18n.Message{i18n.M("alert.advisory_body.todo", due)}
	for _, act := range a.Actions {
		body = append(body, i18n.M("alert.list.item", act))
	}
	body = append(body, alert.Blank, i18n.M("alert.advisory_body.ack"))
	data, _ := json.Marshal(map[string]any{"advisory": a.PublicID, "kind": a.Kind, "due": a.Due})
	for _, o := range targets {
		if _, err := s.Alerts.Raise(ctx, store.Alert{OrgID: o.ID, Kind: "advisory", Severity: a.Severity,
			TitleKey: title.Key, TitleParams: title.Params,
			BodyMsgs: alert.Lines(body...), Data: string(data)}); err != nil {
			return fmt.Errorf("alert %s: %w", o.Name, err)
		}
	}
	return nil
}

// Acknowledge records that the caller's organization has read the advisory
// of public id id. Acknowledging twice is harmless: the first time counts.
func (s *Service) Acknowledge(ctx context.Context, c auth.Caller, id string) error {
	if !policy.MayAcknowledge(c.Viewer()) {
		return fmt.Errorf("%w: the %s role may not acknowledge", problem.ErrForbidden, c.User.Role)
	}
	first, err := s.DB.AcknowledgeAdvisory(ctx, id, c.Org.ID, c.User.ID, s.now())
	if err != nil || first {
		return err
	}
	// Acknowledged already, or not addressed to the caller's organization.
	addressed, err := s.DB.AdvisoryAddressed(ctx, id, c.Org.ID)
	if err != nil {
		return err
	}
	if !addressed {
		return fmt.Errorf("advisory %s addressed to your organization: %w", id, store.ErrNotFound)
	}
	return nil
}

// Complete records that the caller's organization has done the required
// actions, with evidence (required for correction and supplier requests). It
// acknowledges too if that was not done. Completing twice keeps the first.
func (s *Service) Complete(ctx context.Context, c auth.Caller, id string, evidence string) error {
	if !policy.MayComplete(c.Viewer()) {
		return fmt.Errorf("%w: the %s role may not report completion", problem.ErrForbidden, c.User.Role)
	}
	kind, err := s.DB.AddressedAdvisoryKind(ctx, id, c.Org.ID)
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
	return s.DB.CompleteAdvisory(ctx, id, c.Org.ID, c.User.ID, evidence, s.now())
}

// ListQuery selects advisories.
type ListQuery = store.AdvisoryQuery

// List returns the advisories v may see (policy.AdvisoryFilter, in the
// store's query), newest first, with their counts.
func (s *Service) List(ctx context.Context, v policy.Viewer, q ListQuery) ([]Advisory, error) {
	if q.Limit <= 0 || q.Limit > 1000 {
		q.Limit = 200
	}
	return s.DB.Advisories(ctx, v, q, s.now())
}

// Get returns the advisory of public id id with its counts and the targets
// v may see the progress of: every target for the center, its own row for an
// addressed organization (policy.SeesEveryRecipientsProgress). A row id,
// which never leaves the hub, is not found.
func (s *Service) Get(ctx context.Context, v policy.Viewer, id string) (Advisory, []Target, error) {
	a, err := s.DB.Advisory(ctx, v, id, s.now())
	if err != nil {
		return a, nil, err
	}
	ts, err := s.DB.AdvisoryTargets(ctx, v, a.ID)
	return a, ts, err
}

// Close closes the advisory of public id id (center only); acknowledgements
// stay as they are.
func (s *Service) Close(ctx context.Context, c auth.Caller, id string) error {
	if err := mayPublish(c); err != nil {
		return err
	}
	return s.DB.CloseAdvisory(ctx, id, s.now())
}
