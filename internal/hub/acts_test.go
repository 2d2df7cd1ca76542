package hub_test

import (
	"context"
	"errors"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"golang.org/x/mod/sumdb/note"

	"renkei/internal/audit"
	"renkei/internal/hub"
	"renkei/internal/store/storetest"
	"renkei/internal/testwait"
)

// TestLoginNamesValidated: a login is 1–64 characters of a conservative set
// (lowercase a–z, digits, . _ - @, a letter or digit at each end); NUL,
// invalid UTF-8, markup, separators and look-alike letters are refused and
// nothing is stored.
func TestLoginNamesValidated(t *testing.T) {
	t.Parallel()
	for _, kind := range storetest.Kinds(t) {
		t.Run(kind, func(t *testing.T) {
			t.Parallel()
			h := newHub(t, kind)
			ctx := context.Background()
			center := h.Center().ID
			for _, bad := range []string{
				"", "nul\x00byte", "bad\xff\xfeutf8", "<script>alert(1)</script>", `a"b`, "аdmin" /* Cyrillic а */, "ａdmin", /* fullwidth */
				"Admin", "tab\tname", "new\nline", "spa ce", "login:colon", "path/slash", ".dot-first", "dash-last-", "x@", "a\u200bb", /* zero width */
				strings.Repeat("a", 65),
			} {
				if _, err := hub.AddUser(ctx, h.DB, bad, center, "analyst", "", time.Now()); err == nil {
					t.Errorf("login %q was accepted", bad)
				}
				if _, err := h.DB.UserByLogin(ctx, bad); err == nil {
					t.Errorf("login %q was stored", bad)
				}
			}
			for _, good := range []string{"tanaka", "power-analyst", "t.yamada@example.jp", "renkei-matcher", "a", "user_2", strings.Repeat("a", 64)} {
				if _, err := hub.AddUser(ctx, h.DB, good, center, "analyst", "", time.Now()); err != nil {
					t.Errorf("login %q: %v", good, err)
				}
			}
		})
	}
}

// withLog gives h an audit log and returns a function that lists the
// actions appended to it so far.
func withLog(t *testing.T, h *hub.Hub) func() []audit.Entry {
	t.Helper()
	dir := t.TempDir()
	l, err := audit.Open(context.Background(), audit.Options{Dir: filepath.Join(dir, "log"), KeyDir: filepath.Join(dir, "keys"), Node: "t", CheckpointInterval: 100 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	h.Audit = l
	t.Cleanup(func() { l.Close() })
	keys, err := audit.LoadOrCreateKeys(filepath.Join(dir, "keys"), l.Origin())
	if err != nil {
		t.Fatal(err)
	}
	return func() []audit.Entry {
		t.Helper()
		ctx := context.Background()
		want, err := l.Size(ctx)
		if err != nil {
			t.Fatal(err)
		}
		v, err := audit.NewVerifier(keys.VerifierKey)
		if err != nil {
			t.Fatal(err)
		}
		f, err := audit.NewFetcher(filepath.Join(dir, "log"), nil)
		if err != nil {
			t.Fatal(err)
		}
		var got []audit.Entry
		var scanErr error
		if !testwait.Until(10*time.Second, func() bool {
			got = nil
			cp, err := audit.Scan(ctx, f, []note.Verifier{v}, func(_ uint64, e audit.Entry) error { got = append(got, e); return nil })
			scanErr = err
			return err == nil && cp.Size >= want
		}) {
			t.Fatalf("no checkpoint covering %d entries: %v", want, scanErr)
		}
		return got
	}
}

// TestAdminActsAuditedFirst: each administrative act — organizations, groups
// and their members, users and their roles, tokens, webhooks — is appended to
// the audit log before it takes effect; when the log refuses the append, the
// act does not happen. The CLI, the console and the API all do these acts
// through these functions (their own tests: internal/server, internal/cli).
func TestAdminActsAuditedFirst(t *testing.T) {
	t.Parallel()
	for _, kind := range storetest.Kinds(t) {
		t.Run(kind, func(t *testing.T) {
			t.Parallel()
			h := newHub(t, kind)
			entries := withLog(t, h)
			ctx := context.Background()
			admin := caller(t, h, "admin")
			org, err := h.CreateOrg(ctx, admin, "Kanto Electric", "operator", "energy", "")
			if err != nil {
				t.Fatal(err)
			}
			grp, err := h.CreateGroup(ctx, admin, "Energy ISAC", []string{"Kanto Electric"})
			if err != nil {
				t.Fatal(err)
			}
			u, err := h.CreateUser(ctx, admin, "denki", org.ID, "analyst", "")
			if err != nil {
				t.Fatal(err)
			}
			if err := h.SetUserDisabled(ctx, admin, u, true); err != nil {
				t.Fatal(err)
			}
			_, tok, err := h.IssueToken(ctx, admin, "denki", "siem", 0, false)
			if err != nil {
				t.Fatal(err)
			}
			if err := h.RevokeToken(ctx, admin, tok); err != nil {
				t.Fatal(err)
			}
			wid, _, err := h.AddWebhook(ctx, admin, org.ID, "https://hooks.example.jp/secret-path")
			if err != nil {
				t.Fatal(err)
			}
			if err := h.DeleteWebhook(ctx, admin, org.ID, wid); err != nil {
				t.Fatal(err)
			}
			got := map[string]bool{}
			for _, e := range entries() {
				got[e.Action+" "+e.ObjectID] = true
				if strings.Contains(e.String(), "secret-path") {
					t.Errorf("a webhook URL's path is in the log: %s", e.String())
				}
			}
			for _, want := range []string{
				audit.ActionOrgCreate + " org:" + org.ID,
				audit.ActionGroupCreate + " group:" + grp.ID,
				audit.ActionRoleChange + " user:denki",
				audit.ActionTokenCreate + " user:denki",
				audit.ActionTokenRevoke + " token:" + tok.PublicID,
				audit.ActionWebhookCreate + " org:" + org.ID,
				audit.ActionWebhookDelete + " org:" + org.ID,
			} {
				if !got[want] {
					t.Errorf("no %q in the log", want)
				}
			}

			// The log refuses: nothing happens.
			wid, _, err = h.AddWebhook(ctx, admin, org.ID, "https://hooks.example.jp/other")
			if err != nil {
				t.Fatal(err)
			}
			_, tok, err = h.IssueToken(ctx, admin, "denki", "kept", 0, false)
			if err != nil {
				t.Fatal(err)
			}
			h.Audit.Close()
			refused := func(what string, err error) {
				t.Helper()
				if !errors.Is(err, hub.ErrAuditUnavailable) {
					t.Errorf("%s without a log: %v, want ErrAuditUnavailable", what, err)
				}
			}
			_, err = h.CreateOrg(ctx, admin, "Unlogged Co", "operator", "", "")
			refused("org", err)
			_, err = h.CreateGroup(ctx, admin, "Unlogged ISAC", []string{"Kanto Electric"})
			refused("group", err)
			_, err = h.CreateUser(ctx, admin, "unlogged", org.ID, "analyst", "")
			refused("user", err)
			refused("disable", h.SetUserDisabled(ctx, admin, caller(t, h, "admin").User, true))
			_, _, err = h.IssueToken(ctx, admin, "denki", "unlogged", 0, false)
			refused("token", err)
			refused("revoke", h.RevokeToken(ctx, admin, tok))
			_, _, err = h.AddWebhook(ctx, admin, org.ID, "https://hooks.example.jp/unlogged")
			refused("webhook", err)
			refused("webhook delete", h.DeleteWebhook(ctx, admin, org.ID, wid))

			if _, err := h.DB.Org(ctx, "Unlogged Co"); err == nil {
				t.Error("an organization was added unlogged")
			}
			if _, err := h.DB.Group(ctx, "Unlogged ISAC"); err == nil {
				t.Error("a group was added unlogged")
			}
			if _, err := h.DB.UserByLogin(ctx, "unlogged"); err == nil {
				t.Error("a user was added unlogged")
			}
			if a, _ := h.DB.UserByLogin(ctx, "admin"); a.Disabled {
				t.Error("a user was disabled unlogged")
			}
			ts, _ := h.DB.Tokens(ctx, u.ID)
			for _, x := range ts {
				if x.Name == "unlogged" {
					t.Error("a token was created unlogged")
				}
				if x.ID == tok.ID && !x.Revoked.IsZero() {
					t.Error("a token was revoked unlogged")
				}
			}
			ws, _ := h.DB.Webhooks(ctx, org.ID)
			if len(ws) != 1 || ws[0].PublicID != wid {
				t.Errorf("webhooks changed unlogged: %+v", ws)
			}
		})
	}
}

// TestOneCenterOrg: there is one center organization. Another is refused
// as an ordinary addition; a hub administrator adds one only with a reason,
// and the log carries it as a policy change that overseers see.
func TestOneCenterOrg(t *testing.T) {
	t.Parallel()
	for _, kind := range storetest.Kinds(t) {
		t.Run(kind, func(t *testing.T) {
			t.Parallel()
			h := newHub(t, kind)
			entries := withLog(t, h)
			ctx := context.Background()
			admin := caller(t, h, "admin")
			if _, err := hub.AddOrg(ctx, h.DB, "Second Center", "center", "", time.Now()); !errors.Is(err, hub.ErrOneCenter) {
				t.Errorf("hub.AddOrg of a second center: %v", err)
			}
			if _, err := h.CreateOrg(ctx, admin, "Second Center", "center", "", " "); !errors.Is(err, hub.ErrOneCenter) {
				t.Errorf("a second center without a reason: %v", err)
			}
			if n := centers(t, h); n != 1 {
				t.Fatalf("%d center organizations, want 1", n)
			}
			o, err := h.CreateOrg(ctx, admin, "Backup Center", "center", "", "disaster-recovery site, committee briefed 2026-11-30")
			if err != nil {
				t.Fatal(err)
			}
			if n := centers(t, h); n != 2 {
				t.Fatalf("%d center organizations after the policy change, want 2", n)
			}
			found := false
			for _, e := range entries() {
				if e.Action == audit.ActionPolicyChange && e.ObjectID == "org:"+o.ID && e.Detail["change"] == "center-org" && e.Detail["reason"] != "" && e.User == "admin" {
					found = true
				}
			}
			if !found {
				t.Error("the second center is not in the log as a policy change with its reason")
			}
		})
	}
}

func centers(t *testing.T, h *hub.Hub) int {
	t.Helper()
	orgs, err := h.DB.Orgs(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, o := range orgs {
		if o.Kind == "center" {
			n++
		}
	}
	return n
}
