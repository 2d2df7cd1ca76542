package web

import (
	"context"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// chromium finds the browser for the browser tests: RENKEI_CHROMIUM, else
// Debian's /usr/bin/chromium. Without one the test skips, except under
// CI=true where a missing browser is a failure. Browser tests are slow and
// skip under -short; .ci/run runs them.
func chromium(t *testing.T) string {
	t.Helper()
	if testing.Short() {
		t.Skip("browser test: skipped under -short (.ci/run runs it)")
	}
	path := os.Getenv("RENKEI_CHROMIUM")
	if path == "" {
		path = "/usr/bin/chromium"
	}
	if p, err := exec.LookPath(path); err == nil {
		return p
	}
	if os.Getenv("CI") == "true" {
		t.Fatalf("chromium not found at %s: CI must install it (apt-get install chromium) or set RENKEI_CHROMIUM", path)
	}
	t.Skipf("chromium not found at %s: install Debian's chromium or set RENKEI_CHROMIUM to run the browser test", path)
	return ""
}

// browser starts a headless chromium with the flags a closed network needs
// (without them it stalls on update, sync and QUIC probes), and returns a
// context bounded in time for the test's steps.
func browser(t *testing.T) context.Context {
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(chromium(t)),
		chromedp.Flag("headless", true),
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.Flag("disable-quic", true),
		chromedp.NoFirstRun,
		chromedp.NoDefaultBrowserCheck,
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-dev-shm-usage", true),
		chromedp.Flag("lang", "en-US"),
		chromedp.UserDataDir(t.TempDir()),
		chromedp.WindowSize(1440, 1000),
	}
	actx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	t.Cleanup(cancelAlloc)
	ctx, cancelCtx := chromedp.NewContext(actx)
	t.Cleanup(cancelCtx)
	// The first Run starts the browser and binds it to ctx, which must
	// therefore have no deadline; later steps run under one.
	if err := chromedp.Do(ctx); err != nil {
		t.Fatalf("start chromium: %v", err)
	}
	tctx, cancel := context.WithTimeout(ctx, 3*time.Minute)
	t.Cleanup(cancel)
	return tctx
}

// tab drives the browser of one test: actions that fail the test with what
// they were doing, texts, screenshots (in RENKEI_SCREENSHOTS or the temp
// folder, named renkei-<prefix><name>.png), and the console, where a script
// error or a content-security-policy violation fails the test.
type tab struct {
	t           *testing.T
	ctx         context.Context
	shots       string
	prefix      string
	stopConsole context.CancelFunc
	consoleDone chan struct{}
	console     []chromedp.ConsoleMessage
}

func newTab(t *testing.T, ctx context.Context, prefix string) *tab {
	b := &tab{t: t, ctx: ctx, shots: os.Getenv("RENKEI_SCREENSHOTS"), prefix: prefix, consoleDone: make(chan struct{})}
	if b.shots == "" {
		b.shots = os.TempDir()
	}
	cctx, stop := context.WithCancel(ctx)
	b.stopConsole = stop
	messages := chromedp.Console(cctx)
	go func() {
		defer close(b.consoleDone)
		for m, err := range messages {
			if err != nil {
				return
			}
			b.console = append(b.console, m)
		}
	}()
	return b
}

func (b *tab) do(what string, steps ...chromedp.Action[chromedp.Void]) {
	b.t.Helper()
	if err := chromedp.Do(b.ctx, steps...); err != nil {
		b.t.Fatalf("%s: %v", what, err)
	}
}

func (b *tab) text(sel string) string {
	b.t.Helper()
	s, err := chromedp.Run(b.ctx, chromedp.Text(chromedp.CSS(sel)))
	if err != nil {
		b.t.Fatalf("text of %s: %v", sel, err)
	}
	return s
}

func (b *tab) shot(name string) {
	b.t.Helper()
	png, err := chromedp.Run(b.ctx, chromedp.FullScreenshot(100))
	if err != nil {
		b.t.Fatalf("screenshot %s: %v", name, err)
	}
	if err := os.WriteFile(b.shots+"/renkei-"+b.prefix+name+".png", png, 0o644); err != nil {
		b.t.Fatal(err)
	}
}

// checkConsole stops collecting and fails the test on script errors and
// content-security-policy violations the pages reported.
func (b *tab) checkConsole() {
	b.t.Helper()
	b.stopConsole()
	<-b.consoleDone
	for _, m := range b.console {
		if m.IsException() || m.Type == chromedp.ConsoleError || strings.Contains(m.Text, "Content Security Policy") {
			b.t.Errorf("browser console: %s (%s)", m, m.URL)
		}
	}
}

// TestBrowserSubmitIndicator drives a real browser through the console: log
// in, submit an indicator with the form, find it in the object list, open it,
// and switch the language. It saves screenshots of the dashboard, the object
// list and the detail page in the temp directory (RENKEI_SCREENSHOTS chooses
// another folder).
func TestBrowserSubmitIndicator(t *testing.T) {
	t.Parallel()
	chromium(t)
	e := newEnv(t, Options{Version: "test"})
	ctx := browser(t)
	b := newTab(t, ctx, "")
	do, text, shot := b.do, b.text, b.shot
	lang := func() string {
		t.Helper()
		a, err := chromedp.Run(ctx, chromedp.AttributeValue(chromedp.CSS("html"), "lang"))
		if err != nil {
			t.Fatalf("html lang: %v", err)
		}
		return a.Value
	}
	const name = "Browser-submitted C2 address"

	do("log in",
		chromedp.Navigate(e.srv.URL+"/"),
		chromedp.WaitVisible(chromedp.ID("login")),
		chromedp.SendKeys(chromedp.ID("login"), "power-analyst"),
		chromedp.SendKeys(chromedp.ID("password"), testPassword),
		chromedp.Submit(chromedp.ID("password")),
		chromedp.WaitVisible(chromedp.ID("who")),
	)
	start := lang()

	do("submit an indicator",
		chromedp.Navigate(e.srv.URL+"/submit"),
		chromedp.WaitVisible(chromedp.ID("indicator-form")),
		chromedp.SendKeys(chromedp.ID("name"), name),
		chromedp.SendKeys(chromedp.ID("values"), "203.0.113.200\nbrowser-c2.example"),
		chromedp.SetValue(chromedp.ID("tlp"), "green"),
		chromedp.Click(chromedp.ID("submit-indicator")),
		chromedp.WaitVisible(chromedp.ID("status")),
	)
	if status := text("#status"); !strings.Contains(status, "1") || !strings.Contains(status, "indicator--") {
		t.Errorf("status after submitting: %q", status)
	}

	do("find it in the list",
		chromedp.Navigate(e.srv.URL+"/objects?q=browser-c2"),
		chromedp.WaitVisible(chromedp.ID("results")),
	)
	if list := text("#results"); !strings.Contains(list, name) || !strings.Contains(list, "TLP:GREEN") {
		t.Errorf("the object list does not show the submitted indicator:\n%s", list)
	}
	shot("objects")
	do("open it",
		chromedp.Click(chromedp.CSS("#results td.label a")),
		chromedp.WaitVisible(chromedp.CSS(".tlp-banner")),
	)
	if title := text("h1.objtitle"); !strings.Contains(title, name) {
		t.Errorf("detail page title %q", title)
	}
	if banner := text(".tlp-banner"); !strings.Contains(banner, "TLP:GREEN") {
		t.Errorf("TLP banner %q", banner)
	}
	shot("object")
	do("dashboard", chromedp.Navigate(e.srv.URL+"/"), chromedp.WaitVisible(chromedp.ID("h-counts")))
	shot("dashboard")

	// Switch the language with the link every page has, and back.
	want := map[string]string{"ja": "ダッシュボード", "en": "Dashboard"}
	other := map[string]string{"ja": "en", "en": "ja"}
	cur := start
	for i := 0; i < 2; i++ {
		do("switch language", chromedp.Click(chromedp.ID("lang-switch")),
			chromedp.WaitVisible(chromedp.CSS(`html[lang="`+other[cur]+`"] nav.side`)))
		now, nav := lang(), text("nav.side")
		if now != other[cur] || !strings.Contains(nav, want[now]) {
			t.Errorf("after switching from %s: page lang %q, navigation %q", cur, now, nav)
		}
		if now == "ja" {
			shot("dashboard-ja")
		}
		cur = now
	}
	b.checkConsole()
	t.Logf("started in %s; screenshots in %s/renkei-{dashboard,dashboard-ja,objects,object}.png", start, b.shots)
}
