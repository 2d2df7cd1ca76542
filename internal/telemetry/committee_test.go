package telemetry_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"renkei/internal/approval"
	"renkei/internal/flow"
	"renkei/internal/policy"
	"renkei/internal/store/storetest"
	"renkei/internal/telemetry"
)

// TestC6ApprovalKindMatchesBasis: a source collects only under an approval of
// the kind its legal basis needs. An access and neutralization measure, even
// an emergency one in force, never gates collection, and an agreement's
// approval does not open transit collection.
func TestC6ApprovalKindMatchesBasis(t *testing.T) {
	t.Parallel()
	for _, kind := range storetest.Kinds(t) {
		t.Run(kind, func(t *testing.T) {
			t.Parallel()
			e := setup(t, kind)
			ctx := context.Background()
			now := *e.now
			as := e.a.Approvals
			// Issue 21: a center analyst files an emergency measure, and a
			// committee-basis source names it to collect transit traffic.
			measure, err := as.File(ctx, e.callers["center"], approval.Request{Kind: approval.KindMeasure, LegalBasis: "Art. 35",
				Target: "C2 203.0.113.77", Justification: "urgent", ValidFrom: now, ValidUntil: now.Add(48 * time.Hour)}, true)
			if err != nil {
				t.Fatal(err)
			}
			committee, err := as.File(ctx, e.callers["handler"], approval.Request{Kind: approval.KindCollectionCommittee, LegalBasis: "Art. 32",
				Target: "transit at IX-Tokyo", Justification: "campaign X", ValidFrom: now.Add(-time.Hour), ValidUntil: now.Add(30 * 24 * time.Hour)}, false)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := as.Decide(ctx, e.callers["overseer"], committee.ID, true, "proportionate"); err != nil {
				t.Fatal(err)
			}
			transit := []flow.Record{rec("203.0.113.9", "203.0.113.200", 443, 5, now)} // foreign → foreign
			for _, tt := range []struct {
				name, source, ref, basis string
				kept                     bool
			}{
				{"a committee source on an emergency measure", "transit-by-measure", "approval-" + itoa(measure.ID), telemetry.BasisCommittee, false},
				{"a committee source on an agreement's approval", "transit-by-agreement", "approval-" + itoa(e.approval.ID), telemetry.BasisCommittee, false},
				{"an agreement source on the committee's approval", "border-by-committee", "approval-" + itoa(committee.ID), telemetry.BasisAgreement, false},
				{"a committee source on the committee's approval", "transit", "approval-" + itoa(committee.ID), telemetry.BasisCommittee, true},
			} {
				t.Run(tt.name, func(t *testing.T) {
					if err := e.addSource(ctx, telemetry.Source{ID: tt.source, LegalBasis: tt.basis, ApprovalRef: tt.ref, Retention: time.Hour, Created: now}); err != nil {
						t.Fatal(err)
					}
					recs := transit
					if tt.basis == telemetry.BasisAgreement {
						recs = []flow.Record{rec("203.0.113.9", "192.0.2.10", 443, 5, now)} // foreign → domestic
					}
					res, err := e.p.Ingest(ctx, tt.source, recs)
					if tt.kept != (err == nil && res.Kept == 1) {
						t.Fatalf("kept %d, err %v; want kept: %v", res.Kept, err, tt.kept)
					}
					if !tt.kept && !errors.Is(err, telemetry.ErrNotApproved) {
						t.Fatalf("refusal: %v", err)
					}
					src, _ := telemetry.GetSource(ctx, e.h.DB, tt.source)
					st, err := e.svc.Status(ctx, src, now)
					if err != nil || st.InForce != tt.kept {
						t.Fatalf("status in force %v (%s), want %v", st.InForce, st.Why, tt.kept)
					}
					if !tt.kept && !strings.Contains(st.Why, "not "+src.ApprovalKind()) {
						t.Errorf("the status does not say the approval is of another kind: %q", st.Why)
					}
				})
			}
		})
	}
}

// TestCommitteeRevokesApproval: once the committee revokes the approval a
// source rests on, collection is refused and its records can no longer be
// read, at once; the revocation is in the log first.
func TestCommitteeRevokesApproval(t *testing.T) {
	t.Parallel()
	for _, kind := range storetest.Kinds(t) {
		t.Run(kind, func(t *testing.T) {
			t.Parallel()
			e := setup(t, kind)
			ctx := context.Background()
			now := *e.now
			e.indicator(t, "center", "[ipv4-addr:value = '203.0.113.9']")
			if res, err := e.p.Ingest(ctx, "power-border", []flow.Record{rec("203.0.113.9", "192.0.2.10", 443, 5, now)}); err != nil || res.Kept != 1 {
				t.Fatalf("before: kept %d, %v", res.Kept, err)
			}
			e.drain(t)
			recs, _, err := e.svc.Access(ctx, e.callers["handler"], "power-border", "investigate C2", 10)
			if err != nil || len(recs) != 1 {
				t.Fatalf("access before: %d records, %v", len(recs), err)
			}
			as := e.a.Approvals
			if _, err := as.Revoke(ctx, e.callers["overseer"], e.approval.ID, "the operator withdrew its agreement"); err != nil {
				t.Fatal(err)
			}
			_, err = e.p.Ingest(ctx, "power-border", []flow.Record{rec("203.0.113.9", "192.0.2.10", 443, 5, now)})
			if !errors.Is(err, telemetry.ErrNotApproved) {
				t.Fatalf("collection after the revocation: %v", err)
			}
			if _, _, err := e.svc.Access(ctx, e.callers["handler"], "power-border", "investigate C2", 10); !errors.Is(err, policy.ErrApprovalNotInForce) {
				t.Fatalf("access after the revocation: %v", err)
			}
			src, _ := telemetry.GetSource(ctx, e.h.DB, "power-border")
			if st, _ := e.svc.Status(ctx, src, now); st.InForce {
				t.Fatal("the source's status says its revoked approval is in force")
			}
		})
	}
}
