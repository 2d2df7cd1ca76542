package cases

// The tasks of a case (issue 18.7): a title, an assignee — a user of an
// organization allowed on the case (policy.MayTakeCaseTask) — and a due date
// stated in JST. The center sees every task; the organization a case came
// from sees and marks done the tasks assigned to its own users
// (policy.SeesCaseTask, policy.MayFinishCaseTask). Each change is an entry
// of the case's timeline, shared with that organization when the task is
// its own.

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"renkei/internal/auth"
	"renkei/internal/jst"
	"renkei/internal/policy"
	"renkei/internal/problem"
	"renkei/internal/store"
)

// Task is one task of a case.
type Task = store.CaseTask

// NewTask is a task to add: Due is read by ParseDue.
type NewTask struct {
	Title    string `json:"title"`
	Assignee string `json:"assignee,omitempty"`
	Due      string `json:"due,omitempty"`
}

// TaskChange changes a task: each field given is set. Due "" leaves the due
// date, "none" removes it.
type TaskChange struct {
	Done     *bool   `json:"done,omitempty"`
	Assignee *string `json:"assignee,omitempty"`
	Due      string  `json:"due,omitempty"`
}

// ParseDue reads a due date: RFC 3339, or a date and time without a zone
// ("2026-12-10 17:00", "2026-12-10T17:00"), or a date alone, due at 23:59
// that day; what has no zone is JST.
func ParseDue(s string) (time.Time, error) {
	s = strings.TrimSpace(s)
	if t, err := time.Parse(time.RFC3339, s); err == nil {
		return t.UTC(), nil
	}
	for _, f := range []string{"2006-01-02 15:04", "2006-01-02T15:04"} {
		if t, err := time.ParseInLocation(f, s, jst.Zone); err == nil {
			return t.UTC(), nil
		}
	}
	if t, err := time.ParseInLocation("2006-01-02", s, jst.Zone); err == nil {
		return t.Add(23*time.Hour + 59*time.Minute).UTC(), nil
	}
	return time.Time{}, fmt.Errorf("%q is not a date (use 2026-12-10, 2026-12-10 17:00 in JST, or RFC 3339)", s)
}

func badDue(v string) problem.Problem {
	return problem.Problem{Field: "due", Code: "due.invalid", Value: v,
		Msg: fmt.Sprintf("due: %q is not a date (use 2026-12-10, 2026-12-10 17:00 in JST, or RFC 3339)", v)}
}

// taskAssignee checks login as the assignee of a task of case k, and returns
// the organization of that user.
func (s *Service) taskAssignee(ctx context.Context, k Case, login string) (string, *problem.Problem, error) {
	u, err := s.DB.UserByLogin(ctx, login)
	if errors.Is(err, store.ErrNotFound) || (err == nil && u.Disabled) {
		return "", &problem.Problem{Field: "assignee", Code: "assignee.unknown", Value: login, Msg: fmt.Sprintf("assignee: no user %q", login)}, nil
	}
	if err != nil {
		return "", nil, err
	}
	o, err := s.DB.Org(ctx, u.OrgID)
	if err != nil {
		return "", nil, err
	}
	if !policy.MayTakeCaseTask(auth.Caller{User: u, Org: o}.Viewer(), k.OrgID) || o.Disabled {
		return "", &problem.Problem{Field: "assignee", Code: "assignee.not-allowed", Value: login,
			Msg: fmt.Sprintf("assignee: %s is not a user of the center nor acts for the organization the case came from", login)}, nil
	}
	return o.ID, nil, nil
}

// AddTask adds a task to the case of public id id.
func (s *Service) AddTask(ctx context.Context, c auth.Caller, id string, n NewTask) (Task, error) {
	if err := mayWork(c); err != nil {
		return Task{}, err
	}
	k, err := s.DB.Case(ctx, c.Viewer(), id)
	if err != nil {
		return Task{}, err
	}
	now := s.now()
	t := Task{Title: strings.TrimSpace(n.Title), Assignee: strings.TrimSpace(n.Assignee), Created: now}
	var ps problem.Problems
	if t.Title == "" {
		ps = append(ps, problem.Problem{Field: "title", Code: "title.required", Msg: "title: is required"})
	} else if utf8.RuneCountInString(t.Title) > maxTitleRunes {
		ps = append(ps, problem.Problem{Field: "title", Code: "title.too-long", Msg: "title: longer than 200 characters"})
	}
	if t.Assignee != "" {
		org, p, err := s.taskAssignee(ctx, k, t.Assignee)
		if err != nil {
			return t, err
		}
		if p != nil {
			ps = append(ps, *p)
		}
		t.AssigneeOrg = org
	}
	if strings.TrimSpace(n.Due) != "" {
		if t.Due, err = ParseDue(n.Due); err != nil {
			ps = append(ps, badDue(n.Due))
		}
	}
	if len(ps) > 0 {
		return t, fmt.Errorf("case %s: %w", id, ps)
	}
	if err := s.DB.AddCaseTask(ctx, k, &t, s.taskAction(c, k, "task", t, now)); err != nil {
		return t, fmt.Errorf("case %s: %w", id, err)
	}
	return t, nil
}

// taskAction is the timeline entry of a task's change: the task's title,
// assignee and due date; shared with the organization the case came from
// when the task is assigned to one of its users.
func (s *Service) taskAction(c auth.Caller, k Case, kind string, t Task, now time.Time) Action {
	text := t.Title
	if t.Assignee != "" {
		text += " — " + t.Assignee
	}
	if !t.Due.IsZero() {
		text += " — " + t.Due.In(jst.Zone).Format("2006-01-02 15:04 JST")
	}
	return Action{Kind: kind, Text: text, Shared: k.OrgID != "" && t.AssigneeOrg == k.OrgID, User: c.User.Login, At: now}
}

// SetTask changes task task of the case of public id id: done or open
// again, its assignee, its due date. Who works cases changes anything; a
// user acting for the organization a task is assigned to marks it done or
// open.
func (s *Service) SetTask(ctx context.Context, c auth.Caller, id, task string, ch TaskChange) (Task, error) {
	v := c.Viewer()
	k, err := s.DB.Case(ctx, v, id)
	if err != nil {
		return Task{}, err
	}
	t, err := s.DB.CaseTask(ctx, k.ID, task)
	if err != nil {
		return t, err
	}
	if !policy.SeesCaseTask(v, t.AssigneeOrg) {
		return Task{}, fmt.Errorf("task %s: %w", task, store.ErrNotFound)
	}
	if !policy.MayFinishCaseTask(v, t.AssigneeOrg) || ((ch.Assignee != nil || ch.Due != "") && !policy.MayWorkCases(v)) {
		return t, fmt.Errorf("%w: only the center's analysts, and the task's own organization, change a task", problem.ErrForbidden)
	}
	now := s.now()
	var ps problem.Problems
	kind := ""
	if ch.Assignee != nil && strings.TrimSpace(*ch.Assignee) != t.Assignee {
		t.Assignee, t.AssigneeOrg, kind = strings.TrimSpace(*ch.Assignee), "", "task.assign"
		if t.Assignee != "" {
			org, p, err := s.taskAssignee(ctx, k, t.Assignee)
			if err != nil {
				return t, err
			}
			if p != nil {
				ps = append(ps, *p)
			}
			t.AssigneeOrg = org
		}
	}
	switch d := strings.TrimSpace(ch.Due); d {
	case "":
	case "none":
		t.Due, kind = time.Time{}, "task.due"
	default:
		if t.Due, err = ParseDue(d); err != nil {
			ps = append(ps, badDue(d))
		}
		kind = "task.due"
	}
	if ch.Done != nil && *ch.Done != !t.Done.IsZero() {
		if *ch.Done {
			t.Done, kind = now, "task.done"
		} else {
			t.Done, kind = time.Time{}, "task.reopen"
		}
	}
	if kind == "" && len(ps) == 0 {
		ps = append(ps, problem.Problem{Code: "nothing-to-do", Msg: "nothing to do: give done, an assignee or a due date"})
	}
	if len(ps) > 0 {
		return t, fmt.Errorf("case %s: task %s: %w", id, task, ps)
	}
	if err := s.DB.UpdateCaseTask(ctx, k, t, s.taskAction(c, k, kind, t, now)); err != nil {
		return t, fmt.Errorf("case %s: %w", id, err)
	}
	t.Overdue = overdue(t, now)
	return t, nil
}

func overdue(t Task, now time.Time) bool {
	return t.Done.IsZero() && !t.Due.IsZero() && now.After(t.Due)
}

// tasksFor returns the tasks of case k that v sees, each marked overdue or not.
func (s *Service) tasksFor(ctx context.Context, v policy.Viewer, k Case) ([]Task, error) {
	all, err := s.DB.CaseTasks(ctx, k.ID)
	if err != nil {
		return nil, err
	}
	now := s.now()
	var out []Task
	for _, t := range all {
		if !policy.SeesCaseTask(v, t.AssigneeOrg) {
			continue
		}
		t.Overdue = overdue(t, now)
		out = append(out, t)
	}
	return out, nil
}
