-- +goose Up
-- C4: pseudonymization keys, one per source and retention period, made at
-- random on first use and deleted once the records pseudonymized under them
-- have expired (expires_at = end of the period + the source's retention).
-- The single hub-wide key that served every source before is deleted.
CREATE TABLE telemetry_keys (
  source_id  TEXT NOT NULL,
  period     BIGINT NOT NULL,                 -- start of the period, unix seconds / retention seconds
  key_hex    TEXT NOT NULL,
  created_at BIGINT NOT NULL,
  expires_at BIGINT NOT NULL,
  PRIMARY KEY (source_id, period)
);
CREATE INDEX telemetry_keys_expiry ON telemetry_keys(expires_at);
DELETE FROM settings WHERE key = 'pseudonym_key';
-- Prefix-preserving pseudonyms (Crypto-PAn) only where the source's approval requires them.
ALTER TABLE telemetry_sources ADD COLUMN prefix_preserving INTEGER NOT NULL DEFAULT 0;

-- The exporters each source accepts datagrams from: an address, and where the
-- protocol carries one an observation domain (NetFlow v9 source id, IPFIX
-- observation domain, NetFlow v5 engine type<<8|engine id, sFlow sub-agent);
-- domain -1 accepts any. Collectors drop datagrams from anyone else.
CREATE TABLE telemetry_exporters (
  source_id  TEXT NOT NULL,
  addr       TEXT NOT NULL,
  domain     BIGINT NOT NULL DEFAULT -1,
  created_at BIGINT NOT NULL,
  PRIMARY KEY (source_id, addr, domain)
);

-- Datagrams dropped because their sender is not a registered exporter, per
-- source and sender ("ADDR" or "ADDR/DOMAIN"; "other" once a source has many).
CREATE TABLE telemetry_unregistered (
  source_id TEXT NOT NULL,
  sender    TEXT NOT NULL,
  datagrams BIGINT NOT NULL,
  last_at   BIGINT NOT NULL,
  PRIMARY KEY (source_id, sender)
);

-- +goose Down
DROP TABLE telemetry_unregistered; DROP TABLE telemetry_exporters;
ALTER TABLE telemetry_sources DROP COLUMN prefix_preserving;
DROP TABLE telemetry_keys;
