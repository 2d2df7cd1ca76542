package cli

import (
	"context"
	"encoding/json"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"renkei/internal/alert/alerttest"
	"renkei/internal/api"
	"renkei/internal/auth"
	"renkei/internal/client"
	"renkei/internal/corpora"
	"renkei/internal/hubtest"
	"renkei/internal/huntpkg"
	"renkei/internal/policy"
)

// TestHuntPackageEndToEnd: the center publishes a package to the energy and
// water sectors; members run it with `renkei hunt --package` on SigmaHQ
// regression EVTX against a real hub over HTTP; the center sees coverage and
// gets an alert for the hits.
func TestHuntPackageEndToEnd(t *testing.T) {
	t.Parallel()
	ruleFile := corpora.Path(t, "sigma/rules-emerging-threats/2025/Malware/Grixba/proc_creation_win_malware_grixba_recon.yml")
	hitEVTX := corpora.Path(t, "sigma/regression_data/rules-emerging-threats/2025/Malware/Grixba/proc_creation_win_malware_grixba_recon/af688c76-4ce4-4309-bfdd-e896f01acf27.evtx")
	quietEVTX := corpora.Path(t, "sigma/regression_data/rules/windows/file/file_event/file_event_win_creation_system_dll_files/13c02350-4177-4e45-ac17-cf7ca628ff5e.evtx")

	ctx := context.Background()
	now := time.Now().UTC()
	data := t.TempDir() // the hub's data folder: the audit log, and so the signing key in DATA/hunt-keys
	h := hubtest.New(t, "sqlite", hubtest.WithAudit(), hubtest.InDir(data), hubtest.At(now))
	a, db := h.App, h.DB
	for _, o := range []struct{ name, kind, sector string }{
		{"Power Co", "operator", "energy"}, {"Gas Co", "operator", "energy"}, {"Water Works", "operator", "water"}, {"City Hospital", "medical", ""},
	} {
		h.Org(o.name, o.kind, o.sector)
	}
	tokens := map[string]string{}
	for _, u := range []struct{ login, org string }{{"center", h.Center().Name}, {"power", "Power Co"}, {"gas", "Gas Co"}, {"water", "Water Works"}, {"hospital", "City Hospital"}} {
		h.User(u.login, u.org, "analyst")
		tokens[u.login] = h.Token(u.login)
	}
	srv := httptest.NewServer((&api.Server{App: a, MaxBody: 32 << 20}).Handler())
	defer srv.Close()

	// The center has switched the documentation ranges off (as the demo
	// does), so the hub publishes 192.0.2.55; the member's own built-in
	// lists screen it out again before hunting.
	if err := a.Exports.SetEnabled(ctx, h.Caller("center"), "renkei-documentation", false); err != nil {
		t.Fatal(err)
	}
	iocs := filepath.Join(t.TempDir(), "iocs.txt")
	os.WriteFile(iocs, []byte("# Grixba\nGRB_NET.exe\n45.77.1.99\n192.0.2.55\n"), 0o600)
	out, errOut, code := runHuntCLI(t, "", "hunt-package", "publish", "--title", "Grixba reconnaissance", "--rules", ruleFile, "--indicators", iocs,
		"--scope", "sector=energy,sector=water", "--tlp", "amber", "--hub", srv.URL, "--token", tokens["center"])
	if code != 0 {
		t.Fatalf("publish: %s", errOut)
	}
	id := strings.TrimSpace(out)
	if !strings.HasPrefix(id, "hunt-package--") || !strings.Contains(errOut, "3 organizations alerted") {
		t.Fatalf("publish: %q %s", id, errOut)
	}
	if _, err := os.Stat(filepath.Join(data, "hunt-keys", "hunt-packages.key")); err != nil {
		t.Fatalf("the signing key lives in DATA/hunt-keys: %v", err)
	}

	// Power Co: the rule and the indicator both hit; matches are sent.
	out, errOut, code = runHuntCLI(t, "", "hunt", "--package", id, "--hub", srv.URL, "--token", tokens["power"], "--report-matches", hitEVTX)
	if code != 0 {
		t.Fatalf("power run: %s", errOut)
	}
	var matched []map[string]any
	for _, l := range strings.Split(strings.TrimSpace(out), "\n") {
		var m map[string]any
		if err := json.Unmarshal([]byte(l), &m); err != nil {
			t.Fatalf("output line %q: %v", l, err)
		}
		matched = append(matched, m)
	}
	if len(matched) != 2 || !strings.Contains(errOut, "signature verified") || !strings.Contains(errOut, "2 hits, counts per rule and 2 matches") {
		t.Fatalf("power run: %d matches\n%s\n%s", len(matched), out, errOut)
	}
	if !strings.Contains(errOut, "indicator 192.0.2.55 would not pass the export gate (warninglist: renkei-documentation") || !strings.Contains(errOut, "1 of the package's 3 indicators left out") {
		t.Errorf("the offline re-check does not name the documentation address:\n%s", errOut)
	}
	// Water Works: nothing found, counts only.
	if _, errOut, code = runHuntCLI(t, "", "hunt", "--package", id, "--hub", srv.URL, "--token", tokens["water"], quietEVTX); code != 0 || !strings.Contains(errOut, "0 hits, counts per rule") {
		t.Fatalf("water run: %d %s", code, errOut)
	}
	// The hospital is out of scope: the package does not exist for it.
	if _, errOut, code = runHuntCLI(t, "", "hunt", "--package", id, "--hub", srv.URL, "--token", tokens["hospital"], hitEVTX); code == 0 || !strings.Contains(errOut, "404") {
		t.Fatalf("hospital run: %d %s", code, errOut)
	}
	// A key the hub did not sign with: refused before anything runs.
	other, err := huntpkg.LoadOrCreateKeys(filepath.Join(t.TempDir(), "k"))
	if err != nil {
		t.Fatal(err)
	}
	if out, errOut, code = runHuntCLI(t, "", "hunt", "--package", id, "--hub", srv.URL, "--token", tokens["gas"], "--hub-key", other.VerifierKey, hitEVTX); code == 0 || out != "" || !strings.Contains(errOut, "signature does not verify") {
		t.Fatalf("pinned wrong key: %d %q %s", code, out, errOut)
	}

	out, errOut, code = runHuntCLI(t, "", "hunt-package", "coverage", id, "--hub", srv.URL, "--token", tokens["center"])
	if code != 0 {
		t.Fatalf("coverage: %s", errOut)
	}
	for _, want := range []string{"2 of 3 organizations in scope ran it, 1 have not", "HITS PER RULE", "Grixba Malware Reconnaissance Activity", "Indicator sweep"} {
		if !strings.Contains(out, want) {
			t.Errorf("coverage lacks %q:\n%s", want, out)
		}
	}
	if !regexpLine(out, "Gas Co", "energy", "yes", "-") || !regexpLine(out, "Power Co", "energy", "yes", "yes") {
		t.Errorf("coverage rows:\n%s", out)
	}
	// Members may not read coverage.
	if _, errOut, code = runHuntCLI(t, "", "hunt-package", "coverage", id, "--hub", srv.URL, "--token", tokens["power"]); code == 0 || !strings.Contains(errOut, "403") {
		t.Fatalf("member coverage: %d %s", code, errOut)
	}
	if out, _, code = runHuntCLI(t, "", "hunt-package", "list", "--hub", srv.URL, "--token", tokens["power"]); code != 0 || !strings.Contains(out, id) || !regexpLine(out, id, "TLP:AMBER") {
		t.Fatalf("list: %s", out)
	}

	alerts, _, err := db.Alerts(ctx, policy.OrgAudience(h.Center().ID, false, nil), "", 10, false)
	if err != nil {
		t.Fatal(err)
	}
	alerts = alerttest.InEveryLanguage(t, alerts)
	var findings int
	for _, a := range alerts {
		if a.Kind == "hunt-findings" {
			findings++
			if !strings.Contains(a.Title, "2 hits at Power Co") {
				t.Errorf("alert title %q", a.Title)
			}
		}
	}
	if findings != 1 {
		t.Fatalf("center got %d findings alerts, want 1 (Water Works found nothing)", findings)
	}
	// The signed note as text verifies with the published key, and the
	// findings endpoint gives the center Power Co's matches (AMBER).
	as := func(login string) *client.Client { return &client.Client{Hub: srv.URL, Token: tokens[login]} }
	key, err := as("gas").HuntingKey(ctx)
	if err != nil {
		t.Fatal(err)
	}
	note, err := as("gas").PackageNote(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	if p, err := huntpkg.Verify(note, key); err != nil || p.ID != id {
		t.Fatalf("note: %v", err)
	}
	runs, err := as("center").Findings(ctx, id)
	if err != nil || len(runs) != 2 {
		t.Fatalf("findings over HTTP: %v %+v", err, runs)
	}
	runs, err = as("water").Findings(ctx, id)
	if err != nil || len(runs) != 1 || runs[0].OrgName != "Water Works" {
		t.Fatalf("a member sees only its own reports: %v %+v", err, runs)
	}

	centerUser, _ := db.UserByLogin(ctx, "center")
	runs, _, err = a.Hunting.Findings(ctx, auth.Caller{User: centerUser, Org: h.Center()}, id)
	if err != nil || len(runs) != 2 {
		t.Fatalf("findings: %v %d", err, len(runs))
	}
	for _, r := range runs {
		if r.OrgName == "Power Co" && (len(r.Matches) != 2 || r.Hits != 2 || r.Events != 1) {
			t.Errorf("Power Co run: %+v", r)
		}
	}
}

// regexpLine reports whether some line holds all the words, in order.
func regexpLine(text string, words ...string) bool {
	for _, l := range strings.Split(text, "\n") {
		rest, ok := l, true
		for _, w := range words {
			i := strings.Index(rest, w)
			if i < 0 {
				ok = false
				break
			}
			rest = rest[i+len(w):]
		}
		if ok {
			return true
		}
	}
	return false
}
