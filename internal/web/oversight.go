package web

import (
	"errors"
	"fmt"
	"maps"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"golang.org/x/mod/sumdb/note"

	"renkei/internal/approval"
	"renkei/internal/audit"
	"renkei/internal/hub"
	"renkei/internal/jst"
	"renkei/internal/oversight"
	"renkei/internal/policy"
	"renkei/internal/problem"
	"renkei/internal/retention"
	"renkei/internal/store"
)

// The oversight committee's console (監理): approvals to decide, emergency
// measures and their post-notification, inspections of the audit log with
// verified proofs, and the annual-report figures counted from the log. Only
// the overseer role sees it; the pages show approvals and log entries, never
// intelligence content.

// overseer wraps a page for the committee only: everyone else gets 403.
func (s *server) overseer(fn func(http.ResponseWriter, *http.Request, *request)) http.HandlerFunc {
	return s.member(func(w http.ResponseWriter, r *http.Request, req *request) {
		if !policy.OverseesConsole(req.viewer) {
			s.fail(w, r, http.StatusForbidden, "error.forbidden")
			return
		}
		fn(w, r, req)
	})
}

// auditRefused answers a request whose act was not done because the audit
// log refused to record it first.
func (s *server) auditRefused(w http.ResponseWriter, r *http.Request, err error) {
	s.log.Error("web: refused, the audit log could not record it", "path", r.URL.Path, "err", err)
	s.fail(w, r, http.StatusServiceUnavailable, "error.audit")
}

// recordOrFail appends an act to the audit log before it happens (rule C7);
// when the log cannot take it, the page says so and the act is not done.
func (s *server) recordOrFail(w http.ResponseWriter, r *http.Request, req *request, action, object string, detail map[string]string) bool {
	if _, err := s.Hub.Record(r.Context(), req.caller, action, object, detail); err != nil {
		s.log.Error("web: refused, the audit log could not record it", "action", action, "object", object, "err", err)
		s.fail(w, r, http.StatusServiceUnavailable, "error.audit")
		return false
	}
	return true
}

type approvalRow struct {
	approval.Approval
	Overdue   bool // an emergency measure whose post-notification is past due
	Lapsed    bool // … and so in force no more
	Revocable bool // approved, or an emergency measure: the committee may revoke it
}

type oversightData struct {
	Pending   []approvalRow
	Emergency []approvalRow
	Past      []approvalRow
	Error     string // catalog key, shown at the form of ErrorID
	ErrorID   int64
	Reason    string
	Decided   int64 // the approval just decided, acknowledged once
	Revoked   int64 // the approval just revoked, acknowledged once
	// The committee's accounts, and the one just confirmed with its first
	// password (shown once, to hand to the new member).
	Members          []store.User
	NewMember        string
	NewPassword      string
	Retired          string // the member just retired, acknowledged once
	RetireProposed   string // the member whose retirement was just proposed
	RetireWithdrawn  string // the member whose proposed retirement was just withdrawn
	MemberError      string // catalog key
	MemberErrorLogin string
}

func (s *server) oversightPage(w http.ResponseWriter, r *http.Request, req *request) {
	d := &oversightData{}
	d.Decided, _ = strconv.ParseInt(r.URL.Query().Get("decided"), 10, 64)
	d.Revoked, _ = strconv.ParseInt(r.URL.Query().Get("revoked"), 10, 64)
	s.showOversight(w, r, req, http.StatusOK, d)
}

func (s *server) showOversight(w http.ResponseWriter, r *http.Request, req *request, status int, d *oversightData) {
	all, err := s.Approvals.List(r.Context(), req.viewer, "", 500)
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	now := s.Now()
	for _, a := range all {
		row := approvalRow{Approval: a, Overdue: a.Emergency && a.NotifiedAt.IsZero() && now.After(a.NotifyDue), Lapsed: a.Lapsed(now),
			Revocable: a.Status == approval.StatusApproved || a.Status == approval.StatusEmergency}
		if a.Emergency {
			d.Emergency = append(d.Emergency, row)
		}
		switch a.Status {
		case approval.StatusPending, approval.StatusEmergency:
			d.Pending = append(d.Pending, row)
		default:
			d.Past = append(d.Past, row)
		}
	}
	if _, d.Members, err = hub.CommitteeMembers(r.Context(), s.Store); err != nil && !errors.Is(err, store.ErrNotFound) {
		s.serverError(w, r, err)
		return
	}
	s.render(w, r, req, status, "oversight", "oversight.title", "oversight", d)
}

// confirmMember is a committee member's confirmation of an account the hub's
// administrators created for a new member: logged first, then the account is
// active and the page shows its first password once.
func (s *server) confirmMember(w http.ResponseWriter, r *http.Request, req *request) {
	login := r.PathValue("login")
	u, password, err := s.Hub.ConfirmOverseer(r.Context(), req.caller, login)
	switch {
	case err == nil:
		s.Auth.Forget()
		w.Header().Set("Cache-Control", "no-store")
		s.showOversight(w, r, req, http.StatusOK, &oversightData{NewMember: u.Login, NewPassword: password})
	case errors.Is(err, policy.ErrConflict):
		s.showOversight(w, r, req, http.StatusForbidden, &oversightData{MemberError: "oversight.error.confirm_own", MemberErrorLogin: login})
	case !errors.Is(err, problem.ErrConflict) && s.refused(w, r, err):
	default:
		s.log.Warn("web: confirmation refused", "login", login, "err", err)
		s.showOversight(w, r, req, http.StatusConflict, &oversightData{MemberError: "oversight.error.confirmed", MemberErrorLogin: login})
	}
}

// retireMember is a committee member's proposal to retire a member's
// account, with reasons (logged first as committee.retire.propose), or a
// second member's confirmation of it (logged first as committee.retire,
// then the account is disabled). The last active member is not retired.
func (s *server) retireMember(w http.ResponseWriter, r *http.Request, req *request) {
	login := r.PathValue("login")
	u, err := s.Hub.RetireOverseer(r.Context(), req.caller, login, r.PostFormValue("reason"))
	var ps problem.Problems
	switch {
	case err == nil && !u.Disabled:
		s.showOversight(w, r, req, http.StatusOK, &oversightData{RetireProposed: u.Login})
	case err == nil:
		s.Auth.Forget()
		s.showOversight(w, r, req, http.StatusOK, &oversightData{Retired: u.Login})
	case errors.Is(err, policy.ErrConflict):
		s.showOversight(w, r, req, http.StatusForbidden, &oversightData{MemberError: "oversight.error.retire_second", MemberErrorLogin: login})
	case errors.Is(err, hub.ErrRetireProposalExpired):
		s.showOversight(w, r, req, http.StatusConflict, &oversightData{MemberError: "oversight.error.retire_expired", MemberErrorLogin: login})
	case errors.As(err, &ps):
		s.showOversight(w, r, req, http.StatusBadRequest, &oversightData{MemberError: "oversight.error.retire_reason", MemberErrorLogin: login})
	case errors.Is(err, hub.ErrLastMember):
		s.showOversight(w, r, req, http.StatusConflict, &oversightData{MemberError: "oversight.error.last_member", MemberErrorLogin: login})
	case !errors.Is(err, problem.ErrConflict) && s.refused(w, r, err):
	default:
		s.log.Warn("web: retirement refused", "login", login, "err", err)
		s.showOversight(w, r, req, http.StatusConflict, &oversightData{MemberError: "oversight.error.retired", MemberErrorLogin: login})
	}
}

// withdrawRetirement is the proposer's withdrawal of their proposal to
// retire a member (logged first as committee.retire.withdraw).
func (s *server) withdrawRetirement(w http.ResponseWriter, r *http.Request, req *request) {
	login := r.PathValue("login")
	u, err := s.Hub.WithdrawRetirement(r.Context(), req.caller, login, r.PostFormValue("reason"))
	switch {
	case err == nil:
		s.showOversight(w, r, req, http.StatusOK, &oversightData{RetireWithdrawn: u.Login})
	case errors.Is(err, hub.ErrRetireProposalExpired):
		s.showOversight(w, r, req, http.StatusConflict, &oversightData{MemberError: "oversight.error.retire_expired", MemberErrorLogin: login})
	case errors.Is(err, hub.ErrForbidden):
		s.showOversight(w, r, req, http.StatusForbidden, &oversightData{MemberError: "oversight.error.retire_withdraw", MemberErrorLogin: login})
	case !errors.Is(err, problem.ErrConflict) && s.refused(w, r, err):
	default:
		s.log.Warn("web: withdrawal refused", "login", login, "err", err)
		s.showOversight(w, r, req, http.StatusConflict, &oversightData{MemberError: "oversight.error.retire_withdraw", MemberErrorLogin: login})
	}
}

// decideApproval records the committee's decision with its reasons; the
// approval service logs it before it takes effect.
func (s *server) decideApproval(w http.ResponseWriter, r *http.Request, req *request) {
	id, ok := pathID(r)
	if !ok {
		s.fail(w, r, http.StatusNotFound, "error.notfound")
		return
	}
	reason := strings.TrimSpace(r.PostFormValue("reason"))
	decision := r.PostFormValue("decision")
	if decision != "approve" && decision != "deny" {
		s.showOversight(w, r, req, http.StatusBadRequest, &oversightData{Error: "oversight.error.decision", ErrorID: id, Reason: reason})
		return
	}
	if reason == "" || len(reason) > 10000 {
		s.showOversight(w, r, req, http.StatusBadRequest, &oversightData{Error: "oversight.error.reason", ErrorID: id, Reason: reason})
		return
	}
	_, err := s.Approvals.Decide(r.Context(), req.caller, id, decision == "approve", reason)
	if err == nil {
		http.Redirect(w, r, "/oversight?decided="+strconv.FormatInt(id, 10), http.StatusSeeOther)
		return
	}
	// Decided already, or another state that forbids a decision: the default.
	s.approvalRefused(w, r, req, id, reason, err, "oversight.error.reason", "oversight.error.decided")
}

// approvalRefused shows why the approval service refused a decision or a
// revocation of approval id: badReason when the reasons were not accepted,
// otherwise when the approval's state forbids the act.
func (s *server) approvalRefused(w http.ResponseWriter, r *http.Request, req *request, id int64, reason string, err error, badReason, otherwise string) {
	switch {
	case errors.Is(err, problem.ErrInvalid):
		s.showOversight(w, r, req, http.StatusBadRequest, &oversightData{Error: badReason, ErrorID: id, Reason: reason})
	case errors.Is(err, policy.ErrConflict):
		s.showOversight(w, r, req, http.StatusForbidden, &oversightData{Error: "oversight.error.conflict", ErrorID: id, Reason: reason})
	case !errors.Is(err, problem.ErrConflict) && s.refused(w, r, err):
	default:
		s.log.Warn("web: approval act refused", "approval", id, "err", err)
		s.showOversight(w, r, req, http.StatusConflict, &oversightData{Error: otherwise, ErrorID: id, Reason: reason})
	}
}

// revokeApproval records the committee's revocation of an approval with its
// reasons; the approval service logs it before it takes effect, and from
// then on collection and access under it are refused.
func (s *server) revokeApproval(w http.ResponseWriter, r *http.Request, req *request) {
	id, ok := pathID(r)
	if !ok {
		s.fail(w, r, http.StatusNotFound, "error.notfound")
		return
	}
	reason := strings.TrimSpace(r.PostFormValue("reason"))
	if reason == "" || len(reason) > 10000 {
		s.showOversight(w, r, req, http.StatusBadRequest, &oversightData{Error: "oversight.error.revoke_reason", ErrorID: id, Reason: reason})
		return
	}
	_, err := s.Approvals.Revoke(r.Context(), req.caller, id, reason)
	if err == nil {
		http.Redirect(w, r, "/oversight?revoked="+strconv.FormatInt(id, 10)+"#past", http.StatusSeeOther)
		return
	}
	s.approvalRefused(w, r, req, id, reason, err, "oversight.error.revoke_reason", "oversight.error.not_revocable")
}

// logAccess returns a fetcher and verifiers on this hub's own log, as an
// overseer would use them from outside: through the published files and the
// public keys only.
func (s *server) logAccess() (audit.Fetcher, []note.Verifier, error) {
	if s.Audit == nil {
		return nil, nil, hub.ErrAuditUnavailable
	}
	// The log as published: on a cluster, the store every node serves.
	vs, err := oversight.Verifiers(s.Audit.VerifierKey(), s.Audit.PQVerifierKey())
	return s.Audit.Fetcher(), vs, err
}

type inspectRow struct {
	*audit.Inspection
	Detail   string
	LeafHex  string
	ProofHex []string
}

type inspectData struct {
	N          int
	Index      string
	Rows       []inspectRow
	Size       uint64
	Root       string
	Origin     string
	Note       [][]string // the signed note's lines, in chunks a browser may wrap between
	VerifierKs []string
	Error      string
}

// inspectPage samples n entries at random (or shows the entries named by
// index=) with their inclusion proofs, each verified against the current
// signed checkpoint before it is shown.
func (s *server) inspectPage(w http.ResponseWriter, r *http.Request, req *request) {
	q := r.URL.Query()
	d := &inspectData{N: 5, Index: strings.TrimSpace(q.Get("index"))}
	if n, err := strconv.Atoi(q.Get("n")); err == nil && n > 0 {
		d.N = min(n, oversight.MaxSample)
	}
	f, vs, err := s.logAccess()
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	d.VerifierKs = []string{s.Audit.VerifierKey()}
	var ins []*audit.Inspection
	var cp audit.SignedCheckpoint
	if d.Index != "" {
		var idx []uint64
		for _, p := range strings.FieldsFunc(d.Index, func(r rune) bool { return r == ',' || r == ' ' }) {
			i, err := strconv.ParseUint(p, 10, 64)
			if err != nil {
				d.Error = fmt.Sprintf("%q is not an entry index", p)
				break
			}
			idx = append(idx, i)
		}
		if d.Error == "" {
			ins, err = oversight.InspectIndices(r.Context(), f, vs, idx)
			if len(ins) > 0 {
				cp = ins[0].Checkpoint
			}
		}
	} else {
		ins, cp, err = oversight.Sample(r.Context(), f, vs, d.N, nil)
	}
	if err != nil {
		d.Error = err.Error()
	}
	ins = policy.InspectableEntries(req.viewer, ins, func(in *audit.Inspection) policy.AuditEntry { return policy.AuditEntry{Org: in.Entry.Org} })
	for _, in := range ins {
		row := inspectRow{Inspection: in, LeafHex: fmt.Sprintf("%x", in.LeafHash)}
		for _, p := range in.Proof {
			row.ProofHex = append(row.ProofHex, fmt.Sprintf("%x", p))
		}
		var kv []string
		for _, k := range slices.Sorted(maps.Keys(in.Entry.Detail)) {
			kv = append(kv, k+"="+in.Entry.Detail[k])
		}
		row.Detail = strings.Join(kv, " ")
		d.Rows = append(d.Rows, row)
		cp = in.Checkpoint
	}
	if cp.Size > 0 || len(cp.Note) > 0 {
		d.Size, d.Root, d.Origin, d.Note = cp.Size, fmt.Sprintf("%x", cp.Root), cp.Origin, wrapLines(string(cp.Note), 64)
	}
	status := http.StatusOK
	if d.Error != "" {
		status = http.StatusUnprocessableEntity
	}
	s.render(w, r, req, status, "oversight_inspect", "oversight.inspect", "oversight_inspect", d)
}

type figuresData struct {
	Year, From, To string
	Report         *oversight.Report
	Root           string
	Query          string
	Error          string
	Retention      []retention.Rule // the rules the deletions were made under
}

// figures counts the annual-report figures from the log for a year (default
// the current one) or a period.
func (s *server) figuresPage(w http.ResponseWriter, r *http.Request, req *request) {
	d, rep, ok := s.oversightFigures(w, r)
	if !ok {
		return
	}
	status := http.StatusOK
	if d.Error != "" {
		status = http.StatusBadRequest
	}
	d.Report = rep
	var err error
	if d.Retention, err = retention.Rules(r.Context(), s.Store); err != nil {
		s.serverError(w, r, err)
		return
	}
	if rep != nil {
		d.Root = fmt.Sprintf("%x", rep.Checkpoint.Root)
	}
	s.render(w, r, req, status, "oversight_figures", "oversight.figures", "oversight_figures", d)
}

func (s *server) figuresCSV(w http.ResponseWriter, r *http.Request, req *request) {
	d, rep, ok := s.oversightFigures(w, r)
	if !ok {
		return
	}
	if d.Error != "" {
		http.Error(w, d.Error, http.StatusBadRequest)
		return
	}
	name := "renkei-oversight-figures"
	if d.Year != "" {
		name += "-" + d.Year
	}
	w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	w.Header().Set("Content-Disposition", `attachment; filename="`+name+`.csv"`)
	if err := rep.WriteCSV(w); err != nil {
		s.log.Warn("web: figures CSV", "err", err)
	}
}

func (s *server) oversightFigures(w http.ResponseWriter, r *http.Request) (*figuresData, *oversight.Report, bool) {
	q := r.URL.Query()
	d := &figuresData{Year: strings.TrimSpace(q.Get("year")), From: strings.TrimSpace(q.Get("from")), To: strings.TrimSpace(q.Get("to"))}
	if d.Year == "" && d.From == "" && d.To == "" {
		d.Year = strconv.Itoa(s.Now().In(jst.Zone).Year())
	}
	v := url.Values{}
	for k, x := range map[string]string{"year": d.Year, "from": d.From, "to": d.To} {
		if x != "" {
			v.Set(k, x)
		}
	}
	d.Query = v.Encode()
	from, to, err := oversight.Period(d.Year, d.From, d.To)
	if err != nil {
		d.Error = err.Error()
		return d, nil, true
	}
	f, vs, err := s.logAccess()
	if err != nil {
		s.serverError(w, r, err)
		return nil, nil, false
	}
	rep, err := oversight.Figures(r.Context(), f, vs, from, to)
	if err != nil {
		s.serverError(w, r, err)
		return nil, nil, false
	}
	return d, rep, true
}

// wrapLines splits text into lines, and each line into chunks of at most n
// bytes, so that a page can offer a break between chunks: an ML-DSA-65
// signature line is over 4,000 characters with no space in it.
func wrapLines(text string, n int) [][]string {
	var out [][]string
	for _, l := range strings.Split(strings.TrimSuffix(text, "\n"), "\n") {
		var chunks []string
		for len(l) > n {
			chunks = append(chunks, l[:n])
			l = l[n:]
		}
		out = append(out, append(chunks, l))
	}
	return out
}
