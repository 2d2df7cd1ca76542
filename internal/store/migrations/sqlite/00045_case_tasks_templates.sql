-- +goose Up
-- Cases as responders use them (issue 18.7): tasks with an assignee and a
-- due date, and the templates a case may be opened from. A task leaves the
-- hub (API, console, CLI) by its random public id only. Templates shipped
-- with Renkei are data files in the binary (internal/cases/templates); the
-- center's own are kept here as the JSON it gave.
CREATE TABLE case_tasks (
  id           INTEGER PRIMARY KEY,
  public_id    TEXT NOT NULL,
  case_id      BIGINT NOT NULL REFERENCES cases(id),
  title        TEXT NOT NULL,
  assignee     TEXT NOT NULL DEFAULT '',  -- login of a user of an organization allowed on the case
  assignee_org TEXT NOT NULL DEFAULT '',  -- that user's organization when assigned
  due_at       BIGINT NOT NULL DEFAULT 0, -- 0: no due date
  done_at      BIGINT NOT NULL DEFAULT 0, -- 0: open
  created_at   BIGINT NOT NULL
);
CREATE UNIQUE INDEX case_tasks_public_id ON case_tasks(public_id);
CREATE INDEX case_tasks_case ON case_tasks(case_id, id);
CREATE INDEX case_tasks_assignee ON case_tasks(assignee, done_at);

CREATE TABLE case_templates (
  name       TEXT PRIMARY KEY,
  body       TEXT NOT NULL,               -- the template as JSON (cases.Template)
  created_by TEXT NOT NULL,
  updated_at BIGINT NOT NULL
);

ALTER TABLE cases ADD COLUMN template TEXT NOT NULL DEFAULT '';

-- +goose Down
ALTER TABLE cases DROP COLUMN template;
DROP TABLE case_templates;
DROP TABLE case_tasks;
