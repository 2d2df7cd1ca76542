package notify_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"renkei/internal/alert"
	"renkei/internal/hub"
	"renkei/internal/notify"
	"renkei/internal/policy"
	"renkei/internal/store"
	"renkei/internal/store/storetest"
)

// TestAlertsSentOnlyWhileOrgMayRead: whether an organization as a whole may
// read what an alert names is decided again when its webhooks are posted and
// its e-mail sent, not only when the alert was raised. An organization taken
// out of the group an AMBER object is addressed to after the alert was
// raised gets neither the webhook post (the delivery is withheld) nor the
// e-mail; an alert naming a GREEN object still goes out.
func TestAlertsSentOnlyWhileOrgMayRead(t *testing.T) {
	for _, kind := range storetest.Kinds(t) {
		t.Run(kind, func(t *testing.T) {
			ctx := context.Background()
			db := storetest.Open(t, kind)
			now := time.Date(2026, 11, 19, 22, 0, 0, 0, time.UTC)
			if _, err := hub.Bootstrap(ctx, db, now); err != nil {
				t.Fatal(err)
			}
			water, _ := hub.AddOrg(ctx, db, "Suido Water", "operator", "water", now)
			other, _ := hub.AddOrg(ctx, db, "Other Co", "operator", "energy", now)
			isac, err := hub.AddGroup(ctx, db, "Water ISAC", []string{water.ID}, now)
			if err != nil {
				t.Fatal(err)
			}
			objs := []store.Object{
				{CollectionID: hub.MembersCollection, ID: "indicator--00000000-0000-4000-8000-0000000000a1", Type: "indicator", SpecVersion: "2.1",
					Created: now, Modified: now, Name: "Amber Reservoir", ACL: policy.ACL{TLP: policy.Amber, AuthorOrg: other.ID, RecipientGroups: []string{isac.ID}}, Raw: []byte("{}")},
				{CollectionID: hub.MembersCollection, ID: "indicator--00000000-0000-4000-8000-0000000000a2", Type: "indicator", SpecVersion: "2.1",
					Created: now, Modified: now, Name: "Green Meadow", ACL: policy.ACL{TLP: policy.Green, AuthorOrg: other.ID}, Raw: []byte("{}")},
			}
			if _, err := db.InsertObjects(ctx, objs, now, "", store.StatusProgress{}); err != nil {
				t.Fatal(err)
			}
			var posted atomic.Value
			posted.Store("")
			receiver := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				var b strings.Builder
				buf := make([]byte, 4096)
				n, _ := r.Body.Read(buf)
				b.Write(buf[:n])
				posted.Store(posted.Load().(string) + b.String())
			}))
			defer receiver.Close()
			if _, err := db.AddWebhook(ctx, store.Webhook{OrgID: water.ID, URL: receiver.URL, Secret: "s", Active: true, Created: now}); err != nil {
				t.Fatal(err)
			}
			srv := startSMTP(t)
			n := &notify.Notifier{DB: db}
			if err := n.SetSMTP(ctx, notify.SMTP{Addr: srv.ln.Addr().String(), From: "renkei@hub.example.jp"}); err != nil {
				t.Fatal(err)
			}
			if err := n.SetPref(ctx, water.ID, []string{"soc@suido.example.jp"}, notify.Immediate); err != nil {
				t.Fatal(err)
			}
			al := &alert.Service{DB: db, Now: func() time.Time { return now },
				Reach: alert.Reach{Allow: []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8")}}}
			for _, o := range objs {
				if _, err := al.Raise(ctx, store.Alert{OrgID: water.ID, Kind: "sighting", Title: "Your indicator " + o.Name + " was sighted", Objects: []int64{o.PK}}); err != nil {
					t.Fatal(err)
				}
			}
			// Water leaves the group after the alerts were raised.
			if err := db.SetGroupMembers(ctx, store.Group{ID: isac.ID, Name: isac.Name}); err != nil {
				t.Fatal(err)
			}
			if _, err := al.DeliverDue(ctx); err != nil {
				t.Fatal(err)
			}
			if p := posted.Load().(string); strings.Contains(p, "Amber Reservoir") || !strings.Contains(p, "Green Meadow") {
				t.Errorf("webhook posts after Water left the group: %q; want Green Meadow only", p)
			}
			if _, err := n.Run(ctx, now); err != nil {
				t.Fatal(err)
			}
			var subjects []string
			for _, m := range srv.take() {
				subj, body := decode(t, m.data)
				subjects = append(subjects, subj)
				if strings.Contains(subj+body, "Amber Reservoir") {
					t.Errorf("mailed after Water left the group: %q", subj)
				}
			}
			if len(subjects) != 1 {
				t.Errorf("mails: %q, want the GREEN alert's only", subjects)
			}
			// The withheld delivery is not retried, and not a dead letter to retry.
			if n, _ := al.DeliverDue(ctx); n != 0 {
				t.Errorf("%d deliveries still due", n)
			}
			if dead, _ := db.DeadDeliveries(ctx, water.ID, 10); len(dead) != 0 {
				t.Errorf("dead letters: %+v", dead)
			}
		})
	}
}
