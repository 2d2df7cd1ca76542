-- +goose Up
-- Rights an organization administrator gives one user beyond its role
-- (policy.Capabilities), comma-separated; and organizations the hub
-- administrator disabled: their users neither log in nor use tokens, and
-- their records stay (issue 18).
ALTER TABLE users ADD COLUMN capabilities TEXT NOT NULL DEFAULT '';
ALTER TABLE orgs ADD COLUMN disabled INTEGER NOT NULL DEFAULT 0;

-- +goose Down
ALTER TABLE orgs DROP COLUMN disabled;
ALTER TABLE users DROP COLUMN capabilities;
