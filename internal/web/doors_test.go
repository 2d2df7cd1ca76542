package web

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"renkei/internal/store/storetest"
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

// TestLoginLimitSharedAcrossNodes: two hub nodes on one store count the same
// failures, so guesses spread across both are stopped at the limit (10 by
// default) as surely as guesses at one.
func TestLoginLimitSharedAcrossNodes(t *testing.T) {
	t.Parallel()
	for _, kind := range storetest.Kinds(t) {
		t.Run(kind, func(t *testing.T) { loginLimitSharedAcrossNodes(t, kind) })
	}
}

func loginLimitSharedAcrossNodes(t *testing.T, kind string) {
	e := newEnvOn(t, kind, Options{})
	other, err := New(e.app, Options{}) // a second node on the same store
	if err != nil {
		t.Fatal(err)
	}
	nodes := []http.Handler{e.srv.Config.Handler, other}
	try := func(node http.Handler, password string) int {
		form := url.Values{"csrf": {"form-token"}, "login": {"power-analyst"}, "password": {password}}
		r := httptest.NewRequest("POST", "/login", strings.NewReader(form.Encode()))
		r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		r.AddCookie(&http.Cookie{Name: loginCSRFCookie, Value: "form-token"})
		r.RemoteAddr = "192.0.2.7:40000"
		w := httptest.NewRecorder()
		node.ServeHTTP(w, r)
		return w.Code
	}
	for i := range 10 {
		if code := try(nodes[i%2], "wrong password"); code != http.StatusUnauthorized {
			t.Fatalf("guess %d: %d, want 401", i+1, code)
		}
	}
	for n, node := range nodes {
		if code := try(node, testPassword); code != http.StatusTooManyRequests {
			t.Errorf("node %d after 10 failures spread across both nodes: %d, want 429", n+1, code)
		}
	}
}
