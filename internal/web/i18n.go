package web

import (
	"embed"
	"encoding/json"
	"fmt"
	"io/fs"
	"net/http"
	"net/url"
	"strings"
	"time"

	"golang.org/x/text/language"
)

// The catalogs: one flat JSON object per language, key → text. Texts with
// arguments use fmt verbs. A test holds both catalogs to the same keys and
// renders every page in both languages looking for missing ones.
//
//go:embed i18n/*.json
var catalogFS embed.FS

// Languages are the console's languages; the first is the default.
var Languages = []string{"ja", "en"}

var langMatcher = language.NewMatcher([]language.Tag{language.Japanese, language.English})

// catalog is one language's texts.
type catalog map[string]string

func loadCatalogs() (map[string]catalog, error) {
	out := map[string]catalog{}
	for _, l := range Languages {
		b, err := catalogFS.ReadFile("i18n/" + l + ".json")
		if err != nil {
			return nil, err
		}
		var c catalog
		if err := json.Unmarshal(b, &c); err != nil {
			return nil, fmt.Errorf("catalog i18n/%s.json: %w", l, err)
		}
		// Capabilities keep their texts in i18n/<lang>.<capability>.json,
		// merged here; a key defined twice is an error.
		extra, _ := fs.Glob(catalogFS, "i18n/"+l+".*.json")
		for _, name := range extra {
			b, err := catalogFS.ReadFile(name)
			if err != nil {
				return nil, err
			}
			var more catalog
			if err := json.Unmarshal(b, &more); err != nil {
				return nil, fmt.Errorf("catalog %s: %w", name, err)
			}
			for k, v := range more {
				if _, dup := c[k]; dup {
					return nil, fmt.Errorf("catalog %s: key %q is defined twice", name, k)
				}
				c[k] = v
			}
		}
		out[l] = c
	}
	return out, nil
}

// missingMark starts what a missing key renders as, so that tests (and
// people) notice it.
const missingMark = "‹missing:"

// text returns the text for key in c, formatted with args.
func (c catalog) text(key string, args ...any) string {
	s, ok := c[key]
	if !ok {
		return missingMark + key + "›"
	}
	if len(args) > 0 {
		return fmt.Sprintf(s, args...)
	}
	return s
}

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
	if al := r.Header.Get("Accept-Language"); al != "" {
		tags, _, err := language.ParseAcceptLanguage(al)
		if err == nil && len(tags) > 0 {
			_, i, conf := langMatcher.Match(tags...)
			if conf != language.No {
				return Languages[i]
			}
		}
	}
	return Languages[0]
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
