-- +goose Up
-- The oversight committee's independence from the operator (issue 21).
-- created_by: the login that created an account ('' for the hub's bootstrap),
-- so that nobody decides a request filed by an account they created or by
-- their own creator. pending: an overseer account waiting for an active
-- member of the committee to confirm it (it cannot log in or use tokens);
-- confirmed_by: who confirmed it.
ALTER TABLE users ADD COLUMN created_by TEXT NOT NULL DEFAULT '';
ALTER TABLE users ADD COLUMN pending INTEGER NOT NULL DEFAULT 0;
ALTER TABLE users ADD COLUMN confirmed_by TEXT NOT NULL DEFAULT '';
-- The committee's revocation of an approval it granted.
ALTER TABLE approvals ADD COLUMN revoked_by TEXT NOT NULL DEFAULT '';
ALTER TABLE approvals ADD COLUMN revoke_reason TEXT NOT NULL DEFAULT '';
ALTER TABLE approvals ADD COLUMN revoked_at BIGINT NOT NULL DEFAULT 0;

-- +goose Down
ALTER TABLE approvals DROP COLUMN revoked_at;
ALTER TABLE approvals DROP COLUMN revoke_reason;
ALTER TABLE approvals DROP COLUMN revoked_by;
ALTER TABLE users DROP COLUMN confirmed_by;
ALTER TABLE users DROP COLUMN pending;
ALTER TABLE users DROP COLUMN created_by;
