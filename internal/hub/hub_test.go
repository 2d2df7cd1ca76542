package hub_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"renkei/internal/auth"
	"renkei/internal/demo"
	"renkei/internal/hub"
	"renkei/internal/hubtest"
	"renkei/internal/policy"
	"renkei/internal/store"
	"renkei/internal/store/storetest"
)

func newHub(t *testing.T, kind string) *hub.Hub {
	t.Helper()
	db := storetest.Open(t, kind)
	ctx := context.Background()
	b, err := hub.Bootstrap(ctx, db, time.Now().UTC())
	if err != nil {
		t.Fatal(err)
	}
	if !b.New || b.AdminPassword == "" {
		t.Fatal("bootstrap of a new store must create the admin account")
	}
	again, err := hub.Bootstrap(ctx, db, time.Now().UTC())
	if err != nil || again.New {
		t.Fatalf("second bootstrap must do nothing: %+v %v", again, err)
	}
	a := hubtest.App(t, db)
	h := a.Hub
	return h
}

func caller(t *testing.T, h *hub.Hub, login string) auth.Caller {
	t.Helper()
	ctx := context.Background()
	u, err := h.DB.UserByLogin(ctx, login)
	if err != nil {
		t.Fatal(err)
	}
	o, err := h.DB.Org(ctx, u.OrgID)
	if err != nil {
		t.Fatal(err)
	}
	return auth.Caller{User: u, Org: o}
}

// TestDemoStory plays the first two steps of the story on each store: the
// power company's AMBER indicators reach the Energy ISAC but not the water
// utility; its identity is hidden from other members (consent "center only")
// and shown to the center; sightings raise alerts to the author.
func TestDemoStory(t *testing.T) {
	t.Parallel()
	for _, kind := range storetest.Kinds(t) {
		t.Run(kind, func(t *testing.T) {
			t.Parallel()
			h := newHub(t, kind)
			ctx := context.Background()
			res, err := demo.Fill(ctx, h.DB, time.Now().UTC())
			if err != nil {
				t.Fatal(err)
			}
			if res.Objects < 40 {
				t.Fatalf("demo stored %d objects", res.Objects)
			}
			if _, err := demo.Fill(ctx, h.DB, time.Now().UTC()); err == nil {
				t.Fatal("a second demo fill must be refused")
			}
			view := func(login string) policy.Viewer {
				v, err := h.Viewer(ctx, caller(t, h, login))
				if err != nil {
					t.Fatal(err)
				}
				return v
			}
			find := func(v policy.Viewer, name string) (store.Object, bool) {
				objs, _, err := h.DB.Objects(ctx, store.ObjectQuery{Viewer: v, Search: name, Limit: 10})
				if err != nil {
					t.Fatal(err)
				}
				for _, o := range objs {
					if o.Name == name {
						return o, true
					}
				}
				return store.Object{}, false
			}
			const c2 = "C2 server seen in the intrusion"
			if _, ok := find(view("chubu-analyst"), c2); !ok {
				t.Error("an Energy ISAC member must see the AMBER indicator addressed to the ISAC")
			}
			if _, ok := find(view("water-analyst"), c2); ok {
				t.Error("the water utility is not in the Energy ISAC and must not see the AMBER indicator")
			}
			cv := view("center-analyst")
			o, ok := find(cv, c2)
			if !ok {
				t.Fatal("the center sees every AMBER object")
			}
			kanto, _ := h.DB.Org(ctx, o.ACL.AuthorOrg)
			if !strings.Contains(string(h.Present(cv, o)), kanto.ID) {
				t.Error("consent 'center' must show the author to the center")
			}
			chubuView := view("chubu-analyst")
			shown := string(h.Present(chubuView, o))
			if strings.Contains(shown, kanto.ID) || !strings.Contains(shown, h.Center().ID) {
				t.Errorf("consent 'center' must show other members the center as author: %s", shown)
			}
			alerts, _, err := h.DB.Alerts(ctx, view("kanto-analyst"), "", 10, false)
			if err != nil {
				t.Fatal(err)
			}
			if len(alerts) == 0 || alerts[0].Kind != "sighting" {
				t.Fatalf("the author must be alerted of the sighting: %+v", alerts)
			}
			if strings.Contains(alerts[0].Title, "Chubu") {
				t.Errorf("the sighting organization consented to the center only, yet the alert names it: %q", alerts[0].Title)
			}
			sum, err := h.DB.Sightings(ctx, view("kanto-analyst"), o.ID)
			if err != nil {
				t.Fatal(err)
			}
			if sum.Sightings != 1 || sum.Count < 3 || sum.FirstSeen.IsZero() {
				t.Errorf("author's sighting summary: %+v", sum)
			}
		})
	}
}
