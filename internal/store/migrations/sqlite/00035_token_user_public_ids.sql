-- +goose Up
-- A token's and a user's public id: 128 random bits in hex, the only id of
-- either that leaves the hub (API, console forms and routes, audit entries).
-- Their row ids are sequences over every organization's tokens and users:
-- two of one member would tell it how many the others made in between, as
-- alert and webhook row ids did (00025, 00027). Existing rows get theirs here.
ALTER TABLE tokens ADD COLUMN public_id TEXT NOT NULL DEFAULT '';
UPDATE tokens SET public_id = lower(hex(randomblob(16)));
CREATE UNIQUE INDEX tokens_public_id ON tokens(public_id);
ALTER TABLE users ADD COLUMN public_id TEXT NOT NULL DEFAULT '';
UPDATE users SET public_id = lower(hex(randomblob(16)));
CREATE UNIQUE INDEX users_public_id ON users(public_id);

-- +goose Down
DROP INDEX users_public_id;
ALTER TABLE users DROP COLUMN public_id;
DROP INDEX tokens_public_id;
ALTER TABLE tokens DROP COLUMN public_id;
