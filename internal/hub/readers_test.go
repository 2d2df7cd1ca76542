package hub_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strings"
	"sync"
	"testing"
	"time"

	"renkei/internal/alert"
	"renkei/internal/hub"
	"renkei/internal/policy"
	"renkei/internal/store"
	"renkei/internal/store/storetest"
)

// readersHub is a hub with three members and the center, users of several
// roles in each, and a webhook of the first member that records what it is
// sent.
type readersHub struct {
	h    *hub.Hub
	hook *hookRecorder
}

type hookRecorder struct {
	mu     sync.Mutex
	bodies []string
}

func (r *hookRecorder) ServeHTTP(w http.ResponseWriter, req *http.Request) {
	b, _ := io.ReadAll(req.Body)
	r.mu.Lock()
	r.bodies = append(r.bodies, string(b))
	r.mu.Unlock()
}

func newReadersHub(t *testing.T, kind string) *readersHub {
	t.Helper()
	h := newHub(t, kind)
	ctx := context.Background()
	now := time.Now().UTC()
	for _, o := range []string{"Author Co", "Sighter Co", "Third Co"} {
		if _, err := hub.AddOrg(ctx, h.DB, o, "operator", "energy", now); err != nil {
			t.Fatal(err)
		}
	}
	for _, u := range []struct{ login, org, role string }{
		{"a-analyst", "Author Co", "analyst"}, {"a-analyst2", "Author Co", "analyst"}, {"a-viewer", "Author Co", "viewer"},
		{"a-reporter", "Author Co", "reporter"}, {"a-admin", "Author Co", "org-admin"},
		{"b-analyst", "Sighter Co", "analyst"}, {"c-analyst", "Third Co", "analyst"},
		{"center-analyst", h.Center().Name, "analyst"}, {"center-overseer", "", "overseer"},
	} {
		_, err := hub.AddUser(ctx, h.DB, u.login, u.org, u.role, "", now)
		if u.role == "overseer" { // the committee's first member, in its own organization
			_, _, err = hub.BootstrapCommittee(ctx, h.DB, "Oversight Committee", u.login, "test", now)
		}
		if err != nil {
			t.Fatal(err)
		}
	}
	rec := &hookRecorder{}
	srv := httptest.NewServer(rec)
	// The receiver listens on loopback, which webhooks reach only when the
	// hub administrator allows it.
	h.Alerts.Reach = alert.Reach{Allow: []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8")}}
	t.Cleanup(srv.Close)
	author, _ := h.DB.Org(ctx, "Author Co")
	if _, err := h.DB.AddWebhook(ctx, store.Webhook{OrgID: author.ID, URL: srv.URL, Secret: "k", Active: true, Created: now}); err != nil {
		t.Fatal(err)
	}
	return &readersHub{h: h, hook: rec}
}

// submit stores one object as login and returns its id.
func (e *readersHub) submit(t *testing.T, login string, obj map[string]any) string {
	t.Helper()
	ctx := context.Background()
	body, _ := json.Marshal(map[string]any{"type": "bundle", "id": "bundle--00000000-0000-4000-8000-000000000001", "objects": []any{obj}})
	col, err := e.h.DB.Collection(ctx, hub.MembersCollection)
	if err != nil {
		t.Fatal(err)
	}
	st, err := e.h.Submit(ctx, caller(t, e.h, login), col, bytes.NewReader(body))
	if err != nil || st.Success != 1 {
		t.Fatalf("submit as %s: %+v %v", login, st, err)
	}
	return obj["id"].(string)
}

func (e *readersHub) view(t *testing.T, login string) policy.Viewer {
	t.Helper()
	v, err := e.h.Viewer(context.Background(), caller(t, e.h, login))
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// indicator is an indicator at tlp for the named people (logins) or, when
// they start with "org:", organizations.
func indicator(id, name string, tlp policy.TLP, recipients ...string) map[string]any {
	o := map[string]any{"type": "indicator", "spec_version": "2.1", "id": id, "name": name,
		"created": "2026-01-01T00:00:00.000Z", "modified": "2026-01-01T00:00:00.000Z",
		"pattern": "[ipv4-addr:value = '203.0.113.9']", "pattern_type": "stix", "valid_from": "2026-01-01T00:00:00Z",
		"object_marking_refs": []string{tlp.MarkingID()}}
	var users, orgs []string
	for _, r := range recipients {
		if org, ok := strings.CutPrefix(r, "org:"); ok {
			orgs = append(orgs, org)
		} else {
			users = append(users, r)
		}
	}
	if len(recipients) > 0 {
		o["extensions"] = map[string]any{hub.Extension: map[string]any{"extension_type": "property-extension", "recipient_users": users, "recipient_orgs": orgs}}
	}
	return o
}

func sighting(id, of string, tlp policy.TLP, count int) map[string]any {
	return map[string]any{"type": "sighting", "spec_version": "2.1", "id": id, "sighting_of_ref": of, "count": count,
		"created": "2026-01-02T00:00:00.000Z", "modified": "2026-01-02T00:00:00.000Z", "object_marking_refs": []string{tlp.MarkingID()}}
}

// TestRedSightingAlertNotInOthersInbox: a sighting of a RED indicator named
// for two people of other organizations raises an alert to the indicator's
// organization that only the people who may read the indicator see: not its
// colleagues (analysts, viewers, reporters, its administrator), not the
// center's overseer, and not the organization's webhook.
func TestRedSightingAlertNotInOthersInbox(t *testing.T) {
	t.Parallel()
	for _, kind := range storetest.Kinds(t) {
		t.Run(kind, func(t *testing.T) {
			t.Parallel()
			e := newReadersHub(t, kind)
			ctx := context.Background()
			const name = "Operation Quiet Lantern"
			red := e.submit(t, "a-analyst", indicator("indicator--00000000-0000-4000-8000-0000000000a1", name, policy.Red, "b-analyst", "c-analyst"))
			e.submit(t, "b-analyst", sighting("sighting--00000000-0000-4000-8000-0000000000b1", red, policy.Green, 7))

			for _, tt := range []struct {
				login string
				sees  bool
			}{
				{"a-analyst", true}, // submitted the RED indicator: one of the people it is for
				{"a-analyst2", false}, {"a-viewer", false}, {"a-reporter", false}, {"a-admin", false},
				{"center-analyst", false}, {"center-overseer", false}, {"c-analyst", false},
			} {
				v := e.view(t, tt.login)
				as, _, err := e.h.DB.Alerts(ctx, v, "", 50, false)
				if err != nil {
					t.Fatal(err)
				}
				found := false
				for _, a := range as {
					text := a.Title + a.Body + a.Data + a.ObjectRef
					if strings.Contains(text, name) || strings.Contains(text, red) || strings.Contains(text, "sighting--00000000-0000-4000-8000-0000000000b1") {
						found = true
					}
				}
				n, err := e.h.DB.UnreadAlerts(ctx, v)
				if err != nil {
					t.Fatal(err)
				}
				if found != tt.sees || (n > 0) != tt.sees {
					t.Errorf("%s: alert in the inbox %v (unread %d), want %v", tt.login, found, n, tt.sees)
				}
			}
			// The organization as a whole reads its own AMBER indicator: that
			// sighting's alert goes to the webhook.
			amber := e.submit(t, "a-analyst", indicator("indicator--00000000-0000-4000-8000-0000000000a3", "Open matter", policy.Amber, "org:Sighter Co"))
			e.submit(t, "b-analyst", sighting("sighting--00000000-0000-4000-8000-0000000000b5", amber, policy.Green, 1))
			if _, err := e.h.Alerts.DeliverDue(ctx); err != nil {
				t.Fatal(err)
			}
			e.hook.mu.Lock()
			defer e.hook.mu.Unlock()
			posted := false
			for _, b := range e.hook.bodies {
				if strings.Contains(b, name) || strings.Contains(b, red) {
					t.Errorf("the organization's webhook was sent the RED indicator: %s", b)
				}
				posted = posted || strings.Contains(b, amber)
			}
			if !posted {
				t.Errorf("the webhook did not receive the alert the organization may read; it received %q", e.hook.bodies)
			}
		})
	}
}

// TestSightingsReachTheirReaders: a GREEN sighting stays visible to every
// member; the author of what was sighted always sees the sighting of its own
// object (a RED one through the person who submitted it), and the alert of
// a sighting it may read; an AMBER sighting stays within its audience.
func TestSightingsReachTheirReaders(t *testing.T) {
	t.Parallel()
	for _, kind := range storetest.Kinds(t) {
		t.Run(kind, func(t *testing.T) {
			t.Parallel()
			e := newReadersHub(t, kind)
			ctx := context.Background()
			amber := e.submit(t, "a-analyst", indicator("indicator--00000000-0000-4000-8000-0000000000a2", "Amber thing", policy.Amber, "org:Sighter Co"))
			green := e.submit(t, "b-analyst", sighting("sighting--00000000-0000-4000-8000-0000000000b2", amber, policy.Green, 1))
			redS := e.submit(t, "b-analyst", sighting("sighting--00000000-0000-4000-8000-0000000000b3", amber, policy.Red, 2))
			amberS := e.submit(t, "b-analyst", sighting("sighting--00000000-0000-4000-8000-0000000000b4", amber, policy.Amber, 3))
			for _, tt := range []struct {
				login, id string
				sees      bool
			}{
				{"c-analyst", green, true}, // GREEN: every member
				{"a-viewer", green, true},
				{"a-analyst", redS, true}, // RED: the person who submitted what was sighted
				{"a-viewer", redS, false},
				{"c-analyst", redS, false},
				{"a-viewer", amberS, true}, // AMBER: the author's organization
				{"c-analyst", amberS, false},
			} {
				_, err := e.h.DB.ObjectByID(ctx, e.view(t, tt.login), tt.id)
				if sees := err == nil; sees != tt.sees {
					t.Errorf("%s reads %s: %v, want %v (%v)", tt.login, tt.id, sees, tt.sees, err)
				}
			}
			as, _, err := e.h.DB.Alerts(ctx, e.view(t, "a-analyst"), "", 50, false)
			if err != nil {
				t.Fatal(err)
			}
			if len(as) != 3 {
				t.Errorf("the author sees %d sighting alerts, want 3: %+v", len(as), as)
			}
			as, _, err = e.h.DB.Alerts(ctx, e.view(t, "a-viewer"), "", 50, false)
			if err != nil {
				t.Fatal(err)
			}
			for _, a := range as {
				if a.ObjectRef == redS {
					t.Errorf("a colleague of the author sees the alert of a RED sighting not for it: %+v", a)
				}
			}
			if len(as) != 2 {
				t.Errorf("a viewer of the author's organization sees %d sighting alerts, want 2 (GREEN and AMBER)", len(as))
			}
		})
	}
}
