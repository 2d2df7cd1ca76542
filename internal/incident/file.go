package incident

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"slices"

	"renkei/internal/alert"
	"renkei/internal/auth"
	"renkei/internal/hub"
	"renkei/internal/i18n"
	"renkei/internal/policy"
	"renkei/internal/problem"
	"renkei/internal/store"
)

func sha256Hex(b []byte) string {
	h := sha256.Sum256(b)
	return hex.EncodeToString(h[:])
}

// File files a report on behalf of c: a new incident with its initial report
// and its deadlines, or a follow-up of one of the caller's organization's
// incidents. The incident, the report, the deadline it meets and its
// attachments are saved in one transaction, so a rejected filing leaves
// nothing behind. STIX objects it carries are then submitted to the hub under
// the incident's TLP (visible to the center at AMBER and AMBER+STRICT), and
// the center is alerted.
func (s *Service) File(ctx context.Context, c auth.Caller, f Filing) (Report, error) {
	if !policy.MayFileReport(c.Viewer()) {
		return Report{}, fmt.Errorf("%w: the %s role may not file reports", problem.ErrForbidden, c.User.Role)
	}
	now := s.now()
	ck, errs := s.check(f, now)
	var inc Incident
	if f.Incident != "" {
		var err error
		if inc, err = s.checkFollowUp(ctx, c, f, &errs); err != nil {
			return Report{}, err
		}
	}
	// The computer is named by its public id; a row id is not found.
	var computer Computer
	if f.CriticalComputer != "" {
		v := c.Viewer()
		cc, err := s.Computer(ctx, v, f.CriticalComputer)
		if err != nil || policy.Own(v, cc.OrgID) == 0 || !cc.Retired.IsZero() {
			errs.Add("critical_computer", "", "no registered critical computer %s of %s", f.CriticalComputer, c.Org.Name)
		}
		computer = cc
	}
	if len(errs) > 0 {
		return Report{}, fmt.Errorf("invalid report: %w", errs)
	}
	r := Report{OrgID: c.Org.ID, UserID: c.User.ID, Type: f.Type, Stage: f.Stage,
		WhatHappened: f.WhatHappened, SystemsAffected: f.SystemsAffected, ComputerID: computer.ID, Computer: computer.PublicID,
		ServiceImpact: f.ServiceImpact, CurrentStatus: f.CurrentStatus, Indicators: f.Indicators, Details: f.Details,
		Consent: ck.consent, Filed: now, Attachments: ck.attachments}
	var owed []Deadline
	if f.Incident == "" {
		inc = Incident{OrgID: c.Org.ID, Title: f.Title, Category: f.Category, DetectedAt: ck.detected, AwareAt: ck.aware,
			TLP: ck.tlp, CreatedBy: c.User.ID, Created: now}
		owed = s.owed(inc, f.Duties)
	}
	if err := s.DB.FileReport(ctx, &inc, owed, &r); err != nil {
		return Report{}, fmt.Errorf("file report: %w", err)
	}
	if len(f.STIX) > 0 && !bytes.Equal(bytes.TrimSpace(f.STIX), []byte("null")) {
		if err := s.submitSTIX(ctx, c, inc, &r, f.STIX); err != nil {
			s.Log.Warn("report STIX objects not submitted", "org", c.Org.ID, "report", r.PublicID, "err", err)
		}
	}
	s.alertCenter(ctx, c, inc, r)
	return r, nil
}

// checkFollowUp finds the incident a follow-up report belongs to, adding to
// errs when it is no incident of the caller's organization, when the report
// was filed already (updates excepted) or when the incident does not owe it.
func (s *Service) checkFollowUp(ctx context.Context, c auth.Caller, f Filing, errs *problem.Problems) (Incident, error) {
	inc, err := s.incident(ctx, f.Incident)
	if errors.Is(err, store.ErrNotFound) || (err == nil && inc.OrgID != c.Org.ID) {
		errs.Add("incident", "", "no incident %s of %s", f.Incident, c.Org.Name)
		return inc, nil
	}
	if err != nil {
		return inc, err
	}
	dl, err := s.DB.IncidentDeadlines(ctx, inc.ID)
	if err != nil {
		return inc, err
	}
	owed := false
	for _, d := range dl {
		owed = owed || d.Type == f.Type
		if d.Type == f.Type && d.Stage == f.Stage && !d.Met.IsZero() && f.Stage != "update" {
			errs.Add("stage", "", "the %s %s report of incident %s was filed already (report %s); file an update", f.Type, f.Stage, inc.PublicID, d.MetByPublicID)
		}
	}
	if !owed {
		errs.Add("type", "", "incident %s does not owe a %s report", inc.PublicID, f.Type)
	}
	return inc, nil
}

// owed returns the deadlines of every report a new incident owes under
// duties, counted from when its reporter became aware of it.
func (s *Service) owed(inc Incident, duties []string) []Deadline {
	var out []Deadline
	for _, d := range dedupe(duties) {
		for _, st := range s.Deadlines.Type(d).Stages {
			if st.HasDeadline() {
				out = append(out, Deadline{Type: d, Stage: st.Stage, Due: st.Due(inc.AwareAt)})
			}
		}
	}
	return out
}

func dedupe(s []string) []string {
	var out []string
	for _, x := range s {
		if !slices.Contains(out, x) {
			out = append(out, x)
		}
	}
	return out
}

// submitSTIX submits the report's bundle to the members collection with
// every object marked at the incident's TLP and the report's consent, and
// addressed to the center, so the center can read it at AMBER+STRICT too.
func (s *Service) submitSTIX(ctx context.Context, c auth.Caller, inc Incident, r *Report, bundle json.RawMessage) error {
	body, err := markBundle(bundle, inc.TLP, r.Consent, s.Center)
	if err != nil {
		return err
	}
	coll, err := s.DB.Collection(ctx, hub.MembersCollection)
	if err != nil {
		return err
	}
	st, err := s.Submit(ctx, c, coll, bytes.NewReader(body))
	if err != nil {
		return err
	}
	r.STIXStatus, r.STIXStored, r.STIXFailed = st.ID, st.Success, st.Failure
	for _, d := range st.Details {
		if d.Kind == "failure" {
			r.STIXErrors = append(r.STIXErrors, d.ID+": "+d.Message)
		}
	}
	return s.DB.SetReportSTIX(ctx, *r)
}

// markBundle rewrites a bundle so that each object carries exactly the TLP
// marking given (replacing any TLP marking it had) and Renkei's distribution
// extension naming the center as a recipient with the given consent.
func markBundle(bundle json.RawMessage, tlp policy.TLP, consent policy.Consent, center string) ([]byte, error) {
	var b map[string]json.RawMessage
	if err := json.Unmarshal(bundle, &b); err != nil {
		return nil, fmt.Errorf("stix: %w", err)
	}
	var objs []map[string]json.RawMessage
	if err := json.Unmarshal(b["objects"], &objs); err != nil {
		return nil, fmt.Errorf("stix: objects: %w", err)
	}
	for _, o := range objs {
		var typ string
		json.Unmarshal(o["type"], &typ)
		if typ == "marking-definition" || typ == "extension-definition" {
			continue
		}
		var refs []string
		json.Unmarshal(o["object_marking_refs"], &refs)
		refs = slices.DeleteFunc(refs, policy.IsTLPMarking)
		refs = append(refs, tlp.MarkingID())
		o["object_marking_refs"], _ = json.Marshal(refs)
		var exts map[string]json.RawMessage
		json.Unmarshal(o["extensions"], &exts)
		if exts == nil {
			exts = map[string]json.RawMessage{}
		}
		var d hub.Distribution
		json.Unmarshal(exts[hub.Extension], &d)
		d.ExtensionType = "property-extension"
		if !slices.Contains(d.RecipientOrgs, center) {
			d.RecipientOrgs = append(d.RecipientOrgs, center)
		}
		d.Consent = consent.String()
		exts[hub.Extension], _ = json.Marshal(d)
		o["extensions"], _ = json.Marshal(exts)
	}
	b["objects"], _ = json.Marshal(objs)
	return json.Marshal(b)
}

// alertCenter tells the center a report was filed, through the hub's alert path.
func (s *Service) alertCenter(ctx context.Context, c auth.Caller, inc Incident, r Report) {
	sev := "medium"
	if r.Type == "art5" {
		sev = "high"
	}
	data, _ := json.Marshal(map[string]any{"incident": inc.PublicID, "report": r.PublicID, "type": r.Type, "stage": r.Stage, "org": c.Org.ID})
	title := i18n.M("alert.incident.report", c.Org.Name, TypeName(r.Type), StageName(r.Type, r.Stage), inc.PublicID, inc.Title)
	body := alert.Lines(
		i18n.M("alert.incident.report.what", c.Org.Name, TypeName(r.Type), StageName(r.Type, r.Stage)),
		i18n.M("alert.incident.report.summary", truncate(r.WhatHappened, 300)),
		alert.Blank,
		i18n.M("alert.incident.report.todo"))
	_, err := s.Alerts.Raise(ctx, store.Alert{OrgID: s.Center, Kind: "incident-report", Severity: sev,
		TitleKey: title.Key, TitleParams: title.Params, BodyMsgs: body, Data: string(data)})
	if err != nil {
		s.Log.Error("alert center of report", "report", r.PublicID, "err", err)
	}
}

func truncate(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n]) + "…"
}
