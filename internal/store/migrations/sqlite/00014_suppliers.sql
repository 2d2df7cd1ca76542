-- +goose Up
-- The product–supplier register the center maintains: which organization is
-- the supplier of which product, by CPE vendor:product key and/or package-URL
-- key (type/namespace/name). A VEX or CSAF document a vendor publishes
-- applies only to the products it is registered as the supplier of; a key
-- has one supplier.
CREATE TABLE vuln_suppliers (
  id         INTEGER PRIMARY KEY,
  org_id     TEXT NOT NULL,
  name       TEXT NOT NULL DEFAULT '',    -- the product as people name it
  cpe_key    TEXT NOT NULL DEFAULT '',    -- cpe:<vendor>:<product>, '' when none
  purl_key   TEXT NOT NULL DEFAULT '',    -- purl:<type>/<namespace>/<name>, '' when none
  created_by TEXT NOT NULL DEFAULT '',    -- login of who registered it
  created_at BIGINT NOT NULL
);
CREATE UNIQUE INDEX vuln_suppliers_cpe ON vuln_suppliers(cpe_key) WHERE cpe_key <> '';
CREATE UNIQUE INDEX vuln_suppliers_purl ON vuln_suppliers(purl_key) WHERE purl_key <> '';
CREATE INDEX vuln_suppliers_org ON vuln_suppliers(org_id, id);

-- Consultations go only where they are routed: the organizations the center
-- designated to handle a topic (a kind of request), and a hand-off to
-- another organization waiting for the asker's consent.
CREATE TABLE consult_handlers (
  topic      TEXT NOT NULL,               -- consultation | support
  org_id     TEXT NOT NULL,
  created_by TEXT NOT NULL DEFAULT '',
  created_at BIGINT NOT NULL,
  PRIMARY KEY (topic, org_id)
);
ALTER TABLE consultations ADD COLUMN handoff_to TEXT NOT NULL DEFAULT '';  -- proposed handler, until the asker consents or declines

-- +goose Down
ALTER TABLE consultations DROP COLUMN handoff_to;
DROP TABLE consult_handlers;
DROP TABLE vuln_suppliers;
