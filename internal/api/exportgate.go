package api

import (
	"io"
	"net/http"
	"strconv"
	"time"

	"renkei/internal/audit"
	"renkei/internal/client"
	"renkei/internal/exportgate"
	"renkei/internal/store"
	"renkei/internal/warninglist"
)

// listWarninglists lists every warninglist with its entry count.
func (s *Server) listWarninglists(q *request) error {
	ls, err := s.Exports.Lists(q.r.Context(), q.viewer)
	if err != nil {
		return err
	}
	out := client.Warninglists{Lists: []client.Warninglist{}}
	for _, l := range ls {
		out.Lists = append(out.Lists, client.Warninglist{ID: l.ID, Name: l.Name, Description: l.Description, Type: l.Type,
			Version: l.Version, Origin: l.Origin, Action: l.Action, Enabled: l.Enabled, Entries: len(l.List.List),
			MatchingAttributes: l.MatchingAttributes, References: l.References, UpdatedAt: l.UpdatedAt, UpdatedBy: l.UpdatedBy})
	}
	writeJSON(q.w, http.StatusOK, out)
	return nil
}

// checkWarninglists says which lists hold a value.
func (s *Server) checkWarninglists(q *request) error {
	if _, err := s.Exports.Lists(q.r.Context(), q.viewer); err != nil {
		return err // the same right as listing them
	}
	v := q.r.URL.Query().Get("value")
	m, _, err := s.Exports.Matcher(q.r.Context())
	if err != nil {
		return err
	}
	hits := m.CheckValue(v)
	if hits == nil {
		hits = []warninglist.Hit{}
	}
	writeJSON(q.w, http.StatusOK, client.WarninglistHits{Value: v, Hits: hits})
	return nil
}

// importWarninglist stores one list in MISP's format (the body); ?id=
// names it (default: its name), ?action= is refuse (default) or warn.
func (s *Server) importWarninglist(q *request) error {
	data, err := io.ReadAll(q.r.Body)
	if err != nil {
		return err
	}
	l, err := warninglist.Parse(data)
	if err != nil {
		return fail(http.StatusBadRequest, "invalid warninglist", "%v", err)
	}
	l.ID = q.r.URL.Query().Get("id")
	if err := s.Exports.Import(q.r.Context(), q.caller, []*warninglist.List{l}, q.r.URL.Query().Get("action")); err != nil {
		return err
	}
	writeJSON(q.w, http.StatusCreated, map[string]any{"id": l.ID, "entries": len(l.List)})
	return nil
}

// editWarninglist adds (POST) or removes (DELETE) entries of a center list.
func (s *Server) editWarninglist(q *request) error {
	var e client.WarninglistEdit
	if err := decode(q, &e); err != nil {
		return err
	}
	l, err := s.Exports.Edit(q.r.Context(), q.caller, q.r.PathValue("id"), e.Type, e.Values, q.r.Method == http.MethodDelete)
	if err != nil {
		return err
	}
	writeJSON(q.w, http.StatusOK, map[string]any{"id": l.ID, "version": l.Version, "entries": len(l.List)})
	return nil
}

// switchWarninglist enables or disables a list.
func (s *Server) switchWarninglist(q *request) error {
	on := q.r.PathValue("op") == "enable"
	if op := q.r.PathValue("op"); op != "enable" && op != "disable" {
		return fail(http.StatusNotFound, "unknown operation", "%q: want enable or disable", op)
	}
	if err := s.Exports.SetEnabled(q.r.Context(), q.caller, q.r.PathValue("id"), on); err != nil {
		return err
	}
	q.w.WriteHeader(http.StatusNoContent)
	return nil
}

// listExportPolicies lists the export policies set.
func (s *Server) listExportPolicies(q *request) error {
	ps, err := s.Exports.Policies(q.r.Context(), q.viewer)
	if err != nil {
		return err
	}
	out := []client.ExportPolicy{}
	for _, p := range ps {
		out = append(out, client.ExportPolicy{Scope: p.Scope, ScopeID: p.ScopeID, MinConfidence: p.MinConfidence,
			MaxAgeSeconds: int64(p.MaxAge / time.Second), RequireReview: p.RequireReview, UpdatedAt: p.UpdatedAt, UpdatedBy: p.UpdatedBy})
	}
	writeJSON(q.w, http.StatusOK, map[string]any{"export_policies": out})
	return nil
}

// setExportPolicy sets the export policy of a scope.
func (s *Server) setExportPolicy(q *request) error {
	var p client.ExportPolicy
	if err := decode(q, &p); err != nil {
		return err
	}
	err := s.Exports.SetPolicy(q.r.Context(), q.caller, exportgate.Policy{Scope: p.Scope, ScopeID: p.ScopeID,
		MinConfidence: p.MinConfidence, MaxAge: time.Duration(p.MaxAgeSeconds) * time.Second, RequireReview: p.RequireReview})
	if err != nil {
		return err
	}
	q.w.WriteHeader(http.StatusNoContent)
	return nil
}

// reviewExport releases an indicator to the exports or holds it back.
func (s *Server) reviewExport(q *request) error {
	var r client.ExportReview
	if err := decode(q, &r); err != nil {
		return err
	}
	if err := s.Exports.Review(q.r.Context(), q.caller, r.ID, r.Release, r.Note); err != nil {
		return err
	}
	q.w.WriteHeader(http.StatusNoContent)
	return nil
}

// explainExport answers "why is this in my blocklist": every indicator the
// caller may see behind a value, shown as the caller may see it (the
// author per the submitter's consent), with the gate's decisions. Objects
// whose reading is logged are logged before they are sent (C7).
func (s *Server) explainExport(q *request) error {
	v := q.r.URL.Query().Get("value")
	if v == "" {
		return fail(http.StatusBadRequest, "value required", "give ?value=: an address, range, domain, URL, e-mail address or hash of an export line")
	}
	ex, err := s.Exports.Explain(q.r.Context(), q.viewer, v, s.now(), s.Hub.Present)
	if err != nil {
		return err
	}
	if ex.Lines == nil {
		ex.Lines = []exportgate.Line{}
	}
	objs := make([]store.Object, 0, len(ex.Lines))
	for _, l := range ex.Lines {
		objs = append(objs, l.Stored())
	}
	idx, err := s.Hub.Release(q.r.Context(), q.caller, audit.ActionObjectRead, q.r.Header.Get("X-Request-ID"), objs)
	if err != nil {
		return err
	}
	s.Hub.Audit.SetReceipt(q.w.Header(), idx...)
	writeJSON(q.w, http.StatusOK, ex)
	return nil
}

// exportReviewQueue lists the indicators waiting for the center's review,
// each as the caller is shown it, with its warninglist hits. Objects whose
// reading is logged are logged before they are sent (C7).
func (s *Server) exportReviewQueue(q *request) error {
	limit, _ := strconv.Atoi(q.r.URL.Query().Get("limit"))
	queue, err := s.Exports.ReviewQueue(q.r.Context(), q.viewer, limit)
	if err != nil {
		return err
	}
	objs := queue.Items
	if err := s.release(q, objs...); err != nil {
		return err
	}
	out := client.ExportReviewQueue{Indicators: []client.ReviewItem{}, Hidden: queue.Hidden}
	for _, o := range objs {
		out.Indicators = append(out.Indicators, client.ReviewItem{ID: o.ID, CollectionID: o.CollectionID, Name: o.Name,
			Pattern: o.Pattern, TLP: o.ACL.TLP.Label(), Confidence: exportgate.Confidence(o.Raw), DateAdded: o.DateAdded,
			Object: s.Hub.Present(q.viewer, o), WarninglistHits: s.Exports.ObjectHits(o)})
	}
	writeJSON(q.w, http.StatusOK, out)
	return nil
}

// exportThresholds gives the hub's hostile-scope thresholds.
func (s *Server) exportThresholds(q *request) error {
	t, err := s.Exports.ReadThresholds(q.r.Context(), q.viewer)
	if err != nil {
		return err
	}
	writeJSON(q.w, http.StatusOK, t)
	return nil
}

// setExportThresholds sets the hub's thresholds (the center's), logged
// first; the body is the whole setting.
func (s *Server) setExportThresholds(q *request) error {
	var t exportgate.Thresholds
	if err := decode(q, &t); err != nil {
		return err
	}
	if err := s.Exports.SetThresholds(q.r.Context(), q.caller, t); err != nil {
		return err
	}
	writeJSON(q.w, http.StatusOK, t)
	return nil
}
