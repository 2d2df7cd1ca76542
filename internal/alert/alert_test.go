package alert_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"renkei/internal/alert"
	"renkei/internal/i18n"
	"renkei/internal/policy"
	"renkei/internal/store"
	"renkei/internal/store/storetest"
)

// TestWebhookSignedRetriedDeadLettered posts an alert to a webhook that fails
// twice then succeeds, and to one that always fails: the first is delivered
// with a valid signature after backoff, the second ends on the dead-letter list
// and can be retried.
func TestWebhookSignedRetriedDeadLettered(t *testing.T) {
	for _, kind := range storetest.Kinds(t) {
		t.Run(kind, func(t *testing.T) {
			ctx := context.Background()
			db := storetest.Open(t, kind)
			now := time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)
			clock := func() time.Time { return now }
			org := store.Org{ID: "identity--00000000-0000-4000-8000-0000000000aa", Name: "Water", Kind: "operator", Created: now}
			if err := db.AddOrg(ctx, org); err != nil {
				t.Fatal(err)
			}
			var calls, good atomic.Int32
			const secret = "s3cret"
			flaky := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				body, _ := io.ReadAll(r.Body)
				ts, _ := strconv.ParseInt(r.Header.Get("X-Renkei-Timestamp"), 10, 64)
				if !alert.Verify(secret, ts, body, r.Header.Get("X-Renkei-Signature")) {
					t.Errorf("bad signature on %s", body)
				}
				if calls.Add(1) <= 2 {
					w.WriteHeader(503)
					return
				}
				good.Add(1)
			}))
			defer flaky.Close()
			broken := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(500) }))
			defer broken.Close()
			for _, u := range []string{flaky.URL, broken.URL} {
				if _, err := db.AddWebhook(ctx, store.Webhook{OrgID: org.ID, URL: u, Secret: secret, Active: true, Created: now}); err != nil {
					t.Fatal(err)
				}
			}
			// The receivers listen on loopback, which webhooks reach only
			// when the hub administrator allows it.
			s := &alert.Service{DB: db, Now: clock, MaxAttempts: 4, Backoff: time.Second,
				Reach: alert.Reach{Allow: []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8")}}}
			id, err := s.Raise(ctx, store.Alert{OrgID: org.ID, Kind: "sighting", Title: "Your indicator was sighted"})
			if err != nil {
				t.Fatal(err)
			}
			for range 6 {
				if _, err := s.DeliverDue(ctx); err != nil {
					t.Fatal(err)
				}
				now = now.Add(10 * time.Second) // past every backoff
			}
			if good.Load() != 1 {
				t.Fatalf("flaky webhook: %d good deliveries after %d calls", good.Load(), calls.Load())
			}
			dead, err := db.DeadDeliveries(ctx, org.ID, 10)
			if err != nil {
				t.Fatal(err)
			}
			if len(dead) != 1 || dead[0].Webhook.URL != broken.URL || dead[0].Attempts != 4 || dead[0].Alert.ID != id {
				t.Fatalf("dead letters: %+v", dead)
			}
			if err := db.RetryDelivery(ctx, org.ID, dead[0].PublicID, now); err != nil {
				t.Fatal(err)
			}
			if n, _ := s.DeliverDue(ctx); n != 1 {
				t.Fatalf("a retried dead letter is attempted again, got %d attempts", n)
			}
			inbox, _, err := db.Alerts(ctx, policy.Viewer{UserID: 1, OrgID: org.ID, Role: policy.RoleViewer}, "", 10, true)
			if err != nil || len(inbox) != 1 {
				t.Fatalf("inbox: %v %v", inbox, err)
			}
		})
	}
}

func TestSignatureRejectsTampering(t *testing.T) {
	sig := alert.Sign("k", 100, []byte(`{"a":1}`))
	if !alert.Verify("k", 100, []byte(`{"a":1}`), sig) {
		t.Fatal("valid signature rejected")
	}
	for _, tt := range []struct {
		key  string
		ts   int64
		body string
	}{{"k2", 100, `{"a":1}`}, {"k", 101, `{"a":1}`}, {"k", 100, `{"a":2}`}} {
		if alert.Verify(tt.key, tt.ts, []byte(tt.body), sig) {
			t.Errorf("tampered %+v accepted", tt)
		}
	}
}

// TestWebhookNamesAlertByPublicID: a webhook body and its X-Renkei-Alert
// header name the alert by its random public id, never by its row id (one
// sequence over every organization's alerts, which would tell a member how
// many the others received).
func TestWebhookNamesAlertByPublicID(t *testing.T) {
	for _, kind := range storetest.Kinds(t) {
		t.Run(kind, func(t *testing.T) {
			ctx := context.Background()
			db := storetest.Open(t, kind)
			now := time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)
			org := store.Org{ID: "identity--00000000-0000-4000-8000-0000000000aa", Name: "Water", Kind: "operator", Created: now}
			if err := db.AddOrg(ctx, org); err != nil {
				t.Fatal(err)
			}
			type post struct {
				header string
				body   alert.Payload
				raw    string
			}
			posts := make(chan post, 4)
			hook := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				b, _ := io.ReadAll(r.Body)
				var p alert.Payload
				if err := json.Unmarshal(b, &p); err != nil {
					t.Errorf("webhook body %s: %v", b, err)
				}
				posts <- post{r.Header.Get("X-Renkei-Alert"), p, string(b)}
			}))
			defer hook.Close()
			if _, err := db.AddWebhook(ctx, store.Webhook{OrgID: org.ID, URL: hook.URL, Secret: "s", Active: true, Created: now}); err != nil {
				t.Fatal(err)
			}
			s := &alert.Service{DB: db, Now: func() time.Time { return now },
				Reach: alert.Reach{Allow: []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8")}}}
			rows := map[string]int64{}
			for _, title := range []string{"first", "second"} {
				id, err := s.Raise(ctx, store.Alert{OrgID: org.ID, Kind: "kev", Title: title})
				if err != nil {
					t.Fatal(err)
				}
				rows[title] = id
			}
			if n, err := s.DeliverDue(ctx); err != nil || n != 2 {
				t.Fatalf("deliveries: %d %v", n, err)
			}
			inbox, _, err := db.Alerts(ctx, policy.Viewer{UserID: 1, OrgID: org.ID, Role: policy.RoleViewer}, "", 10, false)
			if err != nil {
				t.Fatal(err)
			}
			public := map[string]string{}
			for _, a := range inbox {
				public[a.Title] = a.PublicID
			}
			for range 2 {
				p := <-posts
				want := public[p.body.Title]
				if len(want) != 32 || p.body.ID != want || p.header != want {
					t.Errorf("alert %q posted as id %q, header %q; its public id is %q", p.body.Title, p.body.ID, p.header, want)
				}
				if strings.Contains(p.raw, `"id":`+strconv.FormatInt(rows[p.body.Title], 10)) {
					t.Errorf("the webhook body carries the row id: %s", p.raw)
				}
			}
		})
	}
}

// TestWebhookKeepsTheBodysLinesAndLists: an alert's body — catalog messages
// one a line, a list of actions, an indented detail and an empty line
// between — reaches the webhook's JSON payload with every line break, list
// item and indentation as the inbox shows it, in the hub's webhook language,
// beside the messages themselves.
func TestWebhookKeepsTheBodysLinesAndLists(t *testing.T) {
	for _, kind := range storetest.Kinds(t) {
		t.Run(kind, func(t *testing.T) {
			ctx := context.Background()
			db := storetest.Open(t, kind)
			now := time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)
			org := store.Org{ID: "identity--00000000-0000-4000-8000-0000000000ab", Name: "Town", Kind: "local-government", Created: now}
			if err := db.AddOrg(ctx, org); err != nil {
				t.Fatal(err)
			}
			posts := make(chan alert.Payload, 1)
			hook := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				var p alert.Payload
				if err := json.NewDecoder(r.Body).Decode(&p); err != nil {
					t.Errorf("webhook body: %v", err)
				}
				posts <- p
			}))
			defer hook.Close()
			if _, err := db.AddWebhook(ctx, store.Webhook{OrgID: org.ID, URL: hook.URL, Secret: "s", Active: true, Created: now}); err != nil {
				t.Fatal(err)
			}
			for _, lang := range []string{"ja", "en"} {
				s := &alert.Service{DB: db, Now: func() time.Time { return now }, Lang: lang,
					Reach: alert.Reach{Allow: []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8")}}}
				a := store.Alert{OrgID: org.ID, Kind: "advisory", Severity: "high",
					BodyMsgs: alert.Lines(i18n.M("alert.advisory_body.todo", "2026-12-01 00:00 JST"), i18n.M("alert.list.item", "Patch the VPN"),
						i18n.M("alert.list.item", "Rotate the VPN credentials"), i18n.M("alert.vuln.body.version", "7.0.1"), alert.Blank, i18n.M("alert.advisory_body.ack"))}
				a.TitleKey, a.TitleParams = "alert.advisory.advisory", []string{"VPN", "2026-12-01 00:00 JST"}
				if _, err := s.Raise(ctx, a); err != nil {
					t.Fatal(err)
				}
				if n, err := s.DeliverDue(ctx); err != nil || n != 1 {
					t.Fatalf("deliveries: %d %v", n, err)
				}
				p := <-posts
				want := alert.Body(a, lang)
				if strings.Count(want, "\n") != 5 || !strings.Contains(want, "Patch the VPN\n") || !strings.Contains(want, "7.0.1\n\n") {
					t.Fatalf("the body as the inbox shows it in %s is not six lines with a list: %q", lang, want)
				}
				if p.Body != want {
					t.Errorf("webhook body in %s:\n got %q\nwant %q", lang, p.Body, want)
				}
				if len(p.BodyMsgs) != 6 {
					t.Errorf("the payload carries %d body messages, want 6", len(p.BodyMsgs))
				}
			}
		})
	}
}
