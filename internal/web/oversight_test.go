package web

import (
	"context"
	"encoding/csv"
	"encoding/hex"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"net/url"

	"renkei/internal/approval"
	"renkei/internal/audit"
	"renkei/internal/auth"
	"renkei/internal/hub"
	"renkei/internal/jst"
	"renkei/internal/oversight"
	"renkei/internal/policy"
	"renkei/internal/retention"
	"renkei/internal/store"
	"renkei/internal/store/storetest"
	"renkei/internal/testwait"
)

// fileApproval files a request as the center's handler, through the same
// service the API uses.
func (e *env) fileApproval(kind string, emergency bool) approval.Approval {
	e.t.Helper()
	ctx := context.Background()
	u, err := e.h.DB.UserByLogin(ctx, "center-handler")
	if err != nil {
		if u, err = hub.AddUser(ctx, e.h.DB, "center-handler", e.center.ID, "handler", testPassword, time.Now()); err != nil {
			e.t.Fatal(err)
		}
	}
	now := time.Now()
	period := 30 * 24 * time.Hour
	if emergency {
		period = 5 * 24 * time.Hour // within the hub's limit for emergency measures
	}
	a, err := e.app.Approvals.File(ctx, auth.Caller{User: u, Org: e.center},
		approval.Request{Kind: kind, LegalBasis: "Art. 61 (committee approval)", Target: "transit flows at IX-Tokyo", Justification: "C2 of campaign X",
			ValidFrom: now, ValidUntil: now.Add(period)}, emergency)
	if err != nil {
		e.t.Fatal(err)
	}
	return a
}

// withOverseer adds a committee member's account: the committee's first
// member, as "renkei committee bootstrap" makes it, with the test password.
func (e *env) withOverseer() {
	e.t.Helper()
	e.addOverseer("iinkai")
}

func (e *env) addOverseer(login string) store.User {
	e.t.Helper()
	ctx := context.Background()
	u, _, err := hub.BootstrapCommittee(ctx, e.h.DB, "Oversight Committee", login, "test", time.Now())
	if err != nil {
		e.t.Fatal(err)
	}
	if u.PasswordHash, err = auth.HashPassword(testPassword); err != nil {
		e.t.Fatal(err)
	}
	if err := e.h.DB.UpdateUser(ctx, u); err != nil {
		e.t.Fatal(err)
	}
	return u
}

// logEntries waits until the signed checkpoint covers everything appended,
// then reads the log as an overseer would: from its files, with its key.
func (e *env) logEntries() []audit.Entry {
	e.t.Helper()
	ctx := context.Background()
	f, err := audit.NewFetcher(e.h.Audit.Dir(), nil)
	if err != nil {
		e.t.Fatal(err)
	}
	vs, err := oversight.Verifiers(e.h.Audit.VerifierKey())
	if err != nil {
		e.t.Fatal(err)
	}
	want, err := e.h.Audit.Size(ctx)
	if err != nil {
		e.t.Fatal(err)
	}
	var got []audit.Entry
	var scanErr error
	if !testwait.Until(10*time.Second, func() bool {
		got = nil
		cp, err := audit.Scan(ctx, f, vs, func(_ uint64, en audit.Entry) error { got = append(got, en); return nil })
		scanErr = err
		return err == nil && cp.Size >= want
	}) {
		e.t.Fatalf("no checkpoint covering %d entries: %v", want, scanErr)
	}
	return got
}

func hasEntry(es []audit.Entry, action, user, object string) bool {
	for _, en := range es {
		if en.Action == action && en.User == user && en.ObjectID == object {
			return true
		}
	}
	return false
}

func TestOversightConsoleDecideAndFigures(t *testing.T) {
	t.Parallel()
	for _, kind := range storetest.Kinds(t) {
		t.Run(kind, func(t *testing.T) {
			t.Parallel()
			e := newEnvOn(t, kind, Options{})
			e.withOverseer()
			measure := e.fileApproval(approval.KindMeasure, false)
			agreement := e.fileApproval(approval.KindCollectionAgreement, false)
			urgent := e.fileApproval(approval.KindMeasure, true)
			// The urgent measure's post-notification is already past due.
			if _, err := e.h.DB.Exec(context.Background(), "UPDATE approvals SET notify_due = ? WHERE id = ?",
				store.Micros(time.Now().Add(-time.Hour)), urgent.ID); err != nil {
				t.Fatal(err)
			}

			c := e.as("iinkai")
			st, body := c.get("/oversight")
			if st != 200 {
				t.Fatalf("console: %d\n%s", st, body)
			}
			for _, a := range []approval.Approval{measure, agreement, urgent} {
				if !strings.Contains(body, `action="/oversight/approvals/`+strconv.FormatInt(a.ID, 10)+`/decide"`) {
					t.Errorf("no decision form for pending request %d", a.ID)
				}
			}
			if !regexp.MustCompile(`<tr class="overdue"><td class="num">` + strconv.FormatInt(urgent.ID, 10) + `</td>`).MatchString(body) {
				t.Errorf("the overdue emergency measure is not marked overdue")
			}

			path := "/oversight/approvals/" + strconv.FormatInt(measure.ID, 10) + "/decide"
			// Reasons are required.
			st, _, body = c.post(path, url.Values{"decision": {"approve"}, "reason": {"  "}})
			if st != 400 || !strings.Contains(body, `class="field-error"`) {
				t.Errorf("decision without reasons: %d", st)
			}
			// Without the session's CSRF token nothing is decided.
			st, _, _ = c.do("POST", path, url.Values{"decision": {"approve"}, "reason": {"ok"}, "csrf": {"forged"}})
			if st != 403 {
				t.Errorf("forged CSRF: %d, want 403", st)
			}
			st, loc, _ := c.post(path, url.Values{"decision": {"approve"}, "reason": {"Necessary and proportionate; limited to the named C2."}})
			if st != 303 || !strings.HasSuffix(loc, "decided="+strconv.FormatInt(measure.ID, 10)) {
				t.Fatalf("approve: %d %s", st, loc)
			}
			st, _, _ = c.post("/oversight/approvals/"+strconv.FormatInt(agreement.ID, 10)+"/decide", url.Values{"decision": {"deny"}, "reason": {"The agreement is not attached."}})
			if st != 303 {
				t.Fatalf("deny: %d", st)
			}
			// Deciding twice is refused.
			st, _, _ = c.post(path, url.Values{"decision": {"deny"}, "reason": {"again"}})
			if st != 409 {
				t.Errorf("second decision: %d, want 409", st)
			}
			got, err := e.app.Approvals.InForce(context.Background(), "approval-"+strconv.FormatInt(measure.ID, 10), approval.KindMeasure, time.Now().Add(time.Minute))
			if err != nil || got.DecidedBy != "iinkai" {
				t.Errorf("approved measure not in force: %v %+v", err, got)
			}
			st, body = c.get("/oversight?decided=" + strconv.FormatInt(measure.ID, 10))
			if st != 200 || !strings.Contains(body, "Necessary and proportionate") || !strings.Contains(body, `id="decided"`) {
				t.Errorf("past decisions do not show the reasons")
			}

			// The figures are counted from the log.
			es := e.logEntries()
			if !hasEntry(es, audit.ActionApprovalDecide, "iinkai", "approval-"+strconv.FormatInt(measure.ID, 10)) {
				t.Errorf("the decision is not in the log")
			}
			st, body = c.get("/oversight/figures")
			if st != 200 {
				t.Fatalf("figures: %d\n%s", st, body)
			}
			for _, f := range []struct{ figure, kind, count string }{
				{"approvals_requested", "total", "2"},
				{"approvals_requested", "access-neutralization", "1"},
				{"approvals_granted", "access-neutralization", "1"},
				{"approvals_denied", "collection-agreement", "1"},
				{"emergency_measures", "", "1"},
			} {
				re := regexp.MustCompile(`data-figure="` + f.figure + `" data-kind="` + f.kind + `">.*?<td class="num">(\d+)</td>`)
				m := re.FindStringSubmatch(body)
				if m == nil || m[1] != f.count {
					t.Errorf("figure %s/%s = %v, want %s", f.figure, f.kind, m, f.count)
				}
			}
			year := strconv.Itoa(time.Now().In(jst.Zone).Year())
			st, csvBody := c.get("/oversight/figures.csv?year=" + year)
			rows, err := csv.NewReader(strings.NewReader(csvBody)).ReadAll()
			if st != 200 || err != nil {
				t.Fatalf("CSV: %d %v", st, err)
			}
			found := false
			for _, r := range rows {
				if r[0] == "report" && r[1] == "approvals_granted" && r[2] == "total" && r[3] == "1" {
					found = true
				}
			}
			if !found {
				t.Errorf("CSV lacks approvals granted = 1:\n%s", csvBody)
			}
			if st, _ := c.get("/oversight/figures?year=26"); st != 400 {
				t.Errorf("bad year: %d, want 400", st)
			}
			if st, _ := c.get("/oversight/figures?year=" + strconv.Itoa(time.Now().Year()-3)); st != 200 {
				t.Errorf("an empty year: %d", st)
			}
		})
	}
}

func TestOversightConsoleIsForOverseersOnly(t *testing.T) {
	t.Parallel()
	e := newEnv(t, Options{})
	e.withOverseer()
	a := e.fileApproval(approval.KindMeasure, false)
	for _, login := range []string{"admin", "center-analyst", "power-admin", "water-viewer"} {
		t.Run(login, func(t *testing.T) {
			c := e.as(login)
			for _, p := range []string{"/oversight", "/oversight/inspect", "/oversight/figures", "/oversight/figures.csv"} {
				if st, body := c.get(p); st != 403 || strings.Contains(body, "/oversight/approvals/") {
					t.Errorf("GET %s: %d, want 403", p, st)
				}
			}
			st, _, _ := c.post("/oversight/approvals/"+strconv.FormatInt(a.ID, 10)+"/decide", url.Values{"decision": {"approve"}, "reason": {"me"}})
			if st != 403 {
				t.Errorf("decide: %d, want 403", st)
			}
			if _, body := c.get("/"); strings.Contains(body, `href="/oversight"`) {
				t.Errorf("the oversight section is in the navigation of %s", login)
			}
		})
	}
	got, _ := e.app.Approvals.List(context.Background(), policy.System(), approval.StatusPending, 10)
	if len(got) != 1 {
		t.Errorf("a non-overseer decided: %d pending", len(got))
	}
	if st, _ := e.client().get("/oversight"); st != 303 {
		t.Errorf("anonymous: %d, want a redirect to login", st)
	}
	if _, body := e.as("iinkai").get("/"); !strings.Contains(body, `href="/oversight"`) {
		t.Errorf("no oversight section in an overseer's navigation")
	}
}

var (
	leafRE  = regexp.MustCompile(`class="mono small leaf">([0-9a-f]{64})<`)
	proofRE = regexp.MustCompile(`<li>([0-9a-f]{64})</li>`)
	rootRE  = regexp.MustCompile(`oversight.root|<dd class="mono">([0-9a-f]{64})</dd>`)
	sizeRE  = regexp.MustCompile(`id="entry-(\d+)"`)
)

func TestOversightInspectionShowsAProofThatVerifies(t *testing.T) {
	t.Parallel()
	e := newEnv(t, Options{})
	e.withOverseer()
	for range 5 {
		e.fileApproval(approval.KindMeasure, false)
	}
	c := e.as("iinkai")
	es := e.logEntries() // waits for the checkpoint
	size := uint64(len(es))

	for _, q := range []string{"?index=2", "?n=3"} {
		t.Run(q, func(t *testing.T) {
			st, body := c.get("/oversight/inspect" + q)
			if st != 200 {
				t.Fatalf("inspect: %d\n%s", st, body)
			}
			var root []byte
			for _, m := range rootRE.FindAllStringSubmatch(body, -1) {
				if m[1] != "" {
					root, _ = hex.DecodeString(m[1])
				}
			}
			sections := strings.Split(body, `class="panel inspection"`)[1:]
			if len(sections) == 0 || root == nil {
				t.Fatalf("no inspected entry or no root shown")
			}
			for _, sec := range sections {
				idx, _ := strconv.ParseUint(sizeRE.FindStringSubmatch(sec)[1], 10, 64)
				leaf, _ := hex.DecodeString(leafRE.FindStringSubmatch(sec)[1])
				var proof [][]byte
				for _, m := range proofRE.FindAllStringSubmatch(sec, -1) {
					p, _ := hex.DecodeString(m[1])
					proof = append(proof, p)
				}
				// The page's proof is checked here independently of the page's claim.
				cpSize := size
				if err := audit.VerifyInclusion(idx, cpSize, leaf, proof, root); err != nil {
					t.Errorf("entry %d: the proof shown does not verify: %v", idx, err)
				}
				// A proof for another leaf must not verify: the check is real.
				bad := append([]byte(nil), leaf...)
				bad[0] ^= 1
				if audit.VerifyInclusion(idx, cpSize, bad, proof, root) == nil {
					t.Errorf("entry %d: a changed leaf verifies", idx)
				}
			}
			if q == "?n=3" && len(sections) != 3 {
				t.Errorf("sampled %d entries, want 3", len(sections))
			}
		})
	}
	if st, _ := c.get("/oversight/inspect?index=99999"); st != 422 {
		t.Errorf("an index beyond the log: %d, want 422", st)
	}
}

func TestLoginRoleChangeAndTokenAreLogged(t *testing.T) {
	t.Parallel()
	e := newEnv(t, Options{})
	admin := e.as("admin")
	if st, _, body := admin.post("/admin/users", url.Values{"login": {"new-analyst"}, "org": {e.power.ID}, "role": {"analyst"}, "password": {testPassword}}); st != 303 {
		t.Fatalf("add user: %d\n%s", st, body)
	}
	if st, _, _ := admin.post("/admin/tokens", url.Values{"login": {"new-analyst"}, "name": {"siem"}, "expires": {"90d"}}); st != 200 {
		t.Fatalf("create token: %d", st)
	}
	u, _ := e.h.DB.UserByLogin(context.Background(), "new-analyst")
	if st, _, _ := admin.post("/admin/users/"+u.PublicID+"/disable", nil); st != 303 {
		t.Fatalf("disable: %d", st)
	}
	es := e.logEntries()
	for _, c := range []struct{ name, action, user, object string }{
		{"login", audit.ActionLogin, "admin", "user:admin"},
		{"user created with a role", audit.ActionRoleChange, "admin", "user:new-analyst"},
		{"token", audit.ActionTokenCreate, "admin", "user:new-analyst"},
	} {
		t.Run(c.name, func(t *testing.T) {
			if !hasEntry(es, c.action, c.user, c.object) {
				t.Errorf("no %s entry by %s on %s", c.action, c.user, c.object)
			}
		})
	}
	n := 0
	for _, en := range es {
		if en.Action == audit.ActionRoleChange && en.ObjectID == "user:new-analyst" {
			n++
		}
	}
	if n != 2 {
		t.Errorf("%d role changes of new-analyst logged, want 2 (create, disable)", n)
	}

	// When the log cannot record, there is no login and no change.
	if err := e.h.Audit.Close(); err != nil {
		t.Fatal(err)
	}
	if st, _, body := admin.post("/admin/users", url.Values{"login": {"unlogged"}, "org": {e.power.ID}, "role": {"viewer"}}); st != 503 || !strings.Contains(body, "監査ログ") {
		t.Errorf("add user without a log: %d", st)
	}
	if _, err := e.h.DB.UserByLogin(context.Background(), "unlogged"); err == nil {
		t.Errorf("a user was created though the log could not record it")
	}
	if st, _, _ := admin.post("/admin/tokens", url.Values{"login": {"new-analyst"}, "name": {"x"}, "expires": {"90d"}}); st != 503 {
		t.Errorf("token without a log: %d, want 503", st)
	}
	c := e.client()
	c.lang = "en"
	c.get("/login")
	st, _, body := c.post("/login", url.Values{"login": {"power-analyst"}, "password": {testPassword}})
	if st != 503 || !strings.Contains(body, "could not be recorded in the audit log") {
		t.Errorf("login without a log: %d\n%s", st, body)
	}
	if st, _ := c.get("/alerts"); st != 303 {
		t.Errorf("a session exists after a refused login: %d", st)
	}
}

func TestOversightPagesHaveEveryText(t *testing.T) {
	t.Parallel()
	e := newEnv(t, Options{})
	e.withOverseer()
	a := e.fileApproval(approval.KindMeasure, true)
	e.fileApproval(approval.KindCollectionCommittee, false)
	c := e.as("iinkai")
	c.post("/oversight/approvals/"+strconv.FormatInt(a.ID, 10)+"/decide", url.Values{"decision": {"approve"}, "reason": {"ok"}})
	if st, body := c.get("/oversight/figures"); st != 200 || !strings.Contains(body, `id="retention"`) || strings.Contains(body, "comm-sighting") {
		t.Errorf("figures page before any retention rule: %d", st)
	}
	admin, _ := e.h.DB.UserByLogin(context.Background(), "admin")
	if err := e.app.Retention.SetRules(context.Background(), auth.Caller{User: admin, Org: e.center},
		[]retention.Rule{{Name: "comm-90", Type: retention.ClassCommSighting, Days: 90}}); err != nil {
		t.Fatal(err)
	}
	if _, body := c.get("/oversight/figures"); !strings.Contains(body, "comm-sighting") {
		t.Errorf("the figures page does not show the retention rules")
	}
	e.logEntries()
	for _, lang := range Languages {
		c.lang = lang
		for _, p := range []string{"/oversight", "/oversight?decided=1", "/oversight/inspect?n=2", "/oversight/inspect?index=x", "/oversight/figures", "/oversight/figures?from=2020-01-01"} {
			st, body := c.get(p)
			if st >= 500 {
				t.Errorf("%s %s: %d", lang, p, st)
			}
			if i := strings.Index(body, missingMark); i >= 0 {
				t.Errorf("%s %s: %s", lang, p, body[i:min(len(body), i+60)])
			}
		}
		st, _, body := c.post("/oversight/approvals/999/decide", url.Values{"decision": {"maybe"}, "reason": {""}})
		if st != 400 || strings.Contains(body, missingMark) {
			t.Errorf("%s: an invalid decision: %d", lang, st)
		}
	}
}

// TestOversightShowsPurposesAndPrefixPreservation: the committee deciding a
// collection request sees the purposes it names and whether it asks for
// prefix-preserving pseudonyms, with what a kept prefix reveals, in both
// languages; a request without purposes says any purpose stated in full.
func TestOversightShowsPurposesAndPrefixPreservation(t *testing.T) {
	t.Parallel()
	for _, kind := range storetest.Kinds(t) {
		t.Run(kind, func(t *testing.T) {
			t.Parallel()
			e := newEnvOn(t, kind, Options{})
			e.withOverseer()
			ctx := context.Background()
			plain := e.fileApproval(approval.KindCollectionAgreement, false)
			u, _ := e.h.DB.UserByLogin(ctx, "center-handler")
			asked, err := e.app.Approvals.File(ctx, auth.Caller{User: u, Org: e.center},
				approval.Request{Kind: approval.KindCollectionAgreement, LegalBasis: "agreement 2026-7", Target: "Kanto border routers",
					Justification: "C2 detection", ValidFrom: time.Now(), ValidUntil: time.Now().Add(24 * time.Hour),
					Purposes: []string{"C2 beacon detection for campaign X"}, PrefixPreserving: true}, false)
			if err != nil {
				t.Fatal(err)
			}
			c := e.as("iinkai")
			for lang, want := range map[string][]string{
				"en": {"C2 beacon detection for campaign X", "Prefix-preserving (asked for)", "subnet layout", "any purpose stated in full"},
				"ja": {"C2 beacon detection for campaign X", "プレフィックス保存型", "サブネット構成", "限定なし"},
			} {
				c.lang = lang
				st, body := c.get("/oversight")
				if st != 200 {
					t.Fatalf("%s: %d", lang, st)
				}
				i, j := strings.Index(body, `id="approval-`+strconv.FormatInt(asked.ID, 10)+`"`), strings.Index(body, `id="approval-`+strconv.FormatInt(plain.ID, 10)+`"`)
				if i < 0 || j < 0 {
					t.Fatalf("%s: pending requests not shown", lang)
				}
				articleOf := func(k int) string {
					end := strings.Index(body[k:], "</article>")
					return body[k : k+end]
				}
				for _, w := range want[:3] {
					if !strings.Contains(articleOf(i), w) {
						t.Errorf("%s: the request asking for prefix preservation lacks %q", lang, w)
					}
				}
				if !strings.Contains(articleOf(j), want[3]) || strings.Contains(articleOf(j), want[2]) {
					t.Errorf("%s: the plain request must say its purposes are not limited and keep no prefix", lang)
				}
			}
		})
	}
}

// TestCommitteeRetiresItsMembers in the console: a member proposes retiring
// another member's account from the committee's page, with reasons — logged
// first (committee.retire.propose) — and the page shows the proposal; the
// proposer cannot confirm it; a second member confirms — logged first
// (committee.retire) — and the retired member can no longer log in; the last
// active member is not retired; the operator has no such form.
func TestCommitteeRetiresItsMembers(t *testing.T) {
	t.Parallel()
	for _, kind := range storetest.Kinds(t) {
		t.Run(kind, func(t *testing.T) {
			t.Parallel()
			e := newEnvOn(t, kind, Options{})
			e.withOverseer()
			ctx := context.Background()
			committee, _ := e.h.DB.CommitteeOrg(ctx)
			chair, _ := e.h.DB.UserByLogin(ctx, "iinkai")
			for _, l := range []string{"sato", "suzuki"} {
				if _, err := hub.CreateUser(ctx, e.h.DB, hub.NewUser{Login: l, Org: committee.ID, Role: "overseer", CreatedBy: "admin"}, time.Now()); err != nil {
					t.Fatal(err)
				}
				u, _, err := e.h.ConfirmOverseer(ctx, auth.Caller{User: chair, Org: committee}, l)
				if err != nil {
					t.Fatal(err)
				}
				if u.PasswordHash, err = auth.HashPassword(testPassword); err != nil {
					t.Fatal(err)
				}
				if err := e.h.DB.UpdateUser(ctx, u); err != nil {
					t.Fatal(err)
				}
			}
			c := e.as("iinkai")
			c.lang = "en"
			if st, body := c.get("/oversight"); st != 200 || !strings.Contains(body, `action="/oversight/members/sato/retire"`) || !strings.Contains(body, "Propose retirement") {
				t.Fatalf("no retirement form for a member: %d", st)
			}
			if st, _, body := c.post("/oversight/members/sato/retire", url.Values{"reason": {" "}}); st != 400 || !strings.Contains(body, "Give the reasons") {
				t.Fatalf("retirement without reasons: %d", st)
			}
			st, _, body := c.post("/oversight/members/sato/retire", url.Values{"reason": {"term ended"}})
			if st != 200 || !strings.Contains(body, `id="retire-proposed"`) || !strings.Contains(body, "Retirement proposed by iinkai (reasons: term ended)") {
				t.Fatalf("propose: %d", st)
			}
			if !hasEntry(e.logEntries(), audit.ActionCommitteeRetirePropose, "iinkai", "user:sato") {
				t.Error("the proposal is not in the audit log")
			}
			if u, _ := e.h.DB.UserByLogin(ctx, "sato"); u.Disabled {
				t.Fatal("one member retired another alone")
			}
			if st, _, body := c.post("/oversight/members/sato/retire", url.Values{"reason": {"again"}}); st != 403 || !strings.Contains(body, "Another member of the committee confirms") {
				t.Fatalf("the proposer confirmed: %d", st)
			}
			s := e.as("suzuki")
			s.lang = "en"
			if _, body := s.get("/oversight"); !strings.Contains(body, "Confirm retirement") {
				t.Error("no confirmation button for the second member")
			}
			if st, _, body := s.post("/oversight/members/sato/retire", url.Values{"reason": {"agreed"}}); st != 200 || !strings.Contains(body, `id="retired"`) {
				t.Fatalf("confirm: %d", st)
			}
			if !hasEntry(e.logEntries(), audit.ActionCommitteeRetire, "suzuki", "user:sato") {
				t.Error("the retirement is not in the audit log")
			}
			if u, _ := e.h.DB.UserByLogin(ctx, "sato"); !u.Disabled {
				t.Errorf("sato is not disabled: %+v", u)
			}
			// iinkai leaves, suzuki confirms; suzuki is then the last active member.
			if st, _, _ := c.post("/oversight/members/iinkai/retire", url.Values{"reason": {"leaving"}}); st != 200 {
				t.Fatalf("propose: %d", st)
			}
			if st, _, _ := s.post("/oversight/members/iinkai/retire", url.Values{"reason": {"agreed"}}); st != 200 {
				t.Fatalf("confirm: %d", st)
			}
			if st, _, body := s.post("/oversight/members/suzuki/retire", url.Values{"reason": {"leaving"}}); st != 409 || !strings.Contains(body, "last active member") {
				t.Errorf("the last active member retired: %d", st)
			}
			if st, _, _ := e.as("admin").post("/oversight/members/suzuki/retire", url.Values{"reason": {"operator"}}); st != 403 {
				t.Errorf("the operator retired a member: %d", st)
			}
		})
	}
}

// TestCommitteeRetireProposalWithdrawnAndResigned in the console: in a
// committee of two, the proposer sees a withdraw button and withdraws
// (committee.retire.withdraw logged); the other member cannot withdraw it;
// the member proposed sees "Resign" and, confirming, retires
// (committee.retire logged by them).
func TestCommitteeRetireProposalWithdrawnAndResigned(t *testing.T) {
	t.Parallel()
	for _, kind := range storetest.Kinds(t) {
		t.Run(kind, func(t *testing.T) {
			t.Parallel()
			e := newEnvOn(t, kind, Options{})
			e.withOverseer()
			ctx := context.Background()
			committee, _ := e.h.DB.CommitteeOrg(ctx)
			chair, _ := e.h.DB.UserByLogin(ctx, "iinkai")
			if _, err := hub.CreateUser(ctx, e.h.DB, hub.NewUser{Login: "sato", Org: committee.ID, Role: "overseer", CreatedBy: "admin"}, time.Now()); err != nil {
				t.Fatal(err)
			}
			u, _, err := e.h.ConfirmOverseer(ctx, auth.Caller{User: chair, Org: committee}, "sato")
			if err != nil {
				t.Fatal(err)
			}
			if u.PasswordHash, err = auth.HashPassword(testPassword); err != nil {
				t.Fatal(err)
			}
			if err := e.h.DB.UpdateUser(ctx, u); err != nil {
				t.Fatal(err)
			}
			c, s := e.as("iinkai"), e.as("sato")
			c.lang, s.lang = "en", "en"
			if st, _, _ := c.post("/oversight/members/sato/retire", url.Values{"reason": {"term ended"}}); st != 200 {
				t.Fatalf("propose: %d", st)
			}
			if _, body := c.get("/oversight"); !strings.Contains(body, `action="/oversight/members/sato/withdraw"`) {
				t.Fatal("no withdraw form for the proposer")
			}
			if _, body := s.get("/oversight"); strings.Contains(body, `action="/oversight/members/sato/withdraw"`) || !strings.Contains(body, "Resign (confirm my retirement)") {
				t.Fatal("the member proposed sees a withdraw form, or no resignation")
			}
			if st, _, body := s.post("/oversight/members/sato/withdraw", nil); st != 403 || !strings.Contains(body, "Only the member who proposed") {
				t.Fatalf("another member withdrew the proposal: %d", st)
			}
			st, _, body := c.post("/oversight/members/sato/withdraw", nil)
			if st != 200 || !strings.Contains(body, `id="retire-withdrawn"`) {
				t.Fatalf("withdraw: %d", st)
			}
			if !hasEntry(e.logEntries(), audit.ActionCommitteeRetireWithdraw, "iinkai", "user:sato") {
				t.Error("the withdrawal is not in the audit log")
			}
			if u, _ := e.h.DB.UserByLogin(ctx, "sato"); u.RetireProposedBy != "" {
				t.Fatalf("the proposal is kept: %+v", u)
			}
			if st, _, _ := c.post("/oversight/members/sato/retire", url.Values{"reason": {"term ended"}}); st != 200 {
				t.Fatalf("propose again: %d", st)
			}
			if st, _, body := s.post("/oversight/members/sato/retire", url.Values{"reason": {"I agree"}}); st != 200 || !strings.Contains(body, `id="retired"`) {
				t.Fatalf("resign: %d", st)
			}
			if !hasEntry(e.logEntries(), audit.ActionCommitteeRetire, "sato", "user:sato") {
				t.Error("the resignation is not in the audit log")
			}
		})
	}
}
