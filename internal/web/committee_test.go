package web

import (
	"context"
	"net/url"
	"strings"
	"testing"
	"time"

	"renkei/internal/advisory"
	"renkei/internal/auth"
	"renkei/internal/hub"
	"renkei/internal/store/storetest"
)

// TestOverseerSeesNoOperatingContent: an overseer sees the operating
// picture's figures across every member, and none of its content: no
// advisory or correction-request title reaches the page, the CSV or the
// charts. The center's analyst still sees the titles.
func TestOverseerSeesNoOperatingContent(t *testing.T) {
	t.Parallel()
	for _, kind := range storetest.Kinds(t) {
		t.Run(kind, func(t *testing.T) {
			t.Parallel()
			e := newEnvOn(t, kind, Options{})
			e.withOverseer()
			ctx := context.Background()
			u, _ := e.h.DB.UserByLogin(ctx, "center-analyst")
			center := auth.Caller{User: u, Org: e.center}
			const title, demand = "Patch the Fortigate SSL-VPN now (secret-advisory-title)", "Close RDP at the edge (secret-demand-title)"
			adv := e.app.Advisories
			if _, err := adv.Publish(ctx, center, advisory.Advisory{Title: title, Actions: []string{"patch"}, Audience: advisory.Audience{All: true},
				Due: time.Now().Add(48 * time.Hour)}); err != nil {
				t.Fatal(err)
			}
			ministry, err := hub.AddOrg(ctx, e.h.DB, "Ministry of Examples", "government", "", time.Now())
			if err != nil {
				t.Fatal(err)
			}
			if _, err := adv.Publish(ctx, center, advisory.Advisory{Kind: advisory.KindCorrection, Title: demand, Actions: []string{"close RDP"},
				Findings: "RDP open at the edge (audit 2026-3)", Audience: advisory.Audience{Orgs: []string{ministry.ID}}, Due: time.Now().Add(48 * time.Hour)}); err != nil {
				t.Fatal(err)
			}
			ov, an := e.as("iinkai"), e.as("center-analyst")
			for _, path := range []string{"/cop", "/cop.csv", "/cop/chart/advisories.svg", "/"} {
				st, body := ov.get(path)
				if st != 200 {
					t.Fatalf("overseer %s: %d", path, st)
				}
				if strings.Contains(body, "secret-advisory-title") || strings.Contains(body, "secret-demand-title") {
					t.Errorf("an overseer reads an advisory's title on %s", path)
				}
			}
			// Figures, across every member: two open advisories with their targets.
			if _, csv := ov.get("/cop.csv"); strings.Count(csv, "advisory_targets") != 2 {
				t.Errorf("the overseer's CSV lacks the advisories' figures:\n%s", csv)
			}
			if _, svg := an.get("/cop/chart/advisories.svg"); !strings.Contains(svg, "secret-advisory-title") {
				t.Error("the center's analyst no longer sees the titles")
			}
		})
	}
}

// TestCommitteeConsole: a committee member confirms, in the console, an
// account the hub's administrator made for a new member and sees its first
// password once; the administrator cannot give an overseer a token; a member
// revokes an approval it granted.
func TestCommitteeConsole(t *testing.T) {
	t.Parallel()
	e := newEnv(t, Options{})
	e.withOverseer()
	ctx := context.Background()
	committee, err := e.h.DB.CommitteeOrg(ctx)
	if err != nil {
		t.Fatal(err)
	}
	admin := e.as("admin")
	st, loc, _ := admin.post("/admin/users", url.Values{"login": {"sato"}, "org": {committee.ID}, "role": {"overseer"}})
	if st != 303 {
		t.Fatalf("the admin creates a member's account: %d %s", st, loc)
	}
	if st, _, _ := admin.post("/admin/users", url.Values{"login": {"ov-center"}, "org": {e.center.ID}, "role": {"overseer"}}); st != 400 {
		t.Errorf("an overseer in the center: %d, want 400", st)
	}
	if st, _, _ := admin.post("/admin/tokens", url.Values{"login": {"iinkai"}, "expires": {"30d"}}); st != 403 {
		t.Errorf("the admin makes a token for a member of the committee: %d, want 403", st)
	}
	sato, _ := e.h.DB.UserByLogin(ctx, "sato")
	if !sato.Pending || sato.CreatedBy != "admin" {
		t.Fatalf("sato: %+v", sato)
	}
	ov := e.as("iinkai")
	st, _, body := ov.post("/oversight/members/sato/confirm", nil)
	if st != 200 || !strings.Contains(body, `id="first-password"`) {
		t.Fatalf("confirm: %d", st)
	}
	i := strings.Index(body, `id="first-password">`) + len(`id="first-password">`)
	password := body[i : i+strings.Index(body[i:], "<")]
	if _, err := e.h.Auth.Password(ctx, "sato", password); err != nil {
		t.Fatalf("the new member cannot log in with the password shown: %v", err)
	}
	// A member makes their own API token, with their password; the admin cannot.
	if st, _, _ := ov.post("/account/tokens", url.Values{"current": {"wrong-password"}, "expires": {"30d"}}); st != 400 {
		t.Errorf("a token without the password: %d, want 400", st)
	}
	st, _, body = ov.post("/account/tokens", url.Values{"current": {testPassword}, "expires": {"30d"}})
	if st != 200 || !strings.Contains(body, `id="new-token">rk_`) {
		t.Errorf("a member's own token: %d", st)
	}
	if st, _, _ := admin.post("/account/tokens", url.Values{"current": {e.adminPass}, "expires": {"30d"}}); st != 403 {
		t.Errorf("the admin uses the committee's own-token form: %d, want 403", st)
	}
	// Revocation from the console.
	a := e.fileApproval("collection-committee", false)
	iinkai, _ := e.h.DB.UserByLogin(ctx, "iinkai")
	if _, err := e.app.Approvals.Decide(ctx, auth.Caller{User: iinkai, Org: committee}, a.ID, true, "proportionate"); err != nil {
		t.Fatal(err)
	}
	path := "/oversight/approvals/" + itoa(a.ID) + "/revoke"
	if st, _, _ := ov.post(path, url.Values{"reason": {" "}}); st != 400 {
		t.Errorf("a revocation without reasons: %d", st)
	}
	if st, loc, _ := ov.post(path, url.Values{"reason": {"the campaign ended"}}); st != 303 || !strings.Contains(loc, "revoked=") {
		t.Fatalf("revoke: %d %s", st, loc)
	}
	if _, body := ov.get("/oversight"); !strings.Contains(body, "the campaign ended") {
		t.Error("the page does not show the revocation's reasons")
	}
}
