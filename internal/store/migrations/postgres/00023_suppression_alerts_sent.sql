-- +goose Up
-- Suppression alerts exactly once, with several hub nodes (issue 21): one row
-- per recipient and cause — the member's known-exploited finding (org,
-- asset, vulnerability) and the statement document that suppressed it. The
-- member is its own recipient; the center's alert claims the same causes
-- with the center as recipient. The primary key makes each claim atomic.
CREATE TABLE vuln_suppression_alerts_sent (
  recipient     TEXT NOT NULL,
  org_id        TEXT NOT NULL,
  asset         TEXT NOT NULL,
  vulnerability TEXT NOT NULL,
  document      TEXT NOT NULL,
  created_at    BIGINT NOT NULL,
  PRIMARY KEY (recipient, org_id, asset, vulnerability, document)
);

-- +goose Down
DROP TABLE vuln_suppression_alerts_sent;
