-- +goose Up
-- Hunting packages (issue 4, item 6): Sigma rules and indicators a publisher
-- sends to an audience, signed by the hub, and the runs members report back.
CREATE TABLE hunt_packages (
  id             TEXT PRIMARY KEY,         -- "hunt-package--<uuid>"
  title          TEXT NOT NULL,
  description    TEXT NOT NULL DEFAULT '',
  publisher_org  TEXT NOT NULL REFERENCES orgs(id),
  publisher_user BIGINT NOT NULL,
  tlp            INTEGER NOT NULL,         -- policy.TLP
  rules          TEXT NOT NULL,            -- JSON [{"name":…, "yaml":…}]
  indicators     TEXT NOT NULL DEFAULT '[]', -- JSON [{"value":…, "stix_id":…}]
  created_at     BIGINT NOT NULL,
  signed         TEXT NOT NULL,            -- the canonical form as a signed note
  key_name       TEXT NOT NULL DEFAULT ''  -- name of the hub key that signed it
);
CREATE INDEX hunt_packages_created ON hunt_packages(created_at);

-- Scope: who the package is for. kind is all | sector | org-kind | org | group.
CREATE TABLE hunt_package_scope (
  package_id TEXT NOT NULL REFERENCES hunt_packages(id) ON DELETE CASCADE,
  kind       TEXT NOT NULL,
  value      TEXT NOT NULL DEFAULT ''
);
CREATE INDEX hunt_package_scope_pkg ON hunt_package_scope(package_id);
CREATE INDEX hunt_package_scope_kv ON hunt_package_scope(kind, value);

-- One report of one run by a member. Matches are kept only when the member
-- chose to send them; they are read under the package's TLP.
CREATE TABLE hunt_runs (
  id           INTEGER PRIMARY KEY,
  package_id   TEXT NOT NULL REFERENCES hunt_packages(id) ON DELETE CASCADE,
  org_id       TEXT NOT NULL REFERENCES orgs(id),
  user_id      BIGINT NOT NULL,
  user_login   TEXT NOT NULL,
  ran_at       BIGINT NOT NULL,            -- when the run started (member's clock)
  reported_at  BIGINT NOT NULL,            -- when the hub received the report
  events       BIGINT NOT NULL DEFAULT 0,
  files        INTEGER NOT NULL DEFAULT 0,
  bytes        BIGINT NOT NULL DEFAULT 0,
  read_errors  INTEGER NOT NULL DEFAULT 0,
  hits         BIGINT NOT NULL DEFAULT 0,
  duration_ms  BIGINT NOT NULL DEFAULT 0,
  matches      TEXT NOT NULL DEFAULT '',   -- JSON lines of matches, '' when not sent
  match_count  INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX hunt_runs_pkg ON hunt_runs(package_id, org_id, ran_at);

-- Hits per rule of one run.
CREATE TABLE hunt_run_rules (
  run_id   BIGINT NOT NULL REFERENCES hunt_runs(id) ON DELETE CASCADE,
  rule_id  TEXT NOT NULL,
  title    TEXT NOT NULL DEFAULT '',
  hits     BIGINT NOT NULL
);
CREATE INDEX hunt_run_rules_run ON hunt_run_rules(run_id);

-- +goose Down
DROP TABLE hunt_run_rules; DROP TABLE hunt_runs; DROP TABLE hunt_package_scope; DROP TABLE hunt_packages;
