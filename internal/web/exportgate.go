package web

// The export gate's pages (issue 13): the warninglists, the export
// policies and the hostile-scope thresholds (/exports, /exports/warninglists)
// and the center's review queue (/exports/reviews). Every change goes
// through the same service as the CLI and the API (internal/exportgate),
// which decides who may through package policy and logs the act before it
// takes effect.

import (
	"net/http"
	"strconv"
	"strings"
	"time"

	"renkei/internal/audit"
	"renkei/internal/exportgate"
	"renkei/internal/policy"
	"renkei/internal/problem"
	"renkei/internal/store"
	"renkei/internal/warninglist"
)

// exportPolicyRow is one export policy as the page shows it.
type exportPolicyRow struct {
	store.ExportPolicy
	ScopeName  string // the collection's title or the organization's name
	MaxAgeDays int
}

type gateData struct {
	Thresholds    exportgate.Thresholds
	Policies      []exportPolicyRow
	Collections   []store.Collection
	Orgs          []store.Org // the organizations whose policy the reader may set
	SetThresholds bool        // the center may change the thresholds
	SetHub        bool        // … and the hub's and collections' policies
	Message       string      // catalog key
	Error         string      // in the reader's language
}

func (s *server) gatePage(w http.ResponseWriter, r *http.Request, req *request) {
	s.showGate(w, r, req, http.StatusOK, &gateData{})
}

func (s *server) showGate(w http.ResponseWriter, r *http.Request, req *request, status int, d *gateData) {
	ctx := r.Context()
	var err error
	if d.Thresholds, err = s.Exports.ReadThresholds(ctx, req.viewer); err != nil {
		if !s.refused(w, r, err) {
			s.serverError(w, r, err)
		}
		return
	}
	ps, err := s.Exports.Policies(ctx, req.viewer)
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	if d.Collections, err = s.Store.Collections(ctx); err != nil {
		s.serverError(w, r, err)
		return
	}
	orgs, err := s.Store.Orgs(ctx)
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	names := map[string]string{}
	for _, c := range d.Collections {
		names["collection:"+c.ID] = c.Title
	}
	for _, o := range orgs {
		names["org:"+o.ID] = o.Name
		if policy.MaySetExportPolicy(req.viewer, exportgate.ScopeOrg, o.ID) {
			d.Orgs = append(d.Orgs, o)
		}
	}
	for _, p := range ps {
		d.Policies = append(d.Policies, exportPolicyRow{ExportPolicy: p, ScopeName: names[p.Scope+":"+p.ScopeID], MaxAgeDays: int(p.MaxAge / (24 * time.Hour))})
	}
	d.SetThresholds = policy.MayManageWarninglists(req.viewer)
	d.SetHub = policy.MaySetExportPolicy(req.viewer, exportgate.ScopeHub, "")
	if d.Message == "" {
		switch r.URL.Query().Get("ok") {
		case "thresholds":
			d.Message = "exports.thresholds_set"
		case "policy":
			d.Message = "exports.policy_set"
		}
	}
	s.render(w, r, req, status, "exports", "nav.exports", "exports", d)
}

// setThresholds sets the hub's thresholds from the form (the center's).
func (s *server) setThresholds(w http.ResponseWriter, r *http.Request, req *request) {
	t := exportgate.Thresholds{PublicSuffixes: r.PostFormValue("public_suffixes")}
	var bad []string
	t.WidestIPv4, bad = formInt(r, "widest_ipv4", bad)
	t.WidestIPv6, bad = formInt(r, "widest_ipv6", bad)
	err := notNumbers(bad)
	if err == nil {
		err = s.Exports.SetThresholds(r.Context(), req.caller, t)
	}
	switch {
	case s.refused(w, r, err):
	case err != nil:
		s.showGate(w, r, req, http.StatusBadRequest, &gateData{Error: s.problems(req, err, exportProblem)})
	default:
		http.Redirect(w, r, "/exports?ok=thresholds", http.StatusSeeOther)
	}
}

// setExportPolicy sets the export policy of a scope from the form.
func (s *server) setExportPolicy(w http.ResponseWriter, r *http.Request, req *request) {
	p := store.ExportPolicy{Scope: r.PostFormValue("scope"), RequireReview: r.PostFormValue("require_review") != ""}
	switch p.Scope {
	case exportgate.ScopeCollection:
		p.ScopeID = r.PostFormValue("collection")
	case exportgate.ScopeOrg:
		p.ScopeID = r.PostFormValue("org")
	}
	var bad []string
	var days int
	p.MinConfidence, bad = formInt(r, "min_confidence", bad)
	days, bad = formInt(r, "max_age_days", bad)
	p.MaxAge = time.Duration(days) * 24 * time.Hour
	err := notNumbers(bad)
	if err == nil {
		err = s.Exports.SetPolicy(r.Context(), req.caller, p)
	}
	switch {
	case s.refused(w, r, err):
	case err != nil:
		s.showGate(w, r, req, http.StatusBadRequest, &gateData{Error: s.problems(req, err, exportProblem)})
	default:
		http.Redirect(w, r, "/exports?ok=policy", http.StatusSeeOther)
	}
}

// formInt reads a whole number from the form (empty: 0), adding the
// field's name to bad when it is none.
func formInt(r *http.Request, name string, bad []string) (int, []string) {
	v := strings.TrimSpace(r.PostFormValue(name))
	if v == "" {
		return 0, bad
	}
	n, err := strconv.Atoi(v)
	if err != nil {
		return 0, append(bad, name)
	}
	return n, bad
}

// notNumbers is the problem of form fields that should hold a whole
// number; nil when there is none.
func notNumbers(fields []string) error {
	var ps problem.Problems
	for _, f := range fields {
		ps = append(ps, problem.Field(f, "give a whole number")...)
	}
	if len(ps) == 0 {
		return nil
	}
	return ps
}

type warninglistsData struct {
	Lists   []exportgate.ListInfo
	Manage  bool   // the center may import, extend, enable and disable
	Message string // catalog key
	Error   string // in the reader's language
	Form    struct{ List, Type, Values string }
}

func (s *server) warninglistsPage(w http.ResponseWriter, r *http.Request, req *request) {
	s.showWarninglists(w, r, req, http.StatusOK, &warninglistsData{})
}

func (s *server) showWarninglists(w http.ResponseWriter, r *http.Request, req *request, status int, d *warninglistsData) {
	var err error
	if d.Lists, err = s.Exports.Lists(r.Context(), req.viewer); err != nil {
		if !s.refused(w, r, err) {
			s.serverError(w, r, err)
		}
		return
	}
	d.Manage = policy.MayManageWarninglists(req.viewer)
	if d.Message == "" {
		if ok := r.URL.Query().Get("ok"); ok == "enabled" || ok == "disabled" || ok == "imported" || ok == "edited" {
			d.Message = "exports.warninglists_" + ok
		}
	}
	s.render(w, r, req, status, "exports_warninglists", "nav.exports_warninglists", "exports_warninglists", d)
}

// switchWarninglist enables (on=1) or disables a list.
func (s *server) switchWarninglist(w http.ResponseWriter, r *http.Request, req *request) {
	on := r.PostFormValue("on") == "1"
	err := s.Exports.SetEnabled(r.Context(), req.caller, r.PathValue("id"), on)
	switch {
	case s.refused(w, r, err):
	case err != nil:
		s.showWarninglists(w, r, req, http.StatusBadRequest, &warninglistsData{Error: s.problems(req, err, exportProblem)})
	case on:
		http.Redirect(w, r, "/exports/warninglists?ok=enabled", http.StatusSeeOther)
	default:
		http.Redirect(w, r, "/exports/warninglists?ok=disabled", http.StatusSeeOther)
	}
}

// editWarninglist adds the form's values to a list the center keeps, or
// removes them (op=remove).
func (s *server) editWarninglist(w http.ResponseWriter, r *http.Request, req *request) {
	d := &warninglistsData{}
	d.Form.List, d.Form.Type, d.Form.Values = strings.TrimSpace(r.PostFormValue("list")), r.PostFormValue("type"), r.PostFormValue("values")
	_, err := s.Exports.Edit(r.Context(), req.caller, d.Form.List, d.Form.Type, strings.Fields(d.Form.Values), r.PostFormValue("op") == "remove")
	switch {
	case s.refused(w, r, err):
	case err != nil:
		d.Error = s.problems(req, err, exportProblem)
		s.showWarninglists(w, r, req, http.StatusBadRequest, d)
	default:
		http.Redirect(w, r, "/exports/warninglists?ok=edited", http.StatusSeeOther)
	}
}

// importWarninglist imports one list in MISP's format, uploaded or pasted.
func (s *server) importWarninglist(w http.ResponseWriter, r *http.Request, req *request) {
	data, _, err := formDocument(r)
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	l, err := warninglist.Parse(data)
	if err == nil {
		l.ID = strings.TrimSpace(r.PostFormValue("id"))
		err = s.Exports.Import(r.Context(), req.caller, []*warninglist.List{l}, r.PostFormValue("action"))
	} else {
		err = problem.Field("list", "%v", err)
	}
	switch {
	case s.refused(w, r, err):
	case err != nil:
		s.showWarninglists(w, r, req, http.StatusBadRequest, &warninglistsData{Error: s.problems(req, err, exportProblem)})
	default:
		http.Redirect(w, r, "/exports/warninglists?ok=imported", http.StatusSeeOther)
	}
}

// reviewItem is one indicator of the review queue as the page shows it.
type reviewItem struct {
	store.Object
	Confidence int
	Hits       []warninglist.ValueHit
}

type reviewsData struct {
	Items   []reviewItem
	Hidden  int    // indicators waiting that the reader may not read: counted, not shown
	Decide  bool   // the reader may release and hold (not with a read-only session)
	Message string // catalog key
	Error   string
}

func (s *server) reviewsPage(w http.ResponseWriter, r *http.Request, req *request) {
	s.showReviews(w, r, req, http.StatusOK, &reviewsData{})
}

func (s *server) showReviews(w http.ResponseWriter, r *http.Request, req *request, status int, d *reviewsData) {
	q, err := s.Exports.ReviewQueue(r.Context(), req.viewer, 200)
	objs := q.Items
	if err != nil {
		if !s.refused(w, r, err) {
			s.serverError(w, r, err)
		}
		return
	}
	// Reading a TLP:AMBER+STRICT or RED indicator is logged before it is shown (C7).
	if _, err := s.Hub.Release(r.Context(), req.caller, audit.ActionObjectRead, r.Header.Get("X-Request-ID"), objs); err != nil {
		if !s.refused(w, r, err) {
			s.serverError(w, r, err)
		}
		return
	}
	for _, o := range objs {
		d.Items = append(d.Items, reviewItem{Object: o, Confidence: exportgate.Confidence(o.Raw), Hits: s.Exports.ObjectHits(o)})
	}
	d.Hidden = q.Hidden
	d.Decide = policy.MayReviewExports(req.viewer)
	if d.Message == "" {
		if ok := r.URL.Query().Get("ok"); ok == "release" || ok == "hold" {
			d.Message = "exports.reviewed_" + ok
		}
	}
	s.render(w, r, req, status, "exports_reviews", "nav.exports_reviews", "exports_reviews", d)
}

// reviewIndicator releases the indicator to the exports (decision=release)
// or holds it back (decision=hold), with the form's note.
func (s *server) reviewIndicator(w http.ResponseWriter, r *http.Request, req *request) {
	decision := r.PostFormValue("decision")
	if decision != exportgate.ReviewRelease && decision != exportgate.ReviewHold {
		s.showReviews(w, r, req, http.StatusBadRequest, &reviewsData{Error: s.pages[req.lang].cat.Text("exports.err.decision")})
		return
	}
	err := s.Exports.Review(r.Context(), req.caller, r.PathValue("id"), decision == exportgate.ReviewRelease, strings.TrimSpace(r.PostFormValue("note")))
	switch {
	case s.refused(w, r, err):
	case err != nil:
		s.showReviews(w, r, req, http.StatusBadRequest, &reviewsData{Error: s.problems(req, err, exportProblem)})
	default:
		http.Redirect(w, r, "/exports/reviews?ok="+decision, http.StatusSeeOther)
	}
}

// exportProblem is one problem of a gate form in the language of cat: the
// catalog's sentence for the field, else the problem as the service said it.
func exportProblem(lang string, cat catalog, p problem.Problem) string {
	key := "exports.err." + p.Field
	if _, ok := cat[key]; !ok {
		return p.Msg
	}
	return cat.Text(key)
}
