package web

import (
	"net/http"
	"net/url"
	"renkei/internal/i18n"
	"strings"
	"time"
)

// Languages are the console's languages; the first is the default.
var Languages = i18n.Languages

// catalog is one language's texts, from the one catalog in package i18n.
type catalog = i18n.Catalog

func loadCatalogs() (map[string]catalog, error) { return i18n.Load() }

// missingMark starts what a missing key renders as.
const missingMark = i18n.MissingMark

// langOf chooses the language of a request: the lang cookie, else the
// browser's Accept-Language, else Japanese.
func langOf(r *http.Request) string {
	if c, err := r.Cookie("lang"); err == nil {
		for _, l := range Languages {
			if c.Value == l {
				return l
			}
		}
	}
	l, _ := i18n.Accept(r.Header.Get("Accept-Language"))
	return l
}

// langSwitch handles ?lang=ja|en on any GET: it remembers the choice in a
// cookie and redirects to the same address without the parameter.
func (s *server) langSwitch(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		l := r.URL.Query().Get("lang")
		if r.Method != http.MethodGet || l == "" {
			next.ServeHTTP(w, r)
			return
		}
		ok := false
		for _, x := range Languages {
			ok = ok || x == l
		}
		if ok {
			http.SetCookie(w, &http.Cookie{Name: "lang", Value: l, Path: "/", MaxAge: int((365 * 24 * time.Hour).Seconds()),
				HttpOnly: true, Secure: s.opt.Secure, SameSite: http.SameSiteLaxMode})
		}
		q := r.URL.Query()
		q.Del("lang")
		u := url.URL{Path: r.URL.Path, RawQuery: q.Encode()}
		http.Redirect(w, r, safeNext(u.String()), http.StatusSeeOther)
	})
}

// switchURL is the current address with lang set to l.
func switchURL(r *http.Request, l string) string {
	q := r.URL.Query()
	q.Set("lang", l)
	return r.URL.Path + "?" + q.Encode()
}

func urlQueryEscape(s string) string { return url.QueryEscape(s) }

// safeNext accepts only a local path as a place to go after login, so that
// the login page cannot be used to send people elsewhere.
func safeNext(s string) string {
	if !strings.HasPrefix(s, "/") || strings.HasPrefix(s, "//") || strings.HasPrefix(s, "/\\") || strings.ContainsAny(s, "\r\n") {
		return "/"
	}
	return s
}
