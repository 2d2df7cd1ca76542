-- +goose Up
-- A webhook's and a webhook delivery's public id: 128 random bits in hex,
-- the only id of either that leaves the hub (API, console, audit entries).
-- Their row ids are sequences over every organization's webhooks and
-- deliveries: two of one member would tell it how many the others added or
-- were sent in between, as alert row ids did (00025). Existing rows get
-- theirs here: gen_random_uuid gives 122 random bits, as 32 hex digits.
ALTER TABLE webhooks ADD COLUMN public_id TEXT NOT NULL DEFAULT '';
UPDATE webhooks SET public_id = replace(gen_random_uuid()::text, '-', '');
CREATE UNIQUE INDEX webhooks_public_id ON webhooks(public_id);
ALTER TABLE deliveries ADD COLUMN public_id TEXT NOT NULL DEFAULT '';
UPDATE deliveries SET public_id = replace(gen_random_uuid()::text, '-', '');
CREATE UNIQUE INDEX deliveries_public_id ON deliveries(public_id);

-- +goose Down
DROP INDEX deliveries_public_id;
ALTER TABLE deliveries DROP COLUMN public_id;
DROP INDEX webhooks_public_id;
ALTER TABLE webhooks DROP COLUMN public_id;
