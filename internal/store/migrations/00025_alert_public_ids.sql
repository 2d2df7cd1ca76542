-- +goose Up
-- An alert's public id: 128 random bits in hex, the only id of an alert that
-- leaves the hub (API, console, webhooks, e-mail). The row id is one
-- sequence over every organization's alerts: two alerts of one member would
-- tell it how many the others received in between. Existing alerts get
-- theirs here (on PostgreSQL the expression is translated, see pgWords).
ALTER TABLE alerts ADD COLUMN public_id TEXT NOT NULL DEFAULT '';
UPDATE alerts SET public_id = lower(hex(randomblob(16)));
CREATE UNIQUE INDEX alerts_public_id ON alerts(public_id);

-- +goose Down
DROP INDEX alerts_public_id;
ALTER TABLE alerts DROP COLUMN public_id;
