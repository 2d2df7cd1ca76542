package api_test

import (
	"context"
	"encoding/csv"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"renkei/internal/audit"
	"renkei/internal/client"
	"renkei/internal/hubtest"
	"renkei/internal/jst"
	"renkei/internal/store/storetest"
	"renkei/internal/testwait"
)

// marchLog appends, at fixed times, reads of communications information in
// and around March 2026 (Japan time) and a decision on one approval, and
// returns the indices of the two reads in March.
func marchLog(t *testing.T, l *audit.Log, center string) [2]uint64 {
	t.Helper()
	ctx := context.Background()
	at := func(s string) time.Time {
		tm, err := time.ParseInLocation("2006-01-02 15:04", s, jst.Zone)
		if err != nil {
			t.Fatal(err)
		}
		return tm
	}
	var march [2]uint64
	for i, e := range []audit.Entry{
		{Time: at("2026-02-28 23:59"), User: "handler-a", Org: center, Role: "handler", Action: audit.ActionCommAccess, Purpose: "incident 2026-101 phishing relay", LegalBasis: "agreement approval-7"},
		{Time: at("2026-03-10 09:00"), User: "handler-a", Org: center, Role: "handler", Action: audit.ActionCommAccess, Purpose: "incident 2026-113 C2 beacon", LegalBasis: "agreement approval-7", ObjectID: "source:power-border"},
		{Time: at("2026-03-15 10:00"), User: "iinkai", Role: "overseer", Action: audit.ActionApprovalDecide, ObjectID: "approval-7", Detail: map[string]string{"decision": "approve"}},
		{Time: at("2026-03-31 23:30"), User: "handler-b", Org: center, Role: "handler", Action: audit.ActionCommAccess, Purpose: "botnet takedown support", LegalBasis: "committee approval-9", ObjectID: "source:transit"},
		{Time: at("2026-04-01 00:00"), User: "handler-b", Org: center, Role: "handler", Action: audit.ActionCommAccess, Purpose: "botnet takedown support", LegalBasis: "committee approval-9"},
	} {
		idx, err := l.Append(ctx, e)
		if err != nil {
			t.Fatal(err)
		}
		if i == 1 {
			march[0] = idx
		}
		if i == 3 {
			march[1] = idx
		}
	}
	return march
}

// TestCommitteeSelectsTheLogByFilter: the REST API and the typed client
// select entries of the audit log by action, user, organization, purpose,
// legal basis, approval and time; "every access to communications
// information in March" is one filter; each entry's inclusion proof is
// verified against the checkpoint the answer names; the CSV names it too.
// Only those who inspect the log are answered (both stores).
func TestCommitteeSelectsTheLogByFilter(t *testing.T) {
	t.Parallel()
	for _, kind := range storetest.Kinds(t) {
		t.Run(kind, func(t *testing.T) {
			t.Parallel()
			ctx := context.Background()
			th := hubtest.New(t, kind, hubtest.WithAudit())
			th.Overseer("iinkai")
			th.User("kanshi", th.Center().Name, "analyst")
			s := serve(t, th)
			march := marchLog(t, th.Audit, th.Center().ID)
			want, err := th.Audit.Size(ctx)
			if err != nil {
				t.Fatal(err)
			}
			iinkai := s.as("iinkai")
			from, _ := time.ParseInLocation(time.DateOnly, "2026-03-01", jst.Zone)
			to := from.AddDate(0, 1, 0)
			q := client.AuditQuery{Actions: []string{audit.ActionCommAccess}, From: from, To: to}
			var sel client.AuditSelection
			if !testwait.Until(10*time.Second, func() bool {
				sel, err = iinkai.AuditEntries(ctx, q)
				return err == nil && sel.Checkpoint.Size >= want
			}) {
				t.Fatalf("no checkpoint covering %d entries: %+v %v", want, sel.Checkpoint, err)
			}
			if sel.Matched != 2 || len(sel.Entries) != 2 || sel.Entries[0].Index != march[0] || sel.Entries[1].Index != march[1] {
				t.Fatalf("March's accesses: %+v, want entries %v", sel, march)
			}
			for _, x := range sel.Entries {
				if !x.Verified || x.Problem != "" || len(x.Proof) == 0 || x.Entry.Purpose == "" || x.Entry.LegalBasis == "" {
					t.Errorf("entry %d: %+v", x.Index, x)
				}
			}
			if len(sel.Checkpoint.Root) != 64 || sel.Checkpoint.Origin != th.Audit.Origin() {
				t.Errorf("checkpoint %+v, want the log's origin %q", sel.Checkpoint, th.Audit.Origin())
			}
			count := func(q client.AuditQuery) int {
				t.Helper()
				sel, err := iinkai.AuditEntries(ctx, q)
				if err != nil {
					t.Fatal(err)
				}
				return sel.Matched
			}
			for _, c := range []struct {
				name string
				q    client.AuditQuery
				want int
			}{
				{"user", client.AuditQuery{User: "handler-b"}, 2},
				{"organization", client.AuditQuery{Org: th.Center().ID, Actions: []string{audit.ActionCommAccess}}, 4},
				{"purpose", client.AuditQuery{Purpose: "C2 BEACON"}, 1},
				{"legal basis", client.AuditQuery{LegalBasis: "committee"}, 2},
				{"approval by number", client.AuditQuery{Approval: "7"}, 3},
				{"approval by reference, in March", client.AuditQuery{Approval: "approval-7", From: from, To: to}, 2},
				{"family of actions", client.AuditQuery{Actions: []string{"approval.*"}, User: "iinkai"}, 1},
				{"limit", client.AuditQuery{Actions: []string{audit.ActionCommAccess}, Limit: 1}, 4},
			} {
				if got := count(c.q); got != c.want {
					t.Errorf("%s: %d entries, want %d", c.name, got, c.want)
				}
			}
			if sel, _ := iinkai.AuditEntries(ctx, client.AuditQuery{Actions: []string{audit.ActionCommAccess}, Limit: 1}); len(sel.Entries) != 1 {
				t.Errorf("limit 1 showed %d entries", len(sel.Entries))
			}
			var b strings.Builder
			if err := iinkai.AuditEntriesCSV(ctx, q, &b); err != nil {
				t.Fatal(err)
			}
			rows, err := csv.NewReader(strings.NewReader(b.String())).ReadAll()
			if err != nil || len(rows) != 4 {
				t.Fatalf("CSV: %v\n%s", err, b.String())
			}
			for _, r := range rows[1:3] {
				if r[7] != audit.ActionCommAccess || r[8] == "" || r[9] == "" || r[15] != "true" || r[16] != sel.Checkpoint.Origin || r[18] == "" {
					t.Errorf("CSV row %q", r)
				}
			}
			if last := rows[3]; last[0] != "checkpoint" || last[16] != sel.Checkpoint.Origin || last[18] != rows[1][18] || last[7] != "matched=2" {
				t.Errorf("CSV's checkpoint line %q", last)
			}
			var apiErr *client.APIError
			if _, err := s.as("kanshi").AuditEntries(ctx, q); !errors.As(err, &apiErr) || apiErr.Status != http.StatusForbidden {
				t.Errorf("an analyst reads the log: %v", err)
			}
			if _, err := iinkai.AuditEntries(ctx, client.AuditQuery{}); err != nil {
				t.Errorf("no filter: %v", err)
			}
			r, err := http.NewRequest("GET", s.URL+"/api/v1/audit/entries?from=2026-13-01", nil)
			if err != nil {
				t.Fatal(err)
			}
			r.Header.Set("Authorization", "Bearer "+s.tokens["iinkai"])
			resp, err := http.DefaultClient.Do(r)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode != http.StatusBadRequest {
				t.Errorf("a bad date: %d, want 400", resp.StatusCode)
			}
		})
	}
}
