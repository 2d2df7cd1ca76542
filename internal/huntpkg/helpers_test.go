package huntpkg_test

import (
	"context"
	"os"
	"renkei/internal/exportgate"
	"testing"

	"renkei/internal/alert/alerttest"
	"renkei/internal/auth"
	"renkei/internal/hub"
	"renkei/internal/hubtest"
	"renkei/internal/huntpkg"
	"renkei/internal/policy"
	"renkei/internal/store"
)

// world is a hub with a center, two energy operators, a water utility and a
// hospital, each with an analyst.
type world struct {
	h       *hub.Hub
	svc     *huntpkg.Service
	callers map[string]auth.Caller // by login
	exports *exportgate.Service
}

func newWorld(t testing.TB, kind string) *world {
	t.Helper()
	ctx := context.Background()
	h := hubtest.New(t, kind, hubtest.WithAudit())
	w := &world{h: h.Hub, svc: h.App.Hunting, callers: map[string]auth.Caller{}}
	for _, o := range []struct{ name, kind, sector string }{
		{"Power Co", "operator", "energy"}, {"Grid Co", "operator", "Energy"}, {"Water Works", "operator", "water"},
		{"City Hospital", "medical", ""}, {"Rail Co", "operator", "transport"},
	} {
		h.Org(o.name, o.kind, o.sector)
	}
	if _, err := hub.AddGroup(ctx, h.DB, "Lifelines ISAC", []string{"Water Works", "Rail Co"}, h.Now); err != nil {
		t.Fatal(err)
	}
	for _, u := range []struct{ login, org, role string }{
		{"center", h.Center().Name, "analyst"}, {"power", "Power Co", "analyst"}, {"grid", "Grid Co", "analyst"},
		{"water", "Water Works", "analyst"}, {"hospital", "City Hospital", "analyst"}, {"rail", "Rail Co", "analyst"},
		{"power-reporter", "Power Co", "reporter"},
	} {
		h.User(u.login, u.org, u.role)
	}
	h.Overseer("overseer") // the committee's first member, in its own organization
	for _, login := range []string{"center", "overseer", "power", "grid", "water", "hospital", "rail", "power-reporter"} {
		w.callers[login] = h.Caller(login)
	}
	// These tests use documentation addresses and names (RFC 5737, 2606)
	// as stand-ins for public ones: the center switches the documentation
	// warninglists off, as TestPackageIndicatorsPassTheExportGate shows it
	// must be for them to be published at all.
	w.exports = h.App.Exports
	for _, l := range []string{"renkei-documentation", "renkei-documentation-names"} {
		if err := h.App.Exports.SetEnabled(ctx, w.callers["center"], l, false); err != nil {
			t.Fatal(err)
		}
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
	as = alerttest.InEveryLanguage(t, as)
	var out []store.Alert
	for _, a := range as {
		if a.Kind == kind {
			out = append(out, a)
		}
	}
	return out
}

func createFile(path string) (*os.File, error) { return os.Create(path) }
