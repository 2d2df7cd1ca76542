package web

import (
	"slices"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
)

// TestBrowserHomePerUser logs in, in a real browser and in Japanese, as each
// of the six users of issue 18 (homeUsers: a center analyst, an operator's
// security officer, a town hall, a hospital, a vendor and an overseer),
// checks what the menu and the home page show and do not show, and saves a
// screenshot of each home page: renkei-home-<login>.png in the temp
// directory, or in RENKEI_SCREENSHOTS when set.
func TestBrowserHomePerUser(t *testing.T) {
	t.Parallel()
	chromium(t)
	e := newEnv(t, Options{Version: "test"})
	homeFixture(t, e)
	ctx := browser(t)
	b := newTab(t, ctx, "home-")
	b.do("choose Japanese", chromedp.Navigate(e.srv.URL+"/login?lang=ja"), chromedp.WaitVisible(chromedp.ID("login")))
	strs := func(js string) []string {
		t.Helper()
		v, err := chromedp.Run(ctx, chromedp.Evaluate[[]string](js))
		if err != nil {
			t.Fatalf("%s: %v", js, err)
		}
		return v
	}
	for _, u := range homeUsers {
		b.do("log in as "+u.login,
			chromedp.Navigate(e.srv.URL+"/login"),
			chromedp.WaitVisible(chromedp.ID("login")),
			chromedp.SendKeys(chromedp.ID("login"), u.login),
			chromedp.SendKeys(chromedp.ID("password"), testPassword),
			chromedp.Submit(chromedp.ID("password")),
			chromedp.WaitVisible(chromedp.ID("today-lead")),
		)
		if lang := strs(`[document.documentElement.lang]`); lang[0] != "ja" {
			t.Errorf("%s: page language %q", u.name, lang[0])
		}
		nav := strs(`[...document.querySelectorAll("nav.side a")].map(a => a.getAttribute("href"))`)
		ids := strs(`[...document.querySelectorAll("main [id]")].map(x => x.id)`)
		for _, h := range u.nav {
			if !slices.Contains(nav, h) {
				t.Errorf("%s: the menu lacks %s (has %v)", u.name, h, nav)
			}
		}
		for _, h := range u.notNav {
			if slices.Contains(nav, h) {
				t.Errorf("%s: the menu offers %s", u.name, h)
			}
		}
		for _, id := range u.panels {
			if !slices.Contains(ids, id) {
				t.Errorf("%s: the home page lacks %s (has %v)", u.name, id, ids)
			}
		}
		for _, id := range u.notPanels {
			if slices.Contains(ids, id) {
				t.Errorf("%s: the home page shows %s", u.name, id)
			}
		}
		if main := b.text("main"); !strings.Contains(main, "今日、あなたの対応を待っているもの") || strings.Contains(main, missingMark) {
			t.Errorf("%s: the home page is not in Japanese or lacks a key:\n%s", u.name, main)
		}
		b.shot(u.login)
		b.do("log out", chromedp.Click(chromedp.CSS(`form[action="/logout"] button`)), chromedp.WaitVisible(chromedp.ID("login")))
	}
	b.checkConsole()
	t.Logf("screenshots of each home page in Japanese: %s/renkei-home-{center-analyst,power-admin,town-it,hospital-it,vendor-psirt,iinkai}.png", b.shots)
}
