-- +goose Up
-- Sign-in as organizations expect (issue 18 point 9): OpenID Connect
-- providers the center configures, the claim mappings that say which
-- organization and role a provider's user is, the identities linked to
-- accounts, the login flows under way; passkeys (WebAuthn) as the second
-- factor, which a session records once given; client certificates that
-- machine clients present instead of a token.
CREATE TABLE oidc_providers (
  name        TEXT PRIMARY KEY,            -- the short name in /login/oidc/{name}
  issuer      TEXT NOT NULL,
  client_id   TEXT NOT NULL,
  secret_ref  TEXT NOT NULL DEFAULT '',    -- where the client secret is read (env:NAME, file:PATH); never the secret
  scopes      TEXT NOT NULL DEFAULT '',    -- space-separated, besides openid
  login_claim TEXT NOT NULL DEFAULT '',    -- the claim a new account's login is made from
  disabled    INTEGER NOT NULL DEFAULT 0,
  created_at  BIGINT NOT NULL
);

-- A mapping holds when every one of its conditions (claim=value lines)
-- holds for the ID token's claims; the first that holds, by position, says
-- the organization and role, and whether an account may be made.
CREATE TABLE oidc_mappings (
  public_id       TEXT PRIMARY KEY,
  provider        TEXT NOT NULL REFERENCES oidc_providers(name) ON DELETE CASCADE,
  position        BIGINT NOT NULL,
  conditions      TEXT NOT NULL,
  org_id          TEXT NOT NULL,
  role            TEXT NOT NULL,
  create_accounts INTEGER NOT NULL DEFAULT 0,
  created_at      BIGINT NOT NULL
);
CREATE INDEX oidc_mappings_provider ON oidc_mappings(provider, position);

CREATE TABLE oidc_identities (
  provider   TEXT NOT NULL,
  subject    TEXT NOT NULL,
  user_id    BIGINT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  created_at BIGINT NOT NULL,
  PRIMARY KEY (provider, subject)
);

CREATE TABLE oidc_flows (
  state_hash TEXT PRIMARY KEY,             -- SHA-256 of the state; the browser holds the state in a cookie
  provider   TEXT NOT NULL,
  nonce      TEXT NOT NULL,
  verifier   TEXT NOT NULL,                -- the PKCE code verifier
  next       TEXT NOT NULL DEFAULT '/',
  expires_at BIGINT NOT NULL
);

CREATE TABLE passkeys (
  id            INTEGER PRIMARY KEY,
  public_id     TEXT NOT NULL UNIQUE,
  user_id       BIGINT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  credential_id TEXT NOT NULL UNIQUE,      -- base64url
  credential    TEXT NOT NULL,             -- the public key, sign count and flags (JSON)
  name          TEXT NOT NULL DEFAULT '',
  created_at    BIGINT NOT NULL,
  used_at       BIGINT NOT NULL DEFAULT 0
);
CREATE INDEX passkeys_user ON passkeys(user_id);

ALTER TABLE sessions ADD COLUMN passkey_at BIGINT NOT NULL DEFAULT 0;  -- when the second factor was given; 0: not yet
ALTER TABLE sessions ADD COLUMN ceremony TEXT NOT NULL DEFAULT '';     -- the WebAuthn ceremony under way (its challenge)

CREATE TABLE client_certs (
  id          INTEGER PRIMARY KEY,
  public_id   TEXT NOT NULL UNIQUE,
  user_id     BIGINT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  spki_sha256 TEXT NOT NULL UNIQUE,        -- hex SHA-256 of the certificate's SubjectPublicKeyInfo
  name        TEXT NOT NULL DEFAULT '',
  read_only   INTEGER NOT NULL DEFAULT 0,
  created_at  BIGINT NOT NULL,
  revoked_at  BIGINT NOT NULL DEFAULT 0
);

-- +goose Down
DROP TABLE client_certs;
ALTER TABLE sessions DROP COLUMN ceremony;
ALTER TABLE sessions DROP COLUMN passkey_at;
DROP TABLE passkeys;
DROP TABLE oidc_flows;
DROP TABLE oidc_identities;
DROP TABLE oidc_mappings;
DROP TABLE oidc_providers;
