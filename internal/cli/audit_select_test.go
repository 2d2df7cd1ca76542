package cli

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"renkei/internal/audit"
	"renkei/internal/jst"
)

// TestAuditShowFilters: `renkei audit show` selects entries by the
// committee's filters — every access to communications information in
// March is one command — proves each against the signed checkpoint, prints
// them as JSON or as CSV naming the checkpoint, and says which entries'
// proofs fail when a tile of the log was altered.
func TestAuditShowFilters(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	data := filepath.Join(dir, "data")
	ctx := context.Background()
	l, err := audit.Open(ctx, audit.Options{Dir: filepath.Join(data, "audit"),
		KeyDir: filepath.Join(data, "audit-keys"), Node: "hub-1", CheckpointInterval: 100 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	at := func(s string) time.Time {
		tm, err := time.ParseInLocation("2006-01-02 15:04", s, jst.Zone)
		if err != nil {
			t.Fatal(err)
		}
		return tm
	}
	for _, e := range []audit.Entry{
		{Time: at("2026-02-28 23:59"), User: "handler-a", Org: "center", Role: "handler", Action: audit.ActionCommAccess, Purpose: "incident 2026-101 phishing relay", LegalBasis: "agreement approval-7"},
		{Time: at("2026-03-10 09:00"), User: "handler-a", Org: "center", Role: "handler", Action: audit.ActionCommAccess, Purpose: "incident 2026-113 C2 beacon", LegalBasis: "agreement approval-7"},
		{Time: at("2026-03-15 10:00"), User: "iinkai", Role: "overseer", Action: audit.ActionApprovalDecide, ObjectID: "approval-7"},
		{Time: at("2026-03-31 23:30"), User: "handler-b", Org: "center", Role: "handler", Action: audit.ActionCommAccess, Purpose: "botnet takedown support", LegalBasis: "committee approval-9"},
		{Time: at("2026-04-01 00:00"), User: "handler-b", Org: "center", Role: "handler", Action: audit.ActionCommAccess, Purpose: "botnet takedown support", LegalBasis: "committee approval-9"},
	} {
		if _, err := l.Append(ctx, e); err != nil {
			t.Fatal(err)
		}
	}
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	key := l.VerifierKey()
	march := []string{"audit", "show", "--data", data, "--key", key, "--action", "comm.access", "--from", "2026-03-01", "--to", "2026-04-01"}
	code, out, errs := runAudit(t, march...)
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if code != 0 || len(lines) != 2 {
		t.Fatalf("March: exit %d\n%s%s", code, out, errs)
	}
	for i, l := range lines {
		var got struct {
			Index    uint64          `json:"index"`
			Entry    json.RawMessage `json:"entry"`
			Verified bool            `json:"verified"`
			Size     uint64          `json:"checkpoint_size"`
		}
		if err := json.Unmarshal([]byte(l), &got); err != nil {
			t.Fatal(err)
		}
		e, err := audit.ParseEntry(got.Entry)
		if err != nil || !got.Verified || got.Size != 5 || got.Index != []uint64{1, 3}[i] || e.Purpose == "" || e.LegalBasis == "" {
			t.Errorf("line %d: %s (%v)", i, l, err)
		}
	}
	for _, c := range []struct {
		args []string
		want int
	}{
		{[]string{"--user", "handler-b"}, 2},
		{[]string{"--approval", "7"}, 3},
		{[]string{"--purpose", "BEACON"}, 1},
		{[]string{"--legal-basis", "committee", "--to", "2026-04-01"}, 1},
		{[]string{"--org", "center", "--limit", "1"}, 1},
	} {
		code, out, errs := runAudit(t, append([]string{"audit", "show", "--data", data, "--key", key}, c.args...)...)
		if n := strings.Count(out, "\n"); code != 0 || n != c.want {
			t.Errorf("%v: exit %d, %d entries, want %d\n%s", c.args, code, n, c.want, errs)
		}
	}
	code, out, errs = runAudit(t, append(march, "--format", "csv")...)
	rows, err := csv.NewReader(strings.NewReader(out)).ReadAll()
	if code != 0 || err != nil || len(rows) != 4 {
		t.Fatalf("CSV: exit %d %v\n%s%s", code, err, out, errs)
	}
	if r := rows[1]; r[0] != "1" || r[15] != "true" || r[16] != l.Origin() || r[17] != "5" || len(r[18]) != 64 {
		t.Errorf("CSV row %q", r)
	}
	if last := rows[3]; last[0] != "checkpoint" || last[17] != "5" || last[18] != rows[1][18] {
		t.Errorf("CSV's checkpoint line %q", last)
	}
	if code, _, errs := runAudit(t, "audit", "show", "--data", data, "--key", key, "--index", "1", "--user", "x"); code == 0 || !strings.Contains(errs, "not both") {
		t.Errorf("--index with a filter: exit %d %s", code, errs)
	}

	// Alter the hash of entry 0 in the tile: the entries whose proofs
	// pass through it are listed, NOT verified, with the reason.
	tile := filepath.Join(data, "audit", "tile", "0", "000.p", "5") // the partial level-0 tile of 5 entries
	b, err := os.ReadFile(tile)
	if err != nil {
		t.Fatal(err)
	}
	b[0] ^= 0xff
	if err := os.WriteFile(tile, b, 0o644); err != nil {
		t.Fatal(err)
	}
	code, out, _ = runAudit(t, march...)
	if code != 0 || strings.Count(out, `"verified":false`) != 2 || !strings.Contains(out, "NOT included") {
		t.Fatalf("after altering a tile: exit %d\n%s", code, out)
	}
}
