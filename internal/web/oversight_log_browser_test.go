package web

import (
	"strconv"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
)

// TestBrowserCommitteeSelectsMarchAccesses drives a real browser through
// the committee's log page: from the menu, every access to communications
// information, narrowed to March with the date fields, lists the two
// accesses with their purposes and legal bases, each marked verified, and
// offers the CSV.
func TestBrowserCommitteeSelectsMarchAccesses(t *testing.T) {
	t.Parallel()
	chromium(t)
	e := newEnv(t, Options{Version: "test"})
	e.withOverseer()
	march := e.committeeLog()
	ctx := browser(t)
	b := newTab(t, ctx, "")
	do, text, shot := b.do, b.text, b.shot
	do("log in",
		chromedp.Navigate(e.srv.URL+"/oversight"),
		chromedp.WaitVisible(chromedp.ID("login")),
		chromedp.SendKeys(chromedp.ID("login"), "iinkai"),
		chromedp.SendKeys(chromedp.ID("password"), testPassword),
		chromedp.Submit(chromedp.ID("password")),
		chromedp.WaitVisible(chromedp.ID("pending")),
	)
	do("open the log from the menu", chromedp.Click(chromedp.CSS(`a[href="/oversight/log"]`)), chromedp.WaitVisible(chromedp.ID("log-filter")))
	do("every access to communications information", chromedp.Click(chromedp.ID("log-comm-access")), chromedp.WaitVisible(chromedp.ID("log-summary")))
	do("in March",
		chromedp.SetValue(chromedp.ID("f-from"), "2026-03-01"),
		chromedp.SetValue(chromedp.ID("f-to"), "2026-04-01"),
		chromedp.Click(chromedp.ID("log-apply")),
		chromedp.WaitVisible(chromedp.ID("log-entries")),
	)
	rows := text("#log-entries tbody")
	for _, want := range []string{"incident 2026-113 C2 beacon", "agreement approval-7", "botnet takedown support", "committee approval-9"} {
		if !strings.Contains(rows, want) {
			t.Errorf("the entries lack %q:\n%s", want, rows)
		}
	}
	if strings.Contains(rows, "phishing relay") || strings.Count(rows, "✓") != 2 {
		t.Errorf("want exactly March's two accesses, verified:\n%s", rows)
	}
	for _, i := range march {
		if got := text("#entry-" + strconv.FormatUint(i, 10) + " .proof-ok"); got == "" {
			t.Errorf("entry %d is not shown verified", i)
		}
	}
	if csv := text("#log-summary"); !strings.Contains(csv, "CSV") {
		t.Errorf("no CSV link: %q", csv)
	}
	shot("oversight-log")
}
