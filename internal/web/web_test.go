package web

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"strings"
	"testing"
	"time"

	"renkei/internal/alert"
	"renkei/internal/auth"
	"renkei/internal/i18n"
	"renkei/internal/policy"
	"renkei/internal/store"
	"renkei/internal/store/storetest"
)

func TestLoginRequiredEverywhere(t *testing.T) {
	t.Parallel()
	e := newEnv(t, Options{})
	c := e.client()
	for _, path := range []string{"/", "/objects", "/objects/indicator--00000000-0000-4000-8000-000000000000", "/submit", "/alerts", "/admin"} {
		st, loc, _ := c.do("GET", path, nil)
		if st != http.StatusSeeOther || !strings.HasPrefix(loc, "/login?next=") {
			t.Errorf("GET %s without session: %d %q, want redirect to /login", path, st, loc)
		}
	}
	for _, path := range []string{"/submit/indicator", "/admin/users", "/logout"} {
		if st, _, _ := c.do("POST", path, url.Values{"csrf": {"x"}}); st != http.StatusUnauthorized {
			t.Errorf("POST %s without session: %d, want 401", path, st)
		}
	}
	if st, body := c.get("/static/style.css"); st != 200 || !strings.Contains(body, ".tlp-amber") {
		t.Errorf("static CSS: %d", st)
	}
}

func TestLoginSetsSecureSessionCookie(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name   string
		secure bool
		cookie string
	}{
		{"plain http", false, "renkei_session"},
		{"tls", true, "__Host-renkei_session"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t, Options{Secure: tc.secure})
			c := e.client()
			c.get("/login")
			req, _ := http.NewRequest("POST", e.srv.URL+"/login", strings.NewReader(url.Values{"login": {"power-analyst"}, "password": {testPassword}, "csrf": {c.csrf}, "next": {"/objects"}}.Encode()))
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			// The jar would not send a Secure cookie over http; set it by hand.
			req.AddCookie(&http.Cookie{Name: loginCSRFCookie, Value: c.csrf})
			resp, err := http.DefaultTransport.RoundTrip(req)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/objects" {
				t.Fatalf("login: %d %q", resp.StatusCode, resp.Header.Get("Location"))
			}
			var got *http.Cookie
			for _, ck := range resp.Cookies() {
				if ck.Name == tc.cookie {
					got = ck
				}
			}
			if got == nil {
				t.Fatalf("no %s cookie in %v", tc.cookie, resp.Header.Values("Set-Cookie"))
			}
			if !got.HttpOnly || got.SameSite != http.SameSiteLaxMode || got.Secure != tc.secure || got.Path != "/" {
				t.Errorf("cookie %+v: want HttpOnly, SameSite=Lax, Secure=%v, Path=/", got, tc.secure)
			}
			if _, err := e.h.Auth.Session(context.Background(), got.Value); err != nil {
				t.Errorf("the cookie is not a valid session: %v", err)
			}
		})
	}
}

func TestLoginFailuresAreGeneric(t *testing.T) {
	t.Parallel()
	e := newEnv(t, Options{})
	var bodies []string
	for _, tc := range []struct{ name, login, password string }{
		{"wrong password", "power-analyst", "not the password"},
		{"unknown login", "nobody-here", "not the password"},
	} {
		c := e.client()
		c.get("/login")
		st, _, body := c.post("/login", url.Values{"login": {tc.login}, "password": {tc.password}})
		if st != http.StatusUnauthorized {
			t.Errorf("%s: status %d, want 401", tc.name, st)
		}
		if !strings.Contains(body, "ログイン名またはパスワードが正しくありません") {
			t.Errorf("%s: no generic message", tc.name)
		}
		bodies = append(bodies, strings.Split(body, `name="csrf"`)[0])
	}
	// Nothing before the form's token differs between an unknown login and a
	// wrong password, except the login echoed back.
	if strings.ReplaceAll(bodies[0], "power-analyst", "X") != strings.ReplaceAll(bodies[1], "nobody-here", "X") {
		t.Error("the page tells an unknown login from a wrong password")
	}
}

func TestLoginNeedsFormToken(t *testing.T) {
	t.Parallel()
	e := newEnv(t, Options{})
	c := e.client()
	c.get("/login")
	st, _, _ := c.do("POST", "/login", url.Values{"login": {"power-analyst"}, "password": {testPassword}, "csrf": {"forged"}})
	if st != http.StatusForbidden {
		t.Errorf("login with a forged token: %d, want 403", st)
	}
	fresh := e.client() // no cookie at all, as from another site
	st, _, _ = fresh.do("POST", "/login", url.Values{"login": {"power-analyst"}, "password": {testPassword}, "csrf": {c.csrf}})
	if st != http.StatusForbidden {
		t.Errorf("login without the token cookie: %d, want 403", st)
	}
}

func TestLoginRateLimit(t *testing.T) {
	t.Parallel()
	e := newEnv(t, Options{LoginLimit: 3, LoginWindow: time.Hour})
	c := e.client()
	c.get("/login")
	for i := 0; i < 3; i++ {
		if st, _, _ := c.post("/login", url.Values{"login": {"power-analyst"}, "password": {"wrong password"}}); st != http.StatusUnauthorized {
			t.Fatalf("attempt %d: %d", i+1, st)
		}
	}
	// Even the right password is refused until the window passes.
	st, _, body := c.post("/login", url.Values{"login": {"power-analyst"}, "password": {testPassword}})
	if st != http.StatusTooManyRequests || !strings.Contains(body, "ログインの失敗が多すぎます") {
		t.Errorf("after the limit: %d, want 429 with the message", st)
	}
}

func TestLogoutEndsSession(t *testing.T) {
	t.Parallel()
	e := newEnv(t, Options{})
	c := e.as("power-analyst")
	if st, loc, _ := c.post("/logout", nil); st != http.StatusSeeOther || loc != "/login?done=logout" {
		t.Fatalf("logout: %d %q", st, loc)
	}
	if st, _, _ := c.do("GET", "/", nil); st != http.StatusSeeOther {
		t.Errorf("after logout / answers %d, want a redirect to login", st)
	}
}

func TestEveryPostChecksCSRF(t *testing.T) {
	t.Parallel()
	e := newEnv(t, Options{})
	c := e.as("admin")
	for _, path := range []string{"/logout", "/submit/indicator", "/submit/bundle", "/alerts/1/read", "/alerts/webhooks",
		"/alerts/webhooks/1/delete", "/alerts/dead/1/retry", "/admin/orgs", "/admin/groups", "/admin/users", "/admin/tokens",
		"/admin/tokens/1/revoke", "/objects/indicator--00000000-0000-4000-8000-000000000000/sighting"} {
		for _, tok := range []string{"", "rk_forged"} {
			st, _, body := c.do("POST", path, url.Values{"csrf": {tok}, "name": {"x"}})
			if st != http.StatusForbidden || !strings.Contains(body, "フォームの確認に失敗しました") {
				t.Errorf("POST %s with csrf %q: %d, want 403", path, tok, st)
			}
		}
	}
	if n, _ := e.h.DB.Orgs(context.Background()); len(n) != 3 {
		t.Errorf("a forged form changed the organizations: %d", len(n))
	}
}

func TestSecurityHeaders(t *testing.T) {
	t.Parallel()
	e := newEnv(t, Options{})
	resp, err := http.Get(e.srv.URL + "/login")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	for h, want := range map[string]string{
		"X-Frame-Options":        "DENY",
		"X-Content-Type-Options": "nosniff",
		"Referrer-Policy":        "same-origin",
	} {
		if got := resp.Header.Get(h); got != want {
			t.Errorf("%s = %q, want %q", h, got, want)
		}
	}
	if csp := resp.Header.Get("Content-Security-Policy"); !strings.Contains(csp, "default-src 'self'") || !strings.Contains(csp, "frame-ancestors 'none'") {
		t.Errorf("CSP %q", csp)
	}
}

func TestLanguage(t *testing.T) {
	t.Parallel()
	e := newEnv(t, Options{})
	for _, tc := range []struct {
		name, accept, want string
	}{
		{"default is Japanese", "", "ログイン名"},
		{"English browser", "en-US,en;q=0.9", "Login"},
		{"Japanese preferred", "ja,en;q=0.5", "ログイン名"},
		{"unsupported falls back to Japanese", "fr-FR", "ログイン名"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := e.client()
			c.lang = tc.accept
			_, body := c.get("/login")
			if !strings.Contains(body, `<label for="login">`+tc.want+`</label>`) {
				t.Errorf("want label %q", tc.want)
			}
		})
	}
	c := e.as("power-analyst")
	st, loc, _ := c.do("GET", "/objects?lang=en&q=x", nil)
	if st != http.StatusSeeOther || loc != "/objects?q=x" {
		t.Fatalf("switch: %d %q", st, loc)
	}
	if _, body := c.get("/objects"); !strings.Contains(body, `<html lang="en">`) || !strings.Contains(body, "日本語</a>") {
		t.Error("after ?lang=en the page is not English with a link back to Japanese")
	}
	if st, loc, _ := c.do("GET", "//evil.example/x?lang=ja", nil); st != http.StatusSeeOther || loc != "/" {
		t.Errorf("switching on a scheme-relative path redirects to %q", loc)
	}
	c.do("GET", "/?lang=ja", nil)
	if _, body := c.get("/"); !strings.Contains(body, `<html lang="ja">`) || !strings.Contains(body, "ダッシュボード") {
		t.Error("after ?lang=ja the page is not Japanese")
	}
}

func TestSafeNext(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ in, want string }{
		{"/objects?q=1", "/objects?q=1"},
		{"", "/"},
		{"https://evil.example/", "/"},
		{"//evil.example/", "/"},
		{"/\\evil.example", "/"},
		{"/ok\r\nSet-Cookie: x", "/"},
	} {
		if got := safeNext(tc.in); got != tc.want {
			t.Errorf("safeNext(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

// submitIndicator posts the indicator form as a person would.
func submitIndicator(t *testing.T, c *client, name, values, tlp string, extra url.Values) string {
	t.Helper()
	c.get("/submit")
	f := url.Values{"name": {name}, "values": {values}, "kind": {"auto"}, "tlp": {tlp}, "consent": {"everyone"}, "indicator_type": {"malicious-activity"}}
	for k, v := range extra {
		f[k] = v
	}
	st, _, body := c.post("/submit/indicator", f)
	if st != http.StatusOK || !strings.Contains(body, `id="status"`) {
		t.Fatalf("submit %s: %d\n%s", name, st, body)
	}
	m := regexpIndicatorID.FindStringSubmatch(body)
	if m == nil {
		t.Fatalf("submit %s: no stored id in the status\n%s", name, body)
	}
	return m[1]
}

func TestSubmitIndicatorForm(t *testing.T) {
	t.Parallel()
	e := newEnv(t, Options{})
	c := e.as("power-analyst")
	id := submitIndicator(t, c, "C2 server of the intrusion", "198.51.100.7\nevil-c2.example\n", "green", nil)
	o, err := e.h.DB.ObjectByID(context.Background(), policy.Viewer{UserID: 999, OrgID: e.water.ID, Role: policy.RoleAnalyst}, id)
	if err != nil {
		t.Fatalf("stored indicator is not visible to another member at GREEN: %v", err)
	}
	if want := "[ipv4-addr:value = '198.51.100.7' OR domain-name:value = 'evil-c2.example']"; o.Pattern != want {
		t.Errorf("pattern %q, want %q", o.Pattern, want)
	}
	if o.ACL.TLP != policy.Green || o.ACL.AuthorOrg != e.power.ID {
		t.Errorf("ACL %+v", o.ACL)
	}
	_, body := c.get("/objects?q=evil-c2")
	if !strings.Contains(body, "C2 server of the intrusion") {
		t.Error("the indicator is not found by search")
	}
	_, body = c.get("/objects/" + id)
	for _, want := range []string{"tlp-banner tlp-green", "TLP:GREEN", "198.51.100.7", "北電力株式会社", "版の履歴"} {
		if !strings.Contains(body, want) {
			t.Errorf("detail page lacks %q", want)
		}
	}
}

func TestSubmitIndicatorFieldErrors(t *testing.T) {
	t.Parallel()
	e := newEnv(t, Options{})
	c := e.as("power-analyst")
	for _, tc := range []struct {
		name  string
		form  url.Values
		field string
		msg   string
	}{
		{"no name", url.Values{"values": {"198.51.100.7"}, "tlp": {"amber"}}, "name-err", "名称を入力してください"},
		{"nothing to share", url.Values{"name": {"x"}, "tlp": {"amber"}}, "values-err", "値か STIX パターンのどちらか"},
		{"bad value", url.Values{"name": {"x"}, "values": {"198.51.100.7\nnot a thing!"}, "tlp": {"amber"}}, "values-err", "2: not a thing!"},
		{"bad pattern", url.Values{"name": {"x"}, "pattern": {"[ipv4-addr:value = '1.2.3.4'"}, "tlp": {"amber"}}, "pattern-err", "STIX パターンが正しくありません"},
		{"both", url.Values{"name": {"x"}, "pattern": {"[ipv4-addr:value = '1.2.3.4']"}, "values": {"1.2.3.4"}, "tlp": {"amber"}}, "values-err", "両方は入力できません"},
		{"bad time", url.Values{"name": {"x"}, "values": {"1.2.3.4"}, "tlp": {"amber"}, "valid_from": {"yesterday"}}, "vf-err", "有効開始の日時"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			st, _, body := c.post("/submit/indicator", tc.form)
			if st != http.StatusBadRequest {
				t.Errorf("status %d, want 400", st)
			}
			i := strings.Index(body, `id="`+tc.field+`"`)
			if i < 0 || !strings.Contains(body[i:min(len(body), i+400)], tc.msg) {
				t.Errorf("no %q at field %s", tc.msg, tc.field)
			}
		})
	}
	if n, _ := e.h.DB.CountObjects(context.Background(), store.ObjectQuery{Viewer: policy.Viewer{UserID: 1, Role: policy.RoleAdmin, IsCenter: true}}); n != 0 {
		t.Errorf("refused forms stored %d objects", n)
	}
}

func TestSubmitBundleShowsFailures(t *testing.T) {
	t.Parallel()
	e := newEnv(t, Options{})
	c := e.as("power-analyst")
	c.get("/submit")
	bundle := `{"type":"bundle","id":"bundle--5d0092c5-5f74-4287-9642-33f4c354e56d","objects":[
{"type":"indicator","spec_version":"2.1","id":"indicator--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f","created":"2026-01-02T03:04:05.000Z","modified":"2026-01-02T03:04:05.000Z","name":"good","pattern":"[domain-name:value = 'bad.example']","pattern_type":"stix","valid_from":"2026-01-02T03:04:05Z"},
{"type":"indicator","spec_version":"2.1","id":"indicator--0b5b1e6c-2c3b-4f0e-9d0e-1f4a5b6c7d8e","created":"2026-01-02T03:04:05.000Z","modified":"2026-01-02T03:04:05.000Z","name":"broken","pattern":"[domain-name:value = ","pattern_type":"stix","valid_from":"2026-01-02T03:04:05Z"}]}`
	st, _, body := c.post("/submit/bundle", url.Values{"bundle": {bundle}})
	if st != http.StatusOK {
		t.Fatalf("status %d", st)
	}
	for _, want := range []string{"成功 1 件、失敗 1 件", "indicator--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f", "indicator--0b5b1e6c-2c3b-4f0e-9d0e-1f4a5b6c7d8e", "pattern"} {
		if !strings.Contains(body, want) {
			t.Errorf("status lacks %q", want)
		}
	}
	st, _, body = c.post("/submit/bundle", url.Values{"bundle": {"this is not json"}})
	if st != http.StatusBadRequest || !strings.Contains(body, `id="bundle-err"`) {
		t.Errorf("unreadable bundle: %d", st)
	}
}

func TestPolicyHidesOtherOrgsAmberStrict(t *testing.T) {
	t.Parallel()
	for _, kind := range storetest.Kinds(t) {
		t.Run(kind, func(t *testing.T) { testPolicyHides(t, newEnvOn(t, kind, Options{})) })
	}
}

func testPolicyHides(t *testing.T, e *env) {
	power := e.as("power-analyst")
	secret := submitIndicator(t, power, "Strictly internal beacon", "203.0.113.66", "amber+strict", nil)
	shared := submitIndicator(t, power, "Shared with water", "203.0.113.77", "amber+strict", url.Values{"orgs": {e.water.ID}})
	red := submitIndicator(t, power, "Red for my eyes", "203.0.113.88", "red", nil)

	for _, who := range []string{"water-analyst", "center-analyst", "admin", "power-admin", "power-reporter"} {
		t.Run(who, func(t *testing.T) {
			c := e.as(who)
			sameOrg := strings.HasPrefix(who, "power-")
			if _, body := c.get("/objects/" + red); strings.Contains(body, "Red for my eyes") {
				t.Error("a TLP:RED indicator is shown to someone not named")
			}
			_, body := c.get("/objects")
			if seen := strings.Contains(body, "Strictly internal beacon"); seen != (who == "power-admin") {
				t.Errorf("the AMBER+STRICT indicator in the list: seen=%v", seen)
			}
			if sameOrg {
				return
			}
			if strings.Contains(body, secret) {
				t.Error("its id appears in the list")
			}
			_, body = c.get("/objects?q=203.0.113.66")
			if strings.Contains(body, secret) {
				t.Error("search finds it")
			}
			_, body = c.get("/objects?q=" + secret)
			if strings.Contains(body, "Strictly internal") {
				t.Error("search by id finds it")
			}
			if st, _ := c.get("/objects/" + secret); st != http.StatusNotFound {
				t.Errorf("detail page: %d, want 404", st)
			}
			if st, _, _ := c.post("/objects/"+secret+"/sighting", url.Values{"count": {"1"}, "tlp": {"amber"}, "consent": {"none"}}); st != http.StatusNotFound {
				t.Errorf("sighting of it: %d, want 404", st)
			}
			_, body = c.get("/")
			if strings.Contains(body, "Strictly internal beacon") {
				t.Error("the dashboard shows it")
			}
			_, body = c.get("/objects/" + shared)
			seen := strings.Contains(body, "Shared with water")
			if want := who == "water-analyst"; seen != want {
				t.Errorf("the indicator addressed to water: seen=%v, want %v", seen, want)
			}
		})
	}
	for _, id := range []string{secret, red} {
		if st, _ := power.get("/objects/" + id); st != http.StatusOK {
			t.Errorf("the submitter cannot see %s: %d", id, st)
		}
	}
}

func TestReporterSeesOnlyOwnSubmissions(t *testing.T) {
	t.Parallel()
	e := newEnv(t, Options{})
	submitIndicator(t, e.as("water-analyst"), "Water green", "192.0.2.10", "green", nil)
	rep := e.as("power-reporter")
	own := submitIndicator(t, rep, "Reported by me", "192.0.2.11", "amber", nil)
	_, body := rep.get("/objects")
	if !strings.Contains(body, "Reported by me") || strings.Contains(body, "Water green") {
		t.Error("a reporter must see its own submissions and nothing else beyond TLP:CLEAR")
	}
	if st, _ := rep.get("/objects/" + own); st != http.StatusOK {
		t.Errorf("own submission: %d", st)
	}
}

func TestSightingReachesAuthor(t *testing.T) {
	t.Parallel()
	for _, kind := range storetest.Kinds(t) {
		t.Run(kind, func(t *testing.T) { testSightingReachesAuthor(t, newEnvOn(t, kind, Options{})) })
	}
}

func testSightingReachesAuthor(t *testing.T, e *env) {
	power := e.as("power-analyst")
	id := submitIndicator(t, power, "Phishing domain", "login-portal.example", "green", nil)
	water := e.as("water-analyst")
	st, loc, body := water.post("/objects/"+id+"/sighting", url.Values{"count": {"3"}, "tlp": {"amber"}, "consent": {"none"}})
	if st != http.StatusSeeOther || loc != "/objects/"+id+"?done=sighting" {
		t.Fatalf("sighting: %d %q\n%s", st, loc, body)
	}
	_, body = power.get("/objects/" + id)
	if !strings.Contains(body, `<dd id="sighting-reports">1</dd>`) || !strings.Contains(body, "<dd>3</dd>") {
		t.Error("the author does not see the sighting summary")
	}
	_, body = power.get("/objects?type=sighting&ref=" + id)
	if strings.Count(body, `<td class="label">`) != 1 {
		t.Error("the list of the indicator's sightings does not hold exactly the one sighting")
	}
	// The alert is in the reader's language: Japanese by default, English
	// for a reader who asks for it.
	_, body = power.get("/")
	if !strings.Contains(body, "Phishing domain") || !strings.Contains(body, "会員により観測されました") || strings.Contains(body, "was sighted by") {
		t.Error("the author's Japanese dashboard lacks the sighting or its alert in Japanese")
	}
	power.lang = "en"
	_, body = power.get("/")
	if !strings.Contains(body, "was sighted by a member") || strings.Contains(body, "観測されました") {
		t.Error("the author's English dashboard lacks the alert in English")
	}
	if strings.Contains(body, "Minato Water Works") {
		t.Error("the sighting organization is named although it did not consent")
	}
	// The viewer role may read but not report.
	viewer := e.as("water-viewer")
	if st, _, _ := viewer.post("/objects/"+id+"/sighting", url.Values{"count": {"1"}, "tlp": {"amber"}, "consent": {"none"}}); st != http.StatusForbidden {
		t.Errorf("viewer reporting a sighting: %d, want 403", st)
	}
	// Bad count: the message is at the field.
	st, _, body = water.post("/objects/"+id+"/sighting", url.Values{"count": {"0"}, "tlp": {"amber"}, "consent": {"none"}})
	if st != http.StatusBadRequest || !strings.Contains(body, `id="count-err">観測回数は 1 以上`) {
		t.Errorf("bad count: %d", st)
	}
}

func TestAlertsInbox(t *testing.T) {
	t.Parallel()
	e := newEnv(t, Options{})
	ctx := context.Background()
	id, err := e.h.Alerts.Raise(ctx, store.Alert{OrgID: e.power.ID, Kind: "kev", Severity: "high", Title: "VPN appliance on the KEV list"})
	if err != nil {
		t.Fatal(err)
	}
	other, _ := e.h.Alerts.Raise(ctx, store.Alert{OrgID: e.water.ID, Kind: "kev", Severity: "low", Title: "Water only"})
	power := e.as("power-analyst")
	_, body := power.get("/alerts")
	if !strings.Contains(body, "VPN appliance on the KEV list") || strings.Contains(body, "Water only") {
		t.Error("the inbox shows the wrong organization's alerts")
	}
	if strings.Contains(body, `id="h-webhooks"`) {
		t.Error("an analyst sees the webhook settings")
	}
	publicID := func(row int64) string {
		var p string
		if err := e.h.DB.QueryRow(ctx, "SELECT public_id FROM alerts WHERE id = ?", row).Scan(&p); err != nil {
			t.Fatal(err)
		}
		return p
	}
	if st, _, _ := power.post("/alerts/"+publicID(other)+"/read", nil); st != http.StatusNotFound {
		t.Errorf("marking another organization's alert: %d, want 404", st)
	}
	if st, loc, _ := power.post("/alerts/"+publicID(id)+"/read", nil); st != http.StatusSeeOther || loc != "/alerts?done=read" {
		t.Errorf("mark read: %d %q", st, loc)
	}
	if n, _ := e.h.DB.UnreadAlerts(ctx, policy.Viewer{UserID: 1, OrgID: e.power.ID, Role: policy.RoleViewer}); n != 0 {
		t.Errorf("unread after marking: %d", n)
	}
	if st, _, _ := power.post("/alerts/webhooks", url.Values{"url": {"https://soc.example/hook"}}); st != http.StatusForbidden {
		t.Errorf("analyst adding a webhook: %d, want 403", st)
	}
}

func TestWebhooksForOrgAdmin(t *testing.T) {
	t.Parallel()
	e := newEnv(t, Options{})
	e.h.Alerts.Reach.Resolver = noDNS{} // soc.example resolves to nothing: every delivery fails
	ctx := context.Background()
	admin := e.as("power-admin")
	st, _, body := admin.post("/alerts/webhooks", url.Values{"url": {"ftp://nope"}})
	if st != http.StatusBadRequest || !strings.Contains(body, `id="wh-err"`) {
		t.Errorf("bad URL: %d", st)
	}
	st, _, body = admin.post("/alerts/webhooks", url.Values{"url": {"https://soc.example/hook"}})
	if st != http.StatusOK || !strings.Contains(body, `id="secret-value"`) {
		t.Fatalf("add webhook: %d", st)
	}
	hooks, _ := e.h.DB.Webhooks(ctx, e.power.ID)
	if len(hooks) != 1 || !strings.Contains(body, hooks[0].Secret) {
		t.Fatalf("webhooks %+v: the stored secret must be the one shown", hooks)
	}
	_, body = admin.get("/alerts")
	if strings.Contains(body, hooks[0].Secret) {
		t.Error("the secret is shown again")
	}
	// A dead delivery can be retried.
	e.h.Alerts.MaxAttempts = 1
	e.h.Alerts.Raise(ctx, store.Alert{OrgID: e.power.ID, Kind: "test", Title: "will die"})
	e.h.Alerts.DeliverDue(ctx)
	dead, _ := e.h.DB.DeadDeliveries(ctx, e.power.ID, 10)
	if len(dead) != 1 {
		t.Fatalf("dead deliveries: %d", len(dead))
	}
	_, body = admin.get("/alerts")
	if !strings.Contains(body, "will die") {
		t.Error("the dead letter is not listed")
	}
	water := e.as("water-analyst")
	_ = water
	if st, loc, _ := admin.post("/alerts/dead/"+dead[0].PublicID+"/retry", nil); st != http.StatusSeeOther || loc != "/alerts?done=retried" {
		t.Errorf("retry: %d %q", st, loc)
	}
	if dead, _ := e.h.DB.DeadDeliveries(ctx, e.power.ID, 10); len(dead) != 0 {
		t.Error("the retried delivery is still dead")
	}
	if st, loc, _ := admin.post("/alerts/webhooks/"+hooks[0].PublicID+"/delete", nil); st != http.StatusSeeOther || loc != "/alerts?done=webhook-deleted" {
		t.Errorf("delete: %d %q", st, loc)
	}
}

type noDNS struct{}

func (noDNS) LookupNetIP(_ context.Context, _, host string) ([]netip.Addr, error) {
	return nil, &net.DNSError{Err: "no such host", Name: host, IsNotFound: true}
}

func TestAdminRoles(t *testing.T) {
	t.Parallel()
	e := newEnv(t, Options{})
	ctx := context.Background()
	for _, who := range []string{"power-analyst", "water-viewer"} {
		c := e.as(who)
		if st, _ := c.get("/admin"); st != http.StatusForbidden {
			t.Errorf("%s GET /admin: %d, want 403", who, st)
		}
		if st, _, _ := c.post("/admin/users", url.Values{"login": {"x-" + who}, "org": {e.power.ID}, "role": {"admin"}, "password": {testPassword}}); st != http.StatusForbidden {
			t.Errorf("%s POST /admin/users: %d, want 403", who, st)
		}
	}
	orgAdmin := e.as("power-admin")
	_, body := orgAdmin.get("/admin")
	if strings.Contains(body, "Minato Water Works") || strings.Contains(body, "water-analyst") {
		t.Error("an org admin sees another organization's users")
	}
	if strings.Contains(body, `action="/admin/orgs"`) {
		t.Error("an org admin is offered to add organizations")
	}
	for _, tc := range []struct {
		name string
		form url.Values
		want int
	}{
		{"own org analyst", url.Values{"login": {"power-new"}, "org": {e.power.ID}, "role": {"analyst"}, "password": {testPassword}}, http.StatusSeeOther},
		{"other org", url.Values{"login": {"water-new"}, "org": {e.water.ID}, "role": {"analyst"}, "password": {testPassword}}, http.StatusForbidden},
		{"hub admin role", url.Values{"login": {"power-root"}, "org": {e.power.ID}, "role": {"admin"}, "password": {testPassword}}, http.StatusForbidden},
		{"short password", url.Values{"login": {"power-short"}, "org": {e.power.ID}, "role": {"viewer"}, "password": {"short"}}, http.StatusBadRequest},
		{"taken login", url.Values{"login": {"water-analyst"}, "org": {e.power.ID}, "role": {"viewer"}}, http.StatusBadRequest},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if st, _, _ := orgAdmin.post("/admin/users", tc.form); st != tc.want {
				t.Errorf("status %d, want %d", st, tc.want)
			}
		})
	}
	if u, err := e.h.DB.UserByLogin(ctx, "power-new"); err != nil || u.OrgID != e.power.ID || u.Role != "analyst" {
		t.Errorf("power-new: %+v %v", u, err)
	}
	for _, l := range []string{"water-new", "power-root", "power-short"} {
		if _, err := e.h.DB.UserByLogin(ctx, l); err == nil {
			t.Errorf("%s was created", l)
		}
	}
	if st, _, _ := orgAdmin.post("/admin/orgs", url.Values{"name": {"Rogue"}, "kind": {"sme"}}); st != http.StatusForbidden {
		t.Errorf("org admin adding an organization: %d, want 403", st)
	}
	// Tokens: an org admin issues for its own users only, sees it once, and revokes.
	st, _, body := orgAdmin.post("/admin/tokens", url.Values{"login": {"power-analyst"}, "name": {"SIEM"}, "expires": {"30d"}, "read_only": {"1"}})
	m := regexpToken.FindStringSubmatch(body)
	if st != http.StatusOK || m == nil {
		t.Fatalf("create token: %d", st)
	}
	caller, err := e.h.Auth.Token(ctx, m[1])
	if err != nil || caller.User.Login != "power-analyst" || !caller.ReadOnly {
		t.Fatalf("the shown token does not authenticate as read-only power-analyst: %+v %v", caller, err)
	}
	if st, _, _ := orgAdmin.post("/admin/tokens", url.Values{"login": {"water-analyst"}, "expires": {"30d"}}); st != http.StatusForbidden {
		t.Errorf("token for another organization's user: %d, want 403", st)
	}
	_, body = orgAdmin.get("/admin")
	if strings.Contains(body, m[1]) {
		t.Error("the token is shown again")
	}
	issued, err := e.h.DB.TokenByID(ctx, caller.TokenID)
	if err != nil {
		t.Fatal(err)
	}
	if st, _, _ := orgAdmin.post("/admin/tokens/"+itoa(caller.TokenID)+"/revoke", nil); st != http.StatusNotFound {
		t.Errorf("revoking by the row id, which never leaves the hub: %d, want 404", st)
	}
	if st, _, _ := orgAdmin.post("/admin/tokens/"+issued.PublicID+"/revoke", nil); st != http.StatusSeeOther {
		t.Errorf("revoke: %d", st)
	}
	if _, err := e.h.Auth.Token(ctx, m[1]); err != auth.ErrBadCredentials {
		t.Errorf("revoked token still works: %v", err)
	}
	// A water token cannot be revoked by power's admin.
	_, _, wt := mustToken(t, e, "water-analyst")
	if st, _, _ := orgAdmin.post("/admin/tokens/"+wt.PublicID+"/revoke", nil); st != http.StatusNotFound {
		t.Errorf("revoking another organization's token: %d, want 404", st)
	}
}

func TestHubAdminManagesEverything(t *testing.T) {
	t.Parallel()
	e := newEnv(t, Options{})
	ctx := context.Background()
	admin := e.as("admin")
	if st, loc, _ := admin.post("/admin/orgs", url.Values{"name": {"港区役所"}, "kind": {"local-government"}, "sector": {"local government"}}); st != http.StatusSeeOther || loc != "/admin?done=org#orgs" {
		t.Fatalf("add org: %d %q", st, loc)
	}
	st, _, body := admin.post("/admin/orgs", url.Values{"name": {"港区役所"}, "kind": {"local-government"}})
	if st != http.StatusBadRequest || !strings.Contains(body, "already exists") {
		t.Errorf("duplicate org: %d", st)
	}
	if st, _, _ := admin.post("/admin/orgs", url.Values{"name": {"Fake center"}, "kind": {"center"}}); st != http.StatusBadRequest {
		t.Errorf("a second center: %d, want 400", st)
	}
	if st, _, _ := admin.post("/admin/groups", url.Values{"name": {"Energy ISAC"}, "member_orgs": {e.power.ID, e.water.ID}}); st != http.StatusSeeOther {
		t.Fatalf("add group: %d", st)
	}
	g, err := e.h.DB.Group(ctx, "Energy ISAC")
	if err != nil || len(g.MemberOrgs) != 2 {
		t.Fatalf("group %+v %v", g, err)
	}
	town, _ := e.h.DB.Org(ctx, "港区役所")
	if st, _, _ := admin.post("/admin/users", url.Values{"login": {"town-it"}, "org": {town.ID}, "role": {"org-admin"}, "password": {testPassword}}); st != http.StatusSeeOther {
		t.Errorf("add user: %d", st)
	}
	_, body = admin.get("/admin")
	for _, want := range []string{"港区役所", "Energy ISAC", "town-it", "組織管理者"} {
		if !strings.Contains(body, want) {
			t.Errorf("admin page lacks %q", want)
		}
	}
	e.as("town-it") // the new user can log in
}

func TestOverseerSeesNoIntelligence(t *testing.T) {
	for _, kind := range storetest.Kinds(t) {
		t.Run(kind, func(t *testing.T) {
			t.Parallel()
			e := newEnvOn(t, kind, Options{})
			ctx := context.Background()
			e.addOverseer("committee-1")
			power := e.as("power-analyst")
			submitIndicator(t, power, "Green thing", "192.0.2.55", "green", nil)
			c := e.as("committee-1")
			_, body := c.get("/objects")
			if strings.Contains(body, "Green thing") {
				t.Error("an overseer reads intelligence content")
			}
			if strings.Contains(body, `href="/objects"`) {
				t.Error("an overseer is offered the intelligence section")
			}
			if st, _ := c.get("/submit"); st != http.StatusForbidden {
				t.Errorf("overseer /submit: %d", st)
			}
			_ = ctx
		})
	}
}

func TestChangePassword(t *testing.T) {
	t.Parallel()
	e := newEnv(t, Options{})
	c := e.as("water-analyst")
	const next = "a much better passphrase"
	for _, tc := range []struct {
		name, current, new, again, field string
	}{
		{"wrong current", "not it at all", next, next, "current-err"},
		{"too short", testPassword, "short", "short", "new-err"},
		{"mismatch", testPassword, next, next + "x", "again-err"},
		{"same", testPassword, testPassword, testPassword, "new-err"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			st, _, body := c.post("/account/password", url.Values{"current": {tc.current}, "new": {tc.new}, "again": {tc.again}})
			if st != http.StatusBadRequest || !strings.Contains(body, `id="`+tc.field+`"`) {
				t.Errorf("status %d, want 400 with a message at %s", st, tc.field)
			}
		})
	}
	st, _, body := c.post("/account/password", url.Values{"current": {testPassword}, "new": {next}, "again": {next}})
	if st != http.StatusOK || !strings.Contains(body, `id="password-changed"`) {
		t.Fatalf("change: %d", st)
	}
	if _, err := e.h.Auth.Password(context.Background(), "water-analyst", testPassword); err == nil {
		t.Error("the old password still works")
	}
	e.client().login("water-analyst", next)
}

// TestObjectPagingNeverSkipsOrRepeats follows the "older" links through more
// objects than fit on a page, with objects added between page loads.
func TestObjectPagingNeverSkipsOrRepeats(t *testing.T) {
	t.Parallel()
	e := newEnv(t, Options{})
	c := e.as("power-analyst")
	var lines []string
	for i := 0; i < 2*pageSize+7; i++ {
		lines = append(lines, fmt.Sprintf("[ipv4-addr:value = '10.9.%d.%d']", i/256, i%256))
	}
	submitBundle := func(patterns []string) {
		var objs []string
		for _, p := range patterns {
			objs = append(objs, fmt.Sprintf(`{"type":"indicator","spec_version":"2.1","id":"indicator--%s","created":"2026-01-02T03:04:05.000Z","modified":"2026-01-02T03:04:05.000Z","name":"paging","pattern":"%s","pattern_type":"stix","valid_from":"2026-01-02T03:04:05Z","object_marking_refs":["%s"]}`,
				uuidFor(p), p, policy.MarkingGreen))
		}
		c.get("/submit")
		st, _, body := c.post("/submit/bundle", url.Values{"bundle": {`{"type":"bundle","id":"bundle--5d0092c5-5f74-4287-9642-33f4c354e56d","objects":[` + strings.Join(objs, ",") + `]}`}})
		if st != http.StatusOK || !strings.Contains(body, "失敗 0 件") {
			t.Fatalf("bundle: %d", st)
		}
	}
	submitBundle(lines)
	seen := map[string]bool{}
	next := "/objects?q=paging"
	pages := 0
	for next != "" {
		_, body := c.get(next)
		pages++
		for _, m := range regexpIndicatorID.FindAllStringSubmatch(body, -1) {
			if seen[m[1]] {
				t.Fatalf("page %d repeats %s", pages, m[1])
			}
			seen[m[1]] = true
		}
		if pages == 1 {
			// Newer objects must not shift the pages that follow.
			submitBundle([]string{"[ipv4-addr:value = '10.99.0.1']"})
		}
		m := regexpNext.FindStringSubmatch(body)
		next = ""
		if m != nil {
			next = strings.ReplaceAll(m[1], "&amp;", "&")
		}
	}
	if len(seen) != len(lines) || pages != 3 {
		t.Errorf("saw %d objects on %d pages, want %d on 3", len(seen), pages, len(lines))
	}
}

func TestDisableUser(t *testing.T) {
	t.Parallel()
	e := newEnv(t, Options{})
	ctx := context.Background()
	victim := e.as("power-analyst")
	secret, _, _ := mustToken(t, e, "power-analyst")
	u, _ := e.h.DB.UserByLogin(ctx, "power-analyst")
	water, _ := e.h.DB.UserByLogin(ctx, "water-analyst")
	self, _ := e.h.DB.UserByLogin(ctx, "power-admin")
	admin, _ := e.h.DB.UserByLogin(ctx, "admin")
	orgAdmin := e.as("power-admin")
	for _, tc := range []struct {
		name string
		id   string
		want int
	}{
		{"another organization's user", water.PublicID, http.StatusNotFound},
		{"oneself", self.PublicID, http.StatusForbidden},
		{"the hub admin", admin.PublicID, http.StatusNotFound},
		{"own organization's analyst by its row id, which never leaves the hub", itoa(u.ID), http.StatusNotFound},
		{"own organization's analyst", u.PublicID, http.StatusSeeOther},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if st, _, _ := orgAdmin.post("/admin/users/"+tc.id+"/disable", nil); st != tc.want {
				t.Errorf("status %d, want %d", st, tc.want)
			}
		})
	}
	if st, _, _ := victim.do("GET", "/", nil); st != http.StatusSeeOther {
		t.Errorf("a disabled user's session still works: %d", st)
	}
	if _, err := e.h.Auth.Token(ctx, secret); err == nil {
		t.Error("a disabled user's token still works")
	}
	if st, _, _ := orgAdmin.post("/admin/users/"+u.PublicID+"/enable", nil); st != http.StatusSeeOther {
		t.Errorf("enable: %d", st)
	}
	e.as("power-analyst")
}

// TestInboxShowsTheBodyInTheReadersLanguage: an alert's body, catalog
// messages one a line, is shown in the reader's language with its lines
// kept (pre-line), and links only to a page the reader can open (an
// advisory's page, not /objects/ for something that is no object).
func TestInboxShowsTheBodyInTheReadersLanguage(t *testing.T) {
	t.Parallel()
	e := newEnv(t, Options{})
	ctx := context.Background()
	title := i18n.M("alert.advisory.advisory", "VPN", "2026-12-01 00:00 JST")
	body := alert.Lines(i18n.M("alert.advisory_body.todo", "2026-12-01 00:00 JST"), i18n.M("alert.list.item", "Patch the VPN"), alert.Blank, i18n.M("alert.advisory_body.ack"))
	if _, err := e.h.Alerts.Raise(ctx, store.Alert{OrgID: e.power.ID, Kind: "advisory", Severity: "high", TitleKey: title.Key, TitleParams: title.Params,
		BodyMsgs: body, ObjectRef: "advisory-7", Data: `{"advisory":"7f3e0c2a9b1d4e5f8a6b0c1d2e3f4a5b"}`}); err != nil {
		t.Fatal(err)
	}
	power := e.as("power-analyst")
	_, page := power.get("/alerts")
	if !strings.Contains(page, `<div class="small muted alert-body">2026-12-01 00:00 JST までに次の対応を実施してください:
・Patch the VPN

注意喚起のページで`) || strings.Contains(page, "Take these actions") {
		t.Errorf("the Japanese inbox lacks the body in Japanese, line by line:\n%s", page)
	}
	if !strings.Contains(page, `href="/advisories/7f3e0c2a9b1d4e5f8a6b0c1d2e3f4a5b"`) || strings.Contains(page, `href="/objects/advisory-7"`) {
		t.Error("the alert does not link to its advisory")
	}
	power.lang = "en"
	if _, page = power.get("/alerts"); !strings.Contains(page, "Take these actions by 2026-12-01 00:00 JST:\n- Patch the VPN\n\nOpen the advisory") || strings.Contains(page, "次の対応") {
		t.Error("the English inbox lacks the body in English, line by line")
	}
}

// TestInboxMarksChosenAlertsRead: the inbox marks the chosen alerts read in
// one act, logged as the single mark is (alert.read); another
// organization's alert among the chosen stays unread.
func TestInboxMarksChosenAlertsRead(t *testing.T) {
	t.Parallel()
	e := newEnv(t, Options{})
	ctx := context.Background()
	var rows []int64
	for _, org := range []string{e.power.ID, e.power.ID, e.power.ID, e.water.ID} {
		id, err := e.h.Alerts.Raise(ctx, store.Alert{OrgID: org, Kind: "kev", Severity: "high", Title: "alert"})
		if err != nil {
			t.Fatal(err)
		}
		rows = append(rows, id)
	}
	public := func(row int64) string {
		var p string
		if err := e.h.DB.QueryRow(ctx, "SELECT public_id FROM alerts WHERE id = ?", row).Scan(&p); err != nil {
			t.Fatal(err)
		}
		return p
	}
	power := e.as("power-analyst")
	if _, body := power.get("/alerts"); !strings.Contains(body, `form="bulk-read"`) || !strings.Contains(body, `action="/alerts/read"`) {
		t.Fatal("the inbox offers no choice of alerts to mark read")
	}
	st, loc, _ := power.post("/alerts/read", url.Values{"id": {public(rows[0]), public(rows[1]), public(rows[3])}})
	if st != http.StatusSeeOther || loc != "/alerts?done=read" {
		t.Fatalf("mark chosen read: %d %s", st, loc)
	}
	for i, want := range []bool{true, true, false, false} {
		var read int64
		if err := e.h.DB.QueryRow(ctx, "SELECT read_at FROM alerts WHERE id = ?", rows[i]).Scan(&read); err != nil {
			t.Fatal(err)
		}
		if (read != 0) != want {
			t.Errorf("alert %d read %v, want %v", i, read != 0, want)
		}
	}
}
