package policy

import "slices"

// The console's sections: which parts of the console apply to a person,
// from the role and the kind of the organization (issue 18). The menu shows
// exactly these sections and the console refuses the pages of any other
// (web/sections.go names each page's section), so that a page a reader
// cannot use is neither offered nor reachable by its address. What the page
// then shows is still decided per record by the role matrix (records.go).
//
// An organization's kind says which duties and work apply to it: incident
// reports and the critical-computer register are the duties of designated
// operators and government bodies (and the center receives them); a town
// hall or a hospital (local-government, medical) runs no hunting packages
// and receives what matching of communications information finds as alerts,
// not as pages; the oversight committee sees its own pages and nothing of
// the intelligence the hub shares.

// Section is a part of the console: one or a few pages of its menu.
type Section string

// The sections, in the order of the menu.
const (
	SectionHome       Section = "home"       // today's work (/)
	SectionIntel      Section = "intel"      // shared objects; submitting them (by MayWrite)
	SectionAlerts     Section = "alerts"     // the organization's inbox
	SectionReports    Section = "reports"    // incident reports and the critical-computer register
	SectionCases      Section = "cases"      // response cases
	SectionConsult    Section = "consult"    // consultations and requests
	SectionAdvisories Section = "advisories" // advisories and correction requests
	SectionPicture    Section = "cop"        // the common operating picture
	SectionHunting    Section = "hunting"    // hunting packages and their runs
	SectionVuln       Section = "vuln"       // vulnerability relevance: connection points, SBOMs, vendors, suppliers
	SectionTelemetry  Section = "telemetry"  // communications information: sources, what matching found, exports
	SectionApprovals  Section = "approvals"  // requests for the committee's approval
	SectionExports    Section = "exports"    // the export gate: warninglists, export policies, thresholds
	SectionReviews    Section = "reviews"    // the center's queue of indicators waiting for its review before exports
	SectionFederation Section = "federation" // partners and their sharing agreements
	SectionOversight  Section = "oversight"  // the committee's console
	SectionAdmin      Section = "admin"      // administration of organizations, users and tokens
)

// Small members whose IT is run by few people: hunting and the pages of
// communications information do not apply to them.
var smallMemberKinds = []string{"local-government", "medical"}

// SectionRule says to whom a section applies: readers in the seats listed
// (nil: every seat), of organizations of the kinds listed (nil: every kind)
// and not of those excluded, for whom Opens holds (nil: everyone who passes
// the rest).
type SectionRule struct {
	Section  Section
	Seats    []Seat
	Kinds    []string
	NotKinds []string
	Opens    func(Viewer) bool
	Note     string // why, for docs/console.md
}

var (
	notCommittee = []Seat{SeatCenter, SeatMember}
	// reportingKinds owe incident reports and keep a critical-computer
	// register; the center receives them.
	reportingKinds = []string{OrgKindCenter, "operator", "government"}
)

// ConsoleRules are the console's sections as data, in menu order.
var ConsoleRules = []SectionRule{
	{Section: SectionHome, Note: "today's work, from the sections below"},
	{Section: SectionIntel, Seats: notCommittee, Note: "shared intelligence; submitting it as MayWrite allows"},
	{Section: SectionAlerts, Note: "the organization's inbox (the committee's own, for overseers)"},
	{Section: SectionReports, Seats: notCommittee, Kinds: reportingKinds, Note: "incident reports and critical computers are the duties of designated operators and government bodies"},
	{Section: SectionCases, Seats: notCommittee, Note: "cases that came from the organization; every case in the center"},
	{Section: SectionConsult, Seats: notCommittee, Note: "consultations it asked or handles"},
	{Section: SectionAdvisories, Seats: notCommittee, Note: "advisories and correction requests addressed to it"},
	{Section: SectionPicture, Note: "the common operating picture; figures only for the committee (SeesPictureContent)"},
	{Section: SectionHunting, Seats: notCommittee, NotKinds: smallMemberKinds, Note: "a town hall or hospital runs no hunting packages"},
	{Section: SectionVuln, Seats: notCommittee, Opens: ReadsSupplierRegister, Note: "its connection points, SBOMs, vendors' statements and the supplier register; not for handlers"},
	{Section: SectionTelemetry, NotKinds: smallMemberKinds, Note: "sources (center, committee), what matching found and the export lists; a town hall or hospital receives matches as alerts"},
	{Section: SectionExports, Seats: notCommittee, Opens: MayReadWarninglists, Note: "the export gate: warninglists, export policies and thresholds; changed by the center (an organization's administrator sets its own organization's policy)"},
	{Section: SectionReviews, Opens: MayReadReviewQueue, Note: "the center's analysts and administrators review indicators before they reach exports"},
	{Section: SectionApprovals, Opens: MayFileApproval, Note: "the center's handlers, analysts and administrators request approvals"},
	{Section: SectionFederation, Opens: MaySeePartners, Note: "partners and their sharing agreements: kept by the center, seen by its analysts and by the committee"},
	{Section: SectionOversight, Seats: []Seat{SeatCommittee}, Opens: OverseesConsole, Note: "the committee's console"},
	{Section: SectionAdmin, Opens: AdministersOrg, Note: "organization and hub administrators"},
}

// MayOpenSection reports whether section s applies to v: the menu offers it
// and the console serves its pages.
func MayOpenSection(v Viewer, s Section) bool {
	if v.Anonymous() {
		return false
	}
	for _, r := range ConsoleRules {
		if r.Section == s {
			return r.applies(v)
		}
	}
	return false
}

func (r SectionRule) applies(v Viewer) bool {
	switch {
	case r.Seats != nil && !slices.Contains(r.Seats, SeatOf(v)),
		r.Kinds != nil && !slices.Contains(r.Kinds, v.OrgKind),
		slices.Contains(r.NotKinds, v.OrgKind):
		return false
	}
	return r.Opens == nil || r.Opens(v)
}

// ConsoleSections returns the sections that apply to v, in menu order.
func ConsoleSections(v Viewer) []Section {
	var out []Section
	for _, r := range ConsoleRules {
		if !v.Anonymous() && r.applies(v) {
			out = append(out, r.Section)
		}
	}
	return out
}
