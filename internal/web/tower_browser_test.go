package web

import (
	"renkei/internal/jst"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// TestBrowserReportJourney is a report's journey in a real browser: an
// operator files an incident report with the form, the center opens a case
// from it and moves it to "investigating", and the operator sees that status
// on its report. Screenshots of the report page are saved as
// renkei-report-{filed,center,status,cop}.png (RENKEI_SCREENSHOTS chooses the folder).
func TestBrowserReportJourney(t *testing.T) {
	t.Parallel()
	chromium(t)
	e := newEnv(t, Options{Version: "test"})
	ctx := browser(t)
	b := newTab(t, ctx, "report-")
	do, text, shot := b.do, b.text, b.shot
	login := func(who string) {
		t.Helper()
		do("log in as "+who,
			chromedp.Navigate(e.srv.URL+"/login"),
			chromedp.WaitVisible(chromedp.ID("login")),
			chromedp.SendKeys(chromedp.ID("login"), who),
			chromedp.SendKeys(chromedp.ID("password"), testPassword),
			chromedp.Submit(chromedp.ID("password")),
			chromedp.WaitVisible(chromedp.ID("who")),
		)
	}
	logout := func() {
		t.Helper()
		do("log out", chromedp.Click(chromedp.CSS(`form[action="/logout"] button`)), chromedp.WaitVisible(chromedp.ID("login")))
	}
	const title = "Browser-filed ransomware on the historian"

	login("water-analyst")
	detected := time.Now().In(jst.Zone).Add(-3 * time.Hour).Format("2006-01-02T15:04")
	do("file the report",
		chromedp.Navigate(e.srv.URL+"/reports"),
		chromedp.WaitVisible(chromedp.ID("report-form")),
		chromedp.SendKeys(chromedp.ID("r-title"), title),
		chromedp.SetValue(chromedp.ID("r-category"), "ransomware"),
		chromedp.SetValue(chromedp.ID("r-detected"), detected),
		chromedp.SendKeys(chromedp.ID("r-what"), "Files on the historian were encrypted; a ransom note was left."),
		chromedp.SetValue(chromedp.ID("r-status"), "contained"),
		chromedp.Click(chromedp.ID("file-report")),
		chromedp.WaitVisible(chromedp.ID("deadlines")),
	)
	if h := text("h1.objtitle"); !strings.Contains(h, title) {
		t.Fatalf("report page title %q", h)
	}
	if dl := text("#deadlines"); !strings.Contains(dl, "JST") {
		t.Errorf("deadlines: %q", dl)
	}
	if nc := text("#no-case"); nc == "" {
		t.Error("a new report shows no 'no case yet' line")
	}
	var reportURL string
	if u, err := chromedp.Run(ctx, chromedp.Location()); err != nil {
		t.Fatal(err)
	} else {
		reportURL = strings.SplitN(u, "?", 2)[0]
	}
	shot("filed")
	logout()

	login("center-analyst")
	do("open a case from the report",
		chromedp.Navigate(reportURL),
		chromedp.WaitVisible(chromedp.ID("open-case")),
		chromedp.Click(chromedp.ID("open-case-btn")),
		chromedp.WaitVisible(chromedp.ID("act-form")),
		chromedp.SetValue(chromedp.ID("a-status"), "investigating"),
		chromedp.SendKeys(chromedp.ID("a-note"), "Isolation of the historian advised."),
		chromedp.Click(chromedp.CSS(`#act-form input[name="shared"]`)),
		chromedp.Click(chromedp.ID("act-btn")),
		// The page reloads with the status change and the note in the timeline.
		chromedp.WaitVisible(chromedp.CSS("#timeline li:nth-child(3)")),
	)
	if s := text("#case-status"); !strings.Contains(s, "Investigating") && !strings.Contains(s, "調査中") {
		t.Errorf("case status after acting: %q", s)
	}
	shot("center")
	logout()

	login("water-analyst")
	do("see the status", chromedp.Navigate(reportURL), chromedp.WaitVisible(chromedp.ID("case-status")))
	if s := text("#case-status"); !strings.Contains(s, "Investigating") && !strings.Contains(s, "調査中") {
		t.Errorf("the operator sees case status %q", s)
	}
	do("read the case", chromedp.Click(chromedp.CSS(".case a")), chromedp.WaitVisible(chromedp.ID("timeline")))
	if tl := text("#timeline"); !strings.Contains(tl, "Isolation of the historian advised.") {
		t.Errorf("the operator does not see the shared note: %q", tl)
	}
	shot("status")
	logout()

	login("center-analyst")
	do("the operating picture", chromedp.Navigate(e.srv.URL+"/cop"), chromedp.WaitVisible(chromedp.CSS("img.chart")))
	// Each chart is an SVG image the browser loaded and drew.
	loaded, err := chromedp.Run(ctx, chromedp.Evaluate[int](`[...document.querySelectorAll("img.chart")].filter(i => i.complete && i.naturalWidth > 0).length`))
	if err != nil || loaded != 4 {
		t.Errorf("charts drawn: %d of 4 (%v)", loaded, err)
	}
	shot("cop")
	b.checkConsole()
}
