-- +goose Up
-- A change counter per kind of cached state (issue 13): a process that keeps
-- something loaded from the store (the vulnerability engine of `renkei
-- serve`) sees a change made by another process — a CLI import, another hub
-- node — when the counter of its kind moved. Every write of that kind bumps
-- the counter in its own transaction; readers poll one row.
CREATE TABLE store_changes (
  kind    TEXT PRIMARY KEY,
  counter BIGINT NOT NULL DEFAULT 0
);

-- +goose Down
DROP TABLE store_changes;
