-- +goose Up
-- Exactly-once effects (issue 14): a matched record and an alert carry a key
-- derived from what they are (the record and the indicator it matched; the
-- sighting and the organization alerted), so that a batch handed out again
-- by the bus stores and alerts nothing twice. Rows from before have no key
-- (NULL, distinct in a unique index on both stores).
ALTER TABLE telemetry_records ADD COLUMN effect_key TEXT;
CREATE UNIQUE INDEX telemetry_records_effect ON telemetry_records(effect_key);
ALTER TABLE alerts ADD COLUMN effect_key TEXT;
CREATE UNIQUE INDEX alerts_effect ON alerts(org_id, effect_key);

-- Failed console logins per address and per login, in a fixed window,
-- shared by every hub node on the store (web's login limiter).
CREATE TABLE login_failures (
  key          TEXT PRIMARY KEY,
  failures     BIGINT NOT NULL,
  window_start BIGINT NOT NULL
);
CREATE INDEX login_failures_window ON login_failures(window_start);

-- +goose Down
DROP TABLE login_failures;
DROP INDEX alerts_effect;
ALTER TABLE alerts DROP COLUMN effect_key;
DROP INDEX telemetry_records_effect;
ALTER TABLE telemetry_records DROP COLUMN effect_key;
