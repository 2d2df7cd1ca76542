package api_test

import (
	"context"
	"fmt"
	"net/url"
	"strings"
	"testing"
	"time"

	"renkei/internal/hub"
	"renkei/internal/store"
	"renkei/internal/store/storetest"
)

const recordsPath = "/api/v1/telemetry/sources/power-border/records?purpose=C2%20investigation%20case%2012"

// memberHandler puts a handler in a member organization straight into the
// store, as a grant made before the rule or by hand would, and returns its token.
func (e *telemetryHub) memberHandler(t *testing.T) string {
	t.Helper()
	ctx := context.Background()
	power, err := e.h.DB.Org(ctx, "Power Co")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.h.DB.AddUser(ctx, store.User{Login: "power-handler", OrgID: power.ID, Role: "handler", Created: time.Now()}); err != nil {
		t.Fatal(err)
	}
	tok, _, err := hub.CreateToken(ctx, e.h.DB, "power-handler", "", 0, false, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

// TestOnlyCenterHandlersReadRecords: a handler of a member organization reads
// no records, and its refused request leaves nothing in the audit log; the
// center's handler reads them.
func TestOnlyCenterHandlersReadRecords(t *testing.T) {
	t.Parallel()
	for _, kind := range storetest.Kinds(t) {
		t.Run(kind, func(t *testing.T) {
			t.Parallel()
			e := newTelemetryHub(t, kind)
			ctx := context.Background()
			tok := e.memberHandler(t)
			before, _ := e.h.Audit.Size(ctx)
			r := e.do(t, "GET", recordsPath, tok, nil)
			if r.code != 403 || strings.Contains(string(r.body), "203.0.113.5") {
				t.Fatalf("a member organization's handler reads records: %d %s", r.code, r.body)
			}
			if r := e.do(t, "GET", "/api/v1/telemetry/sources/nowhere/records?purpose=C2%20investigation", tok, nil); r.code != 403 {
				t.Fatalf("a member organization's handler learns which sources exist: %d %s", r.code, r.body)
			}
			if after, _ := e.h.Audit.Size(ctx); after != before {
				t.Fatalf("a refused read was logged as an access (%d → %d)", before, after)
			}
			if r := e.do(t, "GET", recordsPath, e.tokens["handler"], nil); r.code != 200 || !strings.Contains(string(r.body), "203.0.113.5") {
				t.Fatalf("the center's handler: %d %s", r.code, r.body)
			}
		})
	}
}

// TestRoleGrantsFitOrgKind: through the API a hub administrator gives the
// handler and hub administrator roles in the center only; an organization
// administrator gives none of the restricted roles.
func TestRoleGrantsFitOrgKind(t *testing.T) {
	t.Parallel()
	for _, kind := range storetest.Kinds(t) {
		t.Run(kind, func(t *testing.T) {
			t.Parallel()
			e := newTelemetryHub(t, kind)
			ctx := context.Background()
			for _, c := range []struct {
				name, org, role string
				want            int
			}{
				{"handler in a member organization", "Power Co", "handler", 403},
				{"hub admin in a member organization", "Water Co", "admin", 403},
				{"overseer in a member organization", "Other Co", "overseer", 403},
				{"handler in the center", e.h.Center().Name, "handler", 201},
				{"analyst in a member organization", "Power Co", "analyst", 201},
			} {
				t.Run(c.name, func(t *testing.T) {
					login := "new-" + strings.ReplaceAll(c.name, " ", "-")
					r := e.do(t, "POST", "/api/v1/users", e.tokens["admin2"], map[string]string{"login": login, "org": c.org, "role": c.role})
					if r.code != c.want {
						t.Fatalf("got %d, want %d: %s", r.code, c.want, r.body)
					}
					_, err := e.h.DB.UserByLogin(ctx, login)
					if created := err == nil; created != (c.want == 201) {
						t.Fatalf("user created: %v", created)
					}
				})
			}
			if r := e.do(t, "POST", "/api/v1/orgs", e.tokens["admin2"], map[string]string{"name": "Second Center", "kind": "center"}); r.code == 201 {
				t.Fatalf("a second national center, where handlers could be made: %d %s", r.code, r.body)
			}
			// An organization administrator of a member gives ordinary roles only.
			power, _ := e.h.DB.Org(ctx, "Power Co")
			if _, err := hub.AddUser(ctx, e.h.DB, "power-admin", power.Name, "org-admin", "", time.Now()); err != nil {
				t.Fatal(err)
			}
			tok, _, _ := hub.CreateToken(ctx, e.h.DB, "power-admin", "", 0, false, time.Now())
			if r := e.do(t, "POST", "/api/v1/users", tok, map[string]string{"login": "power-h", "role": "handler"}); r.code != 403 {
				t.Fatalf("an org admin gives the handler role: %d %s", r.code, r.body)
			}
		})
	}
}

// TestNoAccessAfterApprovalLapses: once the approval a source rests on is
// revoked or past its end, its handler reads nothing — and the refusal is not
// logged as an access citing the lapsed approval.
func TestNoAccessAfterApprovalLapses(t *testing.T) {
	t.Parallel()
	for _, kind := range storetest.Kinds(t) {
		t.Run(kind, func(t *testing.T) {
			t.Parallel()
			for _, c := range []struct{ name, update string }{
				{"revoked", "UPDATE approvals SET status = 'revoked'"},
				{"expired", "UPDATE approvals SET valid_until = ?"},
			} {
				t.Run(c.name, func(t *testing.T) {
					e := newTelemetryHub(t, kind)
					ctx := context.Background()
					var args []any
					if strings.Contains(c.update, "?") {
						args = append(args, store.Micros(time.Now().Add(-time.Minute)))
					}
					if _, err := e.h.DB.Exec(ctx, c.update, args...); err != nil {
						t.Fatal(err)
					}
					before, _ := e.h.Audit.Size(ctx)
					r := e.do(t, "GET", recordsPath, e.tokens["handler"], nil)
					if r.code != 403 || !strings.Contains(string(r.body), "not in force") || strings.Contains(string(r.body), "203.0.113.5") {
						t.Fatalf("read after the approval lapsed: %d %s", r.code, r.body)
					}
					if after, _ := e.h.Audit.Size(ctx); after != before {
						t.Fatalf("a refused read was logged as an access (%d → %d)", before, after)
					}
				})
			}
		})
	}
}

// TestPurposeIsARealStatement: through the API, a purpose that says nothing
// is refused before anything is read or logged.
func TestPurposeIsARealStatement(t *testing.T) {
	t.Parallel()
	for _, kind := range storetest.Kinds(t) {
		t.Run(kind, func(t *testing.T) {
			t.Parallel()
			e := newTelemetryHub(t, kind)
			ctx := context.Background()
			before, _ := e.h.Audit.Size(ctx)
			for _, p := range []string{"", "x", "check", "2026-113-000"} {
				r := e.do(t, "GET", "/api/v1/telemetry/sources/power-border/records?purpose="+p, e.tokens["handler"], nil)
				if r.code != 400 || !strings.Contains(string(r.body), "purpose") {
					t.Fatalf("purpose %q: %d %s", p, r.code, r.body)
				}
			}
			if after, _ := e.h.Audit.Size(ctx); after != before {
				t.Fatalf("a refused read was logged (%d → %d)", before, after)
			}

			// An approval that names purposes: only those are accepted.
			file := map[string]any{"kind": "collection-agreement", "legal_basis": "operator agreement 2026-8", "target": "Power Co border routers",
				"justification": "C2 detection", "valid_from": time.Now().Add(-time.Hour), "valid_until": time.Now().Add(24 * time.Hour),
				"purposes": []string{"x"}}
			if r := e.do(t, "POST", "/api/v1/approvals", e.tokens["handler"], file); r.code != 400 || !strings.Contains(string(r.body), "purposes") {
				t.Fatalf("an approval naming a purpose that says nothing: %d %s", r.code, r.body)
			}
			file["purposes"] = []string{"Scope of the Kanto Electric intrusion", "関東電力事案の影響範囲確認"}
			r := e.do(t, "POST", "/api/v1/approvals", e.tokens["handler"], file)
			if r.code != 201 {
				t.Fatalf("file: %d %s", r.code, r.body)
			}
			id := int64(r.json(t)["id"].(float64))
			if ps, _ := r.json(t)["purposes"].([]any); len(ps) != 2 || ps[1] != "関東電力事案の影響範囲確認" {
				t.Fatalf("the approval's answer does not show its purposes: %s", r.body)
			}
			if r := e.do(t, "POST", fmt.Sprintf("/api/v1/approvals/%d/decision", id), e.tokens["overseer"], map[string]any{"approve": true, "reason": "proportionate"}); r.code != 200 {
				t.Fatalf("decide: %d %s", r.code, r.body)
			}
			// The committee deciding sees them too.
			if r := e.do(t, "GET", "/api/v1/approvals?status=approved", e.tokens["overseer"], nil); r.code != 200 || !strings.Contains(string(r.body), "Scope of the Kanto Electric intrusion") {
				t.Fatalf("approvals list without purposes: %d %s", r.code, r.body)
			}
			if r := e.do(t, "POST", "/api/v1/telemetry/sources", e.tokens["admin2"], map[string]any{"id": "power-listed", "legal_basis": "agreement",
				"approval_ref": fmt.Sprintf("approval-%d", id), "retention": "7d"}); r.code != 201 {
				t.Fatalf("source: %d %s", r.code, r.body)
			}
			path := "/api/v1/telemetry/sources/power-listed/records?purpose="
			if r := e.do(t, "GET", path+url.QueryEscape("C2 investigation case 12"), e.tokens["handler"], nil); r.code != 400 || !strings.Contains(string(r.body), "not one the source's approval allows") {
				t.Fatalf("a purpose the approval does not name: %d %s", r.code, r.body)
			}
			if r := e.do(t, "GET", path+url.QueryEscape("scope of the Kanto Electric  intrusion"), e.tokens["handler"], nil); r.code != 200 {
				t.Fatalf("a purpose the approval names: %d %s", r.code, r.body)
			}
		})
	}
}

// TestC4PrefixPreservingOnlyWhereApproved through the API: prefix
// preservation is a field of the request ("prefix_preserving"), only for
// collection; the approval's answer shows it, with what a kept prefix
// reveals, to the requester and to the committee deciding it.
func TestC4PrefixPreservingOnlyWhereApproved(t *testing.T) {
	t.Parallel()
	for _, kind := range storetest.Kinds(t) {
		t.Run(kind, func(t *testing.T) {
			t.Parallel()
			e := newTelemetryHub(t, kind)
			file := map[string]any{"kind": "access-neutralization", "legal_basis": "Art. 36", "target": "C2 203.0.113.7",
				"justification": "botnet C2", "valid_from": time.Now().Add(-time.Hour), "valid_until": time.Now().Add(24 * time.Hour), "prefix_preserving": true}
			if r := e.do(t, "POST", "/api/v1/approvals", e.tokens["handler"], file); r.code != 400 || !strings.Contains(string(r.body), "prefix_preserving") {
				t.Fatalf("a measure granting prefix preservation: %d %s", r.code, r.body)
			}
			file["kind"], file["target"] = "collection-agreement", "Power Co border routers"
			r := e.do(t, "POST", "/api/v1/approvals", e.tokens["handler"], file)
			if r.code != 201 || r.json(t)["prefix_preserving"] != true || !strings.Contains(string(r.body), "subnet layout") {
				t.Fatalf("file: %d %s", r.code, r.body)
			}
			if r := e.do(t, "GET", "/api/v1/approvals?status=pending", e.tokens["overseer"], nil); r.code != 200 ||
				!strings.Contains(string(r.body), `"prefix_preserving":true`) || !strings.Contains(string(r.body), "subnet layout") {
				t.Fatalf("the committee's list: %d %s", r.code, r.body)
			}
		})
	}
}
