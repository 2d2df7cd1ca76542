-- +goose Up
-- Which node runs a periodic job (the retention deletions) until when, so
-- that hub nodes sharing one store take turns instead of running it together
-- and logging the same deletions twice.
CREATE TABLE job_leases (
  job    TEXT PRIMARY KEY,
  holder TEXT NOT NULL,
  until  BIGINT NOT NULL
);

-- +goose Down
DROP TABLE job_leases;
