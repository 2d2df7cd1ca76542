package web

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strings"
	"time"

	"renkei/internal/hub"
	"renkei/internal/match"
	"renkei/internal/policy"
	"renkei/internal/stix"
	"renkei/internal/stix/pattern"
	"renkei/internal/store"
)

// indicatorForm is the submit form as typed, so that a refused form comes
// back with what the person entered and a message at each wrong field.
type indicatorForm struct {
	Name, Description, Kind, Values, Pattern, TLP, Consent, ValidFrom string
	IndicatorType                                                     string
	Orgs, Groups                                                      []string
}

type submitData struct {
	Form           indicatorForm
	Errors         map[string]string // field → catalog key
	Detail         map[string]string // field → untranslated detail (a parser's message)
	Bundle         string
	BundleError    string
	Status         *store.Status
	Kinds          []string
	TLPs           []policy.TLP
	Consents       []string
	IndicatorTypes []string
	Orgs           []store.Org
	Groups         []store.Group
}

// indicatorTypes is the STIX 2.1 indicator-type-ov vocabulary.
var indicatorTypes = []string{"malicious-activity", "anomalous-activity", "attribution", "compromised", "benign", "unknown"}

func (s *server) newSubmitData(ctx context.Context) (*submitData, error) {
	d := &submitData{Errors: map[string]string{}, Detail: map[string]string{}, Kinds: match.ValueKinds,
		TLPs:     []policy.TLP{policy.Clear, policy.Green, policy.Amber, policy.AmberStrict, policy.Red},
		Consents: []string{"everyone", "center", "none"}, IndicatorTypes: indicatorTypes}
	var err error
	if d.Orgs, err = s.Store.Orgs(ctx); err != nil {
		return nil, err
	}
	if d.Groups, err = s.Store.Groups(ctx); err != nil {
		return nil, err
	}
	return d, nil
}

func (s *server) submitPage(w http.ResponseWriter, r *http.Request, req *request) {
	if !policy.Role(req.caller.User.Role).CanSubmit() {
		s.fail(w, r, http.StatusForbidden, "error.forbidden")
		return
	}
	d, err := s.newSubmitData(r.Context())
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	d.Form = indicatorForm{Kind: "auto", TLP: "amber", Consent: "everyone", IndicatorType: "malicious-activity",
		ValidFrom: s.Now().UTC().Format("2006-01-02T15:04")}
	s.render(w, r, req, http.StatusOK, "submit", "nav.submit", "submit", d)
}

// submitIndicator builds one STIX indicator from the form and submits it.
func (s *server) submitIndicator(w http.ResponseWriter, r *http.Request, req *request) {
	ctx := r.Context()
	if !policy.Role(req.caller.User.Role).CanSubmit() {
		s.fail(w, r, http.StatusForbidden, "error.forbidden")
		return
	}
	d, err := s.newSubmitData(ctx)
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	f := indicatorForm{
		Name: strings.TrimSpace(r.PostFormValue("name")), Description: strings.TrimSpace(r.PostFormValue("description")),
		Kind: r.PostFormValue("kind"), Values: r.PostFormValue("values"), Pattern: strings.TrimSpace(r.PostFormValue("pattern")),
		TLP: r.PostFormValue("tlp"), Consent: r.PostFormValue("consent"), ValidFrom: strings.TrimSpace(r.PostFormValue("valid_from")),
		IndicatorType: r.PostFormValue("indicator_type"), Orgs: r.PostForm["orgs"], Groups: r.PostForm["groups"],
	}
	d.Form = f
	obj, ok := s.buildIndicator(req, f, d)
	if !ok {
		s.render(w, r, req, http.StatusBadRequest, "submit", "nav.submit", "submit", d)
		return
	}
	st, err := s.submitObjects(ctx, req, obj)
	if err != nil {
		s.submitError(w, r, req, d, err)
		return
	}
	d.Status = &st
	if st.Failure == 0 {
		d.Form = indicatorForm{Kind: "auto", TLP: f.TLP, Consent: f.Consent, IndicatorType: f.IndicatorType,
			ValidFrom: s.Now().UTC().Format("2006-01-02T15:04")}
	}
	s.render(w, r, req, http.StatusOK, "submit", "nav.submit", "submit", d)
}

// buildIndicator checks the form field by field and returns the indicator.
func (s *server) buildIndicator(req *request, f indicatorForm, d *submitData) (map[string]any, bool) {
	if f.Name == "" {
		d.Errors["name"] = "submit.error.name"
	} else if len(f.Name) > 500 {
		d.Errors["name"] = "submit.error.name_long"
	}
	pat := f.Pattern
	switch {
	case pat != "" && strings.TrimSpace(f.Values) != "":
		d.Errors["values"] = "submit.error.both"
	case pat != "":
		if _, err := pattern.Parse(pat); err != nil {
			d.Errors["pattern"] = "submit.error.pattern"
			d.Detail["pattern"] = err.Error()
		}
	case strings.TrimSpace(f.Values) == "":
		d.Errors["values"] = "submit.error.none"
	default:
		p, err := match.ValuesToPattern(f.Values, f.Kind)
		var ve *match.ValueError
		switch {
		case errors.As(err, &ve):
			d.Errors["values"] = "submit.error.value"
			d.Detail["values"] = fmt.Sprintf("%d: %s", ve.Line, ve.Value)
		case err != nil:
			d.Errors["values"] = "submit.error.none"
		default:
			pat = p
		}
	}
	tlp, err := policy.ParseTLP(f.TLP)
	if err != nil {
		d.Errors["tlp"] = "form.error.tlp"
	}
	consent, err := policy.ParseConsent(f.Consent)
	if err != nil {
		d.Errors["consent"] = "form.error.consent"
	}
	validFrom := s.Now().UTC()
	if f.ValidFrom != "" {
		t, err := parseFormTime(f.ValidFrom)
		if err != nil {
			d.Errors["valid_from"] = "submit.error.valid_from"
		} else {
			validFrom = t
		}
	}
	itype := f.IndicatorType
	if itype != "" && !slices.Contains(indicatorTypes, itype) {
		d.Errors["indicator_type"] = "submit.error.indicator_type"
	}
	if len(d.Errors) > 0 {
		return nil, false
	}
	now := stix.FormatTime(s.Now())
	obj := map[string]any{
		"type": "indicator", "spec_version": "2.1", "id": stix.NewID("indicator"),
		"created": now, "modified": now, "name": f.Name,
		"pattern": pat, "pattern_type": "stix", "valid_from": stix.FormatTime(validFrom),
		"created_by_ref":      req.caller.Org.ID,
		"object_marking_refs": []string{tlp.MarkingID()},
	}
	if f.Description != "" {
		obj["description"] = f.Description
	}
	if itype != "" {
		obj["indicator_types"] = []string{itype}
	}
	dist := hub.Distribution{ExtensionType: "property-extension", Consent: consent.String(),
		RecipientOrgs: nonEmpty(f.Orgs), RecipientGroups: nonEmpty(f.Groups)}
	if tlp == policy.Red {
		// RED names users, not organizations: the submitter is always one.
		dist.RecipientOrgs, dist.RecipientGroups = nil, nil
	}
	obj["extensions"] = map[string]any{hub.Extension: dist}
	return obj, true
}

// parseFormTime reads an HTML datetime-local value, taken as UTC, or a full
// RFC 3339 time.
func parseFormTime(s string) (time.Time, error) {
	for _, layout := range []string{"2006-01-02T15:04", "2006-01-02T15:04:05", time.RFC3339} {
		if t, err := time.Parse(layout, s); err == nil {
			return t.UTC(), nil
		}
	}
	return time.Time{}, fmt.Errorf("time %q: want YYYY-MM-DDTHH:MM", s)
}

func nonEmpty(xs []string) []string {
	var out []string
	for _, x := range xs {
		if x = strings.TrimSpace(x); x != "" && !slices.Contains(out, x) {
			out = append(out, x)
		}
	}
	return out
}

// submitBundle submits a pasted (or uploaded) STIX bundle as it is.
func (s *server) submitBundle(w http.ResponseWriter, r *http.Request, req *request) {
	ctx := r.Context()
	if !policy.Role(req.caller.User.Role).CanSubmit() {
		s.fail(w, r, http.StatusForbidden, "error.forbidden")
		return
	}
	d, err := s.newSubmitData(ctx)
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	d.Form = indicatorForm{Kind: "auto", TLP: "amber", Consent: "everyone", IndicatorType: "malicious-activity",
		ValidFrom: s.Now().UTC().Format("2006-01-02T15:04")}
	body := r.PostFormValue("bundle")
	if strings.TrimSpace(body) == "" {
		d.Errors["bundle"] = "submit.error.bundle_empty"
		s.render(w, r, req, http.StatusBadRequest, "submit", "nav.submit", "submit", d)
		return
	}
	d.Bundle = body
	st, err := s.submit(ctx, req, strings.NewReader(body))
	if err != nil {
		s.submitError(w, r, req, d, err)
		return
	}
	d.Status = &st
	if st.Failure == 0 {
		d.Bundle = ""
	}
	s.render(w, r, req, http.StatusOK, "submit", "nav.submit", "submit", d)
}

func (s *server) submitError(w http.ResponseWriter, r *http.Request, req *request, d *submitData, err error) {
	switch {
	case errors.Is(err, hub.ErrBadBundle):
		d.Errors["bundle"] = "submit.error.bundle"
		d.Detail["bundle"] = err.Error()
		s.render(w, r, req, http.StatusBadRequest, "submit", "nav.submit", "submit", d)
	case s.refused(w, r, err):
	default:
		s.serverError(w, r, err)
	}
}

// submitObjects wraps objects in a bundle and submits it.
func (s *server) submitObjects(ctx context.Context, req *request, objs ...map[string]any) (store.Status, error) {
	b, err := json.Marshal(map[string]any{"type": "bundle", "id": stix.NewID("bundle"), "objects": objs})
	if err != nil {
		return store.Status{}, fmt.Errorf("encode bundle: %w", err)
	}
	return s.submit(ctx, req, bytes.NewReader(b))
}

// submit sends a body through the hub's intake into the members collection.
func (s *server) submit(ctx context.Context, req *request, body io.Reader) (store.Status, error) {
	coll, err := s.Store.Collection(ctx, hub.MembersCollection)
	if err != nil {
		return store.Status{}, fmt.Errorf("members collection: %w", err)
	}
	return s.Hub.Submit(ctx, req.caller, coll, body)
}
