package cli

import (
	"context"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"renkei/internal/hub"
	"renkei/internal/i18n"
	"renkei/internal/policy"
	"renkei/internal/store"
)

// TestReviewQueueFromTheCommandLine: renkei export reviews lists a member's
// indicator that the hub's policy holds for review, renkei export review
// releases it (logged first by the command line), and the queue is then
// empty.
func TestReviewQueueFromTheCommandLine(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	data := []string{"--data", dir, "--lang", "en"}
	cli := func(args ...string) (string, string) {
		t.Helper()
		code, out, stderr := run(t, "", append(args, data...)...)
		if code != 0 {
			t.Fatalf("%s: exit %d: %s", strings.Join(args, " "), code, stderr)
		}
		return out, stderr
	}
	org, _ := cli("org", "add", "Kanto Electric", "--kind", "operator", "--sector", "energy")
	org = strings.TrimSpace(org)
	ctx := context.Background()
	db, err := store.Open(ctx, filepath.Join(dir, "renkei.db"))
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now().UTC()
	const id = "indicator--00000000-0000-4000-8000-00000000c1a0"
	if _, err := db.InsertObjects(ctx, []store.Object{{CollectionID: hub.MembersCollection, ID: id, Type: "indicator", SpecVersion: "2.1",
		Created: now, Modified: now, Pattern: "[ipv4-addr:value = '198.51.100.77']", ACL: policy.ACL{TLP: policy.Green, AuthorOrg: org},
		Raw: []byte(`{"type":"indicator","id":"` + id + `"}`)}}, now, "", store.StatusProgress{}); err != nil {
		t.Fatal(err)
	}
	if err := db.SetExportPolicy(ctx, store.ExportPolicy{Scope: "hub", RequireReview: true, UpdatedAt: now}); err != nil {
		t.Fatal(err)
	}
	db.Close()

	if out, _ := cli("export", "reviews", "--format", "json"); !strings.Contains(out, id) {
		t.Fatalf("the queue lacks the member's indicator:\n%s", out)
	}
	if out, _ := cli("export", "review", id, "--release", "--note", "confirmed"); out != i18n.Text("en", "cli.export.review_released", id)+"\n" {
		t.Errorf("review says %q", out)
	}
	if out, stderr := cli("export", "reviews"); strings.Contains(out, id) || !strings.Contains(stderr, i18n.Text("en", "cli.export.reviews_none")) {
		t.Errorf("a released indicator still waits:\n%s%s", out, stderr)
	}
	if code, _, _ := run(t, "", append([]string{"export", "review", id}, data...)...); code == 0 {
		t.Error("a review with neither --release nor --hold was accepted")
	}
	if got := loggedByCLI(t, dir)["export.review "+id]["decision"]; got != "release" {
		t.Errorf("the release is not logged by the command line: %q", got)
	}
}
