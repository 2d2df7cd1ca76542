package auth_test

import (
	"context"
	"reflect"
	"strings"
	"testing"
	"time"

	"renkei/internal/auth"
	"renkei/internal/policy"
	"renkei/internal/store"
	"renkei/internal/store/storetest"
)

func TestPasswords(t *testing.T) {
	h, err := auth.HashPassword("correct horse battery")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(h, "$argon2id$") || strings.Contains(h, "horse") {
		t.Fatalf("hash %q", h)
	}
	if !auth.CheckPassword(h, "correct horse battery") || auth.CheckPassword(h, "correct horse batterY") {
		t.Fatal("check")
	}
	if _, err := auth.HashPassword("short"); err == nil {
		t.Fatal("a short password is accepted")
	}
	if auth.CheckPassword("$argon2id$v=19$m=999999999,t=1,p=1$AA$AA", "x") {
		t.Fatal("absurd parameters must be refused, not computed")
	}
}

func TestParseExpiry(t *testing.T) {
	for in, want := range map[string]time.Duration{"90d": 90 * 24 * time.Hour, "12h": 12 * time.Hour, "never": 0, "": 0} {
		if got, err := auth.ParseExpiry(in); err != nil || got != want {
			t.Errorf("%q: %v %v", in, got, err)
		}
	}
	for _, bad := range []string{"soon", "-1h", "0d", "99999d"} {
		if _, err := auth.ParseExpiry(bad); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
}

// TestTokens checks expiry, revocation and the short cache of resolved tokens.
func TestTokens(t *testing.T) {
	ctx := context.Background()
	db := storetest.Open(t, "sqlite")
	now := time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)
	db.AddOrg(ctx, store.Org{ID: "identity--00000000-0000-4000-8000-000000000001", Name: "O", Kind: "sme", Created: now})
	uid, err := db.AddUser(ctx, store.User{Login: "u", OrgID: "identity--00000000-0000-4000-8000-000000000001", Role: "analyst", Created: now})
	if err != nil {
		t.Fatal(err)
	}
	secret, hash := auth.NewSecret()
	id, _ := db.AddToken(ctx, store.Token{UserID: uid, Hash: hash, Expires: now.Add(time.Hour), Created: now})
	clock := now
	a := &auth.Authenticator{DB: db, Now: func() time.Time { return clock }}
	if c, err := a.Token(ctx, secret); err != nil || c.User.Login != "u" {
		t.Fatalf("valid token: %v", err)
	}
	if _, err := a.Token(ctx, secret+"x"); err == nil {
		t.Fatal("a wrong token is accepted")
	}
	db.RevokeToken(ctx, id, now)
	if _, err := a.Token(ctx, secret); err != nil {
		t.Fatal("within the cache TTL the resolved token is remembered")
	}
	a.Forget()
	if _, err := a.Token(ctx, secret); err == nil {
		t.Fatal("after Forget a revoked token must fail")
	}
	secret2, hash2 := auth.NewSecret()
	db.AddToken(ctx, store.Token{UserID: uid, Hash: hash2, Expires: now.Add(time.Hour), Created: now})
	if _, err := a.Token(ctx, secret2); err != nil {
		t.Fatal(err)
	}
	clock = now.Add(time.Hour) // expired, even though cached
	if _, err := a.Token(ctx, secret2); err == nil {
		t.Fatal("an expired token is accepted from the cache")
	}
}

// TestArgon2WorkBounded: however many password checks arrive at once, at
// most HashSlots Argon2id computations (32 MiB each) run together, and a
// stored hash asking for more memory or time than Renkei writes is refused
// without being computed.
func TestArgon2WorkBounded(t *testing.T) {
	h, err := auth.HashPassword("correct horse battery")
	if err != nil {
		t.Fatal(err)
	}
	const guesses = 24
	done := make(chan bool, guesses)
	for i := 0; i < guesses; i++ {
		go func() { done <- auth.CheckPassword(h, "a wrong guess") }()
	}
	for i := 0; i < guesses; i++ {
		if <-done {
			t.Fatal("a wrong guess matched")
		}
	}
	if peak := auth.HashesPeak(); peak > int64(auth.HashSlots()) || peak < 1 {
		t.Errorf("%d Argon2id computations ran at once; the bound is %d", peak, auth.HashSlots())
	}
	before := auth.HashesDone()
	for _, hostile := range []string{
		"$argon2id$v=19$m=262144,t=2,p=1$c2FsdHNhbHRzYWx0c2FsdA$a2V5a2V5a2V5a2V5a2V5a2V5a2V5a2V5a2V5a2U",  // 256 MiB
		"$argon2id$v=19$m=32768,t=64,p=1$c2FsdHNhbHRzYWx0c2FsdA$a2V5a2V5a2V5a2V5a2V5a2V5a2V5a2V5a2V5a2U",  // 64 passes
		"$argon2id$v=19$m=32768,t=2,p=255$c2FsdHNhbHRzYWx0c2FsdA$a2V5a2V5a2V5a2V5a2V5a2V5a2V5a2V5a2V5a2U", // 255 lanes
	} {
		if auth.CheckPassword(hostile, "x") {
			t.Errorf("%s matched", hostile)
		}
	}
	if n := auth.HashesDone() - before; n != 0 {
		t.Errorf("%d hostile hashes were computed; they must be refused first", n)
	}
}

// TestOnlyAnAccountlessSystemCallerIsTheHub: the hub's own acts and the
// command line's operator (auth.System) are seen by the policy as the hub
// itself, not as an anonymous reader; an account is always seen as the
// person it is, whatever role string it carries.
func TestOnlyAnAccountlessSystemCallerIsTheHub(t *testing.T) {
	center := store.Org{ID: "identity--c", Kind: "center"}
	if v := auth.System("cli:alice", center).Viewer(); !reflect.DeepEqual(v, policy.System()) {
		t.Errorf("the operator is seen as %+v, not as the hub", v)
	}
	if v := (auth.Caller{User: store.User{ID: 7, Role: auth.SystemRole}, Org: center}).Viewer(); v.UserID != 7 {
		t.Errorf("an account with the role string %q is seen as %+v", auth.SystemRole, v)
	}
	if v := (auth.Caller{User: store.User{Login: "nobody"}, Org: center}).Viewer(); !v.Anonymous() {
		t.Errorf("a caller with no account and no role is seen as %+v", v)
	}
}
