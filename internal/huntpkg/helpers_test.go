package huntpkg_test

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"renkei/internal/app"
	"renkei/internal/audit"
	"renkei/internal/auth"
	"renkei/internal/hub"
	"renkei/internal/huntpkg"
	"renkei/internal/policy"
	"renkei/internal/store"
	"renkei/internal/store/storetest"
)

// world is a hub with a center, two energy operators, a water utility and a
// hospital, each with an analyst.
type world struct {
	h       *hub.Hub
	svc     *huntpkg.Service
	callers map[string]auth.Caller // by login
}

func newWorld(t testing.TB, kind string) *world {
	t.Helper()
	ctx := context.Background()
	db := storetest.Open(t, kind)
	now := time.Now().UTC()
	if _, err := hub.Bootstrap(ctx, db, now); err != nil {
		t.Fatal(err)
	}
	h, err := hub.New(ctx, db, nil)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	h.Audit, err = audit.Open(ctx, audit.Options{Dir: filepath.Join(dir, "audit"), KeyDir: filepath.Join(dir, "audit-keys"), Node: "t", CheckpointInterval: 100 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { h.Audit.Close() })
	w := &world{h: h, svc: app.New(h).Hunting, callers: map[string]auth.Caller{}}
	for _, o := range []struct{ name, kind, sector string }{
		{"Power Co", "operator", "energy"}, {"Grid Co", "operator", "Energy"}, {"Water Works", "operator", "water"},
		{"City Hospital", "medical", ""}, {"Rail Co", "operator", "transport"},
	} {
		if _, err := hub.AddOrg(ctx, db, o.name, o.kind, o.sector, now); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := hub.AddGroup(ctx, db, "Lifelines ISAC", []string{"Water Works", "Rail Co"}, now); err != nil {
		t.Fatal(err)
	}
	for _, u := range []struct{ login, org, role string }{
		{"center", h.Center().Name, "analyst"}, {"overseer", h.Center().Name, "overseer"},
		{"power", "Power Co", "analyst"}, {"grid", "Grid Co", "analyst"}, {"water", "Water Works", "analyst"},
		{"hospital", "City Hospital", "analyst"}, {"rail", "Rail Co", "analyst"}, {"power-reporter", "Power Co", "reporter"},
	} {
		usr, err := hub.AddUser(ctx, db, u.login, u.org, u.role, "", now)
		if u.role == "overseer" { // the committee's first member, in its own organization
			usr, _, err = hub.BootstrapCommittee(ctx, db, "Oversight Committee", u.login, "test", now)
		}
		if err != nil {
			t.Fatal(err)
		}
		org, err := db.Org(ctx, usr.OrgID)
		if err != nil {
			t.Fatal(err)
		}
		w.callers[u.login] = auth.Caller{User: usr, Org: org}
	}
	return w
}

func (w *world) org(login string) store.Org { return w.callers[login].Org }

func (w *world) alerts(t testing.TB, login, kind string) []store.Alert {
	t.Helper()
	as, _, err := w.h.DB.Alerts(context.Background(), policy.OrgAudience(w.org(login).ID, false, nil), "", 100, false)
	if err != nil {
		t.Fatal(err)
	}
	var out []store.Alert
	for _, a := range as {
		if a.Kind == kind {
			out = append(out, a)
		}
	}
	return out
}

func createFile(path string) (*os.File, error) { return os.Create(path) }
