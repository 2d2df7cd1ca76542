package web

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"
)

// TestLoginLimitedPerLoginAndAddress: failed logins count against the
// address and against the login, so that guessing one account's password
// from many addresses is stopped as surely as guessing from one address.
func TestLoginLimitedPerLoginAndAddress(t *testing.T) {
	t.Parallel()
	e := newEnv(t, Options{LoginLimit: 3, LoginWindow: time.Hour})
	handler := e.srv.Config.Handler
	try := func(addr, login, password string) int {
		form := url.Values{"csrf": {"form-token"}, "login": {login}, "password": {password}}
		r := httptest.NewRequest("POST", "/login", strings.NewReader(form.Encode()))
		r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		r.AddCookie(&http.Cookie{Name: loginCSRFCookie, Value: "form-token"})
		r.RemoteAddr = addr + ":40000"
		w := httptest.NewRecorder()
		handler.ServeHTTP(w, r)
		return w.Code
	}
	for i := 1; i <= 3; i++ {
		if code := try(fmt.Sprintf("192.0.2.%d", i), "power-analyst", "wrong password"); code != http.StatusUnauthorized {
			t.Fatalf("guess %d: %d, want 401", i, code)
		}
	}
	if code := try("192.0.2.99", "Power-Analyst", testPassword); code != http.StatusTooManyRequests {
		t.Errorf("the right password from a fresh address after 3 failures on the login: %d, want 429", code)
	}
	if code := try("192.0.2.99", "water-analyst", testPassword); code != http.StatusSeeOther {
		t.Errorf("another login from that address: %d, want 303", code)
	}
}
