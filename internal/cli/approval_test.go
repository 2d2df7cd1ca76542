package cli

import (
	"encoding/json"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"renkei/internal/api"
	"renkei/internal/hubtest"
)

// TestApprovalCommands: a handler files a request and an emergency measure
// with `renkei approval request` against a real hub over HTTP; the committee
// lists the pending ones and decides with reasons; mistakes are refused with
// a one-line error.
func TestApprovalCommands(t *testing.T) {
	t.Parallel()
	h := hubtest.New(t, "sqlite", hubtest.WithAudit())
	h.User("handler", h.Center().ID, "handler")
	h.Overseer("iinkai") // the committee's first member, in its own organization
	tok := map[string]string{"handler": h.Token("handler"), "iinkai": h.Token("iinkai")}
	srv := httptest.NewServer((&api.Server{App: h.App, MaxBody: 1 << 20}).Handler())
	defer srv.Close()
	as := func(login string, args ...string) (int, string, string) {
		return run(t, "", append(args, "--hub", srv.URL, "--token", tok[login])...)
	}
	until := time.Now().AddDate(0, 2, 0).Format("2006-01-02")

	code, out, errOut := as("handler", "approval", "request", "--kind", "collection-committee", "--legal-basis", "Art. 61",
		"--target", "foreign-to-foreign transit at IX-Tokyo", "--justification", "campaign X", "--until", until, "--format", "json")
	if code != 0 {
		t.Fatalf("request: %d %s", code, errOut)
	}
	var a struct {
		ID     int64  `json:"id"`
		Status string `json:"status"`
	}
	if err := json.Unmarshal([]byte(out), &a); err != nil || a.Status != "pending" {
		t.Fatalf("request output: %v %s", err, out)
	}
	if code, _, errOut := as("handler", "approval", "request", "--kind", "access-neutralization", "--legal-basis", "Art. 36",
		"--target", "C2 203.0.113.7", "--justification", "ransomware staging", "--until", time.Now().Add(72*time.Hour).Format(time.RFC3339), "--emergency"); code != 0 {
		t.Fatalf("emergency: %d %s", code, errOut)
	}

	for _, c := range []struct {
		name, login string
		args        []string
		wantErr     string
	}{
		{"no period end", "handler", []string{"approval", "request", "--kind", "collection-agreement", "--legal-basis", "x", "--target", "y", "--justification", "z"}, "--until"},
		{"bad date", "handler", []string{"approval", "request", "--kind", "collection-agreement", "--until", "next week"}, `--until "next week"`},
		{"missing justification", "handler", []string{"approval", "request", "--kind", "collection-agreement", "--legal-basis", "x", "--target", "y", "--until", until}, "justification"},
		{"handler decides", "handler", []string{"approval", "decide", strconv.FormatInt(a.ID, 10), "--approve", "--reason", "mine"}, "403"},
		{"no reasons", "iinkai", []string{"approval", "decide", strconv.FormatInt(a.ID, 10), "--approve"}, "--reason"},
		{"both", "iinkai", []string{"approval", "decide", strconv.FormatInt(a.ID, 10), "--approve", "--deny", "--reason", "r"}, "exactly one"},
		{"bad id", "iinkai", []string{"approval", "decide", "x", "--deny", "--reason", "r"}, "not an approval id"},
	} {
		t.Run(c.name, func(t *testing.T) {
			code, _, errOut := as(c.login, c.args...)
			if code == 0 || !strings.Contains(errOut, c.wantErr) || strings.Count(errOut, "\n") != 1 {
				t.Errorf("exit %d, stderr %q; want a one-line error mentioning %q", code, errOut, c.wantErr)
			}
		})
	}

	code, out, _ = as("iinkai", "approval", "list", "--status", "pending")
	if code != 0 || !strings.Contains(out, "foreign-to-foreign transit") || strings.Contains(out, "C2 203.0.113.7") {
		t.Errorf("pending list:\n%s", out)
	}
	code, out, _ = as("iinkai", "approval", "list", "--status", "emergency")
	if code != 0 || !strings.Contains(out, "notify by") {
		t.Errorf("emergency list shows no post-notification due date:\n%s", out)
	}
	code, out, errOut = as("iinkai", "approval", "decide", "approval-"+strconv.FormatInt(a.ID, 10), "--deny", "--reason", "the approval basis is not shown")
	if code != 0 || !strings.Contains(out, "denied") || !strings.Contains(out, "iinkai") {
		t.Errorf("decide: %d %s %s", code, out, errOut)
	}
	// The committee revokes the emergency measure; a handler may not.
	code, out, _ = as("iinkai", "approval", "list", "--status", "emergency", "--format", "json")
	var ms []struct {
		ID int64 `json:"id"`
	}
	if err := json.Unmarshal([]byte(out), &ms); code != 0 || err != nil || len(ms) != 1 {
		var one struct {
			ID int64 `json:"id"`
		}
		if json.Unmarshal([]byte(out), &one) != nil || one.ID == 0 {
			t.Fatalf("emergency list: %d %s", code, out)
		}
		ms = append(ms[:0], one)
	}
	measure := strconv.FormatInt(ms[0].ID, 10)
	if code, _, errOut := as("handler", "approval", "revoke", measure, "--reason", "done"); code == 0 || !strings.Contains(errOut, "403") {
		t.Errorf("a handler revokes: %d %s", code, errOut)
	}
	code, out, errOut = as("iinkai", "approval", "revoke", measure, "--reason", "the threat is gone")
	if code != 0 || !strings.Contains(out, "revoked") {
		t.Errorf("revoke: %d %s %s", code, out, errOut)
	}
}

// TestApprovalStatesPurposesAndPrefixPreservation from the command line: a
// request names its purposes (--purpose, repeated) and asks for prefix-
// preserving pseudonyms (--prefix-preserving); the approval's answer and
// the committee's list show both, and what a kept prefix reveals.
func TestApprovalStatesPurposesAndPrefixPreservation(t *testing.T) {
	t.Parallel()
	h := hubtest.New(t, "sqlite", hubtest.WithAudit())
	h.User("handler", h.Center().ID, "handler")
	h.Overseer("iinkai")
	tok := map[string]string{"handler": h.Token("handler"), "iinkai": h.Token("iinkai")}
	srv := httptest.NewServer((&api.Server{App: h.App, MaxBody: 1 << 20}).Handler())
	defer srv.Close()
	as := func(login string, args ...string) (int, string, string) {
		return run(t, "", append(args, "--hub", srv.URL, "--token", tok[login])...)
	}
	until := time.Now().AddDate(0, 2, 0).Format("2006-01-02")
	code, out, errOut := as("handler", "approval", "request", "--kind", "collection-agreement", "--legal-basis", "agreement 2026-7",
		"--target", "Kanto border routers", "--justification", "C2 detection", "--until", until,
		"--purpose", "C2 beacon detection for campaign X", "--purpose", "incident 2026-11 response", "--prefix-preserving", "--format", "json")
	if code != 0 {
		t.Fatalf("request: %d %s", code, errOut)
	}
	var a struct {
		Purposes         []string `json:"purposes"`
		PrefixPreserving bool     `json:"prefix_preserving"`
		PrefixReveals    string   `json:"prefix_preserving_reveals"`
	}
	if err := json.Unmarshal([]byte(out), &a); err != nil || len(a.Purposes) != 2 || a.Purposes[1] != "incident 2026-11 response" || !a.PrefixPreserving ||
		!strings.Contains(a.PrefixReveals, "subnet layout") {
		t.Fatalf("the approval's answer: %v %s", err, out)
	}
	code, out, _ = as("iinkai", "approval", "list", "--status", "pending")
	if code != 0 || !strings.Contains(out, "purpose: C2 beacon detection for campaign X") || !strings.Contains(out, "prefix-preserving pseudonyms granted") ||
		!strings.Contains(out, "subnet layout") {
		t.Fatalf("the committee's list does not show the purposes and the prefix preservation asked:\n%s", out)
	}
	if code, _, errOut := as("handler", "approval", "request", "--kind", "collection-agreement", "--legal-basis", "x", "--target", "y",
		"--justification", "z", "--until", until, "--purpose", "x"); code == 0 || !strings.Contains(errOut, "purpose") {
		t.Errorf("a purpose that is no statement: %d %s", code, errOut)
	}
	if code, _, errOut := as("handler", "approval", "request", "--kind", "access-neutralization", "--legal-basis", "Art. 36", "--target", "C2",
		"--justification", "z", "--until", until, "--prefix-preserving"); code == 0 || !strings.Contains(errOut, "prefix_preserving") {
		t.Errorf("a measure granting prefix preservation: %d %s", code, errOut)
	}
}

// TestRetentionCommands sets rules (a logged policy change), shows them, and
// runs the job on a local data directory.
func TestRetentionCommands(t *testing.T) {
	t.Parallel()
	data := []string{"--data", t.TempDir()}
	if code, _, errOut := run(t, "", append([]string{"retention", "set", "comm:comm-sighting:*:90", "red:*:red:365"}, data...)...); code != 0 {
		t.Fatalf("set: %s", errOut)
	}
	code, out, _ := run(t, "", append([]string{"retention", "show"}, data...)...)
	if code != 0 || !strings.Contains(out, "comm-sighting") || !strings.Contains(out, "365") {
		t.Errorf("show:\n%s", out)
	}
	if code, _, errOut := run(t, "", append([]string{"retention", "set", "all:*:*:30"}, data...)...); code == 0 || !strings.Contains(errOut, "name a type or a TLP") {
		t.Errorf("a rule for everything: %d %s", code, errOut)
	}
	if code, _, errOut := run(t, "", append([]string{"retention", "set", "x:indicator:purple:30"}, data...)...); code == 0 || !strings.Contains(errOut, "purple") {
		t.Errorf("a bad TLP: %d %s", code, errOut)
	}
	if code, out, errOut := run(t, "", append([]string{"retention", "run"}, data...)...); code != 0 || !strings.Contains(out, "nothing expired") {
		t.Errorf("run: %d %s %s", code, out, errOut)
	}
}
