-- +goose Up
-- Approvals of the oversight committee (rule C6): collection of communications
-- information and access & neutralization measures.
CREATE TABLE approvals (
  id              INTEGER PRIMARY KEY,
  kind            TEXT NOT NULL,           -- see approval.Kinds
  requester_user  TEXT NOT NULL,
  requester_org   TEXT NOT NULL,
  legal_basis     TEXT NOT NULL,
  target          TEXT NOT NULL,
  justification   TEXT NOT NULL,
  valid_from      BIGINT NOT NULL,
  valid_until     BIGINT NOT NULL,
  status          TEXT NOT NULL,           -- pending | approved | denied | emergency | revoked
  emergency       INTEGER NOT NULL DEFAULT 0,
  decided_by      TEXT NOT NULL DEFAULT '',
  decision_reason TEXT NOT NULL DEFAULT '',
  decided_at      BIGINT NOT NULL DEFAULT 0,
  notify_due      BIGINT NOT NULL DEFAULT 0,   -- emergency: post-notification due
  notified_at     BIGINT NOT NULL DEFAULT 0,
  audit_index     BIGINT NOT NULL DEFAULT 0,   -- log entry of the last decision
  created_at      BIGINT NOT NULL
);
CREATE INDEX approvals_status ON approvals(status, valid_until);

-- +goose Down
DROP TABLE approvals;
