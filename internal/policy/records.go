package policy

// Who may read and write every kind of record a person can see, as data.
//
// The grants below are the role matrix: for each kind of record, which roles,
// sitting in the center, in a member organization or in the oversight
// committee, may read or write records that stand in a given relation to
// their organization. Everything not granted is refused. MayRead and
// MayWrite decide one record from it; RecordFilter turns the same grants
// into the SQL condition of a listing, so that a listing never shows what a
// single read would refuse. docs/access.md is rendered from this table
// (TestAccessDocIsCurrent); the property tests in internal/store hold the SQL
// and the decision together on both stores.
//
// STIX objects, alerts and sightings are decided per object by TLP and
// recipients (Decide, Filter, AlertFilter); their rows here say which roles
// read beyond TLP:CLEAR and which write, and TestMatrixAgreesWithDecide
// keeps those rows and Decide together.

import (
	"slices"
	"strings"
)

// Kind is a kind of record.
type Kind string

// The kinds of record the policy decides on.
const (
	KindObject          Kind = "object"            // STIX objects (and the hub's identities of organizations)
	KindAlert           Kind = "alert"             // alerts in an organization's inbox
	KindSighting        Kind = "sighting"          // sightings, which are STIX objects
	KindCase            Kind = "case"              // the center's response cases
	KindConsultation    Kind = "consultation"      // consultations and requests to the center or a designated handler
	KindIncident        Kind = "incident"          // incidents, their reports and deadlines
	KindComputer        Kind = "critical-computer" // the register of critical computers and its notices
	KindAdvisory        Kind = "advisory"          // advisories, correction requests and supplier requests
	KindHuntPackage     Kind = "hunting-package"   // hunting packages (their content is a STIX object: Decide)
	KindHuntFinding     Kind = "hunting-finding"   // runs of a package and what they found; coverage
	KindAsset           Kind = "asset"             // connection points, SBOMs and what affects them (vulnerability relevance)
	KindExposure        Kind = "exposure"          // the center's exposure view across members, and vulnerability feeds
	KindTelemetrySource Kind = "telemetry-source"  // telemetry sources, their counts and approvals in force
	KindTelemetryRecord Kind = "telemetry-record"  // communications information (flow records)
	KindTelemetryMatch  Kind = "telemetry-match"   // what matching telemetry against intelligence produced
	KindApproval        Kind = "approval"          // approvals of collection and of access & neutralization measures
	KindAudit           Kind = "audit"             // inspection of the audit log
)

// Kinds lists every kind in the order docs/access.md shows them.
var Kinds = []Kind{KindObject, KindAlert, KindSighting, KindCase, KindConsultation, KindIncident, KindComputer,
	KindAdvisory, KindHuntPackage, KindHuntFinding, KindAsset, KindExposure, KindTelemetrySource,
	KindTelemetryRecord, KindTelemetryMatch, KindApproval, KindAudit}

// Seat is where a viewer sits: in the national center, in a member
// organization, or in the oversight committee.
type Seat string

// The seats.
const (
	SeatCenter    Seat = "center"
	SeatMember    Seat = "member"
	SeatCommittee Seat = "committee"
)

// SeatOf returns where v sits. Overseers sit in the committee wherever a
// store records them (RoleFitsOrg keeps them there).
func SeatOf(v Viewer) Seat {
	switch {
	case v.Role == RoleOverseer:
		return SeatCommittee
	case v.IsCenter:
		return SeatCenter
	}
	return SeatMember
}

// Relation is how a record stands to the viewer's organization. A record may
// stand in several relations at once (a consultation an organization asked
// and handles).
type Relation uint8

// The relations. RelAny in a grant covers every record of the kind, related
// or not.
const (
	RelOwn       Relation = 1 << iota // filed by, belonging to or published by the viewer's organization
	RelHandles                        // handled by the viewer's organization
	RelAddressed                      // addressed to the viewer's organization
	RelAny       Relation = 0xff
)

var relNames = []struct {
	r    Relation
	name string
}{{RelAny, "any"}, {RelOwn, "own"}, {RelHandles, "handles"}, {RelAddressed, "addressed"}}

func (r Relation) String() string {
	var names []string
	for _, n := range relNames {
		if r == n.r {
			return n.name
		}
		if n.r != RelAny && r&n.r != 0 {
			names = append(names, n.name)
		}
	}
	if len(names) == 0 {
		return "none"
	}
	return strings.Join(names, "+")
}

// Access is what a grant allows.
type Access uint8

// The accesses. Write is any act that changes a record of the kind or makes
// one; a read-only token never writes.
const (
	Read Access = 1 << iota
	Write
	ReadWrite = Read | Write
)

// Grant is one row of the role matrix.
type Grant struct {
	Kind   Kind
	Seat   Seat
	Roles  []Role // nil: every role
	Rel    Relation
	Access Access
	Note   string // what the grant means for this kind, for docs/access.md
}

var (
	// contentRoles read shared intelligence beyond TLP:CLEAR (readsContent).
	contentRoles = []Role{RoleAdmin, RoleOrgAdmin, RoleAnalyst, RoleViewer, RoleHandler}
	// submitRoles submit objects (CanSubmit).
	submitRoles = []Role{RoleAdmin, RoleOrgAdmin, RoleAnalyst, RoleReporter, RoleHandler}
	// actors act for their organization: every role but viewers and the committee's.
	actors = []Role{RoleAdmin, RoleOrgAdmin, RoleAnalyst, RoleReporter, RoleHandler}
	// centerStaff work the center's own records: its administrators and analysts.
	centerStaff = []Role{RoleAdmin, RoleAnalyst}
	// orgStaff act for an organization's register: its administrators and analysts.
	orgStaff = []Role{RoleAdmin, RoleOrgAdmin, RoleAnalyst}
	// vulnRoles take part in vulnerability relevance: not handlers, not overseers.
	vulnRoles = []Role{RoleAdmin, RoleOrgAdmin, RoleAnalyst, RoleReporter, RoleViewer}
	// vulnWriters change their organization's register of assets.
	vulnWriters = []Role{RoleAdmin, RoleOrgAdmin, RoleAnalyst, RoleReporter}
	// recordsWork: the center's handlers, analysts and administrators work
	// with sources and approvals.
	recordsWork = []Role{RoleHandler, RoleAnalyst, RoleAdmin}
)

// Matrix is the role matrix. Overseers (the committee) see approvals, the
// audit log, sources and figures, and no content of the operating picture
// (DESIGN.md, roles and console): no row gives them cases, consultations,
// incidents, advisories, hunting, assets or matches.
var Matrix = []Grant{
	{KindObject, SeatCenter, contentRoles, RelAny, Read, "by TLP: GREEN and AMBER all; AMBER+STRICT and RED when addressed (Decide)"},
	{KindObject, SeatMember, contentRoles, RelAddressed, Read, "by TLP and recipients (Decide)"},
	{KindObject, SeatCenter, nil, RelOwn, Read, "what the viewer submitted, and TLP:CLEAR"},
	{KindObject, SeatMember, nil, RelOwn, Read, "what the viewer submitted, and TLP:CLEAR"},
	{KindObject, SeatCommittee, nil, RelOwn, Read, "TLP:CLEAR only"},
	{KindObject, SeatCenter, submitRoles, RelOwn, Write, "submit; version the organization's own objects (the hub administrator moderates any, logged)"},
	{KindObject, SeatMember, submitRoles, RelOwn, Write, "submit; version the organization's own objects"},

	{KindAlert, SeatCenter, nil, RelAddressed, ReadWrite, "alerts of the organization naming only objects the reader may read (AlertFilter); mark read"},
	{KindAlert, SeatMember, nil, RelAddressed, ReadWrite, "alerts of the organization naming only objects the reader may read (AlertFilter); mark read"},
	{KindAlert, SeatCommittee, nil, RelAddressed, Read, "the committee's own alerts"},

	{KindSighting, SeatCenter, contentRoles, RelAny, Read, "as objects (Decide)"},
	{KindSighting, SeatMember, contentRoles, RelAddressed, Read, "as objects (Decide)"},
	{KindSighting, SeatCenter, nil, RelOwn, Read, "sightings the viewer reported"},
	{KindSighting, SeatMember, nil, RelOwn, Read, "sightings the viewer reported"},
	{KindSighting, SeatCenter, submitRoles, RelOwn, Write, "report sightings"},
	{KindSighting, SeatMember, submitRoles, RelOwn, Write, "report sightings"},

	{KindCase, SeatCenter, nil, RelAny, Read, "every case"},
	{KindCase, SeatCenter, centerStaff, RelAny, Write, "open and work cases"},
	{KindCase, SeatMember, nil, RelOwn, Read, "cases that came from the organization"},
	{KindCase, SeatMember, actors, RelAddressed, Write, "be assigned the tasks of a case that came from the organization, and mark them done"},

	{KindConsultation, SeatCenter, nil, RelAny, Read, "every request"},
	{KindConsultation, SeatCenter, actors, RelAny, Write, "answer and hand on any request; ask"},
	{KindConsultation, SeatMember, nil, RelOwn | RelHandles, Read, "requests it asked or handles"},
	{KindConsultation, SeatMember, actors, RelOwn | RelHandles, Write, "ask, follow up and consent (asker); answer and hand on (handler)"},

	{KindIncident, SeatCenter, nil, RelAny, Read, "every incident and report"},
	{KindIncident, SeatMember, nil, RelOwn, Read, "its own incidents and reports"},
	{KindIncident, SeatCenter, submitRoles, RelOwn, Write, "file reports"},
	{KindIncident, SeatMember, submitRoles, RelOwn, Write, "file reports"},

	{KindComputer, SeatCenter, nil, RelAny, Read, "every register"},
	{KindComputer, SeatMember, nil, RelOwn, Read, "its own register"},
	{KindComputer, SeatCenter, orgStaff, RelOwn, Write, "register, change and retire critical computers"},
	{KindComputer, SeatMember, orgStaff, RelOwn, Write, "register, change and retire critical computers"},

	{KindAdvisory, SeatCenter, nil, RelAny, Read, "every advisory and request, and every recipient's progress"},
	{KindAdvisory, SeatCenter, centerStaff, RelAny, Write, "publish, close"},
	{KindAdvisory, SeatMember, nil, RelAddressed, Read, "those addressed to it; acknowledge (not with a read-only token)"},
	{KindAdvisory, SeatCenter, actors, RelAddressed, Write, "report completion (the center is never addressed)"},
	{KindAdvisory, SeatMember, actors, RelAddressed, Write, "report completion with evidence"},

	{KindHuntPackage, SeatCenter, nil, RelAny, Read, "any scope; then by TLP as objects (Decide)"},
	{KindHuntPackage, SeatMember, nil, RelOwn | RelAddressed, Read, "published by it or in scope; then by TLP as objects (Decide)"},
	{KindHuntPackage, SeatCenter, orgStaff, RelAny, Write, "publish to any scope"},
	{KindHuntPackage, SeatMember, orgStaff, RelOwn, Write, "publish to its own sector, groups or organizations"},

	{KindHuntFinding, SeatCenter, []Role{RoleAdmin, RoleOrgAdmin, RoleAnalyst, RoleViewer, RoleHandler}, RelAny, Read, "who ran every package, and what was found"},
	{KindHuntFinding, SeatMember, []Role{RoleAdmin, RoleOrgAdmin, RoleAnalyst, RoleViewer, RoleHandler}, RelAddressed, Read, "who ran the packages it published (a run is addressed to the publisher), and what was found"},
	{KindHuntFinding, SeatCenter, nil, RelOwn, Read, "the runs it reported"},
	{KindHuntFinding, SeatMember, nil, RelOwn, Read, "the runs it reported"},
	{KindHuntFinding, SeatCenter, nil, RelOwn, Write, "report a run of a package it may read"},
	{KindHuntFinding, SeatMember, nil, RelOwn, Write, "report a run of a package it may read"},

	{KindAsset, SeatCenter, vulnRoles, RelOwn, Read, "its own connection points, SBOMs and what affects them"},
	{KindAsset, SeatMember, vulnRoles, RelOwn, Read, "its own connection points, SBOMs and what affects them"},
	{KindAsset, SeatCenter, vulnWriters, RelOwn, Write, "change its own register"},
	{KindAsset, SeatMember, vulnWriters, RelOwn, Write, "change its own register"},

	{KindExposure, SeatCenter, vulnRoles, RelAny, Read, "sectors and counts, never members; the feeds"},
	{KindExposure, SeatCenter, centerStaff, RelAny, Write, "configure feeds"},

	{KindTelemetrySource, SeatCenter, recordsWork, RelAny, Read, "sources and their counts"},
	{KindTelemetrySource, SeatCommittee, nil, RelAny, Read, "sources and their counts"},

	{KindTelemetryRecord, SeatCenter, []Role{RoleHandler}, RelAny, Read, "only while the approval is in force, for a stated purpose (MayReadRecords)"},

	{KindTelemetryMatch, SeatCenter, nil, RelAny, Read, "matches as sightings and alerts, which are decided as such"},
	{KindTelemetryMatch, SeatMember, nil, RelAny, Read, "matches as sightings and alerts, which are decided as such"},

	{KindApproval, SeatCenter, recordsWork, RelAny, Read, "every approval"},
	{KindApproval, SeatCenter, recordsWork, RelOwn, Write, "file requests"},
	{KindApproval, SeatCommittee, nil, RelAny, Read, "every approval; overseers decide and revoke them (DecidesApprovals, Unrelated)"},

	{KindAudit, SeatCenter, []Role{RoleAdmin}, RelAny, Read, "every entry, whoever acted: read and verify the whole log through its tiles (MayInspectAudit)"},
	{KindAudit, SeatCommittee, nil, RelAny, Read, "every entry, whoever acted: inspect entries in the committee's console (InspectableEntries), verify the whole log; annual figures"},
}

// grants returns the access v has to records of kind k that stand in
// relations rel to its organization.
func grants(v Viewer, k Kind, rel Relation) Access {
	if v.Anonymous() {
		return 0
	}
	var a Access
	seat := SeatOf(v)
	for _, g := range Matrix {
		if g.Kind != k || g.Seat != seat || (g.Roles != nil && !slices.Contains(g.Roles, v.Role)) {
			continue
		}
		if g.Rel == RelAny || g.Rel&rel != 0 {
			a |= g.Access
		}
	}
	a |= capabilityGrants(v, k, rel)
	if v.ReadOnly {
		a &^= Write
	}
	return a
}

// MayRead reports whether v may read a record of kind k that stands in
// relations rel to v's organization (0 when it stands in none).
func MayRead(v Viewer, k Kind, rel Relation) bool { return grants(v, k, rel)&Read != 0 }

// MayWrite reports whether v may write (make, change, act on) a record of
// kind k that stands in relations rel to v's organization.
func MayWrite(v Viewer, k Kind, rel Relation) bool { return grants(v, k, rel)&Write != 0 }

// RelCols names, for each relation a listing can be filtered on, an SQL
// boolean expression with exactly one '?' that the viewer's organization id
// fills: "k.org_id = ?", "EXISTS (SELECT 1 FROM t WHERE t.id = a.id AND t.org_id = ?)".
type RelCols map[Relation]string

// RecordFilter returns an SQL boolean expression, with '?' placeholders and
// their arguments, that is true exactly for the records of kind k that v
// has access a to: the records that stand in a granted relation, as cols
// says how to see it. It gives the same answers as MayRead / MayWrite; the
// property tests in internal/store hold them together.
func RecordFilter(v Viewer, k Kind, a Access, cols RelCols) (string, []any) {
	if grants(v, k, 0)&a == a {
		return "1 = 1", nil // granted whatever the relation
	}
	var conds []string
	var args []any
	for _, r := range []Relation{RelOwn, RelHandles, RelAddressed} {
		if grants(v, k, r)&a != a {
			continue
		}
		if c, ok := cols[r]; ok {
			conds = append(conds, c)
			args = append(args, v.OrgID)
		}
	}
	if len(conds) == 0 {
		return "1 = 0", nil
	}
	return "(" + strings.Join(conds, " OR ") + ")", args
}
