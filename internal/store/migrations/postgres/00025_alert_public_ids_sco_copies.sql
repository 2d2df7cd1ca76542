-- +goose Up
-- An alert's public id: 128 random bits in hex, the only id of an alert that
-- leaves the hub (API, console, webhooks, e-mail). The row id is one
-- sequence over every organization's alerts: two alerts of one member would
-- tell it how many the others received in between. Existing alerts get
-- theirs here: gen_random_uuid gives 122 random bits, as 32 hex digits.
ALTER TABLE alerts ADD COLUMN public_id TEXT NOT NULL DEFAULT '';
UPDATE alerts SET public_id = replace(gen_random_uuid()::text, '-', '');
CREATE UNIQUE INDEX alerts_public_id ON alerts(public_id);

-- One stored version of an object is (collection, id, modified, author):
-- SCOs have no modified and ids derived from their values, so two
-- organizations posting the same value into one collection each keep their
-- own copy, with their own markings and creator. For every other object
-- only its author (or the hub administrator moderating, under the author)
-- writes versions, so the author adds nothing to the key, which is replaced
-- in place.
ALTER TABLE objects DROP CONSTRAINT objects_stix_id_collection_id_modified_key;
ALTER TABLE objects ADD CONSTRAINT objects_version_key UNIQUE (stix_id, collection_id, modified, author_org);

-- +goose Down
-- The objects keep the key with the author: copies of one SCO by several
-- organizations could not go back under the old one.
DROP INDEX alerts_public_id;
ALTER TABLE alerts DROP COLUMN public_id;
