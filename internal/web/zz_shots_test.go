package web

import (
	"context"
	"net/url"
	"os"
	"testing"

	"github.com/chromedp/chromedp"
	"renkei/internal/store"
)

func TestZZShots(t *testing.T) {
	e := newEnv(t, Options{Version: "0.1.0"})
	power := e.as("power-analyst")
	id := submitIndicator(t, power, "Intrusion C2 (energy sector)", "198.51.100.7\nevil-c2.example", "amber", url.Values{"orgs": {e.water.ID}})
	submitIndicator(t, power, "Strict beacon", "203.0.113.9", "amber+strict", nil)
	submitIndicator(t, power, "Phishing kit", "https://login-portal.example/owa", "clear", nil)
	submitIndicator(t, power, "Red hash", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855", "red", nil)
	water := e.as("water-analyst")
	water.post("/objects/"+id+"/sighting", url.Values{"count": {"4"}, "tlp": {"amber"}, "consent": {"everyone"}})
	e.h.Alerts.Raise(context.Background(), store.Alert{OrgID: e.power.ID, Kind: "kev", Severity: "high", Title: "VPN appliance on the KEV list"})
	ctx := browser(t)
	shot := func(name string) {
		png, _ := chromedp.Run(ctx, chromedp.FullScreenshot(100))
		os.WriteFile("/tmp/zz-"+name+".png", png, 0o644)
	}
	chromedp.Do(ctx, chromedp.Navigate(e.srv.URL+"/?lang=ja"), chromedp.WaitVisible(chromedp.ID("login")))
	shot("login")
	chromedp.Do(ctx, chromedp.SendKeys(chromedp.ID("login"), "power-admin"), chromedp.SendKeys(chromedp.ID("password"), "wrong one"), chromedp.Submit(chromedp.ID("password")), chromedp.WaitVisible(chromedp.ID("login-error")))
	shot("login-failed")
	chromedp.Do(ctx, chromedp.SendKeys(chromedp.ID("password"), testPassword), chromedp.Submit(chromedp.ID("password")), chromedp.WaitVisible(chromedp.ID("who")))
	shot("dash")
	chromedp.Do(ctx, chromedp.Navigate(e.srv.URL+"/submit"), chromedp.WaitVisible(chromedp.ID("indicator-form")),
		chromedp.SendKeys(chromedp.ID("values"), "198.51.100.7\nnot valid!"), chromedp.Click(chromedp.ID("submit-indicator")), chromedp.WaitVisible(chromedp.ID("values-err")))
	shot("submit-errors")
	chromedp.Do(ctx, chromedp.Navigate(e.srv.URL+"/objects"), chromedp.WaitVisible(chromedp.ID("results")))
	shot("objects")
	chromedp.Do(ctx, chromedp.Navigate(e.srv.URL+"/objects/"+id), chromedp.WaitVisible(chromedp.ID("sighting-reports")))
	shot("object")
	chromedp.Do(ctx, chromedp.Navigate(e.srv.URL+"/alerts"), chromedp.WaitVisible(chromedp.ID("wh-url")),
		chromedp.SendKeys(chromedp.ID("wh-url"), "https://soc.example.jp/renkei"), chromedp.Submit(chromedp.ID("wh-url")), chromedp.WaitVisible(chromedp.ID("new-secret")))
	shot("alerts")
	chromedp.Do(ctx, chromedp.Navigate(e.srv.URL+"/admin?lang=en"), chromedp.WaitVisible(chromedp.ID("tokens")))
	shot("admin")
}
