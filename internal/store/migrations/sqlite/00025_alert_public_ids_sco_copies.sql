-- +goose Up
-- An alert's public id: 128 random bits in hex, the only id of an alert that
-- leaves the hub (API, console, webhooks, e-mail). The row id is one
-- sequence over every organization's alerts: two alerts of one member would
-- tell it how many the others received in between. Existing alerts get
-- theirs here.
ALTER TABLE alerts ADD COLUMN public_id TEXT NOT NULL DEFAULT '';
UPDATE alerts SET public_id = lower(hex(randomblob(16)));
CREATE UNIQUE INDEX alerts_public_id ON alerts(public_id);

-- One stored version of an object is (collection, id, modified, author):
-- SCOs have no modified and ids derived from their values, so two
-- organizations posting the same value into one collection each keep their
-- own copy, with their own markings and creator. For every other object
-- only its author (or the hub administrator moderating, under the author)
-- writes versions, so the author adds nothing to the key. SQLite cannot drop
-- a table's UNIQUE constraint: the table is copied into one with the new
-- key, keeping every row id, and the recipients, which its deletion would
-- cascade away, are put back.
CREATE TABLE objects_keyed (
  pk             INTEGER PRIMARY KEY,
  collection_id  TEXT NOT NULL REFERENCES collections(id),
  stix_id        TEXT NOT NULL,
  type           TEXT NOT NULL,
  spec_version   TEXT NOT NULL DEFAULT '2.1',
  created        BIGINT NOT NULL DEFAULT 0,
  modified       BIGINT NOT NULL DEFAULT 0,
  date_added     BIGINT NOT NULL,
  tlp            INTEGER NOT NULL,
  author_org     TEXT NOT NULL,
  submitter_user BIGINT NOT NULL DEFAULT 0,
  has_recipients INTEGER NOT NULL DEFAULT 0,
  consent        INTEGER NOT NULL DEFAULT 0,
  revoked        INTEGER NOT NULL DEFAULT 0,
  name           TEXT NOT NULL DEFAULT '',
  pattern        TEXT NOT NULL DEFAULT '',
  valid_from     BIGINT NOT NULL DEFAULT 0,
  valid_until    BIGINT NOT NULL DEFAULT 0,
  ref            TEXT NOT NULL DEFAULT '',
  target_ref     TEXT NOT NULL DEFAULT '',
  first_seen     BIGINT NOT NULL DEFAULT 0,
  last_seen      BIGINT NOT NULL DEFAULT 0,
  count          BIGINT NOT NULL DEFAULT 0,
  raw            TEXT NOT NULL,
  latest         INTEGER NOT NULL DEFAULT 1,
  UNIQUE (stix_id, collection_id, modified, author_org)
);
INSERT INTO objects_keyed(pk, collection_id, stix_id, type, spec_version, created, modified, date_added, tlp, author_org,
    submitter_user, has_recipients, consent, revoked, name, pattern, valid_from, valid_until, ref, target_ref, first_seen,
    last_seen, count, raw, latest)
  SELECT pk, collection_id, stix_id, type, spec_version, created, modified, date_added, tlp, author_org,
    submitter_user, has_recipients, consent, revoked, name, pattern, valid_from, valid_until, ref, target_ref, first_seen,
    last_seen, count, raw, latest FROM objects;
CREATE TABLE object_recipients_kept AS SELECT object_pk, org_id, group_id, user_id FROM object_recipients;
DROP TABLE objects;
ALTER TABLE objects_keyed RENAME TO objects;
INSERT INTO object_recipients(object_pk, org_id, group_id, user_id) SELECT object_pk, org_id, group_id, user_id FROM object_recipients_kept;
DROP TABLE object_recipients_kept;
CREATE INDEX objects_added ON objects(collection_id, date_added, pk);
CREATE INDEX objects_type_added ON objects(collection_id, type, date_added, pk);
CREATE INDEX objects_global_added ON objects(date_added, pk);
CREATE INDEX objects_ref ON objects(ref) WHERE ref <> '';

-- +goose Down
-- The objects keep the key with the author: copies of one SCO by several
-- organizations could not go back under the old one.
DROP INDEX alerts_public_id;
ALTER TABLE alerts DROP COLUMN public_id;
