package web

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"renkei/internal/auth"
	"renkei/internal/store"
	"renkei/internal/store/storetest"
)

// TestOnlyCenterHandlersReadRecords: in the console, a handler of a member
// organization (put straight into the store, as an old grant would be) is
// refused the records and offered no form; the center's handler reads them.
func TestOnlyCenterHandlersReadRecords(t *testing.T) {
	t.Parallel()
	for _, kind := range storetest.Kinds(t) {
		t.Run(kind, func(t *testing.T) {
			t.Parallel()
			e := newEnvOn(t, kind, Options{})
			e.withTelemetry(true)
			ctx := context.Background()
			hash, _ := auth.HashPassword(testPassword)
			if _, err := e.h.DB.AddUser(ctx, store.User{Login: "power-handler", OrgID: e.power.ID, Role: "handler", PasswordHash: hash, Created: time.Now()}); err != nil {
				t.Fatal(err)
			}
			member := e.as("power-handler")
			before, _ := e.h.Audit.Size(ctx)
			st, _, body := member.post("/telemetry/sources/power-border/records", url.Values{"purpose": {"incident 2026-113 scope"}})
			if st != http.StatusForbidden || strings.Contains(body, "203.0.113.5:443") {
				t.Fatalf("a member organization's handler reads records: %d", st)
			}
			if after, _ := e.h.Audit.Size(ctx); after != before {
				t.Fatalf("a refused read was logged as an access (%d → %d)", before, after)
			}
			if _, body := member.get("/telemetry/sources/power-border"); strings.Contains(body, `id="records-form"`) {
				t.Fatal("a member organization's handler is offered the records form")
			}
			st, _, body = e.as("center-handler").post("/telemetry/sources/power-border/records", url.Values{"purpose": {"incident 2026-113 scope"}})
			if st != http.StatusOK || !strings.Contains(body, "203.0.113.5:443") {
				t.Fatalf("the center's handler: %d", st)
			}
		})
	}
}

// TestRoleGrantsFitOrgKind: the console refuses to make a member
// organization's user a handler, hub administrator or overseer, and logs no grant.
func TestRoleGrantsFitOrgKind(t *testing.T) {
	t.Parallel()
	for _, kind := range storetest.Kinds(t) {
		t.Run(kind, func(t *testing.T) {
			t.Parallel()
			e := newEnvOn(t, kind, Options{})
			ctx := context.Background()
			admin := e.as("admin")
			admin.get("/admin")
			for _, role := range []string{"handler", "admin", "overseer"} {
				before, _ := e.h.Audit.Size(ctx)
				st, _, body := admin.post("/admin/users", url.Values{"login": {"power-new-" + role}, "org": {e.power.ID}, "role": {role}, "password": {testPassword}})
				if st != http.StatusBadRequest || !strings.Contains(body, "admin.error.role_org") && !strings.Contains(body, "national center") && !strings.Contains(body, "国家サイバー統括室") {
					t.Fatalf("%s in a member organization: %d", role, st)
				}
				if _, err := e.h.DB.UserByLogin(ctx, "power-new-"+role); err == nil {
					t.Fatalf("power-new-%s was created", role)
				}
				if after, _ := e.h.Audit.Size(ctx); after != before {
					t.Fatalf("a refused grant was logged (%d → %d)", before, after)
				}
			}
			if st, _, _ := admin.post("/admin/users", url.Values{"login": {"new-handler"}, "org": {e.center.ID}, "role": {"handler"}, "password": {testPassword}}); st != http.StatusSeeOther {
				t.Fatalf("handler in the center: %d", st)
			}
			// A member's organization administrator gives none of the restricted roles.
			if st, _, _ := e.as("power-admin").post("/admin/users", url.Values{"login": {"power-h2"}, "role": {"handler"}, "password": {testPassword}}); st != http.StatusForbidden {
				t.Fatalf("an org admin gives the handler role: %d", st)
			}
		})
	}
}

// TestNoAccessAfterApprovalLapses: in the console, once the source's
// approval is revoked the handler reads nothing and is told why.
func TestNoAccessAfterApprovalLapses(t *testing.T) {
	t.Parallel()
	for _, kind := range storetest.Kinds(t) {
		t.Run(kind, func(t *testing.T) {
			t.Parallel()
			e := newEnvOn(t, kind, Options{})
			e.withTelemetry(true)
			ctx := context.Background()
			if _, err := e.h.DB.Exec(ctx, "UPDATE approvals SET status = 'revoked'"); err != nil {
				t.Fatal(err)
			}
			handler := e.as("center-handler")
			before, _ := e.h.Audit.Size(ctx)
			st, _, body := handler.post("/telemetry/sources/power-border/records", url.Values{"purpose": {"incident 2026-113 scope"}})
			if st != http.StatusForbidden || strings.Contains(body, "203.0.113.5:443") || !strings.Contains(body, "承認は効力がない") {
				t.Fatalf("read after the approval was revoked: %d\n%s", st, body)
			}
			if after, _ := e.h.Audit.Size(ctx); after != before {
				t.Fatalf("a refused read was logged as an access (%d → %d)", before, after)
			}
		})
	}
}
