-- +goose Up
-- Warninglists imported or kept by the center (issue 13): one row per list,
-- its entries in MISP's JSON format (body). The lists that ship with Renkei
-- are in the binary; a row with origin 'builtin' only records that the
-- center disabled or re-enabled one (its body is then empty).
CREATE TABLE warninglists (
    id         TEXT PRIMARY KEY,
    origin     TEXT NOT NULL,
    action     TEXT NOT NULL DEFAULT 'refuse',
    enabled    INTEGER NOT NULL DEFAULT 1,
    body       TEXT NOT NULL DEFAULT '',
    updated_at BIGINT NOT NULL,
    updated_by TEXT NOT NULL DEFAULT ''
);
-- The export policy of the hub (scope 'hub', id ''), of a collection or of a
-- member organization: what an indicator must meet to reach an export.
CREATE TABLE export_policies (
    scope           TEXT NOT NULL,
    scope_id        TEXT NOT NULL,
    min_confidence  INTEGER NOT NULL DEFAULT 0,
    max_age_seconds BIGINT NOT NULL DEFAULT 0,
    require_review  INTEGER NOT NULL DEFAULT 0,
    updated_at      BIGINT NOT NULL,
    updated_by      TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (scope, scope_id)
);
-- The center's review of an indicator before it reaches exports, for the
-- indicators that wait for one (require_review, IDN homographs).
CREATE TABLE export_reviews (
    stix_id     TEXT PRIMARY KEY,
    decision    TEXT NOT NULL,
    note        TEXT NOT NULL DEFAULT '',
    reviewed_by TEXT NOT NULL DEFAULT '',
    reviewed_at BIGINT NOT NULL
);

-- +goose Down
DROP TABLE export_reviews;
DROP TABLE export_policies;
DROP TABLE warninglists;
