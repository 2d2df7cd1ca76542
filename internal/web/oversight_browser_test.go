package web

import (
	"context"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"renkei/internal/approval"
	"renkei/internal/store"
)

// TestBrowserOverseerDecides drives a real browser through the committee's
// console: log in as an overseer, approve a request with reasons, see the
// decision and the overdue emergency measure, inspect the log and read the
// figures. Screenshots go to the temp directory (or RENKEI_SCREENSHOTS).
func TestBrowserOverseerDecides(t *testing.T) {
	t.Parallel()
	chromium(t)
	e := newEnv(t, Options{Version: "test"})
	e.withOverseer()
	a := e.fileApproval(approval.KindMeasure, false)
	urgent := e.fileApproval(approval.KindMeasure, true)
	if _, err := e.h.DB.Exec(context.Background(), "UPDATE approvals SET notify_due = ? WHERE id = ?", store.Micros(time.Now().Add(-time.Hour)), urgent.ID); err != nil {
		t.Fatal(err)
	}
	ctx := browser(t)
	b := newTab(t, ctx, "")
	do, text, shot := b.do, b.text, b.shot
	id := strconv.FormatInt(a.ID, 10)
	do("log in",
		chromedp.Navigate(e.srv.URL+"/oversight"),
		chromedp.WaitVisible(chromedp.ID("login")),
		chromedp.SendKeys(chromedp.ID("login"), "iinkai"),
		chromedp.SendKeys(chromedp.ID("password"), testPassword),
		chromedp.Submit(chromedp.ID("password")),
		chromedp.WaitVisible(chromedp.ID("pending")),
	)
	if em := text("#emergency"); !strings.Contains(em, strconv.FormatInt(urgent.ID, 10)) {
		t.Errorf("emergency measures: %q", em)
	}
	shot("oversight")
	do("approve with reasons",
		chromedp.SendKeys(chromedp.ID("reason-"+id), "Necessary and proportionate."),
		chromedp.Click(chromedp.CSS("#approval-"+id+` button[value="approve"]`)),
		chromedp.WaitVisible(chromedp.ID("decided")),
	)
	if past := text("#past"); !strings.Contains(past, "Necessary and proportionate.") || !strings.Contains(past, "iinkai") {
		t.Errorf("decisions taken: %q", past)
	}
	e.logEntries() // the checkpoint covers the decision
	do("inspect", chromedp.Navigate(e.srv.URL+"/oversight/inspect?n=3"), chromedp.WaitVisible(chromedp.CSS(".inspection .verified")))
	shot("oversight-inspect")
	do("figures", chromedp.Navigate(e.srv.URL+"/oversight/figures"), chromedp.WaitVisible(chromedp.ID("figures")))
	if figs := text("#figures"); !strings.Contains(figs, "1") {
		t.Errorf("figures: %q", figs)
	}
	shot("oversight-figures")
	t.Logf("screenshots in %s/renkei-oversight{,-inspect,-figures}.png", b.shots)
}
