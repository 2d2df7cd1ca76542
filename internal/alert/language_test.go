package alert_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"renkei/internal/alert"
	"renkei/internal/i18n"
	"renkei/internal/policy"
	"renkei/internal/store"
	"renkei/internal/store/storetest"
)

// TestAlertsRenderInTheReadersLanguage: an alert raised as a catalog key
// with parameters is stored as such, without a title text, and read in each
// reader's language, or in both joined for readers that take one string (a
// webhook); an alert raised with a plain title, as before migration 24,
// reads as it was.
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
			s := &alert.Service{DB: db, Now: func() time.Time { return now }}
			m := i18n.M("alert.sighting.by", "indicator", "Phishing domain", "Chubu Power")
			if _, err := s.Raise(ctx, store.Alert{OrgID: org.ID, Kind: "sighting", TitleKey: m.Key, TitleParams: m.Params}); err != nil {
				t.Fatal(err)
			}
			if _, err := s.Raise(ctx, store.Alert{OrgID: org.ID, Kind: "old", Title: "旧 / old"}); err != nil {
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
			if keyed.Title != ja+" / "+en || strings.Join(keyed.TitleParams, "|") != "indicator|Phishing domain|Chubu Power" {
				t.Errorf("read %q %q", keyed.Title, keyed.TitleParams)
			}
			// Stored: the key and its parameters only, no text glued from
			// both languages; the old alert keeps its title.
			var stored string
			if err := db.QueryRow(ctx, "SELECT title FROM alerts WHERE title_key <> ''").Scan(&stored); err != nil || stored != "" {
				t.Errorf("a keyed alert stores the title %q (%v)", stored, err)
			}
			if err := db.QueryRow(ctx, "SELECT title FROM alerts WHERE title_key = ''").Scan(&stored); err != nil || stored != "旧 / old" {
				t.Errorf("an alert from before stores %q (%v)", stored, err)
			}
			if alert.Title(old, "en") != "旧 / old" || old.TitleKey != "" {
				t.Errorf("an alert from before reads %q", alert.Title(old, "en"))
			}
		})
	}
}
