package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"renkei/internal/policy"
)

// The tasks of a case and the center's case templates (issue 18.7):
// case_tasks and case_templates. Who may be assigned a task, who sees it and
// who marks it done is decided in policy (casetasks.go) by package cases.

// CaseTask is one task of a case. Its JSON is the API's.
//
// Tasks are numbered in one sequence over every case; PublicID (128 random
// bits in hex) is the only id of a task that leaves the hub.
type CaseTask struct {
	ID          int64     `json:"-"`
	PublicID    string    `json:"id"`
	Title       string    `json:"title"`
	Assignee    string    `json:"assignee,omitempty"` // a login
	AssigneeOrg string    `json:"-"`                  // that user's organization when assigned
	Due         time.Time `json:"due,omitzero"`
	Done        time.Time `json:"done,omitzero"`
	Created     time.Time `json:"created"`
	// Overdue is set by package cases when a task is read: not done and
	// past its due date.
	Overdue bool `json:"overdue,omitempty"`
}

// addCaseTask stores t as a task of case id and sets its row id and public id.
func addCaseTask(ctx context.Context, tx *Tx, id int64, t *CaseTask) error {
	pub := NewPublicID()
	var tid int64
	if err := tx.QueryRow(ctx, "INSERT INTO case_tasks(public_id, case_id, title, assignee, assignee_org, due_at, done_at, created_at) VALUES(?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
		pub, id, t.Title, t.Assignee, t.AssigneeOrg, microsOrZero(t.Due), microsOrZero(t.Done), Micros(t.Created)).Scan(&tid); err != nil {
		return fmt.Errorf("case %d: add task: %w", id, err)
	}
	t.ID, t.PublicID = tid, pub
	return nil
}

func microsOrZero(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return Micros(t)
}

func fromMicrosOrZero(m int64) time.Time {
	if m == 0 {
		return time.Time{}
	}
	return FromMicros(m)
}

// AddCaseTask stores t as a new task of case k with the timeline entry that
// records it, and marks the case updated at, in one transaction.
func (db *DB) AddCaseTask(ctx context.Context, k Case, t *CaseTask, act CaseAction) error {
	return db.InTx(ctx, func(tx *Tx) error {
		if err := addCaseTask(ctx, tx, k.ID, t); err != nil {
			return err
		}
		if err := addCaseAction(ctx, tx, k.ID, act); err != nil {
			return err
		}
		return touchCase(ctx, tx, k.ID, act.At)
	})
}

// UpdateCaseTask stores task t's assignee, due date and done time with the
// timeline entry that records the change, and marks case k updated, in one
// transaction.
func (db *DB) UpdateCaseTask(ctx context.Context, k Case, t CaseTask, act CaseAction) error {
	return db.InTx(ctx, func(tx *Tx) error {
		if _, err := tx.Exec(ctx, "UPDATE case_tasks SET assignee = ?, assignee_org = ?, due_at = ?, done_at = ? WHERE id = ? AND case_id = ?",
			t.Assignee, t.AssigneeOrg, microsOrZero(t.Due), microsOrZero(t.Done), t.ID, k.ID); err != nil {
			return fmt.Errorf("case %d: task %s: %w", k.ID, t.PublicID, err)
		}
		if err := addCaseAction(ctx, tx, k.ID, act); err != nil {
			return err
		}
		return touchCase(ctx, tx, k.ID, act.At)
	})
}

func touchCase(ctx context.Context, tx *Tx, id int64, at time.Time) error {
	if _, err := tx.Exec(ctx, "UPDATE cases SET updated_at = ? WHERE id = ?", Micros(at), id); err != nil {
		return fmt.Errorf("case %d: update: %w", id, err)
	}
	return nil
}

const caseTaskCols = "id, public_id, title, assignee, assignee_org, due_at, done_at, created_at"

func scanCaseTask(row interface{ Scan(...any) error }) (CaseTask, error) {
	var t CaseTask
	var due, done, cr int64
	err := row.Scan(&t.ID, &t.PublicID, &t.Title, &t.Assignee, &t.AssigneeOrg, &due, &done, &cr)
	t.Due, t.Done, t.Created = fromMicrosOrZero(due), fromMicrosOrZero(done), FromMicros(cr)
	return t, err
}

// CaseTasks returns the tasks of case id in the order they were added.
func (db *DB) CaseTasks(ctx context.Context, id int64) ([]CaseTask, error) {
	return queryAll(ctx, db, "case tasks", scanCaseTask, "SELECT "+caseTaskCols+" FROM case_tasks WHERE case_id = ? ORDER BY id", id)
}

// CaseTask returns the task of public id task of case id; ErrNotFound when
// it has none (a row id above all).
func (db *DB) CaseTask(ctx context.Context, id int64, task string) (CaseTask, error) {
	if !ValidPublicID(task) {
		return CaseTask{}, fmt.Errorf("task %q: %w", task, ErrNotFound)
	}
	t, err := scanCaseTask(db.QueryRow(ctx, "SELECT "+caseTaskCols+" FROM case_tasks WHERE case_id = ? AND public_id = ?", id, task))
	if errors.Is(err, sql.ErrNoRows) {
		return t, fmt.Errorf("task %s: %w", task, ErrNotFound)
	}
	if err != nil {
		return t, fmt.Errorf("task %s: %w", task, err)
	}
	return t, nil
}

// CaseTemplateRow is a case template the center defined, as the JSON it gave.
type CaseTemplateRow struct {
	Name      string
	Body      string
	CreatedBy string
	Updated   time.Time
}

// PutCaseTemplate stores the center's template name, replacing one of that name.
func (db *DB) PutCaseTemplate(ctx context.Context, r CaseTemplateRow) error {
	if _, err := db.Exec(ctx, "INSERT INTO case_templates(name, body, created_by, updated_at) VALUES(?, ?, ?, ?) ON CONFLICT(name) DO UPDATE SET body = excluded.body, created_by = excluded.created_by, updated_at = excluded.updated_at",
		r.Name, r.Body, r.CreatedBy, Micros(r.Updated)); err != nil {
		return fmt.Errorf("case template %s: %w", r.Name, err)
	}
	return nil
}

// DeleteCaseTemplate removes the center's template name; ErrNotFound when there is none.
func (db *DB) DeleteCaseTemplate(ctx context.Context, name string) error {
	res, err := db.Exec(ctx, "DELETE FROM case_templates WHERE name = ?", name)
	if err != nil {
		return fmt.Errorf("case template %s: %w", name, err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return fmt.Errorf("case template %s: %w", name, ErrNotFound)
	}
	return nil
}

// CaseTemplates returns the center's templates by name.
func (db *DB) CaseTemplates(ctx context.Context) ([]CaseTemplateRow, error) {
	return queryAll(ctx, db, "case templates", func(row interface{ Scan(...any) error }) (CaseTemplateRow, error) {
		var r CaseTemplateRow
		var up int64
		err := row.Scan(&r.Name, &r.Body, &r.CreatedBy, &up)
		r.Updated = FromMicros(up)
		return r, err
	}, "SELECT name, body, created_by, updated_at FROM case_templates ORDER BY name")
}

// VisibleAlert returns nil when v may read the alert of public id id
// (policy.AlertFilter), an error wrapping ErrNotFound otherwise.
func (db *DB) VisibleAlert(ctx context.Context, v policy.Viewer, id string) error {
	if !ValidPublicID(id) {
		return fmt.Errorf("alert %q: %w", id, ErrNotFound)
	}
	cond, args := policy.AlertFilter(v, "a")
	var one int
	err := db.QueryRow(ctx, "SELECT 1 FROM alerts a WHERE a.public_id = ? AND "+cond, append([]any{id}, args...)...).Scan(&one)
	if errors.Is(err, sql.ErrNoRows) {
		return fmt.Errorf("alert %s: %w", id, ErrNotFound)
	}
	if err != nil {
		return fmt.Errorf("alert %s: %w", id, err)
	}
	return nil
}
