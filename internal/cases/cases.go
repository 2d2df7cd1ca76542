// Package cases keeps the center's cases: what the center does with a report,
// an alert or a consultation — assignee, status, severity, a timeline of
// actions, and the objects, organizations and reports linked to it — and what
// the reporting organization may see of that work.
//
// Cases are the center's own records. The center sees them whole; the
// organization a case came from sees its status and the actions marked shared,
// nothing else; that rule is policy.CaseFilter, put in every query by the
// store (store/cases.go keeps the SQL), and policy.SeesWholeCase here.
// Linked STIX objects are stored as references only: reading them goes
// through the hub and the access policy. Notifications go through
// alert.Service.Raise, titled from the message catalog. It must not change
// reports or objects, nor hold SQL.
package cases

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"time"

	"renkei/internal/alert"
	"renkei/internal/auth"
	"renkei/internal/i18n"
	"renkei/internal/policy"
	"renkei/internal/problem"
	"renkei/internal/store"
)

// Statuses of a case, in order.
var Statuses = []string{"new", "investigating", "responding", "resolved", "closed"}

// Severities of a case.
var Severities = []string{"low", "medium", "high", "critical"}

// LinkKinds are what a case may link to.
var LinkKinds = []string{"object", "org", "report", "alert", "consult", "hunting", "advisory"}

// Case is one case; Action an entry of its timeline; Link something it is
// about. They are kept in the store (store/cases.go).
type (
	Case   = store.Case
	Action = store.CaseAction
	Link   = store.CaseLink
)

// ProblemCodes are the codes of the problem.Problems a case or an act may be refused with.
var ProblemCodes = []string{
	"title.required", "status.unknown", "severity.unknown", "assignee.unknown", "assignee.not-center",
	"source.invalid", "source.unknown", "link.invalid", "note.too-long", "nothing-to-do",
	"link.unknown", "title.too-long", "due.invalid", "assignee.not-allowed",
	"template.unknown", "template.invalid", "template.shipped",
}

// Service keeps cases in the store. Package app builds the one service of a
// process with what it needs.
type Service struct {
	DB     *store.DB
	Now    func() time.Time
	Alerts *alert.Service // tells the reporting organization of a shared step
	Log    *slog.Logger
	Center string // the national center's organization id
	// Readers read, as the caller, the record a link of each kind names
	// (LinkKinds): the same read as the record's own page and API, so a
	// case links only what exists and its worker may read, through the
	// API, the console and the command line alike. Each returns an error
	// wrapping store.ErrNotFound (or a refusal) otherwise. Package app
	// sets them.
	Readers map[string]Reader
}

// Reader reads the record ref names as caller c and returns the reference
// a link keeps (an organization named by its name is kept by its id); see
// Service.Readers.
type Reader func(ctx context.Context, c auth.Caller, ref string) (string, error)

func (s *Service) now() time.Time { return s.Now().UTC() }

// mayWork: the center's administrators and analysts work cases
// (policy.MayWorkCases).
func mayWork(c auth.Caller) error {
	if !policy.MayWorkCases(c.Viewer()) {
		return fmt.Errorf("%w: only the center's analysts work cases", problem.ErrForbidden)
	}
	return nil
}

// Open opens a case. A source ("report:<incident>", "alert:<alert>",
// "consult:<consultation>", each named by its public id) links it and names
// the organization it came from; that organization is alerted that the
// center has taken up its matter. A template (Template) gives a case its
// first tasks, and its title and severity when not given.
func (s *Service) Open(ctx context.Context, c auth.Caller, k Case) (Case, error) {
	if err := mayWork(c); err != nil {
		return k, err
	}
	var problems problem.Problems
	var tmpl *Template
	if k.Template != "" {
		t, p, err := s.template(ctx, k.Template)
		if err != nil {
			return k, fmt.Errorf("open case: %w", err)
		}
		if p != nil {
			problems = append(problems, *p)
		} else {
			tmpl = &t
		}
	}
	var tasks []Task
	if tmpl != nil {
		tasks = fromTemplate(&k, *tmpl, c.User.Lang, s.now())
	}
	if k.Severity == "" {
		k.Severity = "medium"
	}
	if strings.TrimSpace(k.Title) == "" {
		problems = append(problems, problem.Problem{Field: "title", Code: "title.required", Msg: "title: is required"})
	}
	if !slices.Contains(Severities, k.Severity) {
		problems = append(problems, badSeverity(k.Severity))
	}
	if k.Assignee != "" {
		if p := s.checkAssignee(ctx, k.Assignee); p != nil {
			problems = append(problems, *p)
		}
	}
	var links []Link
	if k.Source != "" {
		kind, ref, _ := strings.Cut(k.Source, ":")
		org, p, err := s.sourceOrg(ctx, kind, ref)
		if err != nil {
			return k, fmt.Errorf("open case: source %s: %w", k.Source, err)
		}
		if p != nil {
			problems = append(problems, *p)
		} else {
			if k.OrgID == "" {
				k.OrgID = org
			}
			links = append(links, Link{Kind: kind, Ref: ref})
		}
	}
	if len(problems) > 0 {
		return k, fmt.Errorf("invalid case: %w", problems)
	}
	now := s.now()
	k.Status, k.CreatedBy, k.Created, k.Updated = "new", c.User.ID, now, now
	if k.OrgID != "" {
		links = append(links, Link{Kind: "org", Ref: k.OrgID})
	}
	for i := range tasks {
		if tasks[i].Assignee != "" {
			tasks[i].AssigneeOrg = s.Center // the case's assignee, a center user (checkAssignee)
		}
	}
	if err := s.DB.OpenCase(ctx, &k, Action{Kind: "opened", Text: "case opened", Shared: true, User: c.User.Login, At: now}, links, tasks); err != nil {
		return k, err
	}
	s.tellOrg(ctx, k, i18n.M("alert.case.opened", k.PublicID, sourceLabel(k.Source)))
	return k, nil
}

// sourceLabel names a case's source for an alert: a catalog message as a
// parameter (i18n.Ref).
func sourceLabel(src string) string {
	kind, ref, _ := strings.Cut(src, ":")
	if !slices.Contains(sourceKinds, kind) {
		return i18n.Ref(i18n.M("alert.case.matter"))
	}
	return i18n.Ref(i18n.M("alert.case.source."+kind, ref))
}

// sourceKinds are the kinds of record a case may be opened from.
var sourceKinds = []string{"report", "alert", "consult"}

func badSeverity(v string) problem.Problem {
	return problem.Problem{Field: "severity", Code: "severity.unknown", Value: v,
		Msg: fmt.Sprintf("severity: %q is not one of %s", v, strings.Join(Severities, ", "))}
}

// sourceOrg finds the organization a source came from. A source that names
// nothing is a problem; err is for the database failing.
func (s *Service) sourceOrg(ctx context.Context, kind, ref string) (org string, p *problem.Problem, err error) {
	src := kind + ":" + ref
	if !slices.Contains(sourceKinds, kind) {
		return "", &problem.Problem{Field: "source", Code: "source.invalid", Value: src,
			Msg: fmt.Sprintf("source: %q is not report:<incident>, alert:<alert> or consult:<consultation>", src)}, nil
	}
	org, err = s.DB.CaseSourceOrg(ctx, kind, ref)
	if errors.Is(err, store.ErrNotFound) {
		return "", &problem.Problem{Field: "source", Code: "source.unknown", Value: src, Msg: fmt.Sprintf("source: no %s %s", kind, ref)}, nil
	}
	if err != nil {
		return "", nil, err
	}
	if kind == "alert" {
		// An alert to the center itself names no member organization.
		if c := s.Center; org == c {
			return "", nil, nil
		}
	}
	return org, nil, nil
}

// checkAssignee says what is wrong with login as an assignee, if anything.
func (s *Service) checkAssignee(ctx context.Context, login string) *problem.Problem {
	u, err := s.DB.UserByLogin(ctx, login)
	if err != nil {
		return &problem.Problem{Field: "assignee", Code: "assignee.unknown", Value: login, Msg: fmt.Sprintf("assignee: no user %q", login)}
	}
	if u.OrgID != s.Center {
		return &problem.Problem{Field: "assignee", Code: "assignee.not-center", Value: login, Msg: fmt.Sprintf("assignee: %s is not a center user", login)}
	}
	return nil
}

// tellOrg alerts the organization a case came from, titled with a catalog
// message rendered in each reader's language.
func (s *Service) tellOrg(ctx context.Context, k Case, title i18n.Message) {
	if k.OrgID == "" || k.OrgID == s.Center {
		return
	}
	data, _ := json.Marshal(map[string]any{"case": k.PublicID, "status": k.Status})
	if _, err := s.Alerts.Raise(ctx, store.Alert{OrgID: k.OrgID, Kind: "case", Severity: "info",
		TitleKey: title.Key, TitleParams: title.Params, BodyMsgs: alert.Lines(i18n.M("alert.case.body")), Data: string(data)}); err != nil && s.Log != nil {
		s.Log.Error("alert case update", "case", k.PublicID, "err", err)
	}
}

// Act is one change to a case: any of status, severity, assignee, a note, a
// link. Shared makes the note (and a status change) visible to the reporting
// organization.
type Act struct {
	Status   string `json:"status,omitempty"`
	Severity string `json:"severity,omitempty"`
	Assignee string `json:"assignee,omitempty"`
	Note     string `json:"note,omitempty"`
	Shared   bool   `json:"shared,omitempty"`
	Link     *Link  `json:"link,omitempty"`
}

// Do applies an act to the case of public id id and records each change in
// its timeline, in one transaction. A status change is always shared with
// the reporting organization, which is alerted of it.
func (s *Service) Do(ctx context.Context, c auth.Caller, id string, a Act) (Case, error) {
	if err := mayWork(c); err != nil {
		return Case{}, err
	}
	k, err := s.Get(ctx, c.Viewer(), id)
	if err != nil {
		return k, err
	}
	var problems problem.Problems
	if a.Status != "" && !slices.Contains(Statuses, a.Status) {
		problems = append(problems, problem.Problem{Field: "status", Code: "status.unknown", Value: a.Status,
			Msg: fmt.Sprintf("status: %q is not one of %s", a.Status, strings.Join(Statuses, ", "))})
	}
	if a.Severity != "" && !slices.Contains(Severities, a.Severity) {
		problems = append(problems, badSeverity(a.Severity))
	}
	if a.Assignee != "" {
		if p := s.checkAssignee(ctx, a.Assignee); p != nil {
			problems = append(problems, *p)
		}
	}
	if a.Link != nil && (!slices.Contains(LinkKinds, a.Link.Kind) || strings.TrimSpace(a.Link.Ref) == "") {
		problems = append(problems, problem.Problem{Field: "link", Code: "link.invalid", Value: a.Link.Kind,
			Msg: fmt.Sprintf("link: want a kind (%s) and a reference", strings.Join(LinkKinds, ", "))})
	}
	if a.Link != nil && len(problems) == 0 {
		l := *a.Link
		p, err := s.checkLink(ctx, c, &l)
		a.Link = &l
		if err != nil {
			return k, fmt.Errorf("case %s: %w", id, err)
		}
		if p != nil {
			problems = append(problems, *p)
		}
	}
	if len(a.Note) > 64<<10 {
		problems = append(problems, problem.Problem{Field: "note", Code: "note.too-long", Msg: "note: longer than 64 KiB"})
	}
	if a.Status == "" && a.Severity == "" && a.Assignee == "" && strings.TrimSpace(a.Note) == "" && a.Link == nil {
		problems = append(problems, problem.Problem{Code: "nothing-to-do", Msg: "nothing to do: give a status, severity, assignee, note or link"})
	}
	if len(problems) > 0 {
		return k, fmt.Errorf("case %s: %w", id, problems)
	}
	now := s.now()
	statusChanged := a.Status != "" && a.Status != k.Status
	var acts []Action
	act := func(kind, text string, shared bool) {
		acts = append(acts, Action{Kind: kind, Text: text, Shared: shared, User: c.User.Login, At: now})
	}
	if statusChanged {
		act("status", k.Status+" → "+a.Status, true)
		k.Status = a.Status
	}
	if a.Severity != "" && a.Severity != k.Severity {
		act("severity", k.Severity+" → "+a.Severity, false)
		k.Severity = a.Severity
	}
	if a.Assignee != "" && a.Assignee != k.Assignee {
		act("assign", a.Assignee, false)
		k.Assignee = a.Assignee
	}
	var links []Link
	if a.Link != nil {
		links = append(links, *a.Link)
		act("link", a.Link.Kind+" "+a.Link.Ref, false)
	}
	if strings.TrimSpace(a.Note) != "" {
		act("note", a.Note, a.Shared)
	}
	k.Updated = now
	if err := s.DB.UpdateCase(ctx, k, acts, links); err != nil {
		return k, fmt.Errorf("case %s: %w", id, err)
	}
	if statusChanged {
		s.tellOrg(ctx, k, i18n.M("alert.case.status", k.PublicID, sourceLabel(k.Source), i18n.Ref(i18n.M("alert.case.st."+k.Status))))
	}
	return s.Get(ctx, c.Viewer(), id)
}

// checkLink says what is wrong with link l, if anything: the record it names
// must exist and c may read it, as its own page would show it (Readers). It
// sets l's reference to the one kept. err is for the database failing.
func (s *Service) checkLink(ctx context.Context, c auth.Caller, l *Link) (*problem.Problem, error) {
	read, ok := s.Readers[l.Kind]
	if !ok {
		return nil, fmt.Errorf("link %s: no reader of its kind", l.Kind)
	}
	ref, err := read(ctx, c, strings.TrimSpace(l.Ref))
	if err == nil {
		l.Ref = ref
		return nil, nil
	}
	if errors.Is(err, store.ErrNotFound) || problem.IsRefusal(err) {
		// The same answer whether the record does not exist or may not be
		// read: a link tells nothing of what one may not see.
		return &problem.Problem{Field: "link", Code: "link.unknown", Value: l.Kind + ":" + l.Ref,
			Msg: fmt.Sprintf("link: no %s %s that you may read", l.Kind, l.Ref)}, nil
	}
	return nil, err
}

// Get returns the case of public id id as v may see it: whole for the
// center; for the organization it came from, without assignee, links or
// unshared actions, and without who acted (policy.SeesWholeCase). A row id,
// which never leaves the hub, is not found.
func (s *Service) Get(ctx context.Context, v policy.Viewer, id string) (Case, error) {
	k, err := s.DB.Case(ctx, v, id)
	if err != nil {
		return k, err
	}
	whole := policy.SeesWholeCase(v)
	if k.Actions, err = s.DB.CaseActions(ctx, k.ID, !whole); err != nil {
		return k, err
	}
	if k.Tasks, err = s.tasksFor(ctx, v, k); err != nil {
		return k, err
	}
	if !whole {
		for i := range k.Actions {
			k.Actions[i].User = "" // the reporting organization sees what was done, not by whom
		}
		k.Assignee = ""
		return k, nil
	}
	k.Links, err = s.DB.CaseLinks(ctx, k.ID)
	return k, err
}

// Query selects cases.
type Query = store.CaseQuery

// List returns the cases v may see, most recently updated first. Only who
// sees cases whole selects them by assignee, or sees it.
func (s *Service) List(ctx context.Context, v policy.Viewer, q Query) ([]Case, error) {
	whole := policy.SeesWholeCase(v)
	if !whole {
		q.Assignee = ""
	}
	if q.Limit <= 0 || q.Limit > 1000 {
		q.Limit = 200
	}
	out, err := s.DB.Cases(ctx, v, q)
	if err != nil {
		return nil, err
	}
	if !whole {
		for i := range out {
			out[i].Assignee = ""
		}
	}
	return out, nil
}
