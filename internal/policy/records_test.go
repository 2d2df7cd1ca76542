package policy

import (
	"bytes"
	"flag"
	"fmt"
	"os"
	"slices"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite the generated role matrix in docs/access.md")

// seats lists every place a role may be held (RoleFitsOrg), in the order
// docs/access.md shows them.
var seats = []struct {
	seat     Seat
	isCenter bool
	roles    []Role
}{
	{SeatCenter, true, []Role{RoleAdmin, RoleOrgAdmin, RoleAnalyst, RoleReporter, RoleViewer, RoleHandler}},
	{SeatMember, false, []Role{RoleOrgAdmin, RoleAnalyst, RoleReporter, RoleViewer}},
	{SeatCommittee, false, []Role{RoleOverseer}},
}

// renderMatrix writes the role matrix as Markdown: one table per kind, a
// row per role where it may be held, a column per relation of a record to
// the reader's organization.
func renderMatrix() string {
	var b strings.Builder
	cell := func(a Access) string {
		switch a {
		case Read:
			return "read"
		case Write:
			return "write"
		case ReadWrite:
			return "read, write"
		}
		return "—"
	}
	for _, k := range Kinds {
		rels := []Relation{}
		for _, r := range []Relation{RelOwn, RelHandles, RelAddressed} {
			for _, g := range Matrix {
				if g.Kind == k && g.Rel != RelAny && g.Rel&r != 0 && !slices.Contains(rels, r) {
					rels = append(rels, r)
				}
			}
		}
		fmt.Fprintf(&b, "\n### %s\n\n| role | where |", k)
		for _, r := range rels {
			fmt.Fprintf(&b, " %s |", r)
		}
		b.WriteString(" any other |\n|---|---|")
		for range len(rels) + 1 {
			b.WriteString("---|")
		}
		b.WriteString("\n")
		for _, s := range seats {
			for _, role := range s.roles {
				v := Viewer{UserID: 1, OrgID: "identity--reader", Role: role, IsCenter: s.isCenter}
				fmt.Fprintf(&b, "| %s | %s |", role, s.seat)
				for _, r := range rels {
					fmt.Fprintf(&b, " %s |", cell(grants(v, k, r)))
				}
				fmt.Fprintf(&b, " %s |\n", cell(grants(v, k, 0)))
			}
		}
		// Rows for the users given a capability that adds to this kind.
		for _, c := range Capabilities {
			for _, s := range seats {
				for _, role := range s.roles {
					v := Viewer{UserID: 1, OrgID: "identity--reader", Role: role, IsCenter: s.isCenter}
					if !CapabilityFits(c, role) || capabilityGrants(v.WithCapabilities([]string{string(c)}), k, RelAny) == 0 {
						continue
					}
					v = v.WithCapabilities([]string{string(c)})
					fmt.Fprintf(&b, "| %s with %s | %s |", role, c, s.seat)
					for _, r := range rels {
						fmt.Fprintf(&b, " %s |", cell(grants(v, k, r)))
					}
					fmt.Fprintf(&b, " %s |\n", cell(grants(v, k, 0)))
				}
			}
		}
		b.WriteString("\n")
		var notes []string
		for _, g := range Matrix {
			if g.Kind != k {
				continue
			}
			who := "every role"
			if g.Roles != nil {
				names := make([]string, len(g.Roles))
				for i, r := range g.Roles {
					names[i] = string(r)
				}
				who = strings.Join(names, ", ")
			}
			notes = append(notes, fmt.Sprintf("- %s, %s (%s), %s: %s", g.Seat, who, g.Rel, cell(g.Access), g.Note))
		}
		for _, g := range CapabilityGrants {
			if g.Kind != k {
				continue
			}
			names := make([]string, len(g.Roles))
			for i, r := range g.Roles {
				names[i] = string(r)
			}
			notes = append(notes, fmt.Sprintf("- %s, capability %s (%s) (%s), %s: %s", g.Seat, g.Cap, strings.Join(names, ", "), g.Rel, cell(g.Access), g.Note))
		}
		b.WriteString(strings.Join(notes, "\n") + "\n")
	}
	return b.String()
}

const (
	matrixBegin = "<!-- BEGIN role matrix: generated from internal/policy/records.go by `go test ./internal/policy -run TestAccessDocIsCurrent -update`; do not edit -->\n"
	matrixEnd   = "<!-- END role matrix -->"
)

// TestAccessDocIsCurrent: docs/access.md shows the role matrix exactly as
// internal/policy/records.go grants it. Run with -update to rewrite it.
func TestAccessDocIsCurrent(t *testing.T) {
	const path = "../../docs/access.md"
	doc, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	i, j := bytes.Index(doc, []byte(matrixBegin)), bytes.Index(doc, []byte(matrixEnd))
	if i < 0 || j < i {
		t.Fatalf("%s has no generated role matrix between %q and %q", path, matrixBegin, matrixEnd)
	}
	want := renderMatrix()
	if got := string(doc[i+len(matrixBegin) : j]); got != want {
		if !*update {
			t.Fatalf("the role matrix in %s is stale: run go test ./internal/policy -run TestAccessDocIsCurrent -update", path)
		}
		out := append(append(append([]byte{}, doc[:i+len(matrixBegin)]...), want...), doc[j:]...)
		if err := os.WriteFile(path, out, 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// TestMatrixAgreesWithDecide: the rows for objects say which roles read
// beyond TLP:CLEAR and which submit, as Decide and CanSubmit do.
func TestMatrixAgreesWithDecide(t *testing.T) {
	amber := ACL{TLP: Amber, AuthorOrg: "identity--author", SubmitterUser: 99}
	for _, s := range seats {
		for _, r := range s.roles {
			v := Viewer{UserID: 1, OrgID: "identity--reader", Role: r, IsCenter: s.isCenter}
			if got, want := MayRead(v, KindObject, 0), Decide(v, amber); got != want {
				t.Errorf("%s in the %s: matrix reads another's AMBER object %v, Decide %v", r, s.seat, got, want)
			}
			addressed := amber
			addressed.RecipientOrgs = []string{v.OrgID}
			if got, want := MayRead(v, KindObject, RelAddressed), Decide(v, addressed); got != want {
				t.Errorf("%s in the %s: matrix reads an addressed object %v, Decide %v", r, s.seat, got, want)
			}
			if got, want := MayWrite(v, KindObject, RelOwn), r.CanSubmit(); got != want {
				t.Errorf("%s in the %s: matrix writes objects %v, CanSubmit %v", r, s.seat, got, want)
			}
		}
	}
}

// TestNobodyWritesThroughReadOnlyToken and nobody anonymous reads or writes
// any record.
func TestNobodyWritesThroughReadOnlyToken(t *testing.T) {
	for _, k := range Kinds {
		for _, s := range seats {
			for _, r := range s.roles {
				v := Viewer{UserID: 1, OrgID: "identity--reader", Role: r, IsCenter: s.isCenter, ReadOnly: true}
				if MayWrite(v, k, RelAny) {
					t.Errorf("%s in the %s writes %s records with a read-only token", r, s.seat, k)
				}
			}
		}
		if MayRead(Viewer{}, k, RelAny) || MayWrite(Viewer{}, k, RelAny) {
			t.Errorf("an anonymous reader has access to %s records", k)
		}
	}
}

// TestOverseersSeeNoPictureContent: the committee reads approvals, the audit
// log, sources and its own alerts, and no content of the operating picture
// (DESIGN.md: overseers see approvals, audit log and figures, not
// intelligence content).
func TestOverseersSeeNoPictureContent(t *testing.T) {
	v := Viewer{UserID: 1, OrgID: "identity--committee", Role: RoleOverseer}
	for _, k := range Kinds {
		want := slices.Contains([]Kind{KindApproval, KindAudit, KindTelemetrySource, KindAlert, KindObject}, k)
		if got := MayRead(v, k, RelAny); got != want {
			t.Errorf("an overseer reads %s records: %v, want %v", k, got, want)
		}
	}
	if MayRead(v, KindObject, RelAddressed) {
		t.Error("an overseer reads intelligence addressed to the committee")
	}
}

// TestKindRulesAsCapabilitiesWroteThem checks, for every role where it may
// be held (and a read-only token), the decisions of recordkinds.go against
// the rules each capability wrote for itself before they moved here, copied
// out independently. Only the rule for overseers and advisories changed:
// it relied on the committee never being addressed, and now says so.
func TestKindRulesAsCapabilitiesWroteThem(t *testing.T) {
	const own, other = "identity--reader", "identity--other"
	for _, s := range seats {
		for _, r := range s.roles {
			for _, ro := range []bool{false, true} {
				v := Viewer{UserID: 1, OrgID: own, Role: r, IsCenter: s.isCenter, ReadOnly: ro}
				in := func(rs ...Role) bool { return slices.Contains(rs, r) }
				ov, c := r == RoleOverseer, s.isCenter
				for _, x := range []struct {
					name      string
					got, want bool
				}{
					{"case, own", MayReadCase(v, own), !ov},
					{"case, other", MayReadCase(v, other), !ov && c},
					{"work cases", MayWorkCases(v), c && in(RoleAdmin, RoleAnalyst) && !ro},
					{"consultation, asked", MayRead(v, KindConsultation, RelOwn), !ov},
					{"consultation, handled", MayRead(v, KindConsultation, RelHandles), !ov},
					{"consultation, other", MayRead(v, KindConsultation, 0), !ov && c},
					{"ask", MayAskConsultation(v), !in(RoleOverseer, RoleViewer) && !ro},
					{"answer, handler", MayHandleConsultation(v, RelHandles), !in(RoleOverseer, RoleViewer) && !ro},
					{"answer, asker", MayHandleConsultation(v, RelOwn), !in(RoleOverseer, RoleViewer) && !ro && c},
					{"incident, own", MayReadIncident(v, own), !ov},
					{"incident, other", MayReadIncident(v, other), !ov && c},
					{"file report", MayFileReport(v), r.CanSubmit() && !ro},
					{"register", MayChangeRegister(v), in(RoleAdmin, RoleOrgAdmin, RoleAnalyst) && !ro},
					{"advisory, addressed", MayReadAdvisory(v, true), !ov},
					{"advisory, other", MayReadAdvisory(v, false), c && !ov},
					{"publish advisory", MayPublishAdvisory(v), c && in(RoleAdmin, RoleAnalyst) && !ro},
					{"acknowledge", MayAcknowledge(v), !ov && !ro},
					{"complete", MayComplete(v), !in(RoleOverseer, RoleViewer) && !ro},
					{"package, in scope", MayRead(v, KindHuntPackage, RelAddressed), !ov},
					{"package, published", MayRead(v, KindHuntPackage, RelOwn), !ov},
					{"package, other", MayRead(v, KindHuntPackage, 0), c},
					{"publish package", MayPublishHuntPackage(v), in(RoleAdmin, RoleOrgAdmin, RoleAnalyst) && !ro},
					{"report run", MayReportHuntRun(v), !ov && !ro},
					{"coverage, own", MayReadHuntCoverage(v, own), !in(RoleReporter, RoleOverseer)},
					{"coverage, other", MayReadHuntCoverage(v, other), !in(RoleReporter, RoleOverseer) && c},
					{"run, own", MayReadHuntRun(v, HuntRunRel(v, own, other)), !ov},
					{"run, of a package it published", MayReadHuntRun(v, HuntRunRel(v, other, own)), !in(RoleReporter, RoleOverseer)},
					{"run, other", MayReadHuntRun(v, HuntRunRel(v, other, other)), !in(RoleReporter, RoleOverseer) && c},
					{"assets", MayReadAssets(v), !in(RoleOverseer, RoleHandler)},
					{"change assets", MayWriteAssets(v), in(RoleAdmin, RoleOrgAdmin, RoleAnalyst, RoleReporter) && !ro},
					{"exposure", MayReadExposure(v), c && !in(RoleOverseer, RoleHandler)},
					{"feeds", MayConfigureFeeds(v), c && in(RoleAdmin, RoleAnalyst) && !ro},
					{"sources", MaySeeSources(v), ov || c && in(RoleHandler, RoleAnalyst, RoleAdmin)},
					{"matches", MaySeeMatches(v), !ov},
					{"approvals", MayReadApprovals(v), ov || c && in(RoleHandler, RoleAnalyst, RoleAdmin)},
					{"file approval", MayFileApproval(v), c && in(RoleHandler, RoleAnalyst, RoleAdmin) && !ro},
					{"audit", MayInspectAudit(v), in(RoleOverseer, RoleAdmin)},
					{"records", MayRead(v, KindTelemetryRecord, 0), ReadsRecords(v)},
				} {
					if x.got != x.want {
						t.Errorf("%s in the %s (read-only %v): %s = %v, want %v", r, s.seat, ro, x.name, x.got, x.want)
					}
				}
			}
		}
	}
}
