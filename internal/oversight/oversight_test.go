package oversight

import (
	"bytes"
	"context"
	"encoding/csv"
	"math/rand/v2"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"renkei/internal/audit"
)

// writeLog appends entries to a real log, closes it (which publishes a
// checkpoint covering all of them) and returns a fetcher and verifiers.
func writeLog(t *testing.T, entries []audit.Entry) (audit.Fetcher, *audit.Log) {
	t.Helper()
	dir := t.TempDir()
	l, err := audit.Open(context.Background(), audit.Options{Dir: filepath.Join(dir, "audit"), KeyDir: filepath.Join(dir, "keys"),
		Node: "node-a", CheckpointInterval: 100 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	// Appends made together share one durable write, as on a busy hub.
	var wg sync.WaitGroup
	for i, e := range entries {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if _, err := l.Append(context.Background(), e); err != nil {
				t.Errorf("append %d: %v", i, err)
			}
		}()
	}
	wg.Wait()
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	f, err := audit.NewFetcher(l.Dir(), nil)
	if err != nil {
		t.Fatal(err)
	}
	return f, l
}

func at(s string) time.Time {
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		panic(err)
	}
	return t
}

func TestFiguresCountWhatWasLoggedInThePeriod(t *testing.T) {
	e := func(when, action string, detail map[string]string) audit.Entry {
		return audit.Entry{Time: at(when), User: "u", Action: action, ObjectID: "approval-1", Detail: detail}
	}
	f, l := writeLog(t, []audit.Entry{
		e("2026-03-01T00:00:00Z", audit.ActionApprovalRequest, map[string]string{"kind": "access-neutralization"}),
		e("2026-03-02T00:00:00Z", audit.ActionApprovalRequest, map[string]string{"kind": "collection-agreement"}),
		e("2026-03-02T01:00:00Z", audit.ActionApprovalRequest, map[string]string{"kind": "collection-agreement"}),
		e("2026-03-03T00:00:00Z", audit.ActionApprovalDecide, map[string]string{"kind": "collection-agreement", "decision": "approved"}),
		e("2026-03-03T01:00:00Z", audit.ActionApprovalDecide, map[string]string{"kind": "collection-agreement", "decision": "denied"}),
		e("2026-04-01T00:00:00Z", audit.ActionEmergencyMeasure, map[string]string{"kind": "access-neutralization"}),
		e("2026-05-01T00:00:00Z", audit.ActionRetentionDelete, map[string]string{"count": "120"}),
		e("2026-05-02T00:00:00Z", audit.ActionRetentionDelete, map[string]string{"count": "30"}),
		e("2026-05-03T00:00:00Z", audit.ActionNoticeIssue, nil),
		e("2026-05-03T00:00:00Z", audit.ActionDemandIssue, nil),
		e("2026-06-03T00:00:00Z", audit.ActionLogin, nil),
		// Outside 2026 in JST: 2025-12-31T14:59Z is still 2025 in Japan.
		e("2025-12-31T14:59:00Z", audit.ActionApprovalRequest, map[string]string{"kind": "access-neutralization"}),
		e("2027-01-01T00:00:00Z", audit.ActionEmergencyMeasure, nil),
	})
	vs, err := Verifiers(l.VerifierKey())
	if err != nil {
		t.Fatal(err)
	}
	from, to, err := Period("2026", "", "")
	if err != nil {
		t.Fatal(err)
	}
	rep, err := Figures(context.Background(), f, vs, from, to)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name, key, kind string
		want            int64
	}{
		{"measures requested", "approvals_requested", "access-neutralization", 1},
		{"agreements requested", "approvals_requested", "collection-agreement", 2},
		{"all requested", "approvals_requested", "total", 3},
		{"granted", "approvals_granted", "collection-agreement", 1},
		{"denied", "approvals_denied", "total", 1},
		{"emergency", "emergency_measures", "", 1},
		{"retention runs", "retention_runs", "", 2},
		{"records deleted", "retention_records", "", 150},
		{"notices", "notices", "", 1},
		{"demands", "demands", "", 1},
		{"recommendations", "recommendations", "", 0},
	} {
		t.Run(c.name, func(t *testing.T) {
			if got := rep.Get(c.key, c.kind); got != c.want {
				t.Errorf("%s/%s = %d, want %d", c.key, c.kind, got, c.want)
			}
		})
	}
	if rep.Entries != 11 {
		t.Errorf("entries in 2026 = %d, want 11", rep.Entries)
	}
	var buf bytes.Buffer
	if err := rep.WriteCSV(&buf); err != nil {
		t.Fatal(err)
	}
	rows, err := csv.NewReader(&buf).ReadAll()
	if err != nil {
		t.Fatalf("CSV does not parse: %v", err)
	}
	found := false
	for _, r := range rows {
		if r[0] == "report" && r[1] == "retention_records" && r[3] == "150" {
			found = true
		}
	}
	if !found || rows[len(rows)-1][0] != "checkpoint" || rows[len(rows)-1][3] != "13" {
		t.Errorf("CSV lacks the figures or the checkpoint:\n%v", rows)
	}
}

func TestSampleVerifiesProofsOfDistinctEntries(t *testing.T) {
	var es []audit.Entry
	for i := range 300 {
		es = append(es, audit.Entry{User: "u", Action: audit.ActionObjectRead, ObjectID: "indicator--" + strings.Repeat("a", i%5+1)})
	}
	f, l := writeLog(t, es)
	vs, _ := Verifiers(l.VerifierKey(), l.PQVerifierKey())
	got, cp, err := Sample(context.Background(), f, vs, 10, rand.New(rand.NewPCG(1, 2)))
	if err != nil {
		t.Fatal(err)
	}
	if cp.Size != 300 || len(got) != 10 {
		t.Fatalf("size %d, %d inspections; want 300, 10", cp.Size, len(got))
	}
	for i, in := range got {
		if i > 0 && in.Index <= got[i-1].Index {
			t.Errorf("indices not distinct and ordered: %d after %d", in.Index, got[i-1].Index)
		}
		if err := audit.VerifyInclusion(in.Index, cp.Size, in.LeafHash, in.Proof, cp.Root); err != nil {
			t.Errorf("entry %d: proof does not verify: %v", in.Index, err)
		}
	}
	all, _, err := Sample(context.Background(), f, vs, 1000, nil)
	if err != nil || len(all) != MaxSample {
		t.Errorf("oversized sample: %d entries, err %v; want %d", len(all), err, MaxSample)
	}
}

func TestPeriod(t *testing.T) {
	for _, c := range []struct {
		name, year, from, to string
		wantFrom             string
		bad                  bool
	}{
		{"calendar year in JST", "2026", "", "", "2025-12-31T15:00:00Z", false},
		{"fiscal year", "FY2026", "", "", "2026-03-31T15:00:00Z", false},
		{"dates", "", "2026-02-01", "2026-03-01", "2026-01-31T15:00:00Z", false},
		{"open start", "", "", "2026-03-01", "", false},
		{"bad year", "26", "", "", "", true},
		{"reversed", "", "2026-03-01", "2026-02-01", "", true},
		{"bad date", "", "2026/03/01", "", "", true},
	} {
		t.Run(c.name, func(t *testing.T) {
			a, _, err := Period(c.year, c.from, c.to)
			if (err != nil) != c.bad {
				t.Fatalf("err = %v, want error %v", err, c.bad)
			}
			if c.bad {
				return
			}
			got := ""
			if !a.IsZero() {
				got = a.UTC().Format(time.RFC3339)
			}
			if got != c.wantFrom {
				t.Errorf("from = %s, want %s", got, c.wantFrom)
			}
		})
	}
}

// FuzzPeriod: any year/from/to from a browser or command line either gives
// a period whose end is after its start, or an error; it never panics.
func FuzzPeriod(f *testing.F) {
	for _, s := range [][3]string{{"2026", "", ""}, {"FY2026", "", ""}, {"", "2026-01-01", "2026-02-01"}, {"fy", "", ""}, {"", "2026-13-01", ""}} {
		f.Add(s[0], s[1], s[2])
	}
	f.Fuzz(func(t *testing.T, year, from, to string) {
		a, b, err := Period(year, from, to)
		if err != nil {
			return
		}
		if !a.IsZero() && !b.IsZero() && !b.After(a) {
			t.Fatalf("Period(%q, %q, %q) = %v..%v: end not after start", year, from, to, a, b)
		}
	})
}
