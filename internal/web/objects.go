package web

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"renkei/internal/hub"
	"renkei/internal/policy"
	"renkei/internal/stix"
	"renkei/internal/store"
	"renkei/internal/warninglist"
)

// pageSize is how many objects one page of the browser shows.
const pageSize = 50

// objectRow is one object as a list shows it, built from what the viewer may
// see (the presented object), never from the stored author.
type objectRow struct {
	ID       string
	Type     string
	Label    string // name, else pattern, else what a sighting is of
	Pattern  string
	TLP      policy.TLP
	Author   string // the submitting organization's name as the viewer may see it (else the center's), "" without created_by_ref
	Added    time.Time
	Modified time.Time
	Revoked  bool
	Count    int64
}

// orgNames maps organization ids to names for one request.
type orgNames map[string]string

func (s *server) orgNames(ctx context.Context) (orgNames, error) {
	orgs, err := s.Store.Orgs(ctx)
	if err != nil {
		return nil, fmt.Errorf("list organizations: %w", err)
	}
	m := orgNames{}
	for _, o := range orgs {
		m[o.ID] = o.Name
	}
	return m, nil
}

func (n orgNames) name(id string) string {
	if id == "" {
		return ""
	}
	if s, ok := n[id]; ok {
		return s
	}
	return id
}

// presented is the few properties the console reads from a presented object.
type presented struct {
	CreatedByRef     string   `json:"created_by_ref"`
	Description      string   `json:"description"`
	WhereSightedRefs []string `json:"where_sighted_refs"`
	Labels           []string `json:"labels"`
	IndicatorTypes   []string `json:"indicator_types"`
}

func (s *server) row(v policy.Viewer, o store.Object, names orgNames) (objectRow, json.RawMessage, presented) {
	raw := s.Hub.Present(v, o)
	var p presented
	_ = json.Unmarshal(raw, &p)
	// The source is the submitting organization when the viewer may know it,
	// else the center (as presented): never another organization, even for
	// an object stored before the intake made created_by_ref the submitter.
	author := p.CreatedByRef
	if author != "" && policy.ShowsAuthor(v, o.ACL) {
		author = o.ACL.AuthorOrg
	}
	r := objectRow{ID: o.ID, Type: o.Type, Label: o.Name, Pattern: o.Pattern, TLP: o.ACL.TLP,
		Author: names.name(author), Added: o.DateAdded, Modified: o.Modified, Revoked: o.Revoked, Count: o.Count}
	if r.Label == "" {
		r.Label = o.Pattern
	}
	if r.Label == "" && o.Ref != "" {
		r.Label = "→ " + o.Ref
	}
	if r.Label == "" {
		r.Label = o.ID
	}
	return r, raw, p
}

// rows makes the list rows of objs. A sighting is labelled with what it is a
// sighting of, when the viewer may see that.
func (s *server) rows(ctx context.Context, req *request, objs []store.Object, names orgNames) []objectRow {
	cat := s.pages[req.lang].cat
	targets := map[string]string{}
	var out []objectRow
	for _, o := range objs {
		row, _, _ := s.row(req.viewer, o, names)
		if o.Type == "sighting" && o.Ref != "" && o.Name == "" {
			label, ok := targets[o.Ref]
			if !ok {
				label = o.Ref
				if t, err := s.Store.ObjectByID(ctx, req.viewer, o.Ref); err == nil {
					tr, _, _ := s.row(req.viewer, t, names)
					label = tr.Label
				}
				targets[o.Ref] = label
			}
			row.Label = cat.Text("object.sighting_of", label)
		}
		out = append(out, row)
	}
	return out
}

type objectsData struct {
	Q, Type, TLP string
	Ref          string // only objects that refer to this id (sightings of it)
	Types        []string
	TLPs         []policy.TLP
	Rows         []objectRow
	Next         string // address of the next page, "" on the last
	First        bool
	Error        string // catalog key
}

func (s *server) objects(w http.ResponseWriter, r *http.Request, req *request) {
	ctx := r.Context()
	qs := r.URL.Query()
	d := objectsData{Q: strings.TrimSpace(qs.Get("q")), Type: qs.Get("type"), TLP: qs.Get("tlp"), Ref: qs.Get("ref"),
		TLPs: []policy.TLP{policy.Clear, policy.Green, policy.Amber, policy.AmberStrict, policy.Red}}
	q := store.ObjectQuery{Viewer: req.viewer, Search: d.Q, Ref: d.Ref, Limit: pageSize, Descending: true}
	if len(d.Q) > 200 {
		d.Error, q.Search = "objects.error.search", ""
	}
	if d.Type != "" {
		q.Types = []string{d.Type}
	}
	if d.TLP != "" {
		t, err := policy.ParseTLP(d.TLP)
		if err != nil {
			d.Error = "objects.error.tlp"
		} else {
			q.TLPs = []policy.TLP{t}
		}
	}
	d.First = true
	if a := qs.Get("after"); a != "" {
		c, err := s.Store.OpenCursor(ctx, a)
		if errors.Is(err, store.ErrBadCursor) {
			d.Error = "objects.error.cursor"
		} else if err != nil {
			s.serverError(w, r, err)
			return
		} else {
			q.After, d.First = c, false
		}
	}
	// The type filter offers every STIX type rather than the types present:
	// counting what the viewer may see costs a scan, and offering only
	// present types would tell which exist.
	d.Types = stix.Types()
	slices.Sort(d.Types)
	if d.Type != "" && !slices.Contains(d.Types, d.Type) {
		d.Types = append(d.Types, d.Type)
	}
	objs, more, err := s.Store.Objects(ctx, q)
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	names, err := s.orgNames(ctx)
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	d.Rows = s.rows(ctx, req, objs, names)
	if more && len(objs) > 0 {
		last := objs[len(objs)-1]
		nq := qs
		next, err := s.Store.SealCursor(ctx, store.Cursor{DateAdded: store.Micros(last.DateAdded), PK: last.PK})
		if err != nil {
			s.serverError(w, r, err)
			return
		}
		nq.Set("after", next)
		nq.Del("done")
		d.Next = "/objects?" + nq.Encode()
	}
	s.render(w, r, req, http.StatusOK, "objects", "nav.objects", "objects", d)
}

type field struct {
	Key   string // catalog key of the label
	Value string
	Mono  bool
	Link  bool   // Value is an object id to link to
	Word  string // Value is a word of this vocabulary, named in the page's language
}

type objectData struct {
	Row         objectRow
	Fields      []field
	JSON        string
	Versions    []objectRow
	Sightings   store.SightingSummary
	CanSight    bool
	Consents    []string
	TLPs        []policy.TLP
	SightErrors map[string]string
	Count       string
	Hits        []warninglist.ValueHit // the warninglists holding the indicator's values
}

func (s *server) object(w http.ResponseWriter, r *http.Request, req *request) {
	s.showObject(w, r, req, http.StatusOK, nil, "")
}

// showObject renders the detail page; an object the viewer may not see is
// "not found", exactly as one that does not exist.
func (s *server) showObject(w http.ResponseWriter, r *http.Request, req *request, status int, sightErrs map[string]string, count string) {
	ctx := r.Context()
	id := r.PathValue("id")
	o, err := s.Store.ObjectByID(ctx, req.viewer, id)
	if errors.Is(err, store.ErrNotFound) {
		s.fail(w, r, http.StatusNotFound, "error.notfound")
		return
	}
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	names, err := s.orgNames(ctx)
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	row, raw, p := s.row(req.viewer, o, names)
	d := objectData{Row: row, SightErrors: sightErrs, Count: count,
		Consents: []string{"everyone", "center", "none"},
		TLPs:     []policy.TLP{policy.Green, policy.Amber, policy.AmberStrict, policy.Red}}
	if d.Count == "" {
		d.Count = "1"
	}
	var pretty bytes.Buffer
	if json.Indent(&pretty, raw, "", "  ") == nil {
		d.JSON = pretty.String()
	} else {
		d.JSON = string(raw)
	}
	add := func(key, val string, mono bool) {
		if val != "" {
			d.Fields = append(d.Fields, field{Key: key, Value: val, Mono: mono})
		}
	}
	d.Fields = append(d.Fields, field{Key: "field.type", Value: o.Type, Word: "stix.type"})
	add("field.id", o.ID, true)
	add("field.name", o.Name, false)
	add("field.description", p.Description, false)
	add("field.pattern", o.Pattern, true)
	cat := s.pages[req.lang].cat
	var itypes []string
	for _, it := range p.IndicatorTypes {
		if _, ok := cat["itype."+it]; ok {
			it = cat.Text("itype." + it)
		}
		itypes = append(itypes, it)
	}
	add("field.indicator_types", strings.Join(itypes, ", "), false)
	add("field.labels", strings.Join(p.Labels, ", "), false)
	add("field.author", row.Author, false)
	link := func(key, id string) {
		if id != "" {
			d.Fields = append(d.Fields, field{Key: key, Value: id, Mono: true, Link: true})
		}
	}
	if o.Type == "relationship" {
		link("field.source_ref", o.Ref)
		link("field.target_ref", o.TargetRef)
	}
	if o.Type == "sighting" {
		link("field.sighting_of", o.Ref)
		var where []string
		for _, w := range p.WhereSightedRefs {
			where = append(where, names.name(w))
		}
		add("field.where_sighted", strings.Join(where, ", "), false)
		add("field.count", strconv.FormatInt(o.Count, 10), false)
	}
	tf := func(t time.Time) string {
		if t.IsZero() {
			return ""
		}
		shown, _ := zonedTime(t, req.zone, "2006-01-02 15:04:05 MST")
		return shown
	}
	add("field.valid_from", tf(o.ValidFrom), false)
	add("field.valid_until", tf(o.ValidUntil), false)
	add("field.first_seen", tf(o.FirstSeen), false)
	add("field.last_seen", tf(o.LastSeen), false)
	add("field.created", tf(o.Created), false)
	add("field.modified", tf(o.Modified), false)
	add("field.added", tf(o.DateAdded), false)

	versions, _, err := s.Store.Objects(ctx, store.ObjectQuery{Viewer: req.viewer, IDs: []string{o.ID}, Versions: "all", Descending: true, Limit: 100})
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	for _, v := range versions {
		vr, _, _ := s.row(req.viewer, v, names)
		d.Versions = append(d.Versions, vr)
	}
	if d.Sightings, err = s.Store.Sightings(ctx, req.viewer, o.ID); err != nil {
		s.serverError(w, r, err)
		return
	}
	d.Hits = s.Exports.ObjectHits(o)
	d.CanSight = policy.Role(req.caller.User.Role).CanSubmit() && o.Type != "sighting" && (stix.IsSDO(o.Type) || strings.HasPrefix(o.Type, "x-"))
	s.render(w, r, req, status, "object", "object.title", "objects", d)
}

// reportSighting posts a STIX sighting of the object, on behalf of the
// caller's organization, through the same intake as TAXII.
func (s *server) reportSighting(w http.ResponseWriter, r *http.Request, req *request) {
	ctx := r.Context()
	id := r.PathValue("id")
	if !policy.Role(req.caller.User.Role).CanSubmit() {
		s.fail(w, r, http.StatusForbidden, "error.forbidden")
		return
	}
	target, err := s.Store.ObjectByID(ctx, req.viewer, id)
	if errors.Is(err, store.ErrNotFound) {
		s.fail(w, r, http.StatusNotFound, "error.notfound")
		return
	}
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	errs := map[string]string{}
	countS := strings.TrimSpace(r.PostFormValue("count"))
	count, err := strconv.Atoi(countS)
	if err != nil || count < 1 || count > 999_999_999 {
		errs["count"] = "sighting.error.count"
	}
	tlp, err := policy.ParseTLP(r.PostFormValue("tlp"))
	if err != nil {
		errs["tlp"] = "form.error.tlp"
	}
	consent, err := policy.ParseConsent(r.PostFormValue("consent"))
	if err != nil {
		errs["consent"] = "form.error.consent"
	}
	if len(errs) > 0 {
		s.showObject(w, r, req, http.StatusBadRequest, errs, countS)
		return
	}
	now := s.Now().UTC()
	ts := stix.FormatTime(now)
	sighting := map[string]any{
		"type": "sighting", "spec_version": "2.1", "id": stix.NewID("sighting"),
		"created": ts, "modified": ts, "first_seen": ts, "last_seen": ts,
		"count": count, "sighting_of_ref": target.ID,
		"where_sighted_refs":  []string{req.caller.Org.ID},
		"created_by_ref":      req.caller.Org.ID,
		"object_marking_refs": []string{tlp.MarkingID()},
		"extensions": map[string]any{hub.Extension: hub.Distribution{
			ExtensionType: "property-extension", Consent: consent.String()}},
	}
	st, err := s.submitObjects(ctx, req, sighting)
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	if st.Failure > 0 {
		msg := ""
		for _, dt := range st.Details {
			if dt.Kind == "failure" {
				msg = dt.Message
			}
		}
		s.log.Warn("web: sighting refused", "object", target.ID, "reason", msg)
		s.showObject(w, r, req, http.StatusBadRequest, map[string]string{"submit": msg}, countS)
		return
	}
	http.Redirect(w, r, "/objects/"+target.ID+"?done=sighting", http.StatusSeeOther)
}
