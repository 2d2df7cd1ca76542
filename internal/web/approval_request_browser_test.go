package web

import (
	"context"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"renkei/internal/approval"
	"renkei/internal/telemetry"
)

// TestBrowserHandlerRequestsApproval drives a real browser through the
// approval request form as the center's handler, whom policy lets file
// (policy.MayFileApproval): the menu links to the form, a source's page
// links to it with the kind its legal basis needs and the source as the
// target; a request ending in the past is shown again with the problem at
// its field; a good one is filed and listed under the form. A member's
// analyst sees no such link. Screenshots go to the temp directory (or
// RENKEI_SCREENSHOTS).
func TestBrowserHandlerRequestsApproval(t *testing.T) {
	t.Parallel()
	chromium(t)
	e := newEnv(t, Options{Version: "test"})
	ctx := context.Background()
	earlier := e.fileApproval(approval.KindCollectionCommittee, false) // files as center-handler, made here
	if err := telemetry.AddSource(ctx, e.h.DB, telemetry.Source{ID: "kanto-border", Name: "Kanto border routers", LegalBasis: telemetry.BasisCommittee,
		ApprovalRef: "approval-" + strconv.FormatInt(earlier.ID, 10), Retention: 48 * time.Hour, Created: time.Now().UTC()}); err != nil {
		t.Fatal(err)
	}
	bctx := browser(t)
	b := newTab(t, bctx, "")
	do, text, shot := b.do, b.text, b.shot
	value := func(id string) string {
		t.Helper()
		v, err := chromedp.Run(bctx, chromedp.Value(chromedp.ID(id)))
		if err != nil {
			t.Fatalf("value of #%s: %v", id, err)
		}
		return v
	}
	do("log in",
		chromedp.Navigate(e.srv.URL+"/?lang=en"),
		chromedp.WaitVisible(chromedp.ID("login")),
		chromedp.SendKeys(chromedp.ID("login"), "center-handler"),
		chromedp.SendKeys(chromedp.ID("password"), testPassword),
		chromedp.Submit(chromedp.ID("password")),
		chromedp.WaitVisible(chromedp.ID("who")),
		chromedp.WaitVisible(chromedp.ID("nav-approval-request")),
	)
	do("the source's page links to the form",
		chromedp.Navigate(e.srv.URL+"/telemetry/sources/kanto-border"),
		chromedp.WaitVisible(chromedp.ID("request-approval")),
		chromedp.Click(chromedp.ID("request-approval")),
		chromedp.WaitVisible(chromedp.ID("approval-request")),
	)
	if k, tg := value("kind"), value("target"); k != "collection-committee" || !strings.Contains(tg, "kanto-border") {
		t.Errorf("the form from the source's page: kind %q target %q", k, tg)
	}
	do("a request ending in the past",
		chromedp.SendKeys(chromedp.ID("legal_basis"), "committee decision 2026-12"),
		chromedp.SendKeys(chromedp.ID("justification"), "C2 beacons towards members"),
		chromedp.SetValue(chromedp.ID("valid_until"), time.Now().AddDate(0, 0, -2).Format("2006-01-02")),
		chromedp.SendKeys(chromedp.ID("purposes"), "C2 beacon detection for campaign X"),
		chromedp.Click(chromedp.CSS("#approval-request button[type=submit]")),
		chromedp.WaitVisible(chromedp.ID("period-error")),
	)
	if p := text("#period-error"); !strings.Contains(p, "the end") {
		t.Errorf("the problem at the period: %q", p)
	}
	if value("legal_basis") != "committee decision 2026-12" {
		t.Error("the form lost what was typed")
	}
	shot("approval-request-problem")
	do("a good request",
		chromedp.SetValue(chromedp.ID("valid_until"), time.Now().AddDate(0, 3, 0).Format("2006-01-02")),
		chromedp.Click(chromedp.CSS("#approval-request button[type=submit]")),
		chromedp.WaitVisible(chromedp.ID("filed")),
	)
	if f := text("#filed"); !strings.Contains(f, "request "+strconv.FormatInt(earlier.ID+1, 10)+" is filed") {
		t.Errorf("the acknowledgement: %q", f)
	}
	if list := text("#requests"); !strings.Contains(list, "kanto-border") || !strings.Contains(list, "pending") || !strings.Contains(list, "committee decision 2026-12") {
		t.Errorf("the request is not listed:\n%s", list)
	}
	shot("approval-request-filed")
	// The refused request answers 400 by design (the browser reports that);
	// nothing else may reach the console.
	b.stopConsole()
	<-b.consoleDone
	for _, m := range b.console {
		if !strings.Contains(m.Text, "status of 400") && (m.IsException() || m.Type == chromedp.ConsoleError || strings.Contains(m.Text, "Content Security Policy")) {
			t.Errorf("browser console: %s (%s)", m, m.URL)
		}
	}

	// A member's analyst: no link in the menu.
	m := e.as("power-analyst")
	if _, body := m.get("/telemetry"); strings.Contains(body, `id="nav-approval-request"`) {
		t.Error("a member's analyst is offered the approval request form")
	}
	t.Logf("screenshots in %s/renkei-approval-request-{problem,filed}.png", b.shots)
}
