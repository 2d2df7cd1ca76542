-- +goose Up
CREATE TABLE settings (
  key   TEXT PRIMARY KEY,
  value TEXT NOT NULL
);

CREATE TABLE orgs (
  id         TEXT PRIMARY KEY,          -- STIX identity id
  name       TEXT NOT NULL UNIQUE,
  kind       TEXT NOT NULL,
  sector     TEXT NOT NULL DEFAULT '',
  created_at BIGINT NOT NULL
);

CREATE TABLE groups (
  id         TEXT PRIMARY KEY,
  name       TEXT NOT NULL UNIQUE,
  created_at BIGINT NOT NULL
);

-- Direct members: an organization or another group.
CREATE TABLE group_members (
  group_id        TEXT NOT NULL REFERENCES groups(id) ON DELETE CASCADE,
  member_org_id   TEXT REFERENCES orgs(id) ON DELETE CASCADE,
  member_group_id TEXT REFERENCES groups(id) ON DELETE CASCADE
);
CREATE INDEX group_members_group ON group_members(group_id);

-- The transitive closure: every organization in every group, however nested.
CREATE TABLE group_orgs (
  group_id TEXT NOT NULL,
  org_id   TEXT NOT NULL,
  PRIMARY KEY (org_id, group_id)
);

CREATE TABLE users (
  id            INTEGER PRIMARY KEY,
  login         TEXT NOT NULL UNIQUE,
  org_id        TEXT NOT NULL REFERENCES orgs(id),
  role          TEXT NOT NULL,
  password_hash TEXT NOT NULL DEFAULT '',
  disabled      INTEGER NOT NULL DEFAULT 0,
  lang          TEXT NOT NULL DEFAULT '',
  created_at    BIGINT NOT NULL
);

CREATE TABLE tokens (
  id           INTEGER PRIMARY KEY,
  user_id      BIGINT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  hash         TEXT NOT NULL UNIQUE,     -- SHA-256 of the token; the token itself is never stored
  name         TEXT NOT NULL DEFAULT '',
  read_only    INTEGER NOT NULL DEFAULT 0,
  expires_at   BIGINT NOT NULL DEFAULT 0,
  revoked_at   BIGINT NOT NULL DEFAULT 0,
  created_at   BIGINT NOT NULL,
  last_used_at BIGINT NOT NULL DEFAULT 0
);

CREATE TABLE sessions (
  hash       TEXT PRIMARY KEY,           -- SHA-256 of the session cookie
  user_id    BIGINT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  csrf       TEXT NOT NULL,
  expires_at BIGINT NOT NULL,
  created_at BIGINT NOT NULL
);

CREATE TABLE collections (
  id          TEXT PRIMARY KEY,          -- UUID
  title       TEXT NOT NULL,
  description TEXT NOT NULL DEFAULT '',
  audience    TEXT NOT NULL,             -- members | public | group:<id> | org:<id>
  writable    INTEGER NOT NULL DEFAULT 1,
  created_at  BIGINT NOT NULL
);

CREATE TABLE objects (
  pk             INTEGER PRIMARY KEY,
  collection_id  TEXT NOT NULL REFERENCES collections(id),
  stix_id        TEXT NOT NULL,
  type           TEXT NOT NULL,
  spec_version   TEXT NOT NULL DEFAULT '2.1',
  created        BIGINT NOT NULL DEFAULT 0,
  modified       BIGINT NOT NULL DEFAULT 0,   -- microseconds; the version
  date_added     BIGINT NOT NULL,             -- microseconds; strictly ordered with pk
  tlp            INTEGER NOT NULL,
  author_org     TEXT NOT NULL,
  submitter_user BIGINT NOT NULL DEFAULT 0,
  has_recipients INTEGER NOT NULL DEFAULT 0,  -- organization or group recipients named
  consent        INTEGER NOT NULL DEFAULT 0,
  revoked        INTEGER NOT NULL DEFAULT 0,
  name           TEXT NOT NULL DEFAULT '',
  pattern        TEXT NOT NULL DEFAULT '',
  valid_from     BIGINT NOT NULL DEFAULT 0,
  valid_until    BIGINT NOT NULL DEFAULT 0,
  ref            TEXT NOT NULL DEFAULT '',    -- sighting_of_ref, or source_ref of a relationship
  target_ref     TEXT NOT NULL DEFAULT '',
  first_seen     BIGINT NOT NULL DEFAULT 0,
  last_seen      BIGINT NOT NULL DEFAULT 0,
  count          BIGINT NOT NULL DEFAULT 0,
  raw            TEXT NOT NULL,
  UNIQUE (stix_id, collection_id, modified)
);
CREATE INDEX objects_added ON objects(collection_id, date_added, pk);
CREATE INDEX objects_type_added ON objects(collection_id, type, date_added, pk);
CREATE INDEX objects_global_added ON objects(date_added, pk);
CREATE INDEX objects_ref ON objects(ref) WHERE ref <> '';

CREATE TABLE object_recipients (
  object_pk BIGINT NOT NULL REFERENCES objects(pk) ON DELETE CASCADE,
  org_id    TEXT,
  group_id  TEXT,
  user_id   BIGINT
);
CREATE INDEX object_recipients_pk ON object_recipients(object_pk);

CREATE TABLE statuses (
  id            TEXT PRIMARY KEY,
  collection_id TEXT NOT NULL,
  user_id       BIGINT NOT NULL,
  status        TEXT NOT NULL,           -- pending | complete
  total         INTEGER NOT NULL DEFAULT 0,
  success       INTEGER NOT NULL DEFAULT 0,
  failure       INTEGER NOT NULL DEFAULT 0,
  pending       INTEGER NOT NULL DEFAULT 0,
  created_at    BIGINT NOT NULL,
  updated_at    BIGINT NOT NULL
);

CREATE TABLE status_details (
  status_id TEXT NOT NULL REFERENCES statuses(id) ON DELETE CASCADE,
  kind      TEXT NOT NULL,               -- success | failure | pending
  stix_id   TEXT NOT NULL,
  version   TEXT NOT NULL DEFAULT '',
  message   TEXT NOT NULL DEFAULT ''
);
CREATE INDEX status_details_status ON status_details(status_id);

CREATE TABLE alerts (
  id         INTEGER PRIMARY KEY,
  org_id     TEXT NOT NULL,
  kind       TEXT NOT NULL,
  severity   TEXT NOT NULL DEFAULT 'info',
  title      TEXT NOT NULL,
  body       TEXT NOT NULL DEFAULT '',
  object_ref TEXT NOT NULL DEFAULT '',
  data       TEXT NOT NULL DEFAULT '{}',
  created_at BIGINT NOT NULL,
  read_at    BIGINT NOT NULL DEFAULT 0
);
CREATE INDEX alerts_org ON alerts(org_id, id);

CREATE TABLE webhooks (
  id         INTEGER PRIMARY KEY,
  org_id     TEXT NOT NULL,
  url        TEXT NOT NULL,
  secret     TEXT NOT NULL,
  active     INTEGER NOT NULL DEFAULT 1,
  created_at BIGINT NOT NULL
);

CREATE TABLE deliveries (
  id          INTEGER PRIMARY KEY,
  webhook_id  BIGINT NOT NULL REFERENCES webhooks(id) ON DELETE CASCADE,
  alert_id    BIGINT NOT NULL REFERENCES alerts(id) ON DELETE CASCADE,
  state       TEXT NOT NULL DEFAULT 'pending',   -- pending | delivered | dead
  attempts    INTEGER NOT NULL DEFAULT 0,
  next_at     BIGINT NOT NULL,
  last_error  TEXT NOT NULL DEFAULT '',
  updated_at  BIGINT NOT NULL
);
CREATE INDEX deliveries_due ON deliveries(state, next_at);

-- +goose Down
DROP TABLE deliveries; DROP TABLE webhooks; DROP TABLE alerts; DROP TABLE status_details;
DROP TABLE statuses; DROP TABLE object_recipients; DROP TABLE objects; DROP TABLE collections;
DROP TABLE sessions; DROP TABLE tokens; DROP TABLE users; DROP TABLE group_orgs;
DROP TABLE group_members; DROP TABLE groups; DROP TABLE orgs; DROP TABLE settings;
