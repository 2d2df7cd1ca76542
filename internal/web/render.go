package web

import (
	"bytes"
	"embed"
	"fmt"
	"html/template"
	"io/fs"
	"log/slog"
	"net/http"
	"path"
	"slices"
	"strings"
	"time"

	"renkei/internal/jst"
	"renkei/internal/policy"
)

//go:embed templates/*.html
var templateFS embed.FS

//go:embed static
var staticFS embed.FS

// pageSet is the parsed pages of one language: one template per page, each
// made of the layout and the page's own blocks.
type pageSet struct {
	lang  string
	cat   catalog
	pages map[string]*template.Template
}

// loadPages parses every page once per language, with t bound to that
// language's catalog and times shown in Japan Standard Time, so that
// rendering needs no per-request cloning.
func loadPages(log *slog.Logger) (map[string]*pageSet, error) {
	cats, err := loadCatalogs()
	if err != nil {
		return nil, err
	}
	out := map[string]*pageSet{}
	for _, l := range Languages {
		if out[l], err = parsePages(l, cats[l], log, jst.Zone); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// parsePages parses every page for one language and one zone of times.
func parsePages(lang string, cat catalog, log *slog.Logger, zone *time.Location) (*pageSet, error) {
	names, err := fs.Glob(templateFS, "templates/*.html")
	if err != nil {
		return nil, err
	}
	ps := &pageSet{lang: lang, cat: cat, pages: map[string]*template.Template{}}
	funcs := templateFuncs(lang, cat, log, zone)
	for _, n := range names {
		base := path.Base(n)
		if base == "layout.html" {
			continue
		}
		t, err := template.New(base).Funcs(funcs).ParseFS(templateFS, "templates/layout.html", n)
		if err != nil {
			return nil, fmt.Errorf("template %s: %w", n, err)
		}
		ps.pages[strings.TrimSuffix(base, ".html")] = t
	}
	return ps, nil
}

// pagesIn are the pages of lang with times in zone: parsed at start for
// Japan Standard Time, and once, on first use, for each zone a user chose.
func (s *server) pagesIn(lang string, zone *time.Location) *pageSet {
	if zone == nil || zone == jst.Zone {
		return s.pages[lang]
	}
	key := lang + " " + zone.String()
	if ps, ok := s.zoned.Load(key); ok {
		return ps.(*pageSet)
	}
	ps, err := parsePages(lang, s.pages[lang].cat, s.log, zone)
	if err != nil { // parsed at start for JST: cannot fail for another zone
		s.log.Error("web: pages in a chosen zone", "zone", zone.String(), "err", err)
		return s.pages[lang]
	}
	got, _ := s.zoned.LoadOrStore(key, ps)
	return got.(*pageSet)
}

// zonedTime is how the console shows a time, the one place it is written:
// in the reader's zone, to the minute, with the zone named, and the same
// instant in UTC to the second (shown on hover, and machine-readable).
func zonedTime(t time.Time, zone *time.Location, layout string) (shown, utc string) {
	if zone == nil {
		zone = jst.Zone
	}
	return t.In(zone).Format(layout), t.UTC().Format("2006-01-02 15:04:05 UTC")
}

func templateFuncs(lang string, cat catalog, log *slog.Logger, zone *time.Location) template.FuncMap {
	timeElement := func(t time.Time, layout string) template.HTML {
		if t.IsZero() {
			return "—"
		}
		shown, utc := zonedTime(t, zone, layout)
		return template.HTML(`<time datetime="` + t.UTC().Format(time.RFC3339) + `" title="` + template.HTMLEscapeString(utc) + `">` + template.HTMLEscapeString(shown) + `</time>`)
	}
	return template.FuncMap{
		"t": func(key string, args ...any) string {
			s := cat.Text(key, args...)
			if strings.HasPrefix(s, missingMark) {
				log.Warn("web: missing translation", "lang", lang, "key", key)
			}
			return s
		},
		// time shows a time in the reader's zone with the zone named, and
		// UTC on hover; date the day only; timeText the time as text, for
		// a message's parameter. All three write it through zonedTime.
		"time": func(t time.Time) template.HTML { return timeElement(t, "2006-01-02 15:04 MST") },
		"date": func(t time.Time) template.HTML { return timeElement(t, "2006-01-02") },
		"timeText": func(t time.Time) string {
			if t.IsZero() {
				return "—"
			}
			shown, _ := zonedTime(t, zone, "2006-01-02 15:04 MST")
			return shown
		},
		// word names a value of one of the hub's vocabularies (alert kinds,
		// STIX types, sectors, organization kinds, report types, statuses)
		// in the page's language: the catalog's "<vocab>.<value>", or the
		// value as it is when the vocabulary does not name it (free text,
		// such as a sector typed before the lists).
		"word": func(vocab, value string) string {
			if s, ok := cat[vocab+"."+value]; ok {
				return s
			}
			return value
		},
		"tlpClass": func(t policy.TLP) string {
			return "tlp-" + strings.ReplaceAll(t.String(), "+", "-")
		},
		"tlpLabel":  func(t policy.TLP) string { return t.Label() },
		"add":       func(a, b int) int { return a + b },
		"contains":  slices.Contains[[]string],
		"alertLink": alertLink,
	}
}

// page is what every template gets. D holds the page's own data.
type page struct {
	Lang       string
	OtherLang  string
	SwitchURL  string
	Title      string // catalog key
	Nav        string // active section
	Version    string
	User       string
	OrgName    string
	Role       string
	CSRF       string
	Unread     int64
	Flash      string // catalog key of a message shown once after a redirect
	LoggedIn   bool
	IsAdmin    bool // hub administrator
	OrgAdmin   bool // hub or organization administrator
	CanSubmit  bool
	ReadsIntel bool
	// Sections are the console sections that apply to this user
	// (policy.ConsoleSections): the menu shows these and no other.
	Sections map[string]bool
	D        any

	// CanFileApproval: policy lets this user request an approval from the
	// committee (policy.MayFileApproval); the menu and the source pages
	// link to the form.
	CanFileApproval bool
}

// render writes page name in the request's language.
func (s *server) render(w http.ResponseWriter, r *http.Request, req *request, status int, name, title, nav string, data any) {
	lang := langOf(r)
	p := page{Lang: lang, Title: title, Nav: nav, Version: s.opt.Version, D: data}
	p.OtherLang = "en"
	if lang == "en" {
		p.OtherLang = "ja"
	}
	p.SwitchURL = switchURL(r, p.OtherLang)
	if f := r.URL.Query().Get("done"); f != "" && isFlash(f) {
		p.Flash = "flash." + f
	}
	if req != nil {
		c := req.caller
		p.LoggedIn = true
		p.User, p.OrgName, p.Role = c.User.Login, c.Org.Name, c.User.Role
		if c.Session != nil {
			p.CSRF = c.Session.CSRF
		}
		p.IsAdmin = policy.AdministersHub(req.viewer)
		p.OrgAdmin = policy.AdministersOrg(req.viewer)
		p.CanSubmit = policy.MayWrite(req.viewer, policy.KindObject, policy.RelOwn)
		p.ReadsIntel = policy.SeesPictureContent(req.viewer)
		p.Sections = sectionSet(req.viewer)
		p.CanFileApproval = policy.MayFileApproval(req.viewer)
		p.Unread, _ = s.Store.UnreadAlerts(r.Context(), req.viewer)
	}
	zone := jst.Zone
	if req != nil && req.zone != nil {
		zone = req.zone
	}
	t := s.pagesIn(lang, zone).pages[name]
	if t == nil {
		s.log.Error("web: no such page template", "page", name)
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	var buf bytes.Buffer
	if err := t.ExecuteTemplate(&buf, "layout", p); err != nil {
		s.log.Error("web: render", "page", name, "err", err)
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	w.Write(buf.Bytes())
}

// flashes are the messages a redirect may ask for with ?done=.
var flashes = []string{"sighting", "read", "webhook-deleted", "retried", "revoked", "org", "group", "user", "logout", "disabled", "enabled", "zone",
	"org-changed", "org-deleted", "group-changed", "group-deleted", "role-changed", "capability-changed"}

func isFlash(f string) bool {
	for _, x := range flashes {
		if x == f {
			return true
		}
	}
	return false
}

// fail shows an error page with a translated message.
func (s *server) fail(w http.ResponseWriter, r *http.Request, status int, key string) {
	var req *request
	if c, err := s.sessionCaller(r); err == nil {
		req = &request{caller: c, lang: langOf(r)}
		if v, err := s.Hub.Viewer(r.Context(), c); err == nil {
			req.viewer = v
		}
	}
	s.render(w, r, req, status, "error", "error.title", "", map[string]any{"Status": status, "Message": key})
}

// staticHandler serves the embedded styles and script; they change only with
// the binary, so browsers may keep them for a day.
func staticHandler() http.Handler {
	files := http.FileServerFS(staticFS)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasSuffix(r.URL.Path, "/") {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Cache-Control", "public, max-age=86400")
		files.ServeHTTP(w, r)
	})
}
