package web

// Communications information (issue 3, item 9): for the center's handlers,
// analysts and administrators and for the oversight committee, a page per
// telemetry source (legal basis, approval and whether it is in force,
// retention, kept and dropped counts by reason as a server-drawn bar chart,
// throughput); for members, the sightings and alerts that matching produced
// for them, and the export URLs their firewalls can poll. Package telemetry
// says who may see sources; the store's policy-filtered listing decides which
// sightings a member sees. Kept records are shown only to the center's
// designated handlers, while the source's approval is in force, for a stated
// purpose: policy.MayReadRecords decides, through telemetry.Access, which
// logs the access before anything is shown (rule C7).

import (
	"encoding/json"
	"errors"
	"net/http"
	"strings"
	"time"

	"renkei/internal/audit"
	"renkei/internal/export"
	"renkei/internal/hub"
	"renkei/internal/policy"
	"renkei/internal/store"
	"renkei/internal/telemetry"
)

type telemetryData struct {
	MaySources bool
	Sources    []sourceRow
	ShowMatch  bool
	Sightings  []matchSighting
	Alerts     []store.Alert
	Receipt    string
}

// sourceRow is a source in the list; Dropped counts what the law's steps
// dropped or refused.
type sourceRow struct {
	telemetry.SourceStatus
	Dropped int64
}

// matchSighting is a sighting from matching as the viewer may see it.
type matchSighting struct {
	ID, Indicator, Description string
	Level                      policy.TLP
	Count                      int64
	First, Last                time.Time
}

func (s *server) telemetryPage(w http.ResponseWriter, r *http.Request, req *request) {
	ctx := r.Context()
	d := &telemetryData{MaySources: policy.MaySeeSources(req.viewer), ShowMatch: policy.MaySeeMatches(req.viewer)}
	if d.MaySources {
		sts, err := s.Telemetry.Statuses(ctx, req.viewer, s.Now().UTC())
		if err != nil {
			s.serverError(w, r, err)
			return
		}
		for _, st := range sts {
			d.Sources = append(d.Sources, sourceRow{st, st.Received - st.Counts["kept"]})
		}
	}
	if d.ShowMatch {
		sights, err := s.Telemetry.MatchSightings(ctx, req.viewer, 100, 2000)
		if err != nil {
			s.serverError(w, r, err)
			return
		}
		// Sightings at AMBER+STRICT or RED are logged before they are shown (C7).
		idx, err := s.Hub.Release(ctx, req.caller, audit.ActionObjectRead, "", sights)
		if err != nil {
			s.fail(w, r, http.StatusServiceUnavailable, "error.audit")
			return
		}
		s.Audit.SetReceipt(w.Header(), idx...)
		for _, o := range sights {
			d.Sightings = append(d.Sightings, matchSightingRow(s.Hub.Present(req.viewer, o), o))
		}
		if d.Alerts, err = s.Telemetry.MatchAlerts(ctx, req.viewer, sights, 100); err != nil {
			s.serverError(w, r, err)
			return
		}
		inLanguage(d.Alerts, req.lang)
	}
	s.render(w, r, req, http.StatusOK, "telemetry", "telemetry.title", "telemetry", d)
}

func matchSightingRow(raw json.RawMessage, o store.Object) matchSighting {
	var v struct {
		Description string `json:"description"`
	}
	json.Unmarshal(raw, &v)
	return matchSighting{ID: o.ID, Indicator: o.Ref, Description: v.Description, Level: o.ACL.TLP, Count: o.Count, First: o.FirstSeen, Last: o.LastSeen}
}

type sourceData struct {
	St    telemetry.SourceStatus
	Chart countChart
	Hours float64
	// Handler is true for a designated handler, who may read the records
	// for a stated purpose; Records and Receipt are the result of such a read.
	Handler bool
	Purpose string
	Error   string
	Read    bool
	Records []telemetry.Record
	Receipt uint64
}

// countChart is the kept/dropped bar chart, its geometry computed here so the
// template only draws rectangles (no script, no inline styles: the CSP holds).
type countChart struct {
	Width, Height, LabelW, LabelX int
	Bars                          []countBar
}

type countBar struct {
	Reason, Label, Color string
	Count                int64
	Y, W, TextX, TextY   int
}

// reasonColor groups the reasons: what was kept, what matched, what the law's
// steps dropped or refused, and what retention deleted.
func reasonColor(reason string) string {
	switch {
	case reason == "kept":
		return "#2e7d32"
	case reason == "matched":
		return "#1565c0"
	case strings.HasPrefix(reason, "dropped:"):
		return "#ef6c00"
	case strings.HasPrefix(reason, "refused:"):
		return "#c62828"
	}
	return "#757575"
}

func newCountChart(st telemetry.SourceStatus, label func(string) string) countChart {
	const rowH, top = 26, 4
	c := countChart{Width: 560, LabelW: 220, LabelX: 212}
	reasons := st.Reasons()
	var maxN int64 = 1
	for _, r := range reasons {
		maxN = max(maxN, st.Counts[r])
	}
	barMax := c.Width - c.LabelW - 90
	for i, r := range reasons {
		n := st.Counts[r]
		w := int(float64(n) / float64(maxN) * float64(barMax))
		if n > 0 {
			w = max(w, 1)
		}
		y := top + i*rowH
		c.Bars = append(c.Bars, countBar{Reason: r, Label: label(r), Color: reasonColor(r), Count: n, Y: y, W: w, TextX: c.LabelW + w + 6, TextY: y + 15})
	}
	c.Height = top + max(1, len(reasons))*rowH + 4
	return c
}

func (s *server) telemetrySourcePage(w http.ResponseWriter, r *http.Request, req *request) {
	s.showSource(w, r, req, http.StatusOK, &sourceData{})
}

// telemetryRecords reads a source's kept records for a designated handler:
// telemetry.Access logs the purpose in the audit log before anything is
// shown (C7), and the page shows the log index as the receipt.
func (s *server) telemetryRecords(w http.ResponseWriter, r *http.Request, req *request) {
	d := &sourceData{Purpose: strings.TrimSpace(r.PostFormValue("purpose"))}
	if !policy.ReadsRecords(req.viewer) {
		s.fail(w, r, http.StatusForbidden, "error.forbidden")
		return
	}
	recs, idx, err := s.Telemetry.Access(r.Context(), req.caller, r.PathValue("id"), d.Purpose, 200)
	switch {
	case errors.Is(err, policy.ErrNotDesignatedHandler):
		s.fail(w, r, http.StatusForbidden, "error.forbidden")
		return
	case errors.Is(err, store.ErrNotFound):
		s.fail(w, r, http.StatusNotFound, "error.notfound")
		return
	case errors.Is(err, policy.ErrApprovalNotInForce):
		d.Error = "telemetry.error.lapsed"
		s.showSource(w, r, req, http.StatusForbidden, d)
		return
	case errors.Is(err, policy.ErrPurposeMissing):
		d.Error = "telemetry.error.purpose"
		s.showSource(w, r, req, http.StatusBadRequest, d)
		return
	case errors.Is(err, policy.ErrPurposeTooShort):
		d.Error = "telemetry.error.purpose_short"
		s.showSource(w, r, req, http.StatusBadRequest, d)
		return
	case errors.Is(err, policy.ErrPurposeNotApproved):
		d.Error = "telemetry.error.purpose_unlisted"
		s.showSource(w, r, req, http.StatusBadRequest, d)
		return
	case errors.Is(err, hub.ErrAuditUnavailable):
		s.fail(w, r, http.StatusServiceUnavailable, "error.audit")
		return
	case err != nil:
		s.serverError(w, r, err)
		return
	}
	s.Audit.SetReceipt(w.Header(), idx)
	d.Read, d.Records, d.Receipt = true, recs, idx
	s.showSource(w, r, req, http.StatusOK, d)
}

func (s *server) showSource(w http.ResponseWriter, r *http.Request, req *request, status int, d *sourceData) {
	if !policy.MaySeeSources(req.viewer) {
		s.fail(w, r, http.StatusForbidden, "error.forbidden")
		return
	}
	src, err := telemetry.GetSource(r.Context(), s.Store, r.PathValue("id"))
	if errors.Is(err, store.ErrNotFound) {
		s.fail(w, r, http.StatusNotFound, "error.notfound")
		return
	}
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	st, err := s.Telemetry.Status(r.Context(), src, s.Now().UTC())
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	cat := s.pages[req.lang].cat
	label := func(reason string) string {
		if t, ok := cat["telemetry.reason."+reason]; ok {
			return t
		}
		return reason // a reason added later still shows, untranslated
	}
	d.St, d.Chart, d.Hours = st, newCountChart(st, label), src.Retention.Hours()
	d.Handler = policy.ReadsRecords(req.viewer)
	s.render(w, r, req, status, "telemetry_source", "telemetry.source_title", "telemetry", d)
}

type exportsData struct {
	Base     string
	Login    string
	Formats  []exportFormat
	OrgAdmin bool
}

type exportFormat struct {
	Name, URL string
}

// telemetryExports shows every member the URLs its devices can poll, with
// examples for curl, Palo Alto Networks and FortiGate.
func (s *server) telemetryExports(w http.ResponseWriter, r *http.Request, req *request) {
	base := hubURL(r)
	d := &exportsData{Base: base, Login: req.caller.User.Login, OrgAdmin: orgAdmin(req)}
	for _, f := range export.Formats {
		d.Formats = append(d.Formats, exportFormat{Name: f, URL: base + "/api/v1/exports/" + f})
	}
	s.render(w, r, req, http.StatusOK, "telemetry_exports", "telemetry.exports_title", "telemetry_exports", d)
}
