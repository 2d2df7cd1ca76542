-- +goose Up
-- Retiring a member of the oversight committee takes two members (issue 21):
-- one proposes, with reasons, and a different member confirms. The proposal
-- waits on the account: who proposed it, why and when.
ALTER TABLE users ADD COLUMN retire_proposed_by TEXT NOT NULL DEFAULT '';
ALTER TABLE users ADD COLUMN retire_reason TEXT NOT NULL DEFAULT '';
ALTER TABLE users ADD COLUMN retire_proposed_at BIGINT NOT NULL DEFAULT 0;
-- A change to a source's exporters takes effect at once: every change bumps
-- the source's exporters_version, which Ingest compares with the register it
-- holds before each batch, rereading the register when they differ.
ALTER TABLE telemetry_sources ADD COLUMN exporters_version BIGINT NOT NULL DEFAULT 0;

-- +goose Down
ALTER TABLE telemetry_sources DROP COLUMN exporters_version;
ALTER TABLE users DROP COLUMN retire_proposed_at;
ALTER TABLE users DROP COLUMN retire_reason;
ALTER TABLE users DROP COLUMN retire_proposed_by;
