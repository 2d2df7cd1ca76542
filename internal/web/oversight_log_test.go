package web

import (
	"context"
	"encoding/csv"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"renkei/internal/audit"
	"renkei/internal/jst"
	"renkei/internal/store/storetest"
)

// committeeLog appends, at fixed times, reads of communications
// information in and around March 2026 (Japan time) and a decision on one
// approval; it returns the indices of the two reads in March.
func (e *env) committeeLog() [2]uint64 {
	e.t.Helper()
	at := func(s string) time.Time {
		tm, err := time.ParseInLocation("2006-01-02 15:04", s, jst.Zone)
		if err != nil {
			e.t.Fatal(err)
		}
		return tm
	}
	c := e.center.ID
	var march [2]uint64
	for i, en := range []audit.Entry{
		{Time: at("2026-02-28 23:59"), User: "handler-a", Org: c, Role: "handler", Action: audit.ActionCommAccess, Purpose: "incident 2026-101 phishing relay", LegalBasis: "agreement approval-7"},
		{Time: at("2026-03-10 09:00"), User: "handler-a", Org: c, Role: "handler", Action: audit.ActionCommAccess, Purpose: "incident 2026-113 C2 beacon", LegalBasis: "agreement approval-7", ObjectID: "source:power-border"},
		{Time: at("2026-03-15 10:00"), User: "iinkai", Role: "overseer", Action: audit.ActionApprovalDecide, ObjectID: "approval-7"},
		{Time: at("2026-03-31 23:30"), User: "handler-b", Org: c, Role: "handler", Action: audit.ActionCommAccess, Purpose: "botnet takedown support", LegalBasis: "committee approval-9"},
		{Time: at("2026-04-01 00:00"), User: "handler-b", Org: c, Role: "handler", Action: audit.ActionCommAccess, Purpose: "botnet takedown support", LegalBasis: "committee approval-9"},
	} {
		idx, err := e.h.Audit.Append(context.Background(), en)
		if err != nil {
			e.t.Fatal(err)
		}
		switch i {
		case 1:
			march[0] = idx
		case 3:
			march[1] = idx
		}
	}
	e.logEntries() // the checkpoint covers them
	return march
}

var logRowRE = regexp.MustCompile(`<tr id="entry-(\d+)" class="(verified|unverified)">`)

// logRows returns the entries a page of the committee's log lists, and
// whether each was verified.
func logRows(body string) map[uint64]bool {
	out := map[uint64]bool{}
	for _, m := range logRowRE.FindAllStringSubmatch(body, -1) {
		i, _ := strconv.ParseUint(m[1], 10, 64)
		out[i] = m[2] == "verified"
	}
	return out
}

// TestCommitteeLogPageFilters: the committee's console lists the audit log
// itself, filtered by action, user, organization, purpose, legal basis,
// approval and time; "every access to communications information in March,
// with its purpose and approval" is one filter; each entry's inclusion
// proof is verified in the page; the CSV names the checkpoint it was
// verified against. Nobody but overseers reaches the page (both stores).
func TestCommitteeLogPageFilters(t *testing.T) {
	t.Parallel()
	for _, kind := range storetest.Kinds(t) {
		t.Run(kind, func(t *testing.T) {
			t.Parallel()
			e := newEnvOn(t, kind, Options{})
			e.withOverseer()
			c := e.as("iinkai") // logs in first: the login is in the log too
			march := e.committeeLog()
			const inMarch = "action=comm.access&from=2026-03-01&to=2026-04-01"
			st, body := c.get("/oversight/log?" + inMarch)
			if st != 200 {
				t.Fatalf("log page: %d\n%s", st, body)
			}
			rows := logRows(body)
			if len(rows) != 2 || !rows[march[0]] || !rows[march[1]] {
				t.Fatalf("March's accesses: %v, want %v verified\n%s", rows, march, body)
			}
			for _, want := range []string{"incident 2026-113 C2 beacon", "agreement approval-7", "botnet takedown support", "committee approval-9",
				`id="cp-origin">` + e.h.Audit.Origin() + `<`, "該当 2 件", `href="/oversight/log.csv?` + strings.ReplaceAll(inMarch, "&", "&amp;") + `"`} {
				if !strings.Contains(body, want) {
					t.Errorf("the page lacks %q\n%s", want, body)
				}
			}
			if strings.Contains(body, "phishing relay") {
				t.Error("February's access is listed")
			}
			for q, n := range map[string]int{
				"user=handler-b":                 2,
				"org=" + e.center.ID:             4,
				"purpose=c2+beacon":              1,
				"legal_basis=committee":          2,
				"approval=7":                     3,
				"approval=approval-7&" + inMarch: 1,
				"action=approval.*&user=iinkai":  1,
			} {
				if st, body := c.get("/oversight/log?" + q); st != 200 || len(logRows(body)) != n {
					t.Errorf("%s: %d, %d entries, want %d", q, st, len(logRows(body)), n)
				}
			}
			st, body = c.get("/oversight/log.csv?" + inMarch)
			recs, err := csv.NewReader(strings.NewReader(body)).ReadAll()
			if st != 200 || err != nil || len(recs) != 4 {
				t.Fatalf("CSV: %d %v\n%s", st, err, body)
			}
			root := recs[1][18]
			for i, r := range recs[1:3] {
				if r[0] != strconv.FormatUint(march[i], 10) || r[8] == "" || r[9] == "" || r[15] != "true" || r[16] != e.h.Audit.Origin() || r[18] != root || len(root) != 64 {
					t.Errorf("CSV row %q", r)
				}
			}
			if last := recs[3]; last[0] != "checkpoint" || last[18] != root || last[17] == "" {
				t.Errorf("CSV's checkpoint line %q", last)
			}
			if st, body := c.get("/oversight/log?from=2026-13-01"); st != 400 || !strings.Contains(body, `id="log-error"`) {
				t.Errorf("a bad date: %d", st)
			}
			for _, login := range []string{"admin", "center-analyst", "power-admin"} {
				for _, p := range []string{"/oversight/log", "/oversight/log.csv"} {
					if st, _ := e.as(login).get(p); st != 403 {
						t.Errorf("%s GET %s: %d, want 403", login, p, st)
					}
				}
			}
		})
	}
}
