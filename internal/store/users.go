package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"
)

// User is a person (or a machine account) of a member organization.
type User struct {
	ID int64 // the row id: a sequence over every organization's users, never shown outside the hub
	// PublicID is the user's id outside the hub (API, console forms, audit
	// entries): 128 random bits in hex (NewPublicID), so that two users of
	// one organization tell nothing of how many others were added between.
	PublicID     string
	Login        string
	OrgID        string
	Role         string
	PasswordHash string
	Disabled     bool
	Lang         string
	Created      time.Time
	// CreatedBy is the login that created the account ("" for the hub's
	// bootstrap); nobody decides a request of the account that created them.
	CreatedBy string
	// Pending marks an overseer account the committee has not confirmed
	// yet: it cannot log in nor use tokens. ConfirmedBy is who confirmed it.
	Pending     bool
	ConfirmedBy string
	// Capabilities are rights given to the user beyond its role
	// (policy.Capabilities), by its organization's administrator.
	Capabilities []string
	// RetireProposedBy is the member of the committee who proposed
	// retiring this account, with RetireReason and RetireProposedAt; a
	// different member confirms (hub.RetireOverseer).
	RetireProposedBy string
	RetireReason     string
	RetireProposedAt time.Time
	// TimeZone is the IANA name of the zone the console shows this user
	// times in (SetUserTimeZone); empty is Japan Standard Time.
	TimeZone string
}

// AddUser stores a new user and returns its id.
func (db *DB) AddUser(ctx context.Context, u User) (int64, error) {
	var id int64
	if u.PublicID == "" {
		u.PublicID = NewPublicID()
	}
	err := db.QueryRow(ctx, "INSERT INTO users(login, org_id, role, password_hash, lang, created_at, created_by, pending, public_id) VALUES(?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
		u.Login, u.OrgID, u.Role, u.PasswordHash, u.Lang, Micros(u.Created), u.CreatedBy, BoolInt(u.Pending), u.PublicID).Scan(&id)
	if err != nil {
		return 0, fmt.Errorf("add user %q: %w", u.Login, err)
	}
	return id, nil
}

const userCols = "id, public_id, login, org_id, role, password_hash, disabled, lang, created_at, created_by, pending, confirmed_by, retire_proposed_by, retire_reason, retire_proposed_at, capabilities, time_zone"

func scanUser(row interface{ Scan(...any) error }) (User, error) {
	var u User
	var dis, pend int
	var c, rp int64
	var caps string
	err := row.Scan(&u.ID, &u.PublicID, &u.Login, &u.OrgID, &u.Role, &u.PasswordHash, &dis, &u.Lang, &c, &u.CreatedBy, &pend, &u.ConfirmedBy,
		&u.RetireProposedBy, &u.RetireReason, &rp, &caps, &u.TimeZone)
	if caps != "" {
		u.Capabilities = strings.Split(caps, ",")
	}
	u.Disabled, u.Created, u.Pending, u.RetireProposedAt = dis != 0, FromMicros(c), pend != 0, FromMicros(rp)
	return u, err
}

// UserByLogin finds a user by login.
func (db *DB) UserByLogin(ctx context.Context, login string) (User, error) {
	u, err := scanUser(db.QueryRow(ctx, "SELECT "+userCols+" FROM users WHERE login = ?", login))
	if errors.Is(err, sql.ErrNoRows) {
		return u, fmt.Errorf("user %q: %w", login, ErrNotFound)
	}
	return u, err
}

// UserByID finds a user by id.
func (db *DB) UserByID(ctx context.Context, id int64) (User, error) {
	u, err := scanUser(db.QueryRow(ctx, "SELECT "+userCols+" FROM users WHERE id = ?", id))
	if errors.Is(err, sql.ErrNoRows) {
		return u, fmt.Errorf("user %d: %w", id, ErrNotFound)
	}
	return u, err
}

// UserByPublicID finds a user by its public id; anything that is not one
// (a row id above all) is not found.
func (db *DB) UserByPublicID(ctx context.Context, id string) (User, error) {
	if !ValidPublicID(id) {
		return User{}, fmt.Errorf("user %q: %w", id, ErrNotFound)
	}
	u, err := scanUser(db.QueryRow(ctx, "SELECT "+userCols+" FROM users WHERE public_id = ?", id))
	if errors.Is(err, sql.ErrNoRows) {
		return u, fmt.Errorf("user %q: %w", id, ErrNotFound)
	}
	return u, err
}

// Users lists users, of one organization when orgID is not empty.
func (db *DB) Users(ctx context.Context, orgID string) ([]User, error) {
	q, args := "SELECT "+userCols+" FROM users ORDER BY login", []any{}
	if orgID != "" {
		q, args = "SELECT "+userCols+" FROM users WHERE org_id = ? ORDER BY login", []any{orgID}
	}
	return queryAll(ctx, db, "list users", scanUser, q, args...)
}

// UpdateUser changes a user's role, password hash, disabled flag, language
// and capabilities.
// It is a change of ChangeAuth: every node forgets the credentials it
// remembers.
func (db *DB) UpdateUser(ctx context.Context, u User) error {
	return db.inTxChanged(ctx, ChangeAuth, func(tx *Tx) error {
		_, err := tx.Exec(ctx, "UPDATE users SET role = ?, password_hash = ?, disabled = ?, lang = ?, capabilities = ? WHERE id = ?",
			u.Role, u.PasswordHash, BoolInt(u.Disabled), u.Lang, strings.Join(u.Capabilities, ","), u.ID)
		return err
	})
}

// SetUserTimeZone sets the zone a user reads times in: an IANA name the
// caller has checked, or "" for Japan Standard Time.
func (db *DB) SetUserTimeZone(ctx context.Context, id int64, zone string) error {
	res, err := db.Exec(ctx, "UPDATE users SET time_zone = ? WHERE id = ?", zone, id)
	if err != nil {
		return fmt.Errorf("set the time zone of user %d: %w", id, err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return fmt.Errorf("user %d: %w", id, ErrNotFound)
	}
	return nil
}

// ConfirmUser activates a pending account, recording who confirmed it, and
// sets its first password hash. It fails when the account is not pending.
func (db *DB) ConfirmUser(ctx context.Context, id int64, by, passwordHash string) error {
	res, err := db.Exec(ctx, "UPDATE users SET pending = 0, confirmed_by = ?, password_hash = ? WHERE id = ? AND pending = 1", by, passwordHash, id)
	if err != nil {
		return fmt.Errorf("confirm user %d: %w", id, err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return fmt.Errorf("user %d: %w (or already confirmed)", id, ErrNotFound)
	}
	return nil
}

// ProposeRetirement records a committee member's proposal to retire an
// active account. It fails when the account is disabled or a retirement is
// proposed for it already.
func (db *DB) ProposeRetirement(ctx context.Context, id int64, by, reason string, at time.Time) error {
	res, err := db.Exec(ctx, "UPDATE users SET retire_proposed_by = ?, retire_reason = ?, retire_proposed_at = ? WHERE id = ? AND disabled = 0 AND retire_proposed_by = ''",
		by, reason, Micros(at), id)
	if err != nil {
		return fmt.Errorf("propose retirement of user %d: %w", id, err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return fmt.Errorf("user %d: %w (or retired, or proposed already)", id, ErrNotFound)
	}
	return nil
}

// ClearRetirement removes the proposal proposedBy made to retire an
// account (withdrawn by its proposer, or expired). It fails when the account
// carries no such proposal any more.
func (db *DB) ClearRetirement(ctx context.Context, id int64, proposedBy string) error {
	res, err := db.Exec(ctx, "UPDATE users SET retire_proposed_by = '', retire_reason = '', retire_proposed_at = 0 WHERE id = ? AND disabled = 0 AND retire_proposed_by = ?", id, proposedBy)
	if err != nil {
		return fmt.Errorf("clear the retirement proposal of user %d: %w", id, err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return fmt.Errorf("user %d: %w (or retired, or the proposal changed)", id, ErrNotFound)
	}
	return nil
}

// RetireUser disables an account whose retirement proposedBy proposed; it
// fails when the proposal is no longer the one confirmed.
func (db *DB) RetireUser(ctx context.Context, id int64, proposedBy string) error {
	res, err := db.Exec(ctx, "UPDATE users SET disabled = 1 WHERE id = ? AND disabled = 0 AND retire_proposed_by = ?", id, proposedBy)
	if err != nil {
		return fmt.Errorf("retire user %d: %w", id, err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return fmt.Errorf("user %d: %w (or retired, or the proposal changed)", id, ErrNotFound)
	}
	return nil
}

// Token is an API token. Only its SHA-256 hash is stored.
type Token struct {
	ID int64 // the row id: a sequence over every user's tokens, never shown outside the hub
	// PublicID is the token's id outside the hub (API, console forms,
	// audit entries): 128 random bits in hex, as User.PublicID.
	PublicID string
	UserID   int64
	Hash     string
	Name     string
	ReadOnly bool
	Expires  time.Time // zero: never
	Revoked  time.Time // zero: not revoked
	Created  time.Time
	LastUsed time.Time
}

// AddToken stores a token's hash and returns its id.
func (db *DB) AddToken(ctx context.Context, t Token) (int64, error) {
	var id int64
	if t.PublicID == "" {
		t.PublicID = NewPublicID()
	}
	err := db.QueryRow(ctx, "INSERT INTO tokens(user_id, hash, name, read_only, expires_at, created_at, public_id) VALUES(?, ?, ?, ?, ?, ?, ?) RETURNING id",
		t.UserID, t.Hash, t.Name, BoolInt(t.ReadOnly), Micros(t.Expires), Micros(t.Created), t.PublicID).Scan(&id)
	if err != nil {
		return 0, fmt.Errorf("add token: %w", err)
	}
	return id, nil
}

const tokenCols = "id, public_id, user_id, hash, name, read_only, expires_at, revoked_at, created_at, last_used_at"

func scanToken(row interface{ Scan(...any) error }) (Token, error) {
	var t Token
	var ro int
	var e, r, c, l int64
	err := row.Scan(&t.ID, &t.PublicID, &t.UserID, &t.Hash, &t.Name, &ro, &e, &r, &c, &l)
	t.ReadOnly = ro != 0
	t.Expires, t.Revoked, t.Created, t.LastUsed = FromMicros(e), FromMicros(r), FromMicros(c), FromMicros(l)
	return t, err
}

// TokenByHash finds a token by the hash of its secret.
func (db *DB) TokenByHash(ctx context.Context, hash string) (Token, error) {
	t, err := scanToken(db.QueryRow(ctx, "SELECT "+tokenCols+" FROM tokens WHERE hash = ?", hash))
	if errors.Is(err, sql.ErrNoRows) {
		return t, fmt.Errorf("token: %w", ErrNotFound)
	}
	return t, err
}

// Tokens lists a user's tokens, or every token when userID is 0.
func (db *DB) Tokens(ctx context.Context, userID int64) ([]Token, error) {
	q, args := "SELECT "+tokenCols+" FROM tokens ORDER BY id", []any{}
	if userID != 0 {
		q, args = "SELECT "+tokenCols+" FROM tokens WHERE user_id = ? ORDER BY id", []any{userID}
	}
	return queryAll(ctx, db, "list tokens", scanToken, q, args...)
}

// RevokeToken revokes a token from now on. It is a change of ChangeAuth:
// every node forgets the tokens it remembers, this one among them.
func (db *DB) RevokeToken(ctx context.Context, id int64, at time.Time) error {
	return db.inTxChanged(ctx, ChangeAuth, func(tx *Tx) error {
		res, err := tx.Exec(ctx, "UPDATE tokens SET revoked_at = ? WHERE id = ? AND revoked_at = 0", Micros(at), id)
		if err != nil {
			return fmt.Errorf("revoke token %d: %w", id, err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return fmt.Errorf("token %d: %w (or already revoked)", id, ErrNotFound)
		}
		return nil
	})
}

// TouchToken records that a token was used, at most once a minute per token.
func (db *DB) TouchToken(ctx context.Context, id int64, at time.Time) error {
	_, err := db.Exec(ctx, "UPDATE tokens SET last_used_at = ? WHERE id = ? AND last_used_at < ?", Micros(at), id, Micros(at.Add(-time.Minute)))
	return err
}

// Session is a web login. Only the hash of the cookie is stored.
type Session struct {
	Hash    string
	UserID  int64
	CSRF    string
	Expires time.Time
	Created time.Time
	// PasskeyAt is when the user gave the second factor (a passkey) in
	// this session; zero until then.
	PasskeyAt time.Time
	// Ceremony is the WebAuthn ceremony under way (package signin), "" when none.
	Ceremony string
}

// AddSession stores a session.
func (db *DB) AddSession(ctx context.Context, s Session) error {
	_, err := db.Exec(ctx, "INSERT INTO sessions(hash, user_id, csrf, expires_at, created_at) VALUES(?, ?, ?, ?, ?)",
		s.Hash, s.UserID, s.CSRF, Micros(s.Expires), Micros(s.Created))
	return err
}

// SessionByHash finds a session that has not expired at now.
func (db *DB) SessionByHash(ctx context.Context, hash string, now time.Time) (Session, error) {
	var s Session
	var e, c, p int64
	err := db.QueryRow(ctx, "SELECT hash, user_id, csrf, expires_at, created_at, passkey_at, ceremony FROM sessions WHERE hash = ? AND expires_at > ?", hash, Micros(now)).
		Scan(&s.Hash, &s.UserID, &s.CSRF, &e, &c, &p, &s.Ceremony)
	if errors.Is(err, sql.ErrNoRows) {
		return s, fmt.Errorf("session: %w", ErrNotFound)
	}
	s.Expires, s.Created, s.PasskeyAt = FromMicros(e), FromMicros(c), FromMicros(p)
	return s, err
}

// DeleteSession ends a session.
func (db *DB) DeleteSession(ctx context.Context, hash string) error {
	_, err := db.Exec(ctx, "DELETE FROM sessions WHERE hash = ?", hash)
	return err
}

// DeleteExpiredSessions removes sessions that expired before now.
func (db *DB) DeleteExpiredSessions(ctx context.Context, now time.Time) error {
	_, err := db.Exec(ctx, "DELETE FROM sessions WHERE expires_at <= ?", Micros(now))
	return err
}
