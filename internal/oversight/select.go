package oversight

import (
	"context"
	"encoding/csv"
	"encoding/hex"
	"fmt"
	"io"
	"maps"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"golang.org/x/mod/sumdb/note"

	"renkei/internal/audit"
	"renkei/internal/problem"
)

// The committee's view of the log itself: entries selected by what they
// record (action, who, organization, purpose, legal basis, approval, time),
// each with its inclusion proof verified against one signed checkpoint, and
// the selection as CSV naming that checkpoint. The console (監理 → ログ),
// the REST API (GET /api/v1/audit/entries) and `renkei audit show` select
// with the same Filter; who may read which entries is decided by the caller
// through policy.InspectableEntries.

// DefaultSelect and MaxSelect bound one selection: each entry shown costs
// its inclusion proof.
const (
	DefaultSelect = 200
	MaxSelect     = 5000
)

// Filter selects entries of the log; every field that is set must hold.
type Filter struct {
	Actions    []string  // the entry's action is one of these ("approval.*" names every action under "approval.")
	User       string    // who acted, exactly
	Org        string    // the organization of who acted (its id), exactly
	Purpose    string    // in the stated purpose, without regard to case
	LegalBasis string    // in the legal basis, without regard to case
	Approval   string    // the approval the entry is about or rests on: "approval-12" or "12"
	From, To   time.Time // the act's time is in [From, To); zero leaves that end open
	Limit      int       // at most this many entries (0: DefaultSelect; at most MaxSelect)
}

// FilterFromQuery reads a filter from the console's and the API's query
// parameters: action (repeatable or comma-separated), user, org, purpose,
// legal_basis, approval, from and to (dates YYYY-MM-DD in Japan time, to
// exclusive, or RFC 3339) and limit.
func FilterFromQuery(q url.Values) (Filter, error) {
	f := Filter{User: strings.TrimSpace(q.Get("user")), Org: strings.TrimSpace(q.Get("org")),
		Purpose: strings.TrimSpace(q.Get("purpose")), LegalBasis: strings.TrimSpace(q.Get("legal_basis")),
		Approval: strings.TrimSpace(q.Get("approval"))}
	for _, a := range q["action"] {
		for _, x := range strings.Split(a, ",") {
			if x = strings.TrimSpace(x); x != "" && !slices.Contains(f.Actions, x) {
				f.Actions = append(f.Actions, x)
			}
		}
	}
	var err error
	if f.From, err = ParseTime("from", q.Get("from")); err != nil {
		return f, err
	}
	if f.To, err = ParseTime("to", q.Get("to")); err != nil {
		return f, err
	}
	if !f.From.IsZero() && !f.To.IsZero() && !f.To.After(f.From) {
		return f, problem.Field("to", "%s is not after the start %s", q.Get("to"), q.Get("from"))
	}
	if l := strings.TrimSpace(q.Get("limit")); l != "" {
		n, err := strconv.Atoi(l)
		if err != nil || n < 1 {
			return f, problem.Field("limit", "%q is not a number from 1 to %d", l, MaxSelect)
		}
		f.Limit = n
	}
	return f, nil
}

// ParseTime reads one end of a period: a date (YYYY-MM-DD, midnight in
// Japan time, as the committee's periods are) or an RFC 3339 time. name
// is the field, which a refusal names.
func ParseTime(name, s string) (time.Time, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return time.Time{}, nil
	}
	if t, err := time.Parse(time.RFC3339Nano, s); err == nil {
		return t, nil
	}
	a, _, err := Period("", s, "")
	if err != nil {
		return time.Time{}, problem.Field(name, "%q is not a date YYYY-MM-DD or an RFC 3339 time", s)
	}
	return a, nil
}

// Query is f as query parameters, the inverse of FilterFromQuery.
func (f Filter) Query() url.Values {
	v := url.Values{}
	set := func(k, x string) {
		if x != "" {
			v.Set(k, x)
		}
	}
	set("action", strings.Join(f.Actions, ","))
	set("user", f.User)
	set("org", f.Org)
	set("purpose", f.Purpose)
	set("legal_basis", f.LegalBasis)
	set("approval", f.Approval)
	if !f.From.IsZero() {
		v.Set("from", f.From.Format(time.RFC3339))
	}
	if !f.To.IsZero() {
		v.Set("to", f.To.Format(time.RFC3339))
	}
	if f.Limit > 0 {
		v.Set("limit", strconv.Itoa(f.Limit))
	}
	return v
}

// limit is the number of entries f selects at most.
func (f Filter) limit() int {
	if f.Limit <= 0 {
		return DefaultSelect
	}
	return min(f.Limit, MaxSelect)
}

// approvalRef is an approval's reference as entries name it
// (approval.approvalRef): "approval-12" for "12" or "approval-12".
func approvalRef(s string) string {
	if _, err := strconv.ParseUint(s, 10, 64); err == nil {
		return "approval-" + s
	}
	return s
}

// Match reports whether entry e holds every condition of f.
func (f Filter) Match(e audit.Entry) bool {
	if len(f.Actions) > 0 && !slices.ContainsFunc(f.Actions, func(a string) bool {
		if p, ok := strings.CutSuffix(a, "*"); ok {
			return strings.HasPrefix(e.Action, p)
		}
		return e.Action == a
	}) {
		return false
	}
	if (f.User != "" && e.User != f.User) || (f.Org != "" && e.Org != f.Org) {
		return false
	}
	if f.Purpose != "" && !containsFold(e.Purpose, f.Purpose) {
		return false
	}
	if f.LegalBasis != "" && !containsFold(e.LegalBasis, f.LegalBasis) {
		return false
	}
	if f.Approval != "" && !refersTo(e, approvalRef(f.Approval)) {
		return false
	}
	if !f.From.IsZero() && e.Time.Before(f.From) {
		return false
	}
	return f.To.IsZero() || e.Time.Before(f.To)
}

func containsFold(s, sub string) bool {
	return strings.Contains(strings.ToLower(s), strings.ToLower(sub))
}

// refersTo reports whether e is about approval ref (its object) or rests on
// it: a word of its legal basis (a read of communications information
// records "agreement approval-12") or a value of its detail.
func refersTo(e audit.Entry, ref string) bool {
	if e.ObjectID == ref || slices.Contains(strings.Fields(e.LegalBasis), ref) {
		return true
	}
	for _, v := range e.Detail {
		if v == ref {
			return true
		}
	}
	return false
}

// Selected is one selected entry with its inclusion proof, verified against
// the selection's checkpoint (Verified), or the reason it is not (Problem).
type Selected struct {
	Index    uint64
	Entry    audit.Entry
	LeafHash []byte
	Proof    [][]byte
	Verified bool
	Problem  string
}

// Selection is what a filter selected from the log under one signed
// checkpoint: the first Limit matching entries in index order, and how many
// matched in all.
type Selection struct {
	Filter     Filter
	Checkpoint audit.SignedCheckpoint
	Entries    []Selected
	Matched    int // entries matching the filter and readable by the caller, shown or not
}

// Truncated reports whether more entries matched than are shown.
func (s *Selection) Truncated() bool { return s.Matched > len(s.Entries) }

// Select scans the log under its signed checkpoint for the entries f
// matches, keeps those readable says the caller may read (the caller's
// policy.InspectableEntries), and proves each of the first f.Limit in the
// checkpoint's tree. A damaged entry ends the scan with an error; an entry
// whose proof fails is listed, not verified, with the reason.
func Select(ctx context.Context, fe audit.Fetcher, verifiers []note.Verifier, f Filter, readable func([]audit.Entry) []audit.Entry) (*Selection, error) {
	type hit struct {
		index uint64
		e     audit.Entry
	}
	var hits []hit
	var batch []audit.Entry
	var batchIdx []uint64
	sel := &Selection{Filter: f}
	// Entries are passed to readable in batches, so that the policy sees
	// each once and the selection keeps only the first f.limit() in memory.
	flush := func() {
		if len(batch) == 0 {
			return
		}
		keep := readable(batch)
		k := 0
		for i, e := range batch {
			if k < len(keep) && entryEqual(keep[k], e) {
				sel.Matched++
				if len(hits) < f.limit() {
					hits = append(hits, hit{batchIdx[i], e})
				}
				k++
			}
		}
		batch, batchIdx = batch[:0], batchIdx[:0]
	}
	cp, err := audit.Scan(ctx, fe, verifiers, func(i uint64, e audit.Entry) error {
		if f.Match(e) {
			batch, batchIdx = append(batch, e), append(batchIdx, i)
			if len(batch) == 256 {
				flush()
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	flush()
	sel.Checkpoint = cp
	if len(hits) == 0 {
		return sel, nil
	}
	p, err := audit.NewProver(ctx, fe, cp)
	if err != nil {
		return nil, err
	}
	for _, h := range hits {
		s := Selected{Index: h.index, Entry: h.e}
		s.LeafHash, s.Proof, err = p.Prove(ctx, h.index, h.e)
		if err != nil {
			if ctx.Err() != nil {
				return nil, ctx.Err()
			}
			s.Problem = err.Error()
		} else {
			s.Verified = true
		}
		sel.Entries = append(sel.Entries, s)
	}
	return sel, nil
}

// entryEqual reports whether a and b are the same entry of one log: a node
// numbers its entries without repeating a number.
func entryEqual(a, b audit.Entry) bool { return a.Node == b.Node && a.Seq == b.Seq }

// CSVHeader is the header row of a selection's CSV.
var CSVHeader = []string{"index", "time", "node", "seq", "user", "org", "role", "action", "purpose", "legal_basis",
	"object_id", "object_hash", "request_id", "detail", "leaf_hash", "verified", "checkpoint_origin", "checkpoint_size", "checkpoint_root"}

// WriteCSV writes the selection as CSV: a header, then one row per entry
// with its leaf hash, whether its inclusion proof verified, and the
// checkpoint (origin, size, root hash) it was verified against, so that
// anyone with the log's key can check each row again (`renkei audit show
// --index N`). A last row "checkpoint" repeats it with the number of
// entries that matched and the filter, as query parameters.
func (s *Selection) WriteCSV(w io.Writer) error {
	cw := csv.NewWriter(w)
	size, root := strconv.FormatUint(s.Checkpoint.Size, 10), hex.EncodeToString(s.Checkpoint.Root)
	rows := [][]string{CSVHeader}
	for _, x := range s.Entries {
		e := x.Entry
		var kv []string
		for _, k := range slices.Sorted(maps.Keys(e.Detail)) {
			kv = append(kv, k+"="+e.Detail[k])
		}
		rows = append(rows, []string{strconv.FormatUint(x.Index, 10), e.Time.UTC().Format(time.RFC3339Nano), e.Node,
			strconv.FormatUint(e.Seq, 10), e.User, e.Org, e.Role, e.Action, e.Purpose, e.LegalBasis, e.ObjectID, e.ObjectHash,
			e.RequestID, strings.Join(kv, " "), hex.EncodeToString(x.LeafHash), strconv.FormatBool(x.Verified),
			s.Checkpoint.Origin, size, root})
	}
	last := make([]string, len(CSVHeader))
	last[0], last[7], last[13] = "checkpoint", "matched="+strconv.Itoa(s.Matched), s.Filter.Query().Encode()
	last[16], last[17], last[18] = s.Checkpoint.Origin, size, root
	rows = append(rows, last)
	if err := cw.WriteAll(rows); err != nil {
		return fmt.Errorf("write the selection as CSV: %w", err)
	}
	return nil
}
