-- +goose Up
-- Federation partners (issue 15): remote TAXII 2.1 API roots, MISP
-- instances, feeds and other Renkei hubs, each with its sharing agreement
-- (agreement: policy.Agreement as JSON). secret_ref says where the secret is
-- read at each synchronization (env:NAME or file:PATH); the secret itself is
-- never stored. org_id and login are the organization and the account the
-- partner's objects are stored under.
CREATE TABLE partners (
    id               TEXT PRIMARY KEY,
    name             TEXT NOT NULL UNIQUE,
    kind             TEXT NOT NULL,
    url              TEXT NOT NULL,
    secret_ref       TEXT NOT NULL DEFAULT '',
    direction        TEXT NOT NULL,
    collections      TEXT NOT NULL DEFAULT '',
    local_collection TEXT NOT NULL DEFAULT '',
    format           TEXT NOT NULL DEFAULT '',
    schedule_seconds BIGINT NOT NULL DEFAULT 0,
    hub_id           TEXT NOT NULL DEFAULT '',
    org_id           TEXT NOT NULL,
    login            TEXT NOT NULL,
    agreement        TEXT NOT NULL,
    created_at       BIGINT NOT NULL,
    created_by       TEXT NOT NULL DEFAULT '',
    last_run_at      BIGINT NOT NULL DEFAULT 0,
    last_success_at  BIGINT NOT NULL DEFAULT 0,
    last_error       TEXT NOT NULL DEFAULT '',
    objects_in       BIGINT NOT NULL DEFAULT 0,
    objects_out      BIGINT NOT NULL DEFAULT 0,
    refused          BIGINT NOT NULL DEFAULT 0
);
-- Where each pull and push of a partner's collection has got to: a pull
-- resumes with added_after, a push after (after_added, after_pk) of the
-- local collection.
CREATE TABLE partner_cursors (
    partner_id  TEXT NOT NULL,
    collection  TEXT NOT NULL,
    direction   TEXT NOT NULL,
    added_after TEXT NOT NULL DEFAULT '',
    after_added BIGINT NOT NULL DEFAULT 0,
    after_pk    BIGINT NOT NULL DEFAULT 0,
    updated_at  BIGINT NOT NULL,
    PRIMARY KEY (partner_id, collection, direction)
);
-- Each object refused on the way in or out, with its reason.
CREATE TABLE partner_failures (
    id         INTEGER PRIMARY KEY,
    partner_id TEXT NOT NULL,
    run        TEXT NOT NULL,
    direction  TEXT NOT NULL,
    object_id  TEXT NOT NULL,
    version    TEXT NOT NULL DEFAULT '',
    reason     TEXT NOT NULL,
    at         BIGINT NOT NULL
);
CREATE INDEX partner_failures_partner ON partner_failures (partner_id, at);

-- +goose Down
DROP TABLE partner_failures;
DROP TABLE partner_cursors;
DROP TABLE partners;
