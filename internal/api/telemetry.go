package api

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/netip"
	"slices"
	"strconv"
	"strings"
	"time"

	"renkei/internal/audit"
	"renkei/internal/auth"
	"renkei/internal/client"
	"renkei/internal/export"
	"renkei/internal/hub"
	"renkei/internal/match"
	"renkei/internal/policy"
	"renkei/internal/store"
	"renkei/internal/telemetry"
)

func sourceOut(st telemetry.SourceStatus) client.Source {
	s := st.Source
	out := client.Source{ID: s.ID, Name: s.Name, LegalBasis: s.LegalBasis, ApprovalRef: s.ApprovalRef, InForce: st.InForce, NotInForceWhy: st.Why,
		OperatorOrg: s.OperatorOrg, RetentionSecs: int64(s.Retention / time.Second), PrefixPreserving: s.PrefixPreserving, Counts: st.Counts, Received: st.Received,
		ReceivedPerSec: st.ReceivedPerSec, KeptPerSec: st.KeptPerSec, Created: s.Created}
	if st.Approval.ID != 0 {
		a := approvalOut(st.Approval, time.Now())
		a.InForce = st.InForce // as the status was taken, for this source's kind
		out.Approval = &a
	}
	for _, d := range s.Directions {
		out.Directions = append(out.Directions, string(d))
	}
	for _, p := range s.Pseudonymize {
		out.Pseudonymize = append(out.Pseudonymize, p.String())
	}
	out.Exporters, out.Unregistered = []string{}, []client.Unregistered{}
	for _, e := range st.Exporters {
		out.Exporters = append(out.Exporters, e.String())
	}
	for _, u := range st.Unregistered {
		out.Unregistered = append(out.Unregistered, client.Unregistered{Sender: u.Sender, Datagrams: u.Datagrams, Last: u.Last})
	}
	return out
}

// changeExporter registers (POST) or removes (DELETE) an exporter of a
// source, for hub administrators; the change is recorded in the audit log
// before it takes effect. The body (POST) or the query (DELETE) names it:
// {"exporter":"192.0.2.1/256"}, ?exporter=192.0.2.1/256.
func (s *Server) changeExporter(q *request) error {
	if err := s.requireAdmin(q); err != nil {
		return err
	}
	ctx := q.r.Context()
	src, err := telemetry.GetSource(ctx, s.Store, q.r.PathValue("id"))
	if err != nil {
		return err
	}
	raw := q.r.URL.Query().Get("exporter")
	add := q.r.Method == http.MethodPost
	if add {
		var in client.ExporterRequest
		if err := decode(q, &in); err != nil {
			return err
		}
		raw = in.Exporter
	}
	e, err := telemetry.ParseExporter(raw)
	if err != nil {
		return fail(http.StatusBadRequest, "invalid exporter", "%v", err)
	}
	e.Created = s.now()
	verb := "registered"
	if !add {
		verb = "removed"
	}
	if _, err := s.Hub.Record(ctx, q.caller, audit.ActionPolicyChange, "source:"+src.ID, map[string]string{
		"change": "telemetry exporter " + verb, "exporter": e.String()}); err != nil {
		return err
	}
	if add {
		if err := telemetry.AddExporter(ctx, s.Store, src.ID, e); err != nil {
			return err
		}
	} else if ok, err := telemetry.RemoveExporter(ctx, s.Store, src.ID, e); err != nil {
		return err
	} else if !ok {
		return fail(http.StatusNotFound, "not found", "exporter %s is not registered for %s", e, src.ID)
	}
	st, err := s.Telemetry.Status(ctx, src, s.now())
	if err != nil {
		return err
	}
	code := http.StatusOK
	if add {
		code = http.StatusCreated
	}
	writeJSON(q.w, code, sourceOut(st))
	return nil
}

// listSources shows every source with its approval, retention and counts to
// the center's handlers, analysts and administrators and to overseers.
func (s *Server) listSources(q *request) error {
	if !policy.MaySeeSources(q.viewer) {
		return fail(http.StatusForbidden, "forbidden", "telemetry sources are seen by the center's handlers, analysts and administrators and by the oversight committee")
	}
	sts, err := s.Telemetry.Statuses(q.r.Context(), q.viewer, s.now())
	if err != nil {
		return err
	}
	out := make([]client.Source, len(sts))
	for i, st := range sts {
		out[i] = sourceOut(st)
	}
	writeJSON(q.w, 200, map[string]any{"sources": out})
	return nil
}

// addSource registers a source (hub administrators only); the registration
// is recorded in the audit log first, as a change of collection policy.
func (s *Server) addSource(q *request) error {
	if err := s.requireAdmin(q); err != nil {
		return err
	}
	var in client.SourceRequest
	if err := decode(q, &in); err != nil {
		return err
	}
	ctx := q.r.Context()
	src := telemetry.Source{ID: in.ID, Name: in.Name, LegalBasis: in.LegalBasis, ApprovalRef: in.ApprovalRef, PrefixPreserving: in.PrefixPreserving, Created: s.now()}
	d, err := auth.ParseExpiry(in.Retention)
	if err != nil || d <= 0 {
		return fail(http.StatusBadRequest, "invalid source", "retention %q: want a duration such as 30d or 72h", in.Retention)
	}
	src.Retention = d
	if src.Directions, err = telemetry.ParseDirections(strings.Join(in.Directions, ",")); err != nil {
		return fail(http.StatusBadRequest, "invalid source", "directions: %v", err)
	}
	for i, p := range in.Pseudonymize {
		pp, err := netip.ParsePrefix(strings.TrimSpace(p))
		if err != nil {
			return fail(http.StatusBadRequest, "invalid source", "pseudonymize[%d]: %v", i, err)
		}
		src.Pseudonymize = append(src.Pseudonymize, pp)
	}
	if in.OperatorOrg != "" {
		o, err := s.Store.Org(ctx, in.OperatorOrg)
		if err != nil {
			return fail(http.StatusBadRequest, "invalid source", "operator_org: %v", err)
		}
		src.OperatorOrg = o.ID
	}
	if _, err := s.Hub.Record(ctx, q.caller, audit.ActionPolicyChange, "source:"+src.ID, map[string]string{
		"change": "telemetry source registered", "legal_basis": src.LegalBasis, "approval": src.ApprovalRef, "retention": in.Retention,
		"prefix_preserving": strconv.FormatBool(src.PrefixPreserving)}); err != nil {
		return err
	}
	if err := telemetry.AddSource(ctx, s.Store, src); err != nil {
		if store.IsUniqueViolation(err) {
			return fail(http.StatusConflict, "source exists", "a source with id %q is already registered", src.ID)
		}
		return fail(http.StatusBadRequest, "invalid source", "%v", err)
	}
	st, err := s.Telemetry.Status(ctx, src, s.now())
	if err != nil {
		return err
	}
	writeJSON(q.w, http.StatusCreated, sourceOut(st))
	return nil
}

// sourceRecords releases kept records of a source to one of the center's
// designated handlers, while the source's approval is in force, for a stated
// purpose (policy.MayReadRecords, through telemetry.Access); the access is
// logged first (C7) and the response carries the log index.
func (s *Server) sourceRecords(q *request) error {
	limit, _ := strconv.Atoi(q.r.URL.Query().Get("limit"))
	recs, idx, err := s.Telemetry.Access(q.r.Context(), q.caller, q.r.PathValue("id"), q.r.URL.Query().Get("purpose"), limit)
	if err != nil {
		return err
	}
	audit.SetIndexHeader(q.w.Header(), idx)
	if recs == nil {
		recs = []telemetry.Record{}
	}
	writeJSON(q.w, 200, client.SourceRecords{Records: recs, AuditIndex: idx})
	return nil
}

// telemetryMatches lists the sightings the matcher produced that the caller
// may see, and its organization's alerts from matching.
func (s *Server) telemetryMatches(q *request) error {
	if !policy.MaySeeMatches(q.viewer) {
		return fail(http.StatusForbidden, "forbidden", "the oversight committee sees sources, approvals and counts, not the intelligence that matching produced")
	}
	ctx := q.r.Context()
	limit, _ := strconv.Atoi(q.r.URL.Query().Get("limit"))
	if limit <= 0 || limit > 500 {
		limit = 100
	}
	sights, err := s.Telemetry.MatchSightings(ctx, q.viewer, limit, 20*limit)
	if err != nil {
		return err
	}
	if err := s.release(q, sights...); err != nil {
		return err
	}
	alerts, err := s.Telemetry.MatchAlerts(ctx, q.viewer, sights, limit)
	if err != nil {
		return err
	}
	so := make([]json.RawMessage, len(sights))
	for i, o := range sights {
		so[i] = s.Hub.Present(q.viewer, o)
	}
	ao := make([]client.Alert, len(alerts))
	for i, a := range alerts {
		ao[i] = alertOut(a, q.lang())
	}
	writeJSON(q.w, 200, client.TelemetryMatches{Sightings: so, Alerts: ao})
	return nil
}

// exportChallenge answers a request without credentials with a Basic
// challenge as well as the Bearer one: firewalls that can only do HTTP
// Basic send their credentials only after being asked for them.
func exportChallenge(next http.Handler) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Authorization") == "" {
			w.Header().Add("WWW-Authenticate", `Basic realm="renkei exports", charset="UTF-8"`)
			w.Header().Add("WWW-Authenticate", `Bearer realm="renkei"`)
			writeError(w, http.StatusUnauthorized, "authentication required",
				"use HTTP Basic with your login and a read-only token as password, or Authorization: Bearer <read-only token>")
			return
		}
		next.ServeHTTP(w, r)
	}
}

// exportContentType is the media type of each export format.
var exportContentType = map[string]string{
	"edl": "text/plain; charset=utf-8", "edl-domains": "text/plain; charset=utf-8", "edl-urls": "text/plain; charset=utf-8",
	"suricata": "text/plain; charset=utf-8", "zeek": "text/plain; charset=utf-8", "rpz": "text/dns; charset=utf-8", "csv": "text/csv; charset=utf-8",
}

// exportIndicators serves the indicators the caller may see in a format a
// device polls: the listing goes through the policy-filtered store query
// with the caller's viewer, so an AMBER+STRICT or RED indicator is present
// only for its named recipients, and releasing one is logged first (C7).
// Only read-only tokens are accepted: the credential sits in a device's
// configuration, where a token that can write would be a standing risk.
func (s *Server) exportIndicators(q *request) error {
	format := q.r.PathValue("format")
	if !slices.Contains(export.Formats, format) {
		return fail(http.StatusNotFound, "unknown export format", "%q: formats are %s", format, strings.Join(export.Formats, ", "))
	}
	if !q.caller.ReadOnly {
		return fail(http.StatusForbidden, "read-only token required",
			"exports are polled by devices; create a read-only token for them (renkei token create --read-only, or POST /api/v1/tokens with read_only)")
	}
	opt := export.Options{At: s.now(), Zone: q.r.URL.Query().Get("zone")}
	if z := opt.Zone; z != "" && !validZone(z) {
		return fail(http.StatusBadRequest, "invalid zone", "zone %q: want a DNS name such as rpz.example.jp", z)
	}
	ctx := q.r.Context()
	// Every value passes the export gate (internal/exportgate): policies,
	// reviews, warninglists and hostile scopes, decided for this reader.
	gate, err := s.Exports.Open(ctx, q.viewer, opt.At)
	if err != nil {
		return err
	}
	b := match.NewBuilder()
	var logged []store.Object
	// The ETag is computed from what decides the content — the format, the
	// zone and the version of every indicator that is in the export — so a
	// device polling an unchanged list gets 304 without the list being built,
	// and the RPZ serial (the time of the export) does not defeat it.
	tag := sha256.New()
	fmt.Fprintf(tag, "%s\x00%s\x00%s\x00%s\x00", exportVersion, format, opt.Zone, gate.Version())
	oq := store.ObjectQuery{Viewer: q.viewer, Types: []string{"indicator"}, Limit: 1000}
	for {
		objs, more, err := s.Store.Objects(ctx, oq)
		if err != nil {
			return err
		}
		for _, o := range objs {
			ind, ok := exportIndicator(o, opt.At)
			if !ok || !gate.Object(o).Passed || b.AddSTIX(ind) != nil {
				continue // not active now, kept out by the gate, or a pattern no device format can use
			}
			fmt.Fprintf(tag, "%s\x00%d\x00", o.ID, store.Micros(o.Modified))
			if hub.Logged(o) && inFormat(format, ind, opt) {
				logged = append(logged, o)
			}
		}
		if !more || len(objs) == 0 {
			break
		}
		l := objs[len(objs)-1]
		oq.After = store.Cursor{DateAdded: store.Micros(l.DateAdded), PK: l.PK}
	}
	etag := `"` + hex.EncodeToString(tag.Sum(nil)[:16]) + `"`
	h := q.w.Header()
	h.Set("ETag", etag)
	if len(logged) > 0 {
		// Each release of AMBER+STRICT or RED content is logged; keep it out of caches.
		h.Set("Cache-Control", "no-store")
	} else {
		h.Set("Cache-Control", "private, no-cache")
	}
	h.Set("Vary", "Authorization")
	if etagMatches(q.r.Header.Get("If-None-Match"), etag) {
		q.w.WriteHeader(http.StatusNotModified) // nothing is released: the device already holds it
		return nil
	}
	idx, err := s.Hub.Release(ctx, q.caller, audit.ActionObjectExport, q.r.Header.Get("X-Request-ID"), logged)
	if err != nil {
		return err
	}
	s.Hub.Audit.SetReceipt(h, idx...)
	h.Set("Content-Type", exportContentType[format])
	q.w.WriteHeader(http.StatusOK)
	if q.r.Method == http.MethodHead {
		return nil
	}
	// Streamed: a list of millions of addresses is never held whole in memory.
	set, _ := gate.Filter(b.Build())
	if _, err := export.WriteSet(q.w, format, set, opt); err != nil && s.Log != nil {
		s.Log.Error("export", "format", format, "user", q.caller.User.Login, "err", err)
	}
	return nil
}

// exportVersion changes when the export formats change, so that devices
// fetch lists again after an upgrade.
const exportVersion = "renkei-export-2"

// exportIndicator is a stored indicator as the matcher compiles it, when it
// is active at t.
func exportIndicator(o store.Object, t time.Time) (match.Indicator, bool) {
	ind := match.Indicator{ID: o.ID, Pattern: o.Pattern, TLP: o.ACL.TLP.String(), Markings: []string{o.ACL.TLP.MarkingID()},
		ValidFrom: o.ValidFrom, ValidUntil: o.ValidUntil, Revoked: o.Revoked, Modified: o.Modified}
	return ind, o.Pattern != "" && ind.ActiveAt(t)
}

// inFormat reports whether ind gives at least one entry in format: only
// then does the export release it, and only then is its release logged.
func inFormat(format string, ind match.Indicator, opt export.Options) bool {
	b := match.NewBuilder()
	if b.AddSTIX(ind) != nil {
		return false
	}
	res, err := export.WriteSet(io.Discard, format, b.Build(), opt)
	return err == nil && res.Written > 0
}

// etagMatches implements If-None-Match's weak comparison for one ETag.
func etagMatches(header, etag string) bool {
	for _, t := range strings.Split(header, ",") {
		t = strings.TrimPrefix(strings.TrimSpace(t), "W/")
		if t == "*" || t == etag {
			return true
		}
	}
	return false
}

func validZone(z string) bool {
	if len(z) > 253 {
		return false
	}
	for _, l := range strings.Split(strings.TrimSuffix(z, "."), ".") {
		if l == "" || len(l) > 63 {
			return false
		}
		for _, c := range l {
			if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_') {
				return false
			}
		}
	}
	return true
}
