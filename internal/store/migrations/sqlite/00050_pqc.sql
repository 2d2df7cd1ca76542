-- +goose Up
-- Post-quantum migration (issue 16, package pqc): each organization's
-- inventory of crypto assets (the asset as JSON: it is classified again at
-- each read, as the rules and the milestones change), the endpoints it
-- registered and confirmed it owns (the addresses its name resolved to at
-- confirmation: the hub probes only those), the hub's probes (for the rate
-- limit), and the steps of its migration plan.
CREATE TABLE pqc_assets (
  id            INTEGER PRIMARY KEY,
  public_id     TEXT NOT NULL,
  org_id        TEXT NOT NULL,
  source        TEXT NOT NULL,
  origin        TEXT NOT NULL DEFAULT '',
  body          TEXT NOT NULL,
  data_lifetime BIGINT NOT NULL DEFAULT 0,
  created_at    BIGINT NOT NULL
);
CREATE UNIQUE INDEX pqc_assets_public_id ON pqc_assets(public_id);
CREATE INDEX pqc_assets_org ON pqc_assets(org_id, source, origin);

CREATE TABLE pqc_endpoints (
  id            INTEGER PRIMARY KEY,
  public_id     TEXT NOT NULL,
  org_id        TEXT NOT NULL,
  address       TEXT NOT NULL,
  protocol      TEXT NOT NULL,
  addresses     TEXT NOT NULL DEFAULT '',
  confirmed_at  BIGINT NOT NULL DEFAULT 0,
  confirmed_by  TEXT NOT NULL DEFAULT '',
  data_lifetime BIGINT NOT NULL DEFAULT 0,
  probed_at     BIGINT NOT NULL DEFAULT 0,
  created_at    BIGINT NOT NULL
);
CREATE UNIQUE INDEX pqc_endpoints_public_id ON pqc_endpoints(public_id);
CREATE UNIQUE INDEX pqc_endpoints_address ON pqc_endpoints(org_id, address, protocol);

CREATE TABLE pqc_probes (
  id          INTEGER PRIMARY KEY,
  org_id      TEXT NOT NULL,
  endpoint_id TEXT NOT NULL,
  at          BIGINT NOT NULL
);
CREATE INDEX pqc_probes_org ON pqc_probes(org_id, at);

CREATE TABLE pqc_steps (
  id         INTEGER PRIMARY KEY,
  public_id  TEXT NOT NULL,
  org_id     TEXT NOT NULL,
  title      TEXT NOT NULL,
  owner      TEXT NOT NULL DEFAULT '',
  due        BIGINT NOT NULL DEFAULT 0,
  milestone  TEXT NOT NULL DEFAULT '',
  asset_id   TEXT NOT NULL DEFAULT '',
  status     TEXT NOT NULL,
  created_at BIGINT NOT NULL,
  updated_at BIGINT NOT NULL,
  done_at    BIGINT NOT NULL DEFAULT 0
);
CREATE UNIQUE INDEX pqc_steps_public_id ON pqc_steps(public_id);
CREATE INDEX pqc_steps_org ON pqc_steps(org_id, due);

-- +goose Down
DROP TABLE pqc_steps;
DROP TABLE pqc_probes;
DROP TABLE pqc_endpoints;
DROP TABLE pqc_assets;
