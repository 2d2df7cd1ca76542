package web

// Hunting packages (issue 4 item 6): the list and the publish form, a
// package's page with the exact command to run it, findings, and for the
// publisher the coverage table and a server-drawn bar of ran / not ran.
// Package huntpkg decides who sees which package and which findings.

import (
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"

	"renkei/internal/hub"
	"renkei/internal/huntpkg"
	"renkei/internal/policy"
	"renkei/internal/problem"
	"renkei/internal/sigma"
	"renkei/internal/store"
)

type huntingData struct {
	Notice     string
	Error      string
	NotLoaded  []*sigma.LoadError
	Packages   []huntRow
	CanPublish bool
	IsCenter   bool
	TLPs       []policy.TLP
	Sector     string
	Form       struct{ Title, Description, TLP, Scope, Rules, Indicators string }
}

type huntRow struct {
	huntpkg.Summary
	Level policy.TLP
}

func tlpOf(label string) policy.TLP {
	t, err := policy.ParseTLP(label)
	if err != nil {
		return policy.Amber
	}
	return t
}

func (s *server) huntingPage(w http.ResponseWriter, r *http.Request, req *request) {
	d := &huntingData{}
	d.Form.TLP, d.Form.Scope = "amber", ""
	if !policy.InCenter(req.viewer) && req.caller.Org.Sector != "" {
		d.Form.Scope = "sector=" + req.caller.Org.Sector
	}
	s.showHunting(w, r, req, http.StatusOK, d)
}

func (s *server) showHunting(w http.ResponseWriter, r *http.Request, req *request, status int, d *huntingData) {
	list, err := s.Hunting.List(r.Context(), req.caller, 500)
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	d.IsCenter, d.Sector = policy.InCenter(req.viewer), req.caller.Org.Sector
	d.TLPs = []policy.TLP{policy.Clear, policy.Green, policy.Amber, policy.AmberStrict}
	for _, p := range list {
		d.Packages = append(d.Packages, huntRow{p, tlpOf(p.TLP)})
	}
	d.CanPublish = policy.MayPublishHuntPackage(req.viewer)
	if d.Notice == "" {
		d.Notice = towerNotice(r)
	}
	s.render(w, r, req, status, "hunting", "hunting.title", "hunting", d)
}

// splitRules cuts pasted YAML into files at lines "# file: NAME", so that
// several rule files can be pasted at once; YAML without such lines is one file.
func splitRules(text string) []huntpkg.RuleFile {
	text = strings.ReplaceAll(text, "\r\n", "\n")
	if strings.TrimSpace(text) == "" {
		return nil
	}
	var out []huntpkg.RuleFile
	cur := huntpkg.RuleFile{Name: "pasted.yml"}
	var b strings.Builder
	flush := func() {
		if strings.TrimSpace(b.String()) != "" {
			cur.YAML = b.String()
			out = append(out, cur)
		}
		b.Reset()
	}
	for _, line := range strings.SplitAfter(text, "\n") {
		if name, ok := strings.CutPrefix(strings.TrimSpace(line), "# file:"); ok {
			flush()
			cur = huntpkg.RuleFile{Name: strings.TrimSpace(name)}
			continue
		}
		b.WriteString(line)
	}
	flush()
	return out
}

func (s *server) publishHunting(w http.ResponseWriter, r *http.Request, req *request) {
	d := &huntingData{}
	f := &d.Form
	f.Title, f.Description, f.TLP = r.PostFormValue("title"), r.PostFormValue("description"), r.PostFormValue("tlp")
	f.Scope, f.Rules, f.Indicators = r.PostFormValue("scope"), r.PostFormValue("rules"), r.PostFormValue("indicators")
	scope, err := huntpkg.ParseScope(f.Scope)
	if err != nil {
		d.Error = err.Error()
		s.showHunting(w, r, req, http.StatusBadRequest, d)
		return
	}
	inds, err := huntpkg.ReadIndicatorList(strings.NewReader(f.Indicators), "indicators")
	if err != nil {
		d.Error = err.Error()
		s.showHunting(w, r, req, http.StatusBadRequest, d)
		return
	}
	p, err := s.Hunting.Publish(r.Context(), req.caller, huntpkg.PublishRequest{Title: f.Title, Description: f.Description, TLP: f.TLP,
		Scope: scope, Rules: splitRules(f.Rules), Indicators: inds, AllowUnloaded: r.PostFormValue("allow_unloaded") != ""})
	switch {
	case s.refused(w, r, err):
	case errors.Is(err, problem.ErrInvalid):
		d.Error = err.Error()
		if p != nil && len(p.NotLoaded) > 0 {
			d.NotLoaded, d.Error = p.NotLoaded, ""
		}
		s.showHunting(w, r, req, http.StatusBadRequest, d)
	case err != nil:
		s.serverError(w, r, err)
	default:
		http.Redirect(w, r, "/hunting/"+url.PathEscape(p.Package.ID)+"?ok=published", http.StatusSeeOther)
	}
}

// maxShownMatches bounds the matches shown per run on the page; the API gives all.
const maxShownMatches = 50

type huntPackageData struct {
	Notice    string
	P         *huntpkg.Package
	Level     policy.TLP
	Command   string
	RuleNames []string
	Scope     []string
	Coverage  *huntpkg.Coverage
	Bar       huntBar
	Runs      []huntpkg.Run
}

// huntBar is the ran / not-ran bar, drawn on the server as SVG geometry.
type huntBar struct {
	Width, RanW, NotW int
	Ran, NotRan       int
	RanPct            int
}

func newHuntBar(ran, notRan int) huntBar {
	b := huntBar{Width: 480, Ran: ran, NotRan: notRan}
	if total := ran + notRan; total > 0 {
		b.RanW = b.Width * ran / total
		b.RanPct = 100 * ran / total
	}
	b.NotW = b.Width - b.RanW
	return b
}

// hubURL is the hub's address as the browser reached it, for the command line shown.
func hubURL(r *http.Request) string {
	scheme := "http"
	if r.TLS != nil || r.Header.Get("X-Forwarded-Proto") == "https" {
		scheme = "https"
	}
	return scheme + "://" + r.Host
}

func (s *server) huntPackagePage(w http.ResponseWriter, r *http.Request, req *request) {
	id := r.PathValue("id")
	p, _, _, err := s.Hunting.Get(r.Context(), req.caller, id)
	if errors.Is(err, store.ErrNotFound) {
		s.fail(w, r, http.StatusNotFound, "error.notfound")
		return
	}
	if errors.Is(err, hub.ErrAuditUnavailable) { // an AMBER+STRICT or RED package is shown only once logged
		s.fail(w, r, http.StatusServiceUnavailable, "error.audit")
		return
	}
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	d := &huntPackageData{Notice: towerNotice(r), P: p, Level: tlpOf(p.TLP),
		Command: fmt.Sprintf("renkei hunt --package %s --hub %s --token YOUR_TOKEN LOGS...", p.ID, hubURL(r))}
	rules, _ := p.ParseRules()
	for _, rl := range rules {
		if rl.Path != "indicators" {
			d.RuleNames = append(d.RuleNames, rl.Title)
		}
	}
	for _, e := range p.Scope {
		label := e.String()
		switch e.Kind {
		case huntpkg.ScopeOrg:
			if o, err := s.Store.Org(r.Context(), e.Value); err == nil {
				label = "org=" + o.Name
			}
		case huntpkg.ScopeGroup:
			if g, err := s.Store.Group(r.Context(), e.Value); err == nil {
				label = "group=" + g.Name
			}
		}
		d.Scope = append(d.Scope, label)
	}
	cov, err := s.Hunting.Coverage(r.Context(), req.caller, id)
	switch {
	case err == nil:
		d.Coverage = cov
		d.Bar = newHuntBar(cov.Ran, cov.NotRan)
	case !errors.Is(err, huntpkg.ErrNotAllowed):
		s.serverError(w, r, err)
		return
	}
	if d.Runs, _, err = s.Hunting.Findings(r.Context(), req.caller, id); errors.Is(err, hub.ErrAuditUnavailable) {
		s.fail(w, r, http.StatusServiceUnavailable, "error.audit")
		return
	} else if err != nil {
		s.serverError(w, r, err)
		return
	}
	for i := range d.Runs {
		if len(d.Runs[i].Matches) > maxShownMatches {
			d.Runs[i].Matches = d.Runs[i].Matches[:maxShownMatches]
		}
	}
	s.render(w, r, req, http.StatusOK, "hunting_package", "hunting.title", "hunting", d)
}
