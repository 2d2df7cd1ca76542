package server_test

import (
	"context"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"renkei/internal/auth"
	"renkei/internal/hub"
	"renkei/internal/policy"
	"renkei/internal/server"
	"renkei/internal/store"
	"renkei/internal/telemetry"
	"renkei/internal/testwait"
)

// TestMetricsMoveWithTheirEvents scrapes /metrics over HTTP before and
// after each event an operator watches and checks that its metric moved:
// objects ingested and refused, the TAXII listing queue's waits, alerts
// raised, webhook deliveries delivered, failed and dead, audit appends and
// the log's integration lag, a collector's datagrams received and dropped,
// a feed's refresh age, and the pipeline's lag.
func TestMetricsMoveWithTheirEvents(t *testing.T) {
	t.Parallel()
	dsn, token := prepare(t, "sqlite")
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	db, err := store.Open(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	now := time.Now().UTC()
	if err := telemetry.AddSource(ctx, db, telemetry.Source{ID: "transit", LegalBasis: telemetry.BasisCommittee, ApprovalRef: "approval-1", Retention: time.Hour, Created: now}); err != nil {
		t.Fatal(err)
	}
	l, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	udp := l.LocalAddr().String()
	l.Close()
	s, err := server.New(ctx, server.Config{Listen: "127.0.0.1:0", DataDir: t.TempDir(), Collect: []string{"udp://" + udp + "=transit"}, Matchers: 1,
		WebhookAllow: []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8")}}, slog.New(slog.DiscardHandler), db)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	addrc := make(chan string, 1)
	go s.Run(ctx, func(a string) { addrc <- a })
	base := "http://" + <-addrc

	scrape := func() string {
		res, err := http.Get(base + "/metrics")
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		b, _ := io.ReadAll(res.Body)
		return string(b)
	}
	// value reads one sample: name{labels} as Prometheus prints it; -1 when absent.
	value := func(body, sample string) float64 {
		m := regexp.MustCompile(`(?m)^` + regexp.QuoteMeta(sample) + ` (\S+)$`).FindStringSubmatch(body)
		if m == nil {
			return -1
		}
		v, _ := strconv.ParseFloat(m[1], 64)
		return v
	}
	moved := func(what, sample string, by float64, event func()) {
		t.Helper()
		before := max(value(scrape(), sample), 0)
		event()
		var got float64
		if !testwait.Until(10*time.Second, func() bool { got = value(scrape(), sample); return got >= before+by }) {
			t.Errorf("%s: %s went from %v to %v, want +%v", what, sample, before, got, by)
		}
	}

	moved("objects", `renkei_objects_total{outcome="ingested"}`, 1, func() {
		post(t, base, token, `{"type":"bundle","id":"bundle--00000000-0000-4000-8000-000000000001","objects":[`+
			`{"type":"indicator","spec_version":"2.1","id":"indicator--00000000-0000-4000-8000-000000000001","created":"2026-01-01T00:00:00.000Z","modified":"2026-01-01T00:00:00.000Z","pattern":"[ipv4-addr:value = '203.0.113.9']","pattern_type":"stix","valid_from":"2026-01-01T00:00:00Z","object_marking_refs":["`+policy.MarkingGreen+`"]},`+
			`{"type":"indicator","spec_version":"2.1","id":"indicator--00000000-0000-4000-8000-000000000002","created":"2026-01-01T00:00:00.000Z","modified":"2026-01-01T00:00:00.000Z","pattern":"[not a pattern","pattern_type":"stix","valid_from":"2026-01-01T00:00:00Z"}]}`)
	})
	if v := value(scrape(), `renkei_objects_total{outcome="refused"}`); v != 1 {
		t.Errorf("objects refused: %v, want 1", v)
	}

	moved("TAXII queue", `renkei_taxii_queue_wait_seconds_count{outcome="admitted"}`, 1, func() {
		req, _ := http.NewRequest("GET", base+"/taxii2/api/collections/"+hub.MembersCollection+"/objects/", nil)
		req.Header.Set("Accept", "application/taxii+json;version=2.1")
		req.Header.Set("Authorization", "Bearer "+token)
		res, err := http.DefaultClient.Do(req)
		if err != nil || res.StatusCode != 200 {
			t.Fatalf("listing: %v %v", res, err)
		}
		res.Body.Close()
	})
	if !strings.Contains(scrape(), "renkei_taxii_queue_depth 0") {
		t.Error("the TAXII queue's depth is not exported")
	}

	// Alerts raised, and their webhooks: one answers 200, one 500 (tried
	// once, then dead with MaxAttempts 1).
	ok := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}))
	defer ok.Close()
	failing := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(500) }))
	defer failing.Close()
	power, err := db.Org(ctx, "Power Co")
	if err != nil {
		t.Fatal(err)
	}
	for _, u := range []string{ok.URL, failing.URL} {
		if _, err := db.AddWebhook(ctx, store.Webhook{OrgID: power.ID, URL: u, Secret: "s", Active: true, Created: now}); err != nil {
			t.Fatal(err)
		}
	}
	s.App.Alerts.MaxAttempts = 1
	moved("alerts", `renkei_alerts_raised_total{kind="metrics-test"}`, 1, func() {
		if _, err := s.App.Alerts.Raise(ctx, store.Alert{OrgID: power.ID, Kind: "metrics-test", Title: "t"}); err != nil {
			t.Fatal(err)
		}
	})
	body := scrape()
	delivered, dead := value(body, `renkei_webhook_deliveries_total{outcome="delivered"}`), value(body, `renkei_webhook_deliveries_total{outcome="dead"}`)
	moved("deliveries", `renkei_webhook_deliveries_total{outcome="delivered"}`, 1, func() { s.App.Alerts.DeliverDue(ctx) })
	if v := value(scrape(), `renkei_webhook_deliveries_total{outcome="dead"}`); v != dead+1 || delivered < 0 {
		t.Errorf("dead letters: %v, want %v", v, dead+1)
	}

	moved("audit", `renkei_audit_appends_total{outcome="ok"}`, 1, func() {
		u, err := db.UserByLogin(ctx, "power")
		if err != nil {
			t.Fatal(err)
		}
		if _, err := s.App.Hub.Record(ctx, auth.Caller{User: u, Org: power}, "policy.change", "metrics-test", nil); err != nil {
			t.Fatal(err)
		}
	})
	testwait.For(t, 10*time.Second, "the audit log's lag back to 0", func() bool { return value(scrape(), "renkei_audit_integration_lag") == 0 })

	moved("collector", `renkei_collector_datagrams_total{outcome="dropped:unregistered",source="transit"}`, 1, func() {
		c, err := net.Dial("udp", udp)
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		c.Write([]byte{0, 5, 0, 0}) // from an exporter nobody registered
	})
	if v := value(scrape(), `renkei_collector_datagrams_total{outcome="received",source="transit"}`); v < 1 {
		t.Errorf("datagrams received: %v", v)
	}

	feed := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, `{"title":"CISA Catalog of Known Exploited Vulnerabilities","catalogVersion":"2026.01.01","dateReleased":"2026-01-01T00:00:00.000Z","count":0,"vulnerabilities":[]}`)
	}))
	defer feed.Close()
	f := store.VulnFeed{URL: feed.URL + "/kev.json", Interval: time.Hour, Created: now}
	if err := db.AddVulnFeed(ctx, &f); err != nil {
		t.Fatal(err)
	}
	sample := `renkei_feed_refresh_age_seconds{feed="` + strconv.FormatInt(f.ID, 10) + `"}`
	if v := value(scrape(), sample); v != -1 {
		t.Fatalf("a feed never fetched has an age: %v", v)
	}
	if _, err := s.App.Relevance.FetchDue(ctx); err != nil {
		t.Fatal(err)
	}
	if v := value(scrape(), sample); v < 0 || v > 60 {
		t.Errorf("feed refresh age after a fetch: %v", v)
	}

	// The pipeline's lag is the matchers' consumer's: the hub runs one
	// matcher here (a config's zero runs none, and then no consumer exists
	// to report a lag).
	if v := value(scrape(), "renkei_telemetry_pipeline_pending"); v != 0 {
		t.Errorf("pipeline lag with nothing on the bus: %v", v)
	}
}

func post(t *testing.T, base, token, bundle string) {
	t.Helper()
	req, _ := http.NewRequest("POST", base+"/taxii2/api/collections/"+hub.MembersCollection+"/objects/", strings.NewReader(bundle))
	req.Header.Set("Content-Type", "application/taxii+json;version=2.1")
	req.Header.Set("Authorization", "Bearer "+token)
	res, err := http.DefaultClient.Do(req)
	if err != nil || res.StatusCode != 202 {
		t.Fatalf("POST: %v %v", res, err)
	}
	res.Body.Close()
}
