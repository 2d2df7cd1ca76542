// Package auth checks who is calling: passwords, API tokens and web sessions.
//
// Passwords are hashed with Argon2id; tokens and session cookies are random
// 256-bit secrets of which only a SHA-256 hash is stored, so that a copy of
// the database reveals no usable credential. Nothing here decides what a
// caller may see: that is package policy.
package auth

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"crypto/x509"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
	"unicode/utf8"

	"golang.org/x/crypto/argon2"

	"renkei/internal/policy"
	"renkei/internal/store"
)

// Argon2id parameters: OWASP's recommended minimum (19 MiB, 2 passes) made a
// little stronger; about 40 ms on the machines here.
const (
	argonTime    = 2
	argonMemory  = 32 * 1024
	argonThreads = 1
	argonKeyLen  = 32
)

// hashSlots bounds how many Argon2id computations run at once in this
// process. Each takes argonMemory KiB, so however many requests arrive —
// a spray of guesses at the login form — password checking holds at most
// cap(hashSlots) × 32 MiB; further checks wait their turn. Stored hashes
// whose parameters ask for more than maxArgonMemory are refused, not computed.
var hashSlots = make(chan struct{}, max(2, runtime.GOMAXPROCS(0)))

// Limits on the parameters of a stored hash that CheckPassword will compute:
// twice what HashPassword writes, so that parameters can be raised one day
// while an edited or hostile hash cannot make one check cost a gigabyte.
const (
	maxArgonMemory = 2 * argonMemory
	maxArgonTime   = 2 * argonTime
	maxArgonKeyLen = 64
)

// hashing counts Argon2id computations: running now, the most at once, and
// done in all (for tests and figures).
var hashing struct {
	running, peak, done atomic.Int64
}

// idKey computes an Argon2id key inside one of the hashSlots.
func idKey(password, salt []byte, t, m uint32, p uint8, keyLen uint32) []byte {
	hashSlots <- struct{}{}
	defer func() { <-hashSlots }()
	n := hashing.running.Add(1)
	defer hashing.running.Add(-1)
	for {
		peak := hashing.peak.Load()
		if n <= peak || hashing.peak.CompareAndSwap(peak, n) {
			break
		}
	}
	hashing.done.Add(1)
	return argon2.IDKey(password, salt, t, m, p, keyLen)
}

// cheapHashes is set by CheapHashesForTests.
var cheapHashes atomic.Bool

// cheapMemory is the Argon2id memory (KiB) of a test binary's hashes.
const cheapMemory = 64

// CheapHashesForTests makes HashPassword write Argon2id hashes of almost no
// cost (one pass over 64 KiB) for the rest of the process, so that test
// fixtures with many accounts spend their time on what they test, not on
// hashing. CheckPassword reads the cost from each hash, so nothing else
// changes. It panics outside a test binary: no server can be weakened by it.
func CheapHashesForTests() {
	if !testing.Testing() {
		panic("auth.CheapHashesForTests called outside a test binary")
	}
	cheapHashes.Store(true)
}

// HashPassword returns an encoded Argon2id hash of password.
func HashPassword(password string) (string, error) {
	if len(password) < 10 {
		return "", errors.New("password too short: use at least 10 characters")
	}
	if len(password) > 1024 {
		return "", errors.New("password too long: use at most 1024 characters")
	}
	salt := make([]byte, 16)
	if _, err := rand.Read(salt); err != nil {
		return "", err
	}
	t, m := uint32(argonTime), uint32(argonMemory)
	if cheapHashes.Load() {
		t, m = 1, cheapMemory
	}
	key := idKey([]byte(password), salt, t, m, argonThreads, argonKeyLen)
	return fmt.Sprintf("$argon2id$v=19$m=%d,t=%d,p=%d$%s$%s", m, t, argonThreads,
		base64.RawStdEncoding.EncodeToString(salt), base64.RawStdEncoding.EncodeToString(key)), nil
}

// CheckPassword reports whether password matches the encoded hash.
func CheckPassword(encoded, password string) bool {
	parts := strings.Split(encoded, "$")
	if len(parts) != 6 || parts[1] != "argon2id" {
		return false
	}
	var m, t uint32
	var p uint8
	if _, err := fmt.Sscanf(parts[3], "m=%d,t=%d,p=%d", &m, &t, &p); err != nil {
		return false
	}
	salt, err1 := base64.RawStdEncoding.DecodeString(parts[4])
	want, err2 := base64.RawStdEncoding.DecodeString(parts[5])
	if err1 != nil || err2 != nil || m > maxArgonMemory || t > maxArgonTime || t == 0 || p == 0 || p > 4 ||
		len(want) == 0 || len(want) > maxArgonKeyLen || len(salt) > 64 || len(password) > 1024 {
		return false
	}
	got := idKey([]byte(password), salt, t, m, p, uint32(len(want)))
	return subtle.ConstantTimeCompare(got, want) == 1
}

// tokenPrefix marks Renkei tokens so that secret scanners can find leaked ones.
const tokenPrefix = "rk_"

// NewSecret returns a new random secret (for a token, session or webhook) and
// the hash under which it is stored.
func NewSecret() (secret, hash string) {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		panic("crypto/rand: " + err.Error()) // cannot happen on supported systems
	}
	secret = tokenPrefix + base64.RawURLEncoding.EncodeToString(b)
	return secret, HashSecret(secret)
}

// HashSecret is the stored form of a token or session secret.
func HashSecret(secret string) string {
	h := sha256.Sum256([]byte(secret))
	return hex.EncodeToString(h[:])
}

// Caller is an authenticated request's user.
type Caller struct {
	User    store.User
	Org     store.Org
	TokenID int64 // 0 for a web session
	// CertID is the registered client certificate the request presented
	// over mutual TLS instead of a token (0 otherwise).
	CertID   int64
	ReadOnly bool
	Session  *store.Session
}

// SystemRole is the role of a caller that is no account: the hub acting on
// its own (retention, expiry, the start-up checks) or this machine's
// operator on the command line, recorded in the audit log under its own
// login ("renkei-retention", "cli:alice"). No stored user has it
// (policy.ParseRole refuses it).
const SystemRole = "system"

// System is the caller login acts as when it is no account but the hub
// itself or this machine's operator, seated in org.
func System(login string, org store.Org) Caller {
	return Caller{User: store.User{Login: login, Role: SystemRole}, Org: org}
}

// Viewer is how the access policy sees the caller: every decision on
// records (policy.MayRead, policy.MayWrite and the filters) is made from it.
// It leaves out the sharing groups of the caller's organization, which only
// objects are addressed through; hub.Viewer adds them. A caller of
// SystemRole with no account is the hub itself (policy.System).
func (c Caller) Viewer() policy.Viewer {
	if c.User.ID == 0 && c.User.Role == SystemRole {
		return policy.System()
	}
	return policy.Person(c.User.ID, c.Org.ID, policy.Role(c.User.Role), c.Org.IsCenter(), nil, c.ReadOnly).OfOrgKind(c.Org.Kind).WithCapabilities(c.User.Capabilities)
}

// Via is the door an act came through, as the audit log records it
// (Detail "via"): the console, the API, the command line, or the hub
// itself.
func (c Caller) Via() string {
	switch {
	case c.Session != nil:
		return "web"
	case c.TokenID != 0 || c.CertID != 0:
		return "api"
	case strings.HasPrefix(c.User.Login, "cli:"):
		return "cli"
	}
	return "hub"
}

// Errors that authentication returns; the API maps them to 401.
var (
	ErrNoCredentials  = errors.New("no credentials")
	ErrBadCredentials = errors.New("invalid credentials")
)

// Authenticator resolves credentials against the store.
type Authenticator struct {
	DB  *store.DB
	Now func() time.Time

	touched sync.Map // token id → time.Time of the last recorded use
	// tokens remembers, for CacheTTL, what a token resolved to: a TAXII
	// client paging through a collection would otherwise cost three lookups
	// per page. Forget drops it all; a serve node calls it when any node or
	// command announces a change of credentials (store.ChangeAuth through
	// NATS), so a revoked token is refused on every node at once, and for
	// at most CacheTTL more when the announcement is lost.
	tokens sync.Map // token hash → cachedToken
	// forgotten counts Forget's calls: a lookup that began before one
	// does not remember what it read, which may be what was just revoked.
	forgotten atomic.Uint64
	// CacheTTL is how long a resolved token is remembered (default 2 s; negative: never).
	CacheTTL time.Duration
}

type cachedToken struct {
	caller  Caller
	expires time.Time // the token's own expiry
	until   time.Time
}

// Forget drops every remembered token, for example after a revocation, and
// keeps lookups under way from remembering what they read before it.
func (a *Authenticator) Forget() {
	a.forgotten.Add(1)
	a.tokens.Clear()
}

func (a *Authenticator) cacheTTL() time.Duration {
	if a.CacheTTL == 0 {
		return 2 * time.Second
	}
	return a.CacheTTL
}

func (a *Authenticator) now() time.Time {
	if a.Now != nil {
		return a.Now()
	}
	return time.Now()
}

// Token checks an API token and returns its caller.
func (a *Authenticator) Token(ctx context.Context, secret string) (Caller, error) {
	if !strings.HasPrefix(secret, tokenPrefix) || len(secret) > 200 {
		return Caller{}, ErrBadCredentials
	}
	hash := HashSecret(secret)
	now := a.now()
	if v, ok := a.tokens.Load(hash); ok {
		ct := v.(cachedToken)
		if now.Before(ct.until) && (ct.expires.IsZero() || now.Before(ct.expires)) {
			return ct.caller, nil
		}
		a.tokens.Delete(hash)
	}
	gen := a.forgotten.Load()
	t, err := a.DB.TokenByHash(ctx, hash)
	if errors.Is(err, store.ErrNotFound) {
		return Caller{}, ErrBadCredentials
	}
	if err != nil {
		return Caller{}, fmt.Errorf("look up token: %w", err)
	}
	if !t.Revoked.IsZero() || (!t.Expires.IsZero() && !now.Before(t.Expires)) {
		return Caller{}, ErrBadCredentials
	}
	c, err := a.caller(ctx, t.UserID)
	if err != nil {
		return Caller{}, err
	}
	c.TokenID, c.ReadOnly = t.ID, t.ReadOnly
	if ttl := a.cacheTTL(); ttl > 0 {
		a.tokens.Store(hash, cachedToken{caller: c, expires: t.Expires, until: now.Add(ttl)})
		if a.forgotten.Load() != gen {
			a.tokens.Delete(hash) // a Forget came while this lookup ran
		}
	}
	// Record use at most once a minute per token, so that reads do not turn
	// into writes on every request.
	if last, ok := a.touched.Load(t.ID); !ok || now.Sub(last.(time.Time)) > time.Minute {
		a.touched.Store(t.ID, now)
		_ = a.DB.TouchToken(ctx, t.ID, now)
	}
	return c, nil
}

// SPKIHash is the hex SHA-256 of a certificate's SubjectPublicKeyInfo, the
// key under which a client certificate is registered (signin.RegisterCert).
func SPKIHash(cert *x509.Certificate) string {
	h := sha256.Sum256(cert.RawSubjectPublicKeyInfo)
	return hex.EncodeToString(h[:])
}

// Certificate checks a client certificate that the TLS handshake verified
// and returns the account it is registered to: exactly that account,
// read-only if registered so. A certificate whose public key is not
// registered, or was revoked, is refused; a revocation holds at once, as a
// token's does (the same cache, cleared by Forget).
func (a *Authenticator) Certificate(ctx context.Context, cert *x509.Certificate) (Caller, error) {
	key := "spki:" + SPKIHash(cert)
	now := a.now()
	if v, ok := a.tokens.Load(key); ok {
		ct := v.(cachedToken)
		if now.Before(ct.until) {
			return ct.caller, nil
		}
		a.tokens.Delete(key)
	}
	gen := a.forgotten.Load()
	cc, err := a.DB.ClientCertBySPKI(ctx, strings.TrimPrefix(key, "spki:"))
	if errors.Is(err, store.ErrNotFound) {
		return Caller{}, ErrBadCredentials
	}
	if err != nil {
		return Caller{}, fmt.Errorf("look up client certificate: %w", err)
	}
	if !cc.Revoked.IsZero() {
		return Caller{}, ErrBadCredentials
	}
	c, err := a.caller(ctx, cc.UserID)
	if err != nil {
		return Caller{}, err
	}
	c.CertID, c.ReadOnly = cc.ID, cc.ReadOnly
	if ttl := a.cacheTTL(); ttl > 0 {
		a.tokens.Store(key, cachedToken{caller: c, until: now.Add(ttl)})
		if a.forgotten.Load() != gen {
			a.tokens.Delete(key)
		}
	}
	return c, nil
}

// Account is the caller an account signs in as, once another proof than a
// password (single sign-on) said who it is: refused like a password login
// when the account or its organization is disabled or pending.
func (a *Authenticator) Account(ctx context.Context, userID int64) (Caller, error) {
	return a.caller(ctx, userID)
}

// Password checks a login and password. Only the console's login form calls
// it, under its limiter; the API, TAXII and the audit log take tokens.
func (a *Authenticator) Password(ctx context.Context, login, password string) (Caller, error) {
	if len(login) == 0 || len(login) > 64 || !utf8.ValidString(login) || strings.ContainsRune(login, 0) {
		CheckPassword(dummyHash(), password) // not a login anyone could have; refuse as slowly
		return Caller{}, ErrBadCredentials
	}
	u, err := a.DB.UserByLogin(ctx, login)
	if errors.Is(err, store.ErrNotFound) {
		CheckPassword(dummyHash(), password) // spend the same time whether or not the login exists
		return Caller{}, ErrBadCredentials
	}
	if err != nil {
		return Caller{}, err
	}
	if u.Disabled || u.Pending || !CheckPassword(u.PasswordHash, password) {
		return Caller{}, ErrBadCredentials
	}
	return a.caller(ctx, u.ID)
}

// dummyHash is made on first use, not at start, so that commands that never
// check a password do not pay for it.
var dummyHash = sync.OnceValue(func() string {
	h, _ := HashPassword("renkei-dummy-password")
	return h
})

// Session checks a session cookie.
func (a *Authenticator) Session(ctx context.Context, cookie string) (Caller, error) {
	s, err := a.DB.SessionByHash(ctx, HashSecret(cookie), a.now())
	if errors.Is(err, store.ErrNotFound) {
		return Caller{}, ErrBadCredentials
	}
	if err != nil {
		return Caller{}, err
	}
	c, err := a.caller(ctx, s.UserID)
	if err != nil {
		return Caller{}, err
	}
	c.Session = &s
	return c, nil
}

func (a *Authenticator) caller(ctx context.Context, userID int64) (Caller, error) {
	u, err := a.DB.UserByID(ctx, userID)
	if err != nil {
		return Caller{}, fmt.Errorf("look up user: %w", err)
	}
	if u.Disabled || u.Pending { // a pending account waits for the committee's confirmation
		return Caller{}, ErrBadCredentials
	}
	o, err := a.DB.Org(ctx, u.OrgID)
	if err != nil {
		return Caller{}, fmt.Errorf("look up organization: %w", err)
	}
	if o.Disabled { // the hub administrator disabled the whole organization
		return Caller{}, ErrBadCredentials
	}
	return Caller{User: u, Org: o}, nil
}

// Request authenticates a request to the API, TAXII or the audit log by
// token: "Bearer <token>", or HTTP Basic with the login and a token as TAXII
// clients send; or, without an Authorization header, by the client
// certificate the connection presented and the server verified against the
// CA it trusts for clients (mutual TLS, Certificate). Web passwords are refused here without being checked: they
// are accepted only on the console's login form, which limits guessing per
// login and per address (docs/access.md). It returns ErrNoCredentials when the
// request carries none.
func (a *Authenticator) Request(r *http.Request) (Caller, error) {
	h := r.Header.Get("Authorization")
	switch {
	case h == "" && r.TLS != nil && len(r.TLS.VerifiedChains) > 0:
		return a.Certificate(r.Context(), r.TLS.VerifiedChains[0][0])
	case h == "":
		return Caller{}, ErrNoCredentials
	case strings.HasPrefix(h, "Bearer "):
		return a.Token(r.Context(), strings.TrimSpace(strings.TrimPrefix(h, "Bearer ")))
	}
	login, secret, ok := r.BasicAuth()
	if !ok {
		return Caller{}, ErrBadCredentials
	}
	if strings.HasPrefix(secret, tokenPrefix) {
		c, err := a.Token(r.Context(), secret)
		if err != nil {
			return Caller{}, err // a lookup failure stays one (Unchecked)
		}
		if c.User.Login != login {
			return Caller{}, ErrBadCredentials
		}
		return c, nil
	}
	return Caller{}, ErrPasswordNotAccepted
}

// ErrPasswordNotAccepted is returned for HTTP Basic with something other than
// a token: a web password is never checked outside the login form.
var ErrPasswordNotAccepted = fmt.Errorf("%w: send a token (renkei token create), not a password", ErrBadCredentials)

// LogFailure tells operators about refused credentials at a door ("api",
// "taxii", "audit"): the address and the login claimed, never the secret.
// Requests without credentials are not failures.
func LogFailure(log *slog.Logger, door string, r *http.Request, err error) {
	if log == nil || err == nil || errors.Is(err, ErrNoCredentials) {
		return
	}
	login, _, _ := r.BasicAuth()
	log.Warn("authentication failed", "door", door, "addr", r.RemoteAddr, "login", login, "err", err)
}

// NewSession starts a web session for the user and returns the cookie value.
func (a *Authenticator) NewSession(ctx context.Context, userID int64, ttl time.Duration) (cookie string, s store.Session, err error) {
	cookie, hash := NewSecret()
	csrf, _ := NewSecret()
	now := a.now()
	s = store.Session{Hash: hash, UserID: userID, CSRF: csrf, Expires: now.Add(ttl), Created: now}
	if err := a.DB.AddSession(ctx, s); err != nil {
		return "", s, fmt.Errorf("start session: %w", err)
	}
	return cookie, s, nil
}

// CheckCSRF compares a submitted form token with the session's, in constant time.
func CheckCSRF(s *store.Session, got string) bool {
	return s != nil && got != "" && subtle.ConstantTimeCompare([]byte(s.CSRF), []byte(got)) == 1
}

// ParseExpiry reads durations like "90d", "12h" or "30m"; "" or "never" is no expiry.
func ParseExpiry(s string) (time.Duration, error) {
	s = strings.TrimSpace(s)
	if s == "" || s == "never" || s == "0" {
		return 0, nil
	}
	if strings.HasSuffix(s, "d") {
		var d int
		if _, err := fmt.Sscanf(s, "%dd", &d); err != nil || d <= 0 || d > 3650 {
			return 0, fmt.Errorf("expiry %q: want a number of days like 90d (at most 3650d)", s)
		}
		return time.Duration(d) * 24 * time.Hour, nil
	}
	d, err := time.ParseDuration(s)
	if err != nil || d <= 0 {
		return 0, fmt.Errorf("expiry %q: want 90d, 12h, 30m or never", s)
	}
	return d, nil
}
