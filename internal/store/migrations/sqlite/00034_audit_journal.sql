-- +goose Up
-- The cluster's one audit log (issue 14): every process of a hub (its nodes,
-- its workers, the command line) appends to this journal, which gives each
-- entry its index in the log and its node's next sequence number in one
-- transaction, so that the order is the store's, whatever node appends. One
-- elected integrator feeds the entries to the log's tree in that order and
-- stores the tiles and the signed checkpoint here, where every node serves
-- them. Nothing here is ever updated or deleted but the head of each log.
CREATE TABLE audit_logs (
  origin          TEXT PRIMARY KEY,
  size            BIGINT NOT NULL DEFAULT 0,
  checkpoint_size BIGINT NOT NULL DEFAULT 0,
  checkpoint      TEXT NOT NULL DEFAULT ''
);
CREATE TABLE audit_entries (
  origin TEXT NOT NULL,
  idx    BIGINT NOT NULL,
  data   BLOB NOT NULL,
  PRIMARY KEY (origin, idx)
);
CREATE TABLE audit_node_seqs (
  origin TEXT NOT NULL,
  node   TEXT NOT NULL,
  seq    BIGINT NOT NULL,
  PRIMARY KEY (origin, node)
);
CREATE TABLE audit_tiles (
  origin TEXT NOT NULL,
  path   TEXT NOT NULL,
  data   BLOB NOT NULL,
  PRIMARY KEY (origin, path)
);

-- +goose Down
DROP TABLE audit_tiles;
DROP TABLE audit_node_seqs;
DROP TABLE audit_entries;
DROP TABLE audit_logs;
