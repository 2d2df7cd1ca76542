-- +goose Up
-- Sources of communications information and what the pipeline kept of them
-- (rules C1–C6). Only mechanical information selected automatically is stored.
CREATE TABLE telemetry_sources (
  id                 TEXT PRIMARY KEY,
  name               TEXT NOT NULL,
  legal_basis        TEXT NOT NULL,          -- agreement | committee
  approval_ref       TEXT NOT NULL,          -- approval-<id>, must be in force to run (C6)
  operator_org       TEXT NOT NULL DEFAULT '',
  directions         TEXT NOT NULL,          -- allowed directions, comma-separated (C3)
  retention_seconds  BIGINT NOT NULL,        -- C5
  pseudonymize       TEXT NOT NULL DEFAULT '', -- member-internal prefixes pseudonymized (C4), comma-separated
  created_at         BIGINT NOT NULL
);

CREATE TABLE telemetry_records (
  id          INTEGER PRIMARY KEY,
  source_id   TEXT NOT NULL,
  src         TEXT NOT NULL,
  dst         TEXT NOT NULL,
  src_port    INTEGER NOT NULL,
  dst_port    INTEGER NOT NULL,
  proto       INTEGER NOT NULL,
  start_at    BIGINT NOT NULL,
  end_at      BIGINT NOT NULL,
  bytes       BIGINT NOT NULL,
  packets     BIGINT NOT NULL,
  tcp_flags   INTEGER NOT NULL,
  direction   TEXT NOT NULL,
  exporter    TEXT NOT NULL,
  indicator   TEXT NOT NULL DEFAULT '',      -- the indicator it matched
  received_at BIGINT NOT NULL,
  expires_at  BIGINT NOT NULL
);
CREATE INDEX telemetry_records_expiry ON telemetry_records(expires_at);
CREATE INDEX telemetry_records_source ON telemetry_records(source_id, received_at);

CREATE TABLE telemetry_counts (
  source_id TEXT NOT NULL,
  reason    TEXT NOT NULL,                   -- kept | dropped:<why> | refused:<why> | matched | deleted
  count     BIGINT NOT NULL,
  PRIMARY KEY (source_id, reason)
);

-- Versioned list of domestic address ranges (C3).
CREATE TABLE domestic_ranges (
  version TEXT NOT NULL,
  prefix  TEXT NOT NULL
);
CREATE INDEX domestic_ranges_version ON domestic_ranges(version);

-- Address space each member registered, so that matches reach the members involved.
CREATE TABLE org_address_space (
  org_id TEXT NOT NULL,
  prefix TEXT NOT NULL,
  PRIMARY KEY (org_id, prefix)
);

-- +goose Down
DROP TABLE org_address_space; DROP TABLE domestic_ranges; DROP TABLE telemetry_counts;
DROP TABLE telemetry_records; DROP TABLE telemetry_sources;
