package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"
)

// Sign-in (issue 18 point 9): OpenID Connect providers and their claim
// mappings, identities linked to accounts, login flows under way, passkeys,
// and client certificates. Package signin holds the rules; these are its
// rows.

// OIDCProvider is an identity provider the center configured. The client
// secret is never stored: SecretRef says where it is read (env:NAME or
// file:PATH).
type OIDCProvider struct {
	Name       string    `json:"name"`
	Issuer     string    `json:"issuer"`
	ClientID   string    `json:"client_id"`
	SecretRef  string    `json:"secret_ref"`
	Scopes     []string  `json:"scopes"`
	LoginClaim string    `json:"login_claim"`
	Disabled   bool      `json:"disabled"`
	Created    time.Time `json:"created"`
}

// OIDCMapping says which organization and role a provider's user is when
// every condition holds for the claims of its ID token.
type OIDCMapping struct {
	PublicID   string           `json:"id"`
	Provider   string           `json:"provider"`
	Position   int64            `json:"position"`
	Conditions []ClaimCondition `json:"conditions"`
	OrgID      string           `json:"org"`
	Role       string           `json:"role"`
	Create     bool             `json:"create_accounts"`
	Created    time.Time        `json:"created"`
}

// ClaimCondition is one condition of a mapping: the claim Claim has the
// value Value (or, for a list, holds it).
type ClaimCondition struct {
	Claim string `json:"claim"`
	Value string `json:"value"`
}

// String is the condition as written: claim=value.
func (c ClaimCondition) String() string { return c.Claim + "=" + c.Value }

const oidcProviderCols = "name, issuer, client_id, secret_ref, scopes, login_claim, disabled, created_at"

func scanOIDCProvider(r interface{ Scan(...any) error }) (OIDCProvider, error) {
	var p OIDCProvider
	var scopes string
	var disabled int
	var created int64
	err := r.Scan(&p.Name, &p.Issuer, &p.ClientID, &p.SecretRef, &scopes, &p.LoginClaim, &disabled, &created)
	p.Scopes, p.Disabled, p.Created = strings.Fields(scopes), disabled != 0, FromMicros(created)
	return p, err
}

// PutOIDCProvider adds a provider or replaces the one of the same name
// (its mappings and linked identities stay).
func (db *DB) PutOIDCProvider(ctx context.Context, p OIDCProvider) error {
	_, err := db.Exec(ctx, `INSERT INTO oidc_providers(`+oidcProviderCols+`) VALUES(?, ?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT(name) DO UPDATE SET issuer = excluded.issuer, client_id = excluded.client_id, secret_ref = excluded.secret_ref,
		scopes = excluded.scopes, login_claim = excluded.login_claim, disabled = excluded.disabled`,
		p.Name, p.Issuer, p.ClientID, p.SecretRef, strings.Join(p.Scopes, " "), p.LoginClaim, BoolInt(p.Disabled), Micros(p.Created))
	if err != nil {
		return fmt.Errorf("store OIDC provider %s: %w", p.Name, err)
	}
	return nil
}

// OIDCProvider finds a provider by name.
func (db *DB) OIDCProvider(ctx context.Context, name string) (OIDCProvider, error) {
	p, err := scanOIDCProvider(db.QueryRow(ctx, "SELECT "+oidcProviderCols+" FROM oidc_providers WHERE name = ?", name))
	if errors.Is(err, sql.ErrNoRows) {
		return p, fmt.Errorf("OIDC provider %q: %w", name, ErrNotFound)
	}
	return p, err
}

// OIDCProviders lists the providers by name.
func (db *DB) OIDCProviders(ctx context.Context) ([]OIDCProvider, error) {
	return queryAll(ctx, db, "list OIDC providers", scanOIDCProvider, "SELECT "+oidcProviderCols+" FROM oidc_providers ORDER BY name")
}

// DeleteOIDCProvider removes a provider, its mappings and the identities
// linked through it (the accounts stay).
func (db *DB) DeleteOIDCProvider(ctx context.Context, name string) error {
	return db.InTx(ctx, func(tx *Tx) error {
		if _, err := tx.Exec(ctx, "DELETE FROM oidc_identities WHERE provider = ?", name); err != nil {
			return fmt.Errorf("unlink identities of %s: %w", name, err)
		}
		if _, err := tx.Exec(ctx, "DELETE FROM oidc_mappings WHERE provider = ?", name); err != nil {
			return fmt.Errorf("delete mappings of %s: %w", name, err)
		}
		res, err := tx.Exec(ctx, "DELETE FROM oidc_providers WHERE name = ?", name)
		if err != nil {
			return fmt.Errorf("delete OIDC provider %s: %w", name, err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return fmt.Errorf("OIDC provider %q: %w", name, ErrNotFound)
		}
		return nil
	})
}

const oidcMappingCols = "public_id, provider, position, conditions, org_id, role, create_accounts, created_at"

func scanOIDCMapping(r interface{ Scan(...any) error }) (OIDCMapping, error) {
	var m OIDCMapping
	var conds string
	var create int
	var created int64
	err := r.Scan(&m.PublicID, &m.Provider, &m.Position, &conds, &m.OrgID, &m.Role, &create, &created)
	m.Create, m.Created = create != 0, FromMicros(created)
	for _, line := range strings.Split(conds, "\n") {
		if claim, value, ok := strings.Cut(line, "="); ok {
			m.Conditions = append(m.Conditions, ClaimCondition{Claim: claim, Value: value})
		}
	}
	return m, err
}

// AddOIDCMapping adds a mapping after the provider's others, with a new
// public id, and returns it.
func (db *DB) AddOIDCMapping(ctx context.Context, m OIDCMapping) (OIDCMapping, error) {
	m.PublicID = NewPublicID()
	lines := make([]string, len(m.Conditions))
	for i, c := range m.Conditions {
		lines[i] = c.String()
	}
	err := db.InTx(ctx, func(tx *Tx) error {
		if err := tx.QueryRow(ctx, "SELECT COALESCE(MAX(position), 0) + 1 FROM oidc_mappings WHERE provider = ?", m.Provider).Scan(&m.Position); err != nil {
			return err
		}
		_, err := tx.Exec(ctx, "INSERT INTO oidc_mappings("+oidcMappingCols+") VALUES(?, ?, ?, ?, ?, ?, ?, ?)",
			m.PublicID, m.Provider, m.Position, strings.Join(lines, "\n"), m.OrgID, m.Role, BoolInt(m.Create), Micros(m.Created))
		return err
	})
	if err != nil {
		return m, fmt.Errorf("add OIDC mapping of %s: %w", m.Provider, err)
	}
	return m, nil
}

// OIDCMappings lists a provider's mappings in the order they are tried
// (all providers' when provider is "").
func (db *DB) OIDCMappings(ctx context.Context, provider string) ([]OIDCMapping, error) {
	if provider == "" {
		return queryAll(ctx, db, "list OIDC mappings", scanOIDCMapping, "SELECT "+oidcMappingCols+" FROM oidc_mappings ORDER BY provider, position")
	}
	return queryAll(ctx, db, "list OIDC mappings", scanOIDCMapping, "SELECT "+oidcMappingCols+" FROM oidc_mappings WHERE provider = ? ORDER BY position", provider)
}

// OIDCMapping finds a mapping by its public id.
func (db *DB) OIDCMapping(ctx context.Context, id string) (OIDCMapping, error) {
	if !ValidPublicID(id) {
		return OIDCMapping{}, fmt.Errorf("OIDC mapping %q: %w", id, ErrNotFound)
	}
	m, err := scanOIDCMapping(db.QueryRow(ctx, "SELECT "+oidcMappingCols+" FROM oidc_mappings WHERE public_id = ?", id))
	if errors.Is(err, sql.ErrNoRows) {
		return m, fmt.Errorf("OIDC mapping %q: %w", id, ErrNotFound)
	}
	return m, err
}

// DeleteOIDCMapping removes a mapping.
func (db *DB) DeleteOIDCMapping(ctx context.Context, id string) error {
	res, err := db.Exec(ctx, "DELETE FROM oidc_mappings WHERE public_id = ?", id)
	if err != nil {
		return fmt.Errorf("delete OIDC mapping %s: %w", id, err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return fmt.Errorf("OIDC mapping %q: %w", id, ErrNotFound)
	}
	return nil
}

// OIDCIdentity is the account a provider's subject is linked to; 0 when none.
func (db *DB) OIDCIdentity(ctx context.Context, provider, subject string) (int64, error) {
	var id int64
	err := db.QueryRow(ctx, "SELECT user_id FROM oidc_identities WHERE provider = ? AND subject = ?", provider, subject).Scan(&id)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, nil
	}
	if err != nil {
		return 0, fmt.Errorf("look up OIDC identity: %w", err)
	}
	return id, nil
}

// LinkOIDCIdentity links a provider's subject to an account.
func (db *DB) LinkOIDCIdentity(ctx context.Context, provider, subject string, userID int64, at time.Time) error {
	if _, err := db.Exec(ctx, "INSERT INTO oidc_identities(provider, subject, user_id, created_at) VALUES(?, ?, ?, ?)", provider, subject, userID, Micros(at)); err != nil {
		return fmt.Errorf("link OIDC identity: %w", err)
	}
	return nil
}

// OIDCFlow is a login under way at a provider: what the callback checks.
type OIDCFlow struct {
	StateHash, Provider, Nonce, Verifier, Next string
	Expires                                    time.Time
}

// AddOIDCFlow stores a login under way, and sweeps the expired ones.
func (db *DB) AddOIDCFlow(ctx context.Context, f OIDCFlow, now time.Time) error {
	if _, err := db.Exec(ctx, "DELETE FROM oidc_flows WHERE expires_at <= ?", Micros(now)); err != nil {
		return fmt.Errorf("sweep OIDC flows: %w", err)
	}
	if _, err := db.Exec(ctx, "INSERT INTO oidc_flows(state_hash, provider, nonce, verifier, next, expires_at) VALUES(?, ?, ?, ?, ?, ?)",
		f.StateHash, f.Provider, f.Nonce, f.Verifier, f.Next, Micros(f.Expires)); err != nil {
		return fmt.Errorf("store OIDC flow: %w", err)
	}
	return nil
}

// TakeOIDCFlow removes and returns the flow of a state, once: a second
// callback with the same state finds nothing.
func (db *DB) TakeOIDCFlow(ctx context.Context, stateHash string, now time.Time) (OIDCFlow, error) {
	var f OIDCFlow
	err := db.InTx(ctx, func(tx *Tx) error {
		var exp int64
		err := tx.QueryRow(ctx, "SELECT state_hash, provider, nonce, verifier, next, expires_at FROM oidc_flows WHERE state_hash = ?", stateHash).
			Scan(&f.StateHash, &f.Provider, &f.Nonce, &f.Verifier, &f.Next, &exp)
		if errors.Is(err, sql.ErrNoRows) {
			return fmt.Errorf("OIDC flow: %w", ErrNotFound)
		}
		if err != nil {
			return err
		}
		f.Expires = FromMicros(exp)
		if _, err := tx.Exec(ctx, "DELETE FROM oidc_flows WHERE state_hash = ?", stateHash); err != nil {
			return err
		}
		if !now.Before(f.Expires) {
			return fmt.Errorf("OIDC flow expired: %w", ErrNotFound)
		}
		return nil
	})
	return f, err
}

// Passkey is a WebAuthn credential of a user: Credential is the library's
// record of it (public key, sign count, flags) as JSON.
type Passkey struct {
	ID           int64     `json:"-"`
	PublicID     string    `json:"id"`
	UserID       int64     `json:"-"`
	CredentialID string    `json:"-"` // base64url
	Credential   string    `json:"-"`
	Name         string    `json:"name"`
	Created      time.Time `json:"created"`
	Used         time.Time `json:"used"`
}

const passkeyCols = "id, public_id, user_id, credential_id, credential, name, created_at, used_at"

func scanPasskey(r interface{ Scan(...any) error }) (Passkey, error) {
	var p Passkey
	var c, u int64
	err := r.Scan(&p.ID, &p.PublicID, &p.UserID, &p.CredentialID, &p.Credential, &p.Name, &c, &u)
	p.Created, p.Used = FromMicros(c), FromMicros(u)
	return p, err
}

// AddPasskey stores a user's new passkey and returns its public id.
func (db *DB) AddPasskey(ctx context.Context, p Passkey) (string, error) {
	p.PublicID = NewPublicID()
	if _, err := db.Exec(ctx, "INSERT INTO passkeys(public_id, user_id, credential_id, credential, name, created_at, used_at) VALUES(?, ?, ?, ?, ?, ?, 0)",
		p.PublicID, p.UserID, p.CredentialID, p.Credential, p.Name, Micros(p.Created)); err != nil {
		return "", fmt.Errorf("store passkey: %w", err)
	}
	return p.PublicID, nil
}

// Passkeys lists a user's passkeys, oldest first.
func (db *DB) Passkeys(ctx context.Context, userID int64) ([]Passkey, error) {
	return queryAll(ctx, db, "list passkeys", scanPasskey, "SELECT "+passkeyCols+" FROM passkeys WHERE user_id = ? ORDER BY id", userID)
}

// UsePasskey records a passkey's use and its new credential state (the
// sign count the authenticator reported).
func (db *DB) UsePasskey(ctx context.Context, id int64, credential string, at time.Time) error {
	if _, err := db.Exec(ctx, "UPDATE passkeys SET credential = ?, used_at = ? WHERE id = ?", credential, Micros(at), id); err != nil {
		return fmt.Errorf("record passkey use: %w", err)
	}
	return nil
}

// DeletePasskey removes one of a user's passkeys.
func (db *DB) DeletePasskey(ctx context.Context, userID int64, publicID string) error {
	res, err := db.Exec(ctx, "DELETE FROM passkeys WHERE user_id = ? AND public_id = ?", userID, publicID)
	if err != nil {
		return fmt.Errorf("delete passkey: %w", err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return fmt.Errorf("passkey %q: %w", publicID, ErrNotFound)
	}
	return nil
}

// SetSessionCeremony keeps the WebAuthn ceremony under way in a session
// ("" when none).
func (db *DB) SetSessionCeremony(ctx context.Context, hash, ceremony string) error {
	if _, err := db.Exec(ctx, "UPDATE sessions SET ceremony = ? WHERE hash = ?", ceremony, hash); err != nil {
		return fmt.Errorf("keep WebAuthn ceremony: %w", err)
	}
	return nil
}

// SessionPasskeyGiven records that a session's user gave the second
// factor, and ends the ceremony.
func (db *DB) SessionPasskeyGiven(ctx context.Context, hash string, at time.Time) error {
	if _, err := db.Exec(ctx, "UPDATE sessions SET passkey_at = ?, ceremony = '' WHERE hash = ?", Micros(at), hash); err != nil {
		return fmt.Errorf("record second factor: %w", err)
	}
	return nil
}

// ClientCert is a client certificate registered to an account (a machine
// identity of an organization): a request over TLS presenting a
// certificate with this public key is that account, as with a token.
type ClientCert struct {
	ID       int64     `json:"-"`
	PublicID string    `json:"id"`
	UserID   int64     `json:"-"`
	Login    string    `json:"login"`
	SPKI     string    `json:"spki_sha256"`
	Name     string    `json:"name"`
	ReadOnly bool      `json:"read_only"`
	Created  time.Time `json:"created"`
	Revoked  time.Time `json:"revoked"`
}

const clientCertCols = "c.id, c.public_id, c.user_id, u.login, c.spki_sha256, c.name, c.read_only, c.created_at, c.revoked_at"

func scanClientCert(r interface{ Scan(...any) error }) (ClientCert, error) {
	var c ClientCert
	var ro int
	var cr, rv int64
	err := r.Scan(&c.ID, &c.PublicID, &c.UserID, &c.Login, &c.SPKI, &c.Name, &ro, &cr, &rv)
	c.ReadOnly, c.Created, c.Revoked = ro != 0, FromMicros(cr), FromMicros(rv)
	return c, err
}

// AddClientCert registers a certificate's public key to an account and
// returns the record with its public id.
func (db *DB) AddClientCert(ctx context.Context, c ClientCert) (ClientCert, error) {
	c.PublicID = NewPublicID()
	if _, err := db.Exec(ctx, "INSERT INTO client_certs(public_id, user_id, spki_sha256, name, read_only, created_at) VALUES(?, ?, ?, ?, ?, ?)",
		c.PublicID, c.UserID, c.SPKI, c.Name, BoolInt(c.ReadOnly), Micros(c.Created)); err != nil {
		return c, fmt.Errorf("register client certificate: %w", err)
	}
	return c, nil
}

// ClientCertBySPKI finds the certificate registered with a public key hash.
func (db *DB) ClientCertBySPKI(ctx context.Context, spki string) (ClientCert, error) {
	c, err := scanClientCert(db.QueryRow(ctx, "SELECT "+clientCertCols+" FROM client_certs c JOIN users u ON u.id = c.user_id WHERE c.spki_sha256 = ?", spki))
	if errors.Is(err, sql.ErrNoRows) {
		return c, fmt.Errorf("client certificate: %w", ErrNotFound)
	}
	return c, err
}

// ClientCertByPublicID finds a registered certificate by its public id.
func (db *DB) ClientCertByPublicID(ctx context.Context, id string) (ClientCert, error) {
	if !ValidPublicID(id) {
		return ClientCert{}, fmt.Errorf("client certificate %q: %w", id, ErrNotFound)
	}
	c, err := scanClientCert(db.QueryRow(ctx, "SELECT "+clientCertCols+" FROM client_certs c JOIN users u ON u.id = c.user_id WHERE c.public_id = ?", id))
	if errors.Is(err, sql.ErrNoRows) {
		return c, fmt.Errorf("client certificate %q: %w", id, ErrNotFound)
	}
	return c, err
}

// ClientCerts lists registered certificates, of the users of one
// organization when orgID is not empty.
func (db *DB) ClientCerts(ctx context.Context, orgID string) ([]ClientCert, error) {
	q, args := "SELECT "+clientCertCols+" FROM client_certs c JOIN users u ON u.id = c.user_id", []any{}
	if orgID != "" {
		q, args = q+" WHERE u.org_id = ?", append(args, orgID)
	}
	return queryAll(ctx, db, "list client certificates", scanClientCert, q+" ORDER BY c.id", args...)
}

// RevokeClientCert revokes a certificate from now on. It is a change of
// ChangeAuth: every node forgets the credentials it remembers, at once.
func (db *DB) RevokeClientCert(ctx context.Context, id int64, at time.Time) error {
	return db.inTxChanged(ctx, ChangeAuth, func(tx *Tx) error {
		res, err := tx.Exec(ctx, "UPDATE client_certs SET revoked_at = ? WHERE id = ? AND revoked_at = 0", Micros(at), id)
		if err != nil {
			return fmt.Errorf("revoke client certificate %d: %w", id, err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return fmt.Errorf("client certificate %d: %w (or already revoked)", id, ErrNotFound)
		}
		return nil
	})
}
