package cli

import (
	"context"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"renkei/internal/api"
	"renkei/internal/auth"
	"renkei/internal/hub"
	"renkei/internal/hubtest"
)

// TestCommitteeRetiresItsMembers from the command line, through the API
// (POST /api/v1/committee/members/{login}/retirement): a member proposes
// retiring another with reasons, the list shows the proposal, the proposer
// cannot confirm it, a second member does; the list shows the account
// retired; the last active member is not retired.
func TestCommitteeRetiresItsMembers(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	h := hubtest.New(t, "sqlite", hubtest.WithAudit())
	db := h.DB
	chair, _, err := hub.BootstrapCommittee(ctx, db, "Oversight Committee", "iinkai", "test", time.Now())
	if err != nil {
		t.Fatal(err)
	}
	committee, _ := db.CommitteeOrg(ctx)
	for _, l := range []string{"sato", "suzuki"} {
		if _, err := hub.CreateUser(ctx, db, hub.NewUser{Login: l, Org: committee.ID, Role: "overseer", CreatedBy: "admin"}, time.Now()); err != nil {
			t.Fatal(err)
		}
		if _, _, err := h.ConfirmOverseer(ctx, auth.Caller{User: chair, Org: committee}, l); err != nil {
			t.Fatal(err)
		}
	}
	tok, _, _ := hub.CreateToken(ctx, db, "iinkai", "", 0, false, time.Now())
	tok2, _, _ := hub.CreateToken(ctx, db, "suzuki", "", 0, false, time.Now())
	srv := httptest.NewServer((&api.Server{App: h.App, MaxBody: 1 << 20}).Handler())
	defer srv.Close()
	as := func(args ...string) (int, string, string) {
		return run(t, "", append(args, "--hub", srv.URL, "--token", tok)...)
	}
	if code, _, errOut := as("committee", "retire", "sato"); code == 0 || !strings.Contains(errOut, "--reason") {
		t.Errorf("retire without reasons: %d %s", code, errOut)
	}
	if code, out, errOut := as("committee", "retire", "sato", "--reason", "term ended"); code != 0 || !strings.Contains(out, "the retirement of sato is proposed") {
		t.Fatalf("propose: %d %s %s", code, out, errOut)
	}
	if code, out, _ := as("committee", "members"); code != 0 || !strings.Contains(out, "retirement proposed by iinkai") {
		t.Errorf("members:\n%s", out)
	}
	if code, _, errOut := as("committee", "retire", "sato", "--reason", "again"); code == 0 || !strings.Contains(errOut, "403") {
		t.Errorf("the proposer confirmed its own proposal: %d %s", code, errOut)
	}
	if code, out, errOut := run(t, "", "committee", "retire", "sato", "--reason", "agreed", "--hub", srv.URL, "--token", tok2); code != 0 || !strings.Contains(out, "sato is retired") {
		t.Fatalf("confirm: %d %s %s", code, out, errOut)
	}
	if code, out, _ := as("committee", "members"); code != 0 || !strings.Contains(out, "sato   retired") && !strings.Contains(out, "retired") {
		t.Errorf("members:\n%s", out)
	}
	// iinkai leaves, suzuki confirms; suzuki is then the last active member.
	if code, _, errOut := as("committee", "retire", "iinkai", "--reason", "leaving"); code != 0 {
		t.Fatalf("propose: %d %s", code, errOut)
	}
	if code, _, errOut := run(t, "", "committee", "retire", "iinkai", "--reason", "agreed", "--hub", srv.URL, "--token", tok2); code != 0 {
		t.Fatalf("confirm: %d %s", code, errOut)
	}
	if code, _, errOut := run(t, "", "committee", "retire", "suzuki", "--reason", "leaving", "--hub", srv.URL, "--token", tok2); code == 0 || !strings.Contains(errOut, "409") {
		t.Errorf("the last active member retired: %d %s", code, errOut)
	}
}

// TestCommitteeRetireProposalWithdrawnByProposer from the command line: the
// proposer withdraws (DELETE …/retirement), another member cannot, and the
// list no longer shows the proposal; the member proposed may then resign by
// confirming a new proposal. "renkei committee limits" shows and sets the
// proposal period on the server.
func TestCommitteeRetireProposalWithdrawnByProposer(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	h := hubtest.New(t, "sqlite", hubtest.WithAudit())
	db := h.DB
	chair, _, err := hub.BootstrapCommittee(ctx, db, "Oversight Committee", "iinkai", "test", time.Now())
	if err != nil {
		t.Fatal(err)
	}
	committee, _ := db.CommitteeOrg(ctx)
	if _, err := hub.CreateUser(ctx, db, hub.NewUser{Login: "sato", Org: committee.ID, Role: "overseer", CreatedBy: "admin"}, time.Now()); err != nil {
		t.Fatal(err)
	}
	if _, _, err := h.ConfirmOverseer(ctx, auth.Caller{User: chair, Org: committee}, "sato"); err != nil {
		t.Fatal(err)
	}
	tok, _, _ := hub.CreateToken(ctx, db, "iinkai", "", 0, false, time.Now())
	tokSato, _, _ := hub.CreateToken(ctx, db, "sato", "", 0, false, time.Now())
	srv := httptest.NewServer((&api.Server{App: h.App, MaxBody: 1 << 20}).Handler())
	defer srv.Close()
	as := func(token string, args ...string) (int, string, string) {
		return run(t, "", append(args, "--hub", srv.URL, "--token", token)...)
	}
	if code, _, errOut := as(tok, "committee", "retire", "sato", "--reason", "term ended"); code != 0 {
		t.Fatalf("propose: %d %s", code, errOut)
	}
	if code, _, errOut := as(tokSato, "committee", "withdraw", "sato"); code == 0 || !strings.Contains(errOut, "403") {
		t.Errorf("sato withdrew iinkai's proposal: %d %s", code, errOut)
	}
	if code, out, errOut := as(tok, "committee", "withdraw", "sato", "--reason", "in error"); code != 0 || !strings.Contains(out, "withdrawn") {
		t.Fatalf("withdraw: %d %s %s", code, out, errOut)
	}
	if code, out, _ := as(tok, "committee", "members"); code != 0 || strings.Contains(out, "retirement proposed") {
		t.Errorf("members after the withdrawal:\n%s", out)
	}
	if code, _, errOut := as(tok, "committee", "retire", "sato", "--reason", "term ended"); code != 0 {
		t.Fatalf("propose again: %d %s", code, errOut)
	}
	if code, out, errOut := as(tokSato, "committee", "retire", "sato", "--reason", "I agree"); code != 0 || !strings.Contains(out, "sato is retired") {
		t.Fatalf("resign: %d %s %s", code, out, errOut)
	}
}

// TestCommitteeLimitsCommand: the proposal period is 14 days unless set;
// setting it takes whole days.
func TestCommitteeLimitsCommand(t *testing.T) {
	t.Parallel()
	data := []string{"--data", t.TempDir()}
	if code, out, errOut := run(t, "", append([]string{"committee", "limits"}, data...)...); code != 0 || !strings.Contains(out, "expires 14 days") {
		t.Fatalf("default: %d %s %s", code, out, errOut)
	}
	if code, _, errOut := run(t, "", append([]string{"committee", "limits", "--proposal-period", "36h"}, data...)...); code == 0 || !strings.Contains(errOut, "whole days") {
		t.Errorf("part days: %d %s", code, errOut)
	}
	if code, out, errOut := run(t, "", append([]string{"committee", "limits", "--proposal-period", "30d"}, data...)...); code != 0 || !strings.Contains(out, "expires 30 days") {
		t.Fatalf("set: %d %s %s", code, out, errOut)
	}
}
