// Package cases keeps the center's cases: what the center does with a report,
// an alert or a consultation — assignee, status, severity, a timeline of
// actions, and the objects, organizations and reports linked to it — and what
// the reporting organization may see of that work.
//
// Cases are the center's own records. The center sees them whole; the
// organization a case came from sees its status and the actions marked shared,
// nothing else; that rule is policy.CaseFilter (with View here) and enforced in
// every query. Linked STIX objects are stored as references only: reading them
// goes through the hub and the access policy. Notifications go through
// alert.Service.Raise. It must not change reports or objects.
package cases

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"time"

	"renkei/internal/alert"
	"renkei/internal/auth"
	"renkei/internal/policy"
	"renkei/internal/problem"
	"renkei/internal/store"
)

// Statuses of a case, in order.
var Statuses = []string{"new", "investigating", "responding", "resolved", "closed"}

// Severities of a case.
var Severities = []string{"low", "medium", "high", "critical"}

// LinkKinds are what a case may link to.
var LinkKinds = []string{"object", "org", "report", "alert", "consult"}

// Case is one case.
type Case struct {
	ID        int64     `json:"id"`
	Title     string    `json:"title"`
	Status    string    `json:"status"`
	Severity  string    `json:"severity"`
	Assignee  string    `json:"assignee,omitempty"`
	OrgID     string    `json:"org_id,omitempty"` // the organization it came from
	Source    string    `json:"source,omitempty"` // report:<incident id> | alert:<id> | consult:<id>
	CreatedBy int64     `json:"-"`
	Created   time.Time `json:"created"`
	Updated   time.Time `json:"updated"`
	Actions   []Action  `json:"actions,omitempty"`
	Links     []Link    `json:"links,omitempty"`
}

// Action is one entry of a case's timeline.
type Action struct {
	Kind   string    `json:"kind"` // opened | note | status | assign | severity | link
	Text   string    `json:"text"`
	Shared bool      `json:"shared"` // shown to the reporting organization
	User   string    `json:"user"`
	At     time.Time `json:"at"`
}

// Link is something a case is about.
type Link struct {
	Kind string `json:"kind"`
	Ref  string `json:"ref"`
}

// ProblemCodes are the codes of the problem.Problems a case or an act may be refused with.
var ProblemCodes = []string{
	"title.required", "status.unknown", "severity.unknown", "assignee.unknown", "assignee.not-center",
	"source.invalid", "source.unknown", "link.invalid", "note.too-long", "nothing-to-do",
}

// Service keeps cases in the store. Package app builds the one service of a
// process with what it needs.
type Service struct {
	DB     *store.DB
	Now    func() time.Time
	Alerts *alert.Service // tells the reporting organization of a shared step
	Log    *slog.Logger
	Center string // the national center's organization id
}

func (s *Service) db() *store.DB  { return s.DB }
func (s *Service) now() time.Time { return s.Now().UTC() }

// mayWork: the center's administrators and analysts work cases
// (policy.MayWorkCases).
func mayWork(c auth.Caller) error {
	if !policy.MayWorkCases(c.Viewer()) {
		return fmt.Errorf("%w: only the center's analysts work cases", problem.ErrForbidden)
	}
	return nil
}

// visibleSQL is the visibility rule on alias k (policy.CaseFilter): the
// center sees every case (the committee none), another organization the
// cases that came from it.
func visibleSQL(v policy.Viewer) (string, []any) { return policy.CaseFilter(v, "k") }

// Open opens a case. A source ("report:12", "alert:5", "consult:3") links it
// and names the organization it came from; that organization is alerted that
// the center has taken up its matter.
func (s *Service) Open(ctx context.Context, c auth.Caller, k Case) (Case, error) {
	if err := mayWork(c); err != nil {
		return k, err
	}
	if k.Severity == "" {
		k.Severity = "medium"
	}
	var problems problem.Problems
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
	var link *Link
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
			link = &Link{Kind: kind, Ref: ref}
		}
	}
	if len(problems) > 0 {
		return k, fmt.Errorf("invalid case: %w", problems)
	}
	now := s.now()
	k.Status, k.CreatedBy, k.Created, k.Updated = "new", c.User.ID, now, now
	err := s.db().InTx(ctx, func(tx *store.Tx) error {
		if err := tx.QueryRow(ctx, "INSERT INTO cases(title, status, severity, assignee, org_id, source, created_by, created_at, updated_at) VALUES(?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
			k.Title, k.Status, k.Severity, k.Assignee, k.OrgID, k.Source, k.CreatedBy, store.Micros(now), store.Micros(now)).Scan(&k.ID); err != nil {
			return fmt.Errorf("open case: %w", err)
		}
		if err := addAction(ctx, tx, k.ID, Action{Kind: "opened", Text: "case opened", Shared: true, User: c.User.Login, At: now}); err != nil {
			return err
		}
		if link != nil {
			if _, err := tx.Exec(ctx, "INSERT INTO case_links(case_id, kind, ref) VALUES(?, ?, ?)", k.ID, link.Kind, link.Ref); err != nil {
				return err
			}
		}
		if k.OrgID != "" {
			if _, err := tx.Exec(ctx, "INSERT INTO case_links(case_id, kind, ref) VALUES(?, 'org', ?) ON CONFLICT DO NOTHING", k.ID, k.OrgID); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return k, err
	}
	s.tellOrg(ctx, k, fmt.Sprintf("The center opened case %d about your %s", k.ID, sourceLabel(k.Source)))
	return k, nil
}

func sourceLabel(src string) string {
	kind, ref, _ := strings.Cut(src, ":")
	switch kind {
	case "report":
		return "incident " + ref
	case "consult":
		return "consultation " + ref
	case "alert":
		return "alert " + ref
	}
	return "matter"
}

func badSeverity(v string) problem.Problem {
	return problem.Problem{Field: "severity", Code: "severity.unknown", Value: v,
		Msg: fmt.Sprintf("severity: %q is not one of %s", v, strings.Join(Severities, ", "))}
}

// sourceOrg finds the organization a source came from. A source that names
// nothing is a problem; err is for the database failing.
func (s *Service) sourceOrg(ctx context.Context, kind, ref string) (org string, p *problem.Problem, err error) {
	q := map[string]string{
		"report":  "SELECT org_id FROM incidents WHERE id = ?",
		"alert":   "SELECT org_id FROM alerts WHERE id = ?",
		"consult": "SELECT org_id FROM consultations WHERE id = ?",
	}[kind]
	src := kind + ":" + ref
	if q == "" {
		return "", &problem.Problem{Field: "source", Code: "source.invalid", Value: src,
			Msg: fmt.Sprintf("source: %q is not report:<incident>, alert:<id> or consult:<id>", src)}, nil
	}
	err = s.db().QueryRow(ctx, q, ref).Scan(&org)
	if errors.Is(err, sql.ErrNoRows) {
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
	u, err := s.db().UserByLogin(ctx, login)
	if err != nil {
		return &problem.Problem{Field: "assignee", Code: "assignee.unknown", Value: login, Msg: fmt.Sprintf("assignee: no user %q", login)}
	}
	if u.OrgID != s.Center {
		return &problem.Problem{Field: "assignee", Code: "assignee.not-center", Value: login, Msg: fmt.Sprintf("assignee: %s is not a center user", login)}
	}
	return nil
}

func addAction(ctx context.Context, tx *store.Tx, id int64, a Action) error {
	shared := 0
	if a.Shared {
		shared = 1
	}
	if _, err := tx.Exec(ctx, "INSERT INTO case_actions(case_id, kind, text, shared, user_login, at) VALUES(?, ?, ?, ?, ?, ?)",
		id, a.Kind, a.Text, shared, a.User, store.Micros(a.At)); err != nil {
		return fmt.Errorf("case %d: add action: %w", id, err)
	}
	return nil
}

func (s *Service) tellOrg(ctx context.Context, k Case, title string) {
	if k.OrgID == "" || k.OrgID == s.Center {
		return
	}
	data, _ := json.Marshal(map[string]any{"case": k.ID, "status": k.Status})
	if _, err := s.Alerts.Raise(ctx, store.Alert{OrgID: k.OrgID, Kind: "case", Severity: "info", Title: title, Data: string(data)}); err != nil && s.Log != nil {
		s.Log.Error("alert case update", "case", k.ID, "err", err)
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

// Do applies an act to a case and records each change in its timeline, in
// one transaction. A status change is always shared with the reporting
// organization, which is alerted of it.
func (s *Service) Do(ctx context.Context, c auth.Caller, id int64, a Act) (Case, error) {
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
	if len(a.Note) > 64<<10 {
		problems = append(problems, problem.Problem{Field: "note", Code: "note.too-long", Msg: "note: longer than 64 KiB"})
	}
	if a.Status == "" && a.Severity == "" && a.Assignee == "" && strings.TrimSpace(a.Note) == "" && a.Link == nil {
		problems = append(problems, problem.Problem{Code: "nothing-to-do", Msg: "nothing to do: give a status, severity, assignee, note or link"})
	}
	if len(problems) > 0 {
		return k, fmt.Errorf("case %d: %w", id, problems)
	}
	now := s.now()
	statusChanged := a.Status != "" && a.Status != k.Status
	err = s.db().InTx(ctx, func(tx *store.Tx) error {
		act := func(kind, text string, shared bool) error {
			return addAction(ctx, tx, id, Action{Kind: kind, Text: text, Shared: shared, User: c.User.Login, At: now})
		}
		if statusChanged {
			if err := act("status", k.Status+" → "+a.Status, true); err != nil {
				return err
			}
			k.Status = a.Status
		}
		if a.Severity != "" && a.Severity != k.Severity {
			if err := act("severity", k.Severity+" → "+a.Severity, false); err != nil {
				return err
			}
			k.Severity = a.Severity
		}
		if a.Assignee != "" && a.Assignee != k.Assignee {
			if err := act("assign", a.Assignee, false); err != nil {
				return err
			}
			k.Assignee = a.Assignee
		}
		if a.Link != nil {
			if _, err := tx.Exec(ctx, "INSERT INTO case_links(case_id, kind, ref) VALUES(?, ?, ?) ON CONFLICT DO NOTHING", id, a.Link.Kind, a.Link.Ref); err != nil {
				return err
			}
			if err := act("link", a.Link.Kind+" "+a.Link.Ref, false); err != nil {
				return err
			}
		}
		if strings.TrimSpace(a.Note) != "" {
			if err := act("note", a.Note, a.Shared); err != nil {
				return err
			}
		}
		_, err := tx.Exec(ctx, "UPDATE cases SET status = ?, severity = ?, assignee = ?, updated_at = ? WHERE id = ?", k.Status, k.Severity, k.Assignee, store.Micros(now), id)
		return err
	})
	if err != nil {
		return k, fmt.Errorf("case %d: %w", id, err)
	}
	if statusChanged {
		s.tellOrg(ctx, k, fmt.Sprintf("Case %d about your %s is now %s", k.ID, sourceLabel(k.Source), k.Status))
	}
	return s.Get(ctx, c.Viewer(), id)
}

const caseCols = "k.id, k.title, k.status, k.severity, k.assignee, k.org_id, k.source, k.created_by, k.created_at, k.updated_at"

func scanCase(row interface{ Scan(...any) error }) (Case, error) {
	var k Case
	var cr, up int64
	err := row.Scan(&k.ID, &k.Title, &k.Status, &k.Severity, &k.Assignee, &k.OrgID, &k.Source, &k.CreatedBy, &cr, &up)
	k.Created, k.Updated = store.FromMicros(cr), store.FromMicros(up)
	return k, err
}

// Get returns a case as v may see it: whole for the center; for the
// organization it came from, without assignee, links or unshared actions.
func (s *Service) Get(ctx context.Context, v policy.Viewer, id int64) (Case, error) {
	cond, args := visibleSQL(v)
	k, err := scanCase(s.db().QueryRow(ctx, "SELECT "+caseCols+" FROM cases k WHERE k.id = ? AND "+cond, append([]any{id}, args...)...))
	if errors.Is(err, sql.ErrNoRows) {
		return k, fmt.Errorf("case %d: %w", id, store.ErrNotFound)
	}
	if err != nil {
		return k, err
	}
	q := "SELECT kind, text, shared, user_login, at FROM case_actions WHERE case_id = ?"
	if !policy.SeesWholeCase(v) {
		q += " AND shared = 1"
	}
	rows, err := s.db().Query(ctx, q+" ORDER BY id", id)
	if err != nil {
		return k, err
	}
	for rows.Next() {
		var a Action
		var sh int
		var at int64
		if err := rows.Scan(&a.Kind, &a.Text, &sh, &a.User, &at); err != nil {
			rows.Close()
			return k, err
		}
		a.Shared, a.At = sh != 0, store.FromMicros(at)
		if !policy.SeesWholeCase(v) {
			a.User = "" // the reporting organization sees what was done, not by whom
		}
		k.Actions = append(k.Actions, a)
	}
	rows.Close()
	if !policy.SeesWholeCase(v) {
		k.Assignee = ""
		return k, rows.Err()
	}
	rows, err = s.db().Query(ctx, "SELECT kind, ref FROM case_links WHERE case_id = ? ORDER BY kind, ref", id)
	if err != nil {
		return k, err
	}
	defer rows.Close()
	for rows.Next() {
		var l Link
		if err := rows.Scan(&l.Kind, &l.Ref); err != nil {
			return k, err
		}
		k.Links = append(k.Links, l)
	}
	return k, rows.Err()
}

// Query selects cases.
type Query struct {
	Status   string
	Assignee string
	OpenOnly bool // not resolved or closed
	Source   string
	Limit    int
}

// List returns the cases v may see, most recently updated first.
func (s *Service) List(ctx context.Context, v policy.Viewer, q Query) ([]Case, error) {
	cond, args := visibleSQL(v)
	query := "SELECT " + caseCols + " FROM cases k WHERE " + cond
	if q.Status != "" {
		query += " AND k.status = ?"
		args = append(args, q.Status)
	}
	if q.Assignee != "" && policy.SeesWholeCase(v) {
		query += " AND k.assignee = ?"
		args = append(args, q.Assignee)
	}
	if q.Source != "" {
		query += " AND k.source = ?"
		args = append(args, q.Source)
	}
	if q.OpenOnly {
		query += " AND k.status NOT IN ('resolved', 'closed')"
	}
	if q.Limit <= 0 || q.Limit > 1000 {
		q.Limit = 200
	}
	query += " ORDER BY k.updated_at DESC, k.id DESC LIMIT ?"
	args = append(args, q.Limit)
	rows, err := s.db().Query(ctx, query, args...)
	if err != nil {
		return nil, fmt.Errorf("list cases: %w", err)
	}
	defer rows.Close()
	var out []Case
	for rows.Next() {
		k, err := scanCase(rows)
		if err != nil {
			return nil, err
		}
		if !policy.SeesWholeCase(v) {
			k.Assignee = ""
		}
		out = append(out, k)
	}
	return out, rows.Err()
}
