package relevance_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"renkei/internal/alert/alerttest"
	"renkei/internal/hub"
	"renkei/internal/hubtest"
	"renkei/internal/policy"
	"renkei/internal/relevance"
	"renkei/internal/store"
	"renkei/internal/store/storetest"
)

var now = time.Date(2026, 11, 26, 9, 0, 0, 0, time.UTC)

type env struct {
	th                 *hubtest.Hub
	h                  *hub.Hub
	s                  *relevance.Service
	town, hosp, vendor store.Org
	// center is the bootstrapped administrator of the center, who sees the
	// exposure view and configures feeds.
	center  policy.Viewer
	viewers map[string]policy.Viewer
}

func newEnv(t *testing.T, kind string) *env {
	t.Helper()
	th := hubtest.New(t, kind, hubtest.At(now))
	th.App.Now = func() time.Time { return now }
	e := &env{th: th, h: th.Hub, s: th.App.Relevance, center: th.ViewerOf(th.AdminLogin), viewers: map[string]policy.Viewer{}}
	e.town = th.Org("Minato City Hall", "local-government", "local-government")
	e.hosp = th.Org("Hokushin General Hospital", "medical", "medical")
	e.vendor = th.Org("Example Networks KK", "vendor", "it")
	return e
}

// as is an analyst of org (made on first use), as the policy sees them.
func (e *env) as(org string) policy.Viewer {
	if v, ok := e.viewers[org]; ok {
		return v
	}
	login := fmt.Sprintf("analyst%d", len(e.viewers)+1)
	e.th.User(login, org, "analyst")
	v := e.th.ViewerOf(login)
	e.viewers[org] = v
	return v
}

func alertsOf(t *testing.T, e *env, org string) []store.Alert {
	t.Helper()
	as, _, err := e.h.DB.Alerts(context.Background(), policy.OrgAudience(org, false, nil), "", 100, false)
	if err != nil {
		t.Fatal(err)
	}
	return alerttest.InEveryLanguage(t, as)
}

// TestStory5KEVReachesTownHallAndHospital plays DESIGN.md's step 5 on each
// store: each organization gets exactly one alert, in Japanese and English,
// with the patch and the due date; a repeat of the feed alerts no one again.
func TestStory5KEVReachesTownHallAndHospital(t *testing.T) {
	t.Parallel()
	for _, kind := range storetest.Kinds(t) {
		t.Run(kind, func(t *testing.T) {
			t.Parallel()
			ctx := context.Background()
			e := newEnv(t, kind)
			out, err := e.s.Story5(ctx, e.town.ID, e.hosp.ID, now)
			if err != nil {
				t.Fatal(err)
			}
			if out.Alerts != 2 {
				t.Fatalf("alerts raised = %d, want 2 (one per organization): %+v", out.Alerts, out)
			}
			due := now.AddDate(0, 0, 21).Format("2006-01-02")
			for _, c := range []struct{ org, addr string }{{e.town.ID, "203.0.113.7"}, {e.hosp.ID, "198.51.100.20"}} {
				as := alertsOf(t, e, c.org)
				if len(as) != 1 {
					t.Fatalf("%s has %d alerts, want 1", c.org, len(as))
				}
				a := as[0]
				for _, want := range []string{"VPN装置 SecureGate (" + c.addr + ") に悪用が確認された脆弱性 CVE-2026-99001", "Your SecureGate at " + c.addr + " has a known exploited vulnerability"} {
					if !strings.Contains(a.Title, want) {
						t.Errorf("title %q lacks %q", a.Title, want)
					}
				}
				for _, want := range []string{"修正版: 7.0.2", "対応期限: " + due, "7.0.1 から 7.0.2 以降に更新", "Fixed in: 7.0.2", "Due date: " + due, "ランサムウェア", "CVSS 9.8"} {
					if !strings.Contains(a.Body, want) {
						t.Errorf("body lacks %q:\n%s", want, a.Body)
					}
				}
				if a.Kind != relevance.KindAlert || a.Severity != "critical" || a.ObjectRef != "CVE-2026-99001" {
					t.Errorf("alert kind/severity/ref = %s/%s/%s", a.Kind, a.Severity, a.ObjectRef)
				}
			}
			// The same feed again, and a modified catalog naming the same CVE: no new alert.
			kev, csaf := relevance.StoryDocuments(now.Add(time.Hour))
			res, err := e.s.ImportDocuments(ctx, []relevance.Input{{Source: "demo:known_exploited_vulnerabilities.json", Data: kev}, {Source: "other-mirror.csaf.json", Data: csaf}})
			if err != nil || res.Alerts != 0 {
				t.Fatalf("re-import raised %d alerts (err %v), want 0: never repeated", res.Alerts, err)
			}
			if fs, _ := e.s.Findings(ctx, e.as(e.town.ID)); len(fs) != 1 {
				t.Fatalf("town hall findings = %d, want 1 (a device indexed twice?)", len(fs))
			}
			// A fresh engine loaded from the store knows the same findings.
			s2 := relevance.New(e.h.DB, e.h.Alerts, nil)
			fs, err := s2.Findings(ctx, e.as(e.hosp.ID))
			if err != nil {
				t.Fatal(err)
			}
			if len(fs) != 1 || fs[0].Vulnerability != "CVE-2026-99001" || !fs[0].KnownExploited || fs[0].FixedVersion != "7.0.2" {
				t.Fatalf("hospital findings after reload = %+v", fs)
			}
			ex, err := s2.Exposure(ctx, e.center, "CVE-2026-99001")
			if err != nil {
				t.Fatal(err)
			}
			if ex.Members != 2 || len(ex.Sectors) != 2 || ex.KEV == nil || ex.KEV.DueDate != due {
				t.Fatalf("exposure = %+v", ex)
			}
			for _, sec := range ex.Sectors {
				if sec.Members != 1 || (sec.Sector != "local-government" && sec.Sector != "medical") {
					t.Errorf("sector %+v", sec)
				}
			}
			cps, _ := e.s.ConnectionPoints(ctx, e.as(e.hosp.ID))
			stale := 0
			for _, c := range cps {
				if c.Stale(now, e.s.StaleDays(ctx)) {
					stale++
				}
			}
			if stale != 1 {
				t.Errorf("stale connection points = %d, want 1 (confirmed five months ago)", stale)
			}
		})
	}
}

// TestAdvisoryBeforeAndAfterRegistration: an advisory that arrives before a
// device is registered alerts at registration; one that arrives after
// alerts when it lands; a patched version raises nothing.
func TestAdvisoryBeforeAndAfterRegistration(t *testing.T) {
	t.Parallel()
	for _, kind := range storetest.Kinds(t) {
		t.Run(kind, func(t *testing.T) {
			t.Parallel()
			ctx := context.Background()
			e := newEnv(t, kind)
			_, csaf := relevance.StoryDocuments(now)
			if res, err := e.s.ImportDocuments(ctx, []relevance.Input{{Source: "vendor.json", Data: csaf}}); err != nil || res.Alerts != 0 {
				t.Fatalf("advisory with no device: %+v %v", res, err)
			}
			_, out, err := e.s.AddConnectionPoint(ctx, e.as(e.town.ID), relevance.ConnectionPoint{OrgID: e.town.ID, Kind: "vpn", Vendor: "Example Networks", Product: "SecureGate", Version: "7.0.1"})
			if err != nil || out.Alerts != 1 {
				t.Fatalf("registration after advisory: %+v %v", out, err)
			}
			as := alertsOf(t, e, e.town.ID)
			if len(as) != 1 || strings.Contains(as[0].Title, "悪用") || as[0].Severity != "critical" {
				t.Fatalf("alert = %+v", as)
			}
			_, out, err = e.s.AddConnectionPoint(ctx, e.as(e.hosp.ID), relevance.ConnectionPoint{OrgID: e.hosp.ID, Kind: "vpn", Vendor: "Example Networks", Product: "SecureGate", Version: "7.0.2"})
			if err != nil || out.Alerts != 0 {
				t.Fatalf("patched device alerted: %+v %v", out, err)
			}
			// The KEV entry afterwards: the town hall was alerted for this
			// (device, CVE) already, before it was known exploited, and gets
			// one escalation (see escalation_test.go); the patched hospital
			// gets nothing.
			kev, _ := relevance.StoryDocuments(now)
			res, err := e.s.ImportDocuments(ctx, []relevance.Input{{Source: "kev.json", Data: kev}})
			if err != nil || res.Alerts != 1 || len(res.Orgs) != 1 || res.Orgs[0] != e.town.ID {
				t.Fatalf("KEV after alert: %+v %v", res, err)
			}
			fs, _ := e.s.Findings(ctx, e.as(e.town.ID))
			if len(fs) != 1 || !fs[0].KnownExploited {
				t.Fatalf("findings = %+v", fs)
			}
			if fs, _ := e.s.Findings(ctx, e.as(e.hosp.ID)); len(fs) != 1 || !fs[0].Suppressed() {
				t.Fatalf("patched hospital: want the KEV match suppressed by the vendor's \"fixed\" statement, got %+v", fs)
			}
		})
	}
}

// TestKEVAloneIsPossiblyAffected: a KEV entry without version data tells the
// member to confirm the version rather than guessing.
func TestKEVAloneIsPossiblyAffected(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	e := newEnv(t, "sqlite")
	if _, _, err := e.s.AddConnectionPoint(ctx, e.as(e.town.ID), relevance.ConnectionPoint{OrgID: e.town.ID, Kind: "firewall", Vendor: "Example Networks", Product: "SecureGate", Version: "9.9", Address: "gw.example.jp:443"}); err != nil {
		t.Fatal(err)
	}
	kev, _ := relevance.StoryDocuments(now)
	res, err := e.s.ImportDocuments(ctx, []relevance.Input{{Source: "kev.json", Data: kev}})
	if err != nil || res.Alerts != 1 {
		t.Fatalf("%+v %v", res, err)
	}
	a := alertsOf(t, e, e.town.ID)[0]
	for _, want := range []string{"ファイアウォール SecureGate (gw.example.jp:443)", "バージョンを確認", "possibly affected, confirm the version"} {
		if !strings.Contains(a.Title+a.Body, want) {
			t.Errorf("alert lacks %q: %s\n%s", want, a.Title, a.Body)
		}
	}
}

func TestSBOMRegisteredThenOSV(t *testing.T) {
	t.Parallel()
	for _, kind := range storetest.Kinds(t) {
		t.Run(kind, func(t *testing.T) {
			t.Parallel()
			ctx := context.Background()
			e := newEnv(t, kind)
			data, err := os.ReadFile("../vuln/testdata/appliance-6.4.9.cdx.json")
			if err != nil {
				t.Fatal(err)
			}
			b, out, err := e.s.RegisterSBOM(ctx, e.as(e.hosp.ID), "", "appliance.cdx.json", data)
			if err != nil || b.Components == 0 || out.Alerts != 0 {
				t.Fatalf("register: %+v %+v %v", b, out, err)
			}
			osv, err := os.ReadFile("../vuln/advisory/testdata/osv-log4j.json")
			if err != nil {
				t.Fatal(err)
			}
			res, err := e.s.ImportDocuments(ctx, []relevance.Input{{Source: "osv-log4j.json", Data: osv}})
			if err != nil {
				t.Fatal(err)
			}
			if res.Alerts != 1 || len(res.Orgs) != 1 || res.Orgs[0] != e.hosp.ID {
				t.Fatalf("OSV after SBOM: %+v", res)
			}
			a := alertsOf(t, e, e.hosp.ID)[0]
			if !strings.Contains(a.Body, "log4j") || !strings.Contains(a.Title, "CVE-2021-44228") {
				t.Errorf("alert: %s\n%s", a.Title, a.Body)
			}
			if as := alertsOf(t, e, e.town.ID); len(as) != 0 {
				t.Errorf("the town hall, which registered nothing, got %d alerts", len(as))
			}
			sb, _ := e.s.SBOMs(ctx, e.as(e.hosp.ID))
			if len(sb) != 1 || sb[0].Name == "" {
				t.Fatalf("SBOMs = %+v", sb)
			}
			if err := e.s.DeleteSBOM(ctx, e.as(e.hosp.ID), sb[0].PublicID); err != nil {
				t.Fatal(err)
			}
			if fs, _ := e.s.Findings(ctx, e.as(e.hosp.ID)); len(fs) != 0 {
				t.Fatalf("findings after the SBOM was removed: %d", len(fs))
			}
		})
	}
}

func TestConnectionPointsCSV(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		csv     string
		n       int
		wantErr []string
	}{
		{"ok", "kind,vendor,product,version,address,owner,last_confirmed\nvpn,Example Networks,SecureGate,7.0.1,203.0.113.7,IT,2026-10-01\nfirewall,Other,Wall,1.0,,,\n", 2, nil},
		{"columns in any order with BOM", "\ufeffproduct,vendor,kind\nSecureGate,Example Networks,VPN\n", 1, nil},
		{"bad lines named", "kind,vendor,product,address,last_confirmed\nrouter,A,B,,\nvpn,,B,,\nvpn,A,B,bad host!,\nvpn,A,B,,yesterday\nvpn,A,B,,\n", 0,
			[]string{"line 2: kind", "line 3: vendor: is required", "line 4: address", "line 5: last_confirmed", "4 bad lines, nothing imported"}},
		{"unknown column", "kind,vendor,product,colour\n", 0, []string{"line 1: unknown column \"colour\""}},
		{"missing column", "kind,vendor\n", 0, []string{"required column \"product\""}},
		{"empty", "", 0, []string{"empty file"}},
		{"bad purl", "kind,vendor,product,purl\nvpn,A,B,notapurl\n", 0, []string{"line 2: purl"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			cps, err := relevance.ParseConnectionPointsCSV(strings.NewReader(tc.csv), "points.csv", "org-1")
			if tc.wantErr == nil {
				if err != nil || len(cps) != tc.n {
					t.Fatalf("got %d, %v; want %d", len(cps), err, tc.n)
				}
				return
			}
			if err == nil || cps != nil {
				t.Fatalf("want an error and nothing imported, got %d points, %v", len(cps), err)
			}
			for _, w := range tc.wantErr {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q lacks %q", err, w)
				}
			}
		})
	}
}

func TestImportConnectionPointsAllOrNothing(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	e := newEnv(t, "sqlite")
	cps := []relevance.ConnectionPoint{{OrgID: e.town.ID, Kind: "vpn", Vendor: "A", Product: "B"}, {OrgID: e.town.ID, Kind: "nope", Vendor: "A", Product: "B"}}
	if _, _, err := e.s.ImportConnectionPoints(ctx, e.as(e.town.ID), cps); err == nil {
		t.Fatal("a bad row must refuse the import")
	}
	if got, _ := e.s.ConnectionPoints(ctx, e.as(e.town.ID)); len(got) != 0 {
		t.Fatalf("%d points stored after a refused import", len(got))
	}
	cps[1].Kind = "mail-gateway"
	got, _, err := e.s.ImportConnectionPoints(ctx, e.as(e.town.ID), cps)
	if err != nil || len(got) != 2 || got[0].ID == 0 {
		t.Fatalf("%+v %v", got, err)
	}
	// Update: patching the device removes its finding.
	kev, csaf := relevance.StoryDocuments(now)
	p := got[0]
	p.Vendor, p.Product, p.Version = "Example Networks", "SecureGate", "7.0.1"
	if _, _, err := e.s.UpdateConnectionPoint(ctx, e.as(e.town.ID), p); err != nil {
		t.Fatal(err)
	}
	e.s.ImportDocuments(ctx, []relevance.Input{{Source: "k", Data: kev}, {Source: "c", Data: csaf}})
	if fs, _ := e.s.Findings(ctx, e.as(e.town.ID)); len(fs) != 1 {
		t.Fatalf("findings before patch = %d", len(fs))
	}
	p.Version = "7.0.2"
	if _, _, err := e.s.UpdateConnectionPoint(ctx, e.as(e.town.ID), p); err != nil {
		t.Fatal(err)
	}
	if fs, _ := e.s.Findings(ctx, e.as(e.town.ID)); len(fs) != 1 || !fs[0].Suppressed() {
		t.Fatalf("findings after patch = %+v", fs)
	}
	if err := e.s.DeleteConnectionPoint(ctx, e.as(e.hosp.ID), p.PublicID); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("another organization deleted the point: %v", err)
	}
}

// TestFeedConditionalGET: the first fetch imports, the second sends the ETag
// and gets 304, a server error is recorded on the feed, and an oversized
// document is refused.
func TestFeedConditionalGET(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	e := newEnv(t, "sqlite")
	kev, _ := relevance.StoryDocuments(now)
	var calls, conditional atomic.Int32
	fail := atomic.Bool{}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		calls.Add(1)
		if fail.Load() {
			http.Error(w, "down", http.StatusBadGateway)
			return
		}
		if r.Header.Get("If-None-Match") == `"v1"` {
			conditional.Add(1)
			w.WriteHeader(http.StatusNotModified)
			return
		}
		w.Header().Set("ETag", `"v1"`)
		w.Write(kev)
	}))
	defer srv.Close()
	if _, err := e.s.AddFeed(ctx, e.center, "ftp://x", "", 0); err == nil {
		t.Fatal("an ftp URL must be refused")
	}
	if _, err := e.s.AddFeed(ctx, e.center, srv.URL+"/kev.json", "kev", time.Minute); err == nil {
		t.Fatal("a one-minute schedule must be refused")
	}
	f, err := e.s.AddFeed(ctx, e.center, srv.URL+"/kev.json", "kev", time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	if n, err := e.s.FetchDue(ctx); n != 1 || err != nil {
		t.Fatalf("first FetchDue: %d %v", n, err)
	}
	fs, _ := e.s.Feeds(ctx, e.center)
	if fs[0].ETag != `"v1"` || fs[0].Records != 2 || fs[0].LastError != "" || fs[0].LastSuccess.IsZero() {
		t.Fatalf("feed after first fetch: %+v", fs[0])
	}
	if n, _ := e.s.FetchDue(ctx); n != 0 {
		t.Fatal("a feed fetched now is not due again before its interval")
	}
	if err := e.s.Fetch(ctx, fs[0]); err != nil || conditional.Load() != 1 {
		t.Fatalf("second fetch: %v, conditional requests %d", err, conditional.Load())
	}
	fail.Store(true)
	if err := e.s.Fetch(ctx, fs[0]); err == nil {
		t.Fatal("a 502 must be an error")
	}
	fs, _ = e.s.Feeds(ctx, e.center)
	if !strings.Contains(fs[0].LastError, "502") || fs[0].Records != 2 {
		t.Fatalf("error not recorded: %+v", fs[0])
	}
	fail.Store(false)
	small := relevance.New(e.h.DB, e.h.Alerts, nil)
	small.MaxFeedBytes = 100
	f.ETag = ""
	if err := small.Fetch(ctx, f); err == nil || !strings.Contains(err.Error(), "more than 100 bytes") {
		t.Fatalf("oversized feed: %v", err)
	}
	docs, _ := e.s.Documents(ctx)
	if len(docs) != 1 || docs[0].Format != "CISA KEV" {
		t.Fatalf("documents = %+v", docs)
	}
}

func TestVendorPublishing(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	e := newEnv(t, "sqlite")
	if _, _, err := e.s.Publish(ctx, e.as(e.town.ID), e.town, relevance.PublishInput{Kind: "label", Product: "X", LabelLevel: 2}); err == nil {
		t.Fatal("a town hall must not publish as a vendor")
	}
	if _, _, err := e.s.Publish(ctx, e.as(e.vendor.ID), e.vendor, relevance.PublishInput{Kind: "label", Product: "Cam", LabelLevel: 5}); err == nil {
		t.Fatal("JC-STAR has levels 1 to 4")
	}
	if _, _, err := e.s.Publish(ctx, e.as(e.vendor.ID), e.vendor, relevance.PublishInput{Kind: "label", Product: "SecureGate", Version: "7", LabelLevel: 2}); err != nil {
		t.Fatal(err)
	}
	if _, _, err := e.s.AddConnectionPoint(ctx, e.as(e.town.ID), relevance.ConnectionPoint{OrgID: e.town.ID, Kind: "vpn", Vendor: "Example Networks", Product: "SecureGate", Version: "7.0.1"}); err != nil {
		t.Fatal(err)
	}
	_, csaf := relevance.StoryDocuments(now)
	if _, _, err := e.s.Publish(ctx, e.as(e.vendor.ID), e.vendor, relevance.PublishInput{Kind: "csaf", Product: "SecureGate", Source: "exn.json", Data: csaf}); err == nil {
		t.Fatal("a vendor not registered as the supplier of SecureGate published a CSAF advisory for it")
	}
	c, v := centerAnalyst(t, e)
	e.s.Record = (&recorder{t: t, s: e.s}).record
	if _, err := e.s.AddSupplier(ctx, c, v, relevance.SupplierInput{Org: e.vendor.ID, CPE: "example_networks:securegate"}); err != nil {
		t.Fatal(err)
	}
	p, out, err := e.s.Publish(ctx, e.as(e.vendor.ID), e.vendor, relevance.PublishInput{Kind: "csaf", Product: "SecureGate", Source: "exn.json", Data: csaf})
	if err != nil || out.Alerts != 1 || p.Format != "CSAF 2.0" {
		t.Fatalf("publish CSAF: %+v %+v %v", p, out, err)
	}
	if _, _, err := e.s.Publish(ctx, e.as(e.vendor.ID), e.vendor, relevance.PublishInput{Kind: "vex", Product: "SecureGate", Source: "bad.json", Data: []byte("{not json")}); err == nil {
		t.Fatal("an unreadable VEX must be refused")
	}
	ps, _ := e.s.Publications(ctx, e.as(e.vendor.ID), e.vendor.ID)
	if len(ps) != 2 {
		t.Fatalf("publications = %+v", ps)
	}
}

// TestConcurrentUse registers devices, imports advisories and reads
// findings at once (run with -race): each device still gets exactly one
// alert per vulnerability.
func TestConcurrentUse(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	e := newEnv(t, "sqlite")
	kev, csaf := relevance.StoryDocuments(now)
	town := e.as(e.town.ID) // made before the goroutines share it
	done := make(chan error, 12)
	for i := 0; i < 8; i++ {
		go func(i int) {
			_, _, err := e.s.AddConnectionPoint(ctx, town, relevance.ConnectionPoint{OrgID: e.town.ID, Kind: "vpn", Vendor: "Example Networks", Product: "SecureGate", Version: "7.0.1", Owner: strings.Repeat("x", i)})
			done <- err
		}(i)
	}
	go func() {
		_, err := e.s.ImportDocuments(ctx, []relevance.Input{{Source: "kev", Data: kev}, {Source: "csaf", Data: csaf}})
		done <- err
	}()
	for i := 0; i < 3; i++ {
		go func() {
			_, err := e.s.Findings(ctx, town)
			if err == nil {
				_, err = e.s.Exposure(ctx, e.center, "CVE-2026-99001")
			}
			done <- err
		}()
	}
	for i := 0; i < 12; i++ {
		if err := <-done; err != nil {
			t.Fatal(err)
		}
	}
	fs, _ := e.s.Findings(ctx, e.as(e.town.ID))
	if len(fs) != 8 {
		t.Fatalf("findings = %d, want 8 (one per device)", len(fs))
	}
	var n int
	if err := e.h.DB.QueryRow(ctx, "SELECT COUNT(*) FROM vuln_alerts_sent WHERE org_id = ?", e.town.ID).Scan(&n); err != nil || n != 8 {
		t.Fatalf("alerted (device, CVE) pairs = %d (%v), want 8", n, err)
	}
}

// TestFreshServiceAlertsOnImport: a process that starts (a CLI run, a
// restarted server) and imports a document first still alerts the members
// registered before it started.
func TestFreshServiceAlertsOnImport(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	e := newEnv(t, "sqlite")
	if _, _, err := e.s.AddConnectionPoint(ctx, e.as(e.town.ID), relevance.ConnectionPoint{OrgID: e.town.ID, Kind: "vpn", Vendor: "Example Networks", Product: "SecureGate", Version: "7.0.1"}); err != nil {
		t.Fatal(err)
	}
	fresh := relevance.New(e.h.DB, e.h.Alerts, nil)
	kev, _ := relevance.StoryDocuments(now)
	res, err := fresh.ImportDocuments(ctx, []relevance.Input{{Source: "kev", Data: kev}})
	if err != nil || res.Alerts != 1 {
		t.Fatalf("import on a fresh service: %+v %v", res, err)
	}
}

// TestRefreshSeesOtherNodes: two hub nodes share one store; what one
// registers, the other's "what affects us" shows after Refresh, and a
// node does not rebuild for its own changes.
func TestRefreshSeesOtherNodes(t *testing.T) {
	t.Parallel()
	for _, kind := range storetest.Kinds(t) {
		t.Run(kind, func(t *testing.T) {
			t.Parallel()
			ctx := context.Background()
			e := newEnv(t, kind)
			a, b := relevance.New(e.h.DB, e.h.Alerts, nil), relevance.New(e.h.DB, e.h.Alerts, nil)
			kev, csaf := relevance.StoryDocuments(now)
			if _, err := a.ImportDocuments(ctx, []relevance.Input{{Source: "kev", Data: kev}, {Source: "csaf", Data: csaf}}); err != nil {
				t.Fatal(err)
			}
			if fs, _ := b.Findings(ctx, e.as(e.town.ID)); len(fs) != 0 {
				t.Fatalf("findings before registration: %d", len(fs))
			}
			if _, out, err := a.AddConnectionPoint(ctx, e.as(e.town.ID), relevance.ConnectionPoint{OrgID: e.town.ID, Kind: "vpn", Vendor: "Example Networks", Product: "SecureGate", Version: "7.0.1"}); err != nil || out.Alerts != 1 {
				t.Fatalf("add on node a: %+v %v", out, err)
			}
			if did, err := a.Refresh(ctx); err != nil || did {
				t.Fatalf("node a rebuilt for its own change: %v %v", did, err)
			}
			if did, err := b.Refresh(ctx); err != nil || !did {
				t.Fatalf("node b did not rebuild: %v %v", did, err)
			}
			if fs, _ := b.Findings(ctx, e.as(e.town.ID)); len(fs) != 1 || !fs[0].KnownExploited {
				t.Fatalf("node b findings after refresh = %+v", fs)
			}
			if did, _ := b.Refresh(ctx); did {
				t.Fatal("node b rebuilt with nothing changed")
			}
		})
	}
}
