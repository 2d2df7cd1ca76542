-- +goose Up
-- Vulnerability relevance (package relevance): members' external network
-- connection points, registered SBOMs, vendors' publications, advisory feeds,
-- stored advisory documents and the alerts already sent, so that each
-- organization gets one alert per (asset, vulnerability), never repeated.

CREATE TABLE vuln_connection_points (
  id             INTEGER PRIMARY KEY,
  org_id         TEXT NOT NULL,
  kind           TEXT NOT NULL,             -- vpn | firewall | remote-desktop | mail-gateway | web-gateway | other
  vendor         TEXT NOT NULL,
  product        TEXT NOT NULL,
  version        TEXT NOT NULL DEFAULT '',
  purl           TEXT NOT NULL DEFAULT '',
  cpe            TEXT NOT NULL DEFAULT '',
  address        TEXT NOT NULL DEFAULT '',
  owner          TEXT NOT NULL DEFAULT '',
  last_confirmed BIGINT NOT NULL DEFAULT 0,
  created_at     BIGINT NOT NULL,
  updated_at     BIGINT NOT NULL
);
CREATE INDEX vuln_connection_points_org ON vuln_connection_points(org_id, id);

-- SBOMs a member registered for the products it runs. The original document
-- is kept gzip-compressed; targets holds the normalized components
-- (gzip-compressed JSON) so that the hub loads without re-parsing documents.
CREATE TABLE vuln_sboms (
  id          INTEGER PRIMARY KEY,
  org_id      TEXT NOT NULL,
  name        TEXT NOT NULL,                -- product name or file name
  format      TEXT NOT NULL,                -- "CycloneDX 1.6 JSON"
  serial      TEXT NOT NULL DEFAULT '',
  components  BIGINT NOT NULL,
  document    BLOB NOT NULL,
  targets     BLOB NOT NULL,
  created_at  BIGINT NOT NULL
);
CREATE INDEX vuln_sboms_org ON vuln_sboms(org_id, id);

-- What a vendor organization publishes for its products: SBOMs, VEX and CSAF
-- documents, and JC-STAR IoT label self-declarations (level 1-4).
CREATE TABLE vuln_publications (
  id          INTEGER PRIMARY KEY,
  org_id      TEXT NOT NULL,
  kind        TEXT NOT NULL,                -- sbom | vex | csaf | label
  product     TEXT NOT NULL,
  version     TEXT NOT NULL DEFAULT '',
  label_level INTEGER NOT NULL DEFAULT 0,   -- JC-STAR ★1-★4; 0 when not a label
  format      TEXT NOT NULL DEFAULT '',
  document    BLOB,
  note        TEXT NOT NULL DEFAULT '',
  created_at  BIGINT NOT NULL
);
CREATE INDEX vuln_publications_org ON vuln_publications(org_id, id);

CREATE TABLE vuln_feeds (
  id           INTEGER PRIMARY KEY,
  url          TEXT NOT NULL UNIQUE,
  format       TEXT NOT NULL DEFAULT '',    -- expected format; "" recognizes by content
  interval_s   BIGINT NOT NULL,
  etag         TEXT NOT NULL DEFAULT '',
  last_modified TEXT NOT NULL DEFAULT '',
  last_fetch   BIGINT NOT NULL DEFAULT 0,
  last_success BIGINT NOT NULL DEFAULT 0,
  last_error   TEXT NOT NULL DEFAULT '',
  records      BIGINT NOT NULL DEFAULT 0,
  created_at   BIGINT NOT NULL
);

-- Advisory documents as received (gzip-compressed), replayed into the
-- engine when the hub starts. A newer document from the same source
-- replaces the older one.
CREATE TABLE vuln_documents (
  id          INTEGER PRIMARY KEY,
  source      TEXT NOT NULL UNIQUE,         -- feed URL or file name
  format      TEXT NOT NULL,
  sha256      TEXT NOT NULL,
  records     BIGINT NOT NULL,
  document    BLOB NOT NULL,
  created_at  BIGINT NOT NULL
);

-- One row per (organization, asset, vulnerability) already alerted.
CREATE TABLE vuln_alerts_sent (
  org_id        TEXT NOT NULL,
  asset         TEXT NOT NULL,
  vulnerability TEXT NOT NULL,
  alert_id      BIGINT NOT NULL DEFAULT 0,
  created_at    BIGINT NOT NULL,
  PRIMARY KEY (org_id, asset, vulnerability)
);

-- +goose Down
DROP TABLE vuln_alerts_sent; DROP TABLE vuln_documents; DROP TABLE vuln_feeds;
DROP TABLE vuln_publications; DROP TABLE vuln_sboms; DROP TABLE vuln_connection_points;
