package alert_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strings"
	"testing"
	"time"

	"renkei/internal/alert"
	"renkei/internal/i18n"
	"renkei/internal/policy"
	"renkei/internal/store"
	"renkei/internal/store/storetest"
)

// TestAlertsRenderInTheReadersLanguage: an alert raised with a catalog
// title and body is stored as keys and parameters only, without a text, and
// read in each reader's language with its lines kept; a webhook carries it
// in the hub's language with the keys and parameters beside; an alert
// raised with a plain title and body, as before migrations 24 and 29, reads
// as it was stored, both languages joined or not.
func TestAlertsRenderInTheReadersLanguage(t *testing.T) {
	for _, kind := range storetest.Kinds(t) {
		t.Run(kind, func(t *testing.T) {
			ctx := context.Background()
			db := storetest.Open(t, kind)
			now := time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)
			org := store.Org{ID: "identity--00000000-0000-4000-8000-0000000000aa", Name: "Water", Kind: "operator", Created: now}
			if err := db.AddOrg(ctx, org); err != nil {
				t.Fatal(err)
			}
			posts := make(chan alert.Payload, 4)
			hook := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				b, _ := io.ReadAll(r.Body)
				var p alert.Payload
				if err := json.Unmarshal(b, &p); err != nil {
					t.Errorf("webhook body %s: %v", b, err)
				}
				posts <- p
			}))
			defer hook.Close()
			if _, err := db.AddWebhook(ctx, store.Webhook{OrgID: org.ID, URL: hook.URL, Secret: "s", Active: true, Created: now}); err != nil {
				t.Fatal(err)
			}
			s := &alert.Service{DB: db, Now: func() time.Time { return now },
				Reach: alert.Reach{Allow: []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8")}}}
			m := i18n.M("alert.sighting.by", "indicator", "Phishing domain", "Chubu Power")
			body := alert.Lines(i18n.M("alert.sighting.body.what", "3"), alert.Blank, i18n.M("alert.sighting.body.todo"))
			if _, err := s.Raise(ctx, store.Alert{OrgID: org.ID, Kind: "sighting", TitleKey: m.Key, TitleParams: m.Params, BodyMsgs: body, Body: "ignored"}); err != nil {
				t.Fatal(err)
			}
			if _, err := s.Raise(ctx, store.Alert{OrgID: org.ID, Kind: "old", Title: "旧 / old", Body: "本文\n---\nbody"}); err != nil {
				t.Fatal(err)
			}
			as, _, err := db.Alerts(ctx, policy.Viewer{UserID: 1, OrgID: org.ID, Role: policy.RoleAnalyst}, "", 10, false)
			if err != nil || len(as) != 2 {
				t.Fatalf("%d alerts, %v", len(as), err)
			}
			old, keyed := as[0], as[1]
			ja, en := alert.Title(keyed, "ja"), alert.Title(keyed, "en")
			if ja != "貴組織のindicator「Phishing domain」がChubu Powerにより観測されました" || en != `Your indicator "Phishing domain" was sighted by Chubu Power` {
				t.Errorf("titles %q, %q", ja, en)
			}
			bodyJA, bodyEN := alert.Body(keyed, "ja"), alert.Body(keyed, "en")
			if bodyJA != "会員により 3 回観測されました。作成者である貴組織に観測が共有されています。\n\n自組織での検知・遮断が有効になっているか確認してください。" {
				t.Errorf("body in Japanese %q", bodyJA)
			}
			if !strings.HasPrefix(bodyEN, "A member sighted it 3 times;") || strings.Count(bodyEN, "\n") != 2 || strings.ContainsAny(bodyEN, "会観") {
				t.Errorf("body in English %q", bodyEN)
			}
			// Read back: the keys and parameters, no text made by the store.
			if keyed.Title != "" || keyed.Body != "" || strings.Join(keyed.TitleParams, "|") != "indicator|Phishing domain|Chubu Power" || len(keyed.BodyMsgs) != 3 {
				t.Errorf("read %q %q %q %v", keyed.Title, keyed.Body, keyed.TitleParams, keyed.BodyMsgs)
			}
			var title, text string
			if err := db.QueryRow(ctx, "SELECT title, body FROM alerts WHERE title_key <> ''").Scan(&title, &text); err != nil || title != "" || text != "" {
				t.Errorf("a keyed alert stores the title %q and body %q (%v)", title, text, err)
			}
			if alert.Title(old, "en") != "旧 / old" || alert.Body(old, "en") != "本文\n---\nbody" || old.TitleKey != "" {
				t.Errorf("an alert from before reads %q %q", alert.Title(old, "en"), alert.Body(old, "en"))
			}
			if n, err := s.DeliverDue(ctx); err != nil || n != 2 {
				t.Fatalf("deliveries: %d %v", n, err)
			}
			for range 2 {
				p := <-posts
				switch p.Kind {
				case "sighting":
					if p.Title != ja || p.Body != bodyJA || p.Titles["en"] != en || p.TitleKey != m.Key || len(p.TitleParams) != 3 || len(p.BodyMsgs) != 3 || p.BodyMsgs[0].Key != "alert.sighting.body.what" {
						t.Errorf("webhook of a keyed alert: %+v", p)
					}
				case "old":
					if p.Title != "旧 / old" || p.Body != "本文\n---\nbody" || p.TitleKey != "" || p.BodyMsgs != nil {
						t.Errorf("webhook of an alert from before: %+v", p)
					}
				}
			}
		})
	}
}

// TestEveryAlertKindIsNamed: every kind the inbox filters by (alert.Kinds,
// which are the kinds TestEveryAlertKindSpeaksFromTheCatalog finds raised)
// has a name in every language, so that no raw kind shows in the inbox.
func TestEveryAlertKindIsNamed(t *testing.T) {
	cats, err := i18n.Load()
	if err != nil {
		t.Fatal(err)
	}
	for _, l := range i18n.Languages {
		for _, k := range alert.Kinds {
			if _, ok := cats[l]["alert.kind."+k]; !ok {
				t.Errorf("alert kind %s has no name in %s (alert.kind.%s)", k, l, k)
			}
		}
	}
}
