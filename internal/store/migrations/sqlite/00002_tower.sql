-- +goose Up
-- The command tower's daily work (issue 7): incident reports and their
-- deadlines, the critical-computer register, cases, advisories and correction
-- requests, consultations and e-mail notification preferences.

-- One incident of one organization; its reports share it.
CREATE TABLE incidents (
  id          INTEGER PRIMARY KEY,
  org_id      TEXT NOT NULL,
  title       TEXT NOT NULL,
  category    TEXT NOT NULL,             -- ddos | ransomware | intrusion | data-breach | other
  detected_at BIGINT NOT NULL,
  aware_at    BIGINT NOT NULL,           -- when the organization became aware: the clocks start here
  tlp         INTEGER NOT NULL,
  created_by  BIGINT NOT NULL,
  created_at  BIGINT NOT NULL,
  closed_at   BIGINT NOT NULL DEFAULT 0
);
CREATE INDEX incidents_org ON incidents(org_id, id);
CREATE INDEX incidents_created ON incidents(created_at);
-- The operating picture counts alerts per day.
CREATE INDEX alerts_created ON alerts(created_at);

-- One filed report (initial, update or final) of one report type.
CREATE TABLE incident_reports (
  id               INTEGER PRIMARY KEY,
  incident_id      BIGINT NOT NULL REFERENCES incidents(id),
  org_id           TEXT NOT NULL,
  user_id          BIGINT NOT NULL,
  report_type      TEXT NOT NULL,
  stage            TEXT NOT NULL,
  what_happened    TEXT NOT NULL,
  systems_affected TEXT NOT NULL DEFAULT '',
  computer_id      BIGINT NOT NULL DEFAULT 0,
  service_impact   TEXT NOT NULL DEFAULT '',
  current_status   TEXT NOT NULL,
  indicators       TEXT NOT NULL DEFAULT '[]',
  details          TEXT NOT NULL DEFAULT '{}',   -- the unified DDoS / ransomware fields
  consent          INTEGER NOT NULL DEFAULT 0,
  stix_status      TEXT NOT NULL DEFAULT '',
  stix_stored      INTEGER NOT NULL DEFAULT 0,
  stix_failed      INTEGER NOT NULL DEFAULT 0,
  filed_at         BIGINT NOT NULL
);
CREATE INDEX incident_reports_incident ON incident_reports(incident_id, id);

-- What is owed for an incident: one row per report type and stage, each with its own clock.
CREATE TABLE incident_deadlines (
  incident_id     BIGINT NOT NULL REFERENCES incidents(id),
  report_type     TEXT NOT NULL,
  stage           TEXT NOT NULL,
  due_at          BIGINT NOT NULL,
  met_by          BIGINT NOT NULL DEFAULT 0,     -- incident_reports.id
  met_at          BIGINT NOT NULL DEFAULT 0,
  overdue_alerted INTEGER NOT NULL DEFAULT 0,
  PRIMARY KEY (incident_id, report_type, stage)
);
CREATE INDEX incident_deadlines_due ON incident_deadlines(met_at, due_at);

CREATE TABLE report_attachments (
  id           INTEGER PRIMARY KEY,
  report_id    BIGINT NOT NULL REFERENCES incident_reports(id),
  name         TEXT NOT NULL,
  content_type TEXT NOT NULL,
  size         BIGINT NOT NULL,
  sha256       TEXT NOT NULL,
  data         BLOB NOT NULL
);
CREATE INDEX report_attachments_report ON report_attachments(report_id);

-- The critical-computer register (特定重要電子計算機, Art. 4).
CREATE TABLE critical_computers (
  id          INTEGER PRIMARY KEY,
  org_id      TEXT NOT NULL,
  name        TEXT NOT NULL,
  function    TEXT NOT NULL,
  location    TEXT NOT NULL DEFAULT '',
  vendor      TEXT NOT NULL DEFAULT '',
  product     TEXT NOT NULL DEFAULT '',
  ministry    TEXT NOT NULL,              -- the sector ministry that receives the notice
  registered_at BIGINT NOT NULL,
  updated_at  BIGINT NOT NULL,
  retired_at  BIGINT NOT NULL DEFAULT 0
);
CREATE INDEX critical_computers_org ON critical_computers(org_id, id);

CREATE TABLE computer_notices (
  id          INTEGER PRIMARY KEY,
  computer_id BIGINT NOT NULL REFERENCES critical_computers(id),
  kind        TEXT NOT NULL,              -- register | change | retire
  change      TEXT NOT NULL,
  ministry    TEXT NOT NULL,
  user_id     BIGINT NOT NULL,
  at          BIGINT NOT NULL
);
CREATE INDEX computer_notices_computer ON computer_notices(computer_id, id);

CREATE TABLE cases (
  id          INTEGER PRIMARY KEY,
  title       TEXT NOT NULL,
  status      TEXT NOT NULL,              -- new | investigating | responding | resolved | closed
  severity    TEXT NOT NULL,              -- low | medium | high | critical
  assignee    TEXT NOT NULL DEFAULT '',   -- login of a center user
  org_id      TEXT NOT NULL DEFAULT '',   -- the organization whose report, alert or consultation it came from
  source      TEXT NOT NULL DEFAULT '',   -- report:<id> | alert:<id> | consult:<id> | ''
  created_by  BIGINT NOT NULL,
  created_at  BIGINT NOT NULL,
  updated_at  BIGINT NOT NULL
);
CREATE INDEX cases_org ON cases(org_id, id);

CREATE TABLE case_actions (
  id         INTEGER PRIMARY KEY,
  case_id    BIGINT NOT NULL REFERENCES cases(id),
  kind       TEXT NOT NULL,               -- opened | note | status | assign | severity | link
  text       TEXT NOT NULL,
  shared     INTEGER NOT NULL DEFAULT 0,  -- shown to the reporting organization
  user_login TEXT NOT NULL,
  at         BIGINT NOT NULL
);
CREATE INDEX case_actions_case ON case_actions(case_id, id);

CREATE TABLE case_links (
  case_id BIGINT NOT NULL REFERENCES cases(id),
  kind    TEXT NOT NULL,                  -- object | org | report | alert | consult
  ref     TEXT NOT NULL,
  PRIMARY KEY (case_id, kind, ref)
);

-- Advisories (注意喚起), correction requests (是正要求) and supplier requests (Art. 42).
CREATE TABLE advisories (
  id           INTEGER PRIMARY KEY,
  kind         TEXT NOT NULL,             -- advisory | correction | supplier
  title        TEXT NOT NULL,
  body         TEXT NOT NULL DEFAULT '',
  findings     TEXT NOT NULL DEFAULT '',
  campaign     TEXT NOT NULL DEFAULT '',
  actions      TEXT NOT NULL DEFAULT '[]',
  audience     TEXT NOT NULL DEFAULT '{}',
  severity     TEXT NOT NULL DEFAULT 'medium',
  due_at       BIGINT NOT NULL,
  published_by BIGINT NOT NULL,
  published_at BIGINT NOT NULL,
  closed_at    BIGINT NOT NULL DEFAULT 0
);

-- One row per addressed organization, fixed when the advisory is published.
CREATE TABLE advisory_targets (
  advisory_id  BIGINT NOT NULL REFERENCES advisories(id),
  org_id       TEXT NOT NULL,
  acked_at     BIGINT NOT NULL DEFAULT 0,
  acked_by     BIGINT NOT NULL DEFAULT 0,
  completed_at BIGINT NOT NULL DEFAULT 0,
  completed_by BIGINT NOT NULL DEFAULT 0,
  evidence     TEXT NOT NULL DEFAULT '',
  PRIMARY KEY (advisory_id, org_id)
);
CREATE INDEX advisory_targets_org ON advisory_targets(org_id, advisory_id);

CREATE TABLE consultations (
  id          INTEGER PRIMARY KEY,
  org_id      TEXT NOT NULL,              -- who asks
  user_id     BIGINT NOT NULL,
  handler_org TEXT NOT NULL,              -- the center or a designated support organization
  subject     TEXT NOT NULL,
  body        TEXT NOT NULL,
  kind        TEXT NOT NULL,              -- consultation | support
  status      TEXT NOT NULL,              -- open | answered | closed
  created_at  BIGINT NOT NULL,
  updated_at  BIGINT NOT NULL
);
CREATE INDEX consultations_org ON consultations(org_id, id);
CREATE INDEX consultations_handler ON consultations(handler_org, id);

CREATE TABLE consult_messages (
  id         INTEGER PRIMARY KEY,
  consult_id BIGINT NOT NULL REFERENCES consultations(id),
  kind       TEXT NOT NULL,               -- question | answer | handoff | close
  org_id     TEXT NOT NULL,
  user_login TEXT NOT NULL,
  body       TEXT NOT NULL,
  at         BIGINT NOT NULL
);
CREATE INDEX consult_messages_consult ON consult_messages(consult_id, id);

-- E-mail notification per organization, configured by the hub operator.
CREATE TABLE notify_prefs (
  org_id         TEXT PRIMARY KEY,
  emails         TEXT NOT NULL DEFAULT '',  -- comma-separated
  digest         TEXT NOT NULL DEFAULT 'immediate', -- immediate | daily
  last_alert_id  BIGINT NOT NULL DEFAULT 0,        -- newest alert already mailed
  last_sent_at   BIGINT NOT NULL DEFAULT 0
);

-- +goose Down
DROP INDEX alerts_created;
DROP TABLE notify_prefs; DROP TABLE consult_messages; DROP TABLE consultations;
DROP TABLE advisory_targets; DROP TABLE advisories; DROP TABLE case_links; DROP TABLE case_actions;
DROP TABLE cases; DROP TABLE computer_notices; DROP TABLE critical_computers; DROP TABLE report_attachments;
DROP TABLE incident_deadlines; DROP TABLE incident_reports; DROP TABLE incidents;
