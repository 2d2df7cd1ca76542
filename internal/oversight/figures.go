package oversight

import (
	"context"
	"encoding/csv"
	"fmt"
	"io"
	"slices"
	"strconv"
	"time"

	"golang.org/x/mod/sumdb/note"

	"renkei/internal/audit"
	"renkei/internal/jst"
)

// Kinds of approval as logged in an entry's Detail["kind"]. They repeat the
// approval package's names so that this package reads the log without
// depending on the approval workflow.
var approvalKinds = []string{"collection-agreement", "collection-committee", "access-neutralization"}

// Line is one figure of the annual report.
type Line struct {
	Key   string // stable identifier, also the catalog key suffix in the console
	Kind  string // approval kind or instrument, "" when the figure has none
	Count int64
}

// Report is the annual-report figures for a period, with the checkpoint
// they were counted under so that anyone can recount them.
type Report struct {
	From, To   time.Time // [From, To); zero means open
	Lines      []Line
	Actions    []audit.Figure // every action in the period, by name
	Checkpoint audit.SignedCheckpoint
	Entries    int64 // entries of the log in the period
}

// Figures scans the signed log and counts, for entries whose time is in
// [from, to): approvals requested, granted and denied per kind, emergency
// measures, notices, demands and recommendations issued, and deletions (by
// persons, and by retention jobs with the number of records they deleted).
// Entries outside the period are skipped; a damaged entry stops the count with
// an error naming it, since a partial figure would mislead the Diet.
func Figures(ctx context.Context, f audit.Fetcher, verifiers []note.Verifier, from, to time.Time) (*Report, error) {
	rep := &Report{From: from, To: to}
	count := map[[2]string]int64{}
	actions := map[string]int{}
	cp, err := audit.Scan(ctx, f, verifiers, func(_ uint64, e audit.Entry) error {
		if (!from.IsZero() && e.Time.Before(from)) || (!to.IsZero() && !e.Time.Before(to)) {
			return nil
		}
		rep.Entries++
		actions[e.Action]++
		kind := e.Detail["kind"]
		switch e.Action {
		case audit.ActionApprovalRequest:
			count[[2]string{"approvals_requested", kind}]++
		case audit.ActionApprovalDecide:
			switch e.Detail["decision"] {
			case "approved":
				count[[2]string{"approvals_granted", kind}]++
			case "denied":
				count[[2]string{"approvals_denied", kind}]++
			}
		case audit.ActionEmergencyMeasure:
			count[[2]string{"emergency_measures", ""}]++
		case audit.ActionNoticeIssue:
			count[[2]string{"notices", ""}]++
		case audit.ActionDemandIssue:
			count[[2]string{"demands", ""}]++
		case audit.ActionRecommendationIssue:
			count[[2]string{"recommendations", ""}]++
		case audit.ActionDelete:
			count[[2]string{"deletions", ""}]++
		case audit.ActionRetentionDelete:
			count[[2]string{"retention_runs", ""}]++
			n, err := strconv.ParseInt(e.Detail["count"], 10, 64)
			if err == nil && n > 0 {
				count[[2]string{"retention_records", ""}] += n
			}
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("count figures from the audit log: %w", err)
	}
	rep.Checkpoint = cp
	for _, key := range []string{"approvals_requested", "approvals_granted", "approvals_denied"} {
		var total int64
		for _, k := range approvalKinds {
			n := count[[2]string{key, k}]
			total += n
			rep.Lines = append(rep.Lines, Line{Key: key, Kind: k, Count: n})
		}
		// A kind the hub may add later still counts in the total.
		for c, n := range count {
			if c[0] == key && !slices.Contains(approvalKinds, c[1]) {
				total += n
				rep.Lines = append(rep.Lines, Line{Key: key, Kind: c[1], Count: n})
			}
		}
		rep.Lines = append(rep.Lines, Line{Key: key, Kind: "total", Count: total})
	}
	for _, key := range []string{"emergency_measures", "notices", "demands", "recommendations", "deletions", "retention_runs", "retention_records"} {
		rep.Lines = append(rep.Lines, Line{Key: key, Count: count[[2]string{key, ""}]})
	}
	for a, n := range actions {
		rep.Actions = append(rep.Actions, audit.Figure{Action: a, Count: n})
	}
	slices.SortFunc(rep.Actions, func(a, b audit.Figure) int {
		if a.Action < b.Action {
			return -1
		}
		if a.Action > b.Action {
			return 1
		}
		return 0
	})
	return rep, nil
}

// Get returns the count of one line ("" kind for figures without kinds).
func (r *Report) Get(key, kind string) int64 {
	for _, l := range r.Lines {
		if l.Key == key && l.Kind == kind {
			return l.Count
		}
	}
	return 0
}

// WriteCSV writes the report as CSV: a header, one row per figure, then one
// row per action, then the checkpoint the counts were taken under (size and
// root), so a reader can recount with `renkei audit figures`.
func (r *Report) WriteCSV(w io.Writer) error {
	cw := csv.NewWriter(w)
	day := func(t time.Time) string {
		if t.IsZero() {
			return ""
		}
		return t.UTC().Format(time.RFC3339)
	}
	rows := [][]string{{"section", "figure", "kind", "count", "from", "to"}}
	for _, l := range r.Lines {
		rows = append(rows, []string{"report", l.Key, l.Kind, strconv.FormatInt(l.Count, 10), day(r.From), day(r.To)})
	}
	for _, a := range r.Actions {
		rows = append(rows, []string{"action", a.Action, "", strconv.Itoa(a.Count), day(r.From), day(r.To)})
	}
	rows = append(rows, []string{"checkpoint", r.Checkpoint.Origin, fmt.Sprintf("%x", r.Checkpoint.Root), strconv.FormatUint(r.Checkpoint.Size, 10), "", ""})
	if err := cw.WriteAll(rows); err != nil {
		return fmt.Errorf("write figures CSV: %w", err)
	}
	return nil
}

// Period parses the console's and CLI's period: a year ("2026") gives that
// calendar year in Japan Standard Time, since the report is for a Japanese
// fiscal audience; a fiscal year ("FY2026") runs April to March; otherwise
// from and to are dates (YYYY-MM-DD, to exclusive), either may be empty.
func Period(year, from, to string) (time.Time, time.Time, error) {
	if year != "" {
		fiscal := false
		if len(year) > 2 && (year[:2] == "FY" || year[:2] == "fy") {
			fiscal, year = true, year[2:]
		}
		y, err := strconv.Atoi(year)
		if err != nil || y < 2000 || y > 9999 {
			return time.Time{}, time.Time{}, fmt.Errorf("year %q: want a year such as 2026 or FY2026", year)
		}
		if fiscal {
			return time.Date(y, 4, 1, 0, 0, 0, 0, jst.Zone), time.Date(y+1, 4, 1, 0, 0, 0, 0, jst.Zone), nil
		}
		return time.Date(y, 1, 1, 0, 0, 0, 0, jst.Zone), time.Date(y+1, 1, 1, 0, 0, 0, 0, jst.Zone), nil
	}
	var a, b time.Time
	var err error
	if from != "" {
		if a, err = time.ParseInLocation("2006-01-02", from, jst.Zone); err != nil {
			return a, b, fmt.Errorf("from %q: want a date YYYY-MM-DD", from)
		}
	}
	if to != "" {
		if b, err = time.ParseInLocation("2006-01-02", to, jst.Zone); err != nil {
			return a, b, fmt.Errorf("to %q: want a date YYYY-MM-DD", to)
		}
	}
	if !a.IsZero() && !b.IsZero() && !b.After(a) {
		return a, b, fmt.Errorf("period %s to %s: the end must be after the start", from, to)
	}
	return a, b, nil
}
