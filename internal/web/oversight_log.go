package web

import (
	"fmt"
	"maps"
	"net/http"
	"slices"
	"strings"

	"renkei/internal/audit"
	"renkei/internal/jst"
	"renkei/internal/oversight"
	"renkei/internal/policy"
	"renkei/internal/store"
)

// The committee's view of the log itself (監理 → ログ): entries selected by
// action, who acted, organization, purpose, legal basis, approval and time,
// each shown with its inclusion proof verified against the current signed
// checkpoint, and the selection as CSV naming that checkpoint.
// "Every access to communications information in March, with its purpose
// and approval" is one filter: action comm.access and the month's dates.

type logRow struct {
	oversight.Selected
	OrgName string
	Detail  string
	LeafHex string
}

type logData struct {
	Q          oversight.Filter
	Action     string // the action field as typed
	From, To   string // the period fields as typed (dates in Japan time)
	Limit      int
	CSV        string // the CSV of this selection
	Orgs       []store.Org
	Actions    []string // actions offered as one types
	CommAccess string   // the action of reads of communications information
	Rows       []logRow
	Matched    int
	Verified   int
	Size       uint64
	Root       string
	Origin     string
	Error      string
}

// logSelection reads the filter of a request and selects the entries the
// viewer may read (policy.InspectableEntries).
func (s *server) logSelection(r *http.Request, req *request) (*logData, *oversight.Selection, error) {
	q := r.URL.Query()
	d := &logData{Action: strings.TrimSpace(q.Get("action")), From: strings.TrimSpace(q.Get("from")),
		To: strings.TrimSpace(q.Get("to")), CommAccess: audit.ActionCommAccess, Actions: auditActions()}
	f, err := oversight.FilterFromQuery(q)
	d.Q, d.Limit = f, f.Limit
	if d.Limit == 0 {
		d.Limit = oversight.DefaultSelect
	}
	if err != nil {
		d.Error = err.Error()
		return d, nil, nil
	}
	d.CSV = "/oversight/log.csv?" + r.URL.RawQuery
	fe, vs, err := s.logAccess()
	if err != nil {
		return d, nil, err
	}
	sel, err := oversight.Select(r.Context(), fe, vs, f, func(es []audit.Entry) []audit.Entry {
		return policy.InspectableEntries(req.viewer, es, func(e audit.Entry) policy.AuditEntry { return policy.AuditEntry{Org: e.Org} })
	})
	if err != nil {
		return d, nil, err
	}
	return d, sel, nil
}

// auditActions are the actions the committee looks for most, offered as
// one types (any action may be typed; "approval.*" names a family).
func auditActions() []string {
	return []string{audit.ActionCommAccess, audit.ActionApprovalRequest, audit.ActionApprovalDecide, audit.ActionApprovalRevoke,
		audit.ActionEmergencyMeasure, audit.ActionObjectRead, audit.ActionObjectExport, audit.ActionDelete, audit.ActionRetentionDelete,
		audit.ActionPolicyChange, audit.ActionRoleChange, audit.ActionLogin, "approval.*", "committee.*"}
}

func (s *server) logPage(w http.ResponseWriter, r *http.Request, req *request) {
	d, sel, err := s.logSelection(r, req)
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	orgs, err := s.Store.Orgs(r.Context())
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	d.Orgs = orgs
	names := map[string]string{}
	for _, o := range orgs {
		names[o.ID] = o.Name
	}
	status := http.StatusOK
	if d.Error != "" {
		status = http.StatusBadRequest
	}
	if sel != nil {
		cp := sel.Checkpoint
		d.Size, d.Root, d.Origin, d.Matched = cp.Size, fmt.Sprintf("%x", cp.Root), cp.Origin, sel.Matched
		for _, x := range sel.Entries {
			row := logRow{Selected: x, OrgName: names[x.Entry.Org], LeafHex: fmt.Sprintf("%x", x.LeafHash)}
			var kv []string
			for _, k := range slices.Sorted(maps.Keys(x.Entry.Detail)) {
				kv = append(kv, k+"="+x.Entry.Detail[k])
			}
			row.Detail = strings.Join(kv, " ")
			if x.Verified {
				d.Verified++
			}
			d.Rows = append(d.Rows, row)
		}
	}
	s.render(w, r, req, status, "oversight_log", "oversight.log", "oversight_log", d)
}

func (s *server) logCSV(w http.ResponseWriter, r *http.Request, req *request) {
	d, sel, err := s.logSelection(r, req)
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	if d.Error != "" {
		s.fail(w, r, http.StatusBadRequest, "oversight.log_bad_filter")
		return
	}
	name := fmt.Sprintf("renkei-audit-%d-%s", sel.Checkpoint.Size, s.Now().In(jst.Zone).Format("20060102-150405"))
	w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	w.Header().Set("Content-Disposition", `attachment; filename="`+name+`.csv"`)
	if err := sel.WriteCSV(w); err != nil {
		s.log.Warn("web: audit log CSV", "err", err)
	}
}
