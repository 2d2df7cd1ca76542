package policy

// The decisions and listing filters of each kind of record, read off the
// role matrix (records.go). Capabilities call these, never compare roles.

// relIf returns r when cond holds, else no relation.
func relIf(cond bool, r Relation) Relation {
	if cond {
		return r
	}
	return 0
}

// Own returns RelOwn when org is v's organization.
func Own(v Viewer, org string) Relation { return relIf(!v.Anonymous() && v.OrgID == org, RelOwn) }

// Cases (対応案件). A case belongs to the organization it came from.

// CaseFilter is the listing condition of cases on alias k (column org_id).
func CaseFilter(v Viewer, k string) (string, []any) {
	return RecordFilter(v, KindCase, Read, RelCols{RelOwn: k + ".org_id = ?"})
}

// MayReadCase reports whether v may read a case that came from org.
func MayReadCase(v Viewer, org string) bool { return MayRead(v, KindCase, Own(v, org)) }

// SeesWholeCase reports whether v sees a case whole — assignee, links,
// unshared actions and who acted — rather than what the organization it came
// from sees: whoever reads every case (the center).
func SeesWholeCase(v Viewer) bool { return MayRead(v, KindCase, 0) }

// MayWorkCases reports whether v may open cases and work any of them.
func MayWorkCases(v Viewer) bool { return MayWrite(v, KindCase, 0) }

// Consultations: asked by one organization (org_id), handled by another
// (handler_org), the center by default.

// ConsultationRel returns how a request asked by askerOrg and handled by
// handlerOrg stands to v's organization.
func ConsultationRel(v Viewer, askerOrg, handlerOrg string) Relation {
	return Own(v, askerOrg) | relIf(!v.Anonymous() && v.OrgID == handlerOrg, RelHandles)
}

// ConsultationFilter is the listing condition of requests on alias c.
func ConsultationFilter(v Viewer, c string) (string, []any) {
	return RecordFilter(v, KindConsultation, Read, RelCols{RelOwn: c + ".org_id = ?", RelHandles: c + ".handler_org = ?"})
}

// MayAskConsultation reports whether v may ask a request of its own or act
// as its asker.
func MayAskConsultation(v Viewer) bool { return MayWrite(v, KindConsultation, RelOwn) }

// MayHandleConsultation reports whether v may answer or hand on a request
// that stands in relations rel to it: its handler does, and the center.
func MayHandleConsultation(v Viewer, rel Relation) bool {
	return MayWrite(v, KindConsultation, rel&RelHandles)
}

// Incidents, their reports and deadlines, and the critical-computer
// register belong to the reporting organization.

// IncidentFilter is the listing condition of incidents and reports on the
// column col naming the reporting organization.
func IncidentFilter(v Viewer, col string) (string, []any) {
	return RecordFilter(v, KindIncident, Read, RelCols{RelOwn: col + " = ?"})
}

// MayReadIncident reports whether v may read an incident or report of org.
func MayReadIncident(v Viewer, org string) bool { return MayRead(v, KindIncident, Own(v, org)) }

// MayFileReport reports whether v may file its organization's reports.
func MayFileReport(v Viewer) bool { return MayWrite(v, KindIncident, RelOwn) }

// ComputerFilter is the listing condition of the critical-computer register
// on the column col naming the registering organization.
func ComputerFilter(v Viewer, col string) (string, []any) {
	return RecordFilter(v, KindComputer, Read, RelCols{RelOwn: col + " = ?"})
}

// MayChangeRegister reports whether v may change its organization's
// critical-computer register.
func MayChangeRegister(v Viewer) bool { return MayWrite(v, KindComputer, RelOwn) }

// Advisories, correction requests and supplier requests are published by
// the center and addressed to organizations (advisory_targets).

// AdvisoryFilter is the listing condition of advisories on alias a.
func AdvisoryFilter(v Viewer, a string) (string, []any) {
	return RecordFilter(v, KindAdvisory, Read, RelCols{
		RelAddressed: "EXISTS (SELECT 1 FROM advisory_targets vt WHERE vt.advisory_id = " + a + ".id AND vt.org_id = ?)"})
}

// MayReadAdvisory reports whether v may read an advisory addressed (or not)
// to its organization.
func MayReadAdvisory(v Viewer, addressed bool) bool {
	return MayRead(v, KindAdvisory, relIf(addressed, RelAddressed))
}

// MayPublishAdvisory reports whether v may publish and close advisories and requests.
func MayPublishAdvisory(v Viewer) bool { return MayWrite(v, KindAdvisory, 0) }

// MayAcknowledge reports whether v may acknowledge, for its organization,
// an advisory addressed to it: whoever reads it, but not through a
// read-only token.
func MayAcknowledge(v Viewer) bool { return !v.ReadOnly && MayRead(v, KindAdvisory, RelAddressed) }

// MayComplete reports whether v may report completion, with evidence, of
// an advisory or request addressed to its organization.
func MayComplete(v Viewer) bool { return MayWrite(v, KindAdvisory, RelAddressed) }

// Hunting packages and their runs.

// MayReadHuntPackage reports whether v may read a package published by
// publisherOrg whose scope does or does not address v's organization, and
// whose content has acl.
func MayReadHuntPackage(v Viewer, publisherOrg string, inScope bool, acl ACL) bool {
	return MayRead(v, KindHuntPackage, Own(v, publisherOrg)|relIf(inScope, RelAddressed)) && Decide(v, acl)
}

// MayPublishHuntPackage reports whether v may publish hunting packages.
func MayPublishHuntPackage(v Viewer) bool { return MayWrite(v, KindHuntPackage, RelOwn) }

// A run of a package is its reporting organization's own, and addressed to
// the package's publisher.

// HuntRunRel returns how a run reported by runOrg of a package published
// by publisherOrg stands to v's organization.
func HuntRunRel(v Viewer, runOrg, publisherOrg string) Relation {
	return Own(v, runOrg) | relIf(!v.Anonymous() && v.OrgID == publisherOrg, RelAddressed)
}

// MayReadHuntRun reports whether v may read a run that stands in relations
// rel to it (HuntRunRel). HuntRunFilter lists the same runs; the package's
// TLP then decides on each, a run being authored by its reporting
// organization and addressed to the publisher (Decide).
func MayReadHuntRun(v Viewer, rel Relation) bool { return MayRead(v, KindHuntFinding, rel) }

// MayReportHuntRun reports whether v may report a run, its own, of a
// package it may read.
func MayReportHuntRun(v Viewer) bool { return MayWrite(v, KindHuntFinding, RelOwn) }

// MayReadHuntCoverage reports whether v may see who ran a package
// published by publisherOrg: whoever reads every run of it, not only its own.
func MayReadHuntCoverage(v Viewer, publisherOrg string) bool {
	return MayRead(v, KindHuntFinding, relIf(!v.Anonymous() && v.OrgID == publisherOrg, RelAddressed))
}

// Vulnerability relevance: an organization's own assets, and the center's
// exposure view. The register of suppliers is in suppliers.go.

// MayReadAssets reports whether v may read its organization's connection
// points, SBOMs and what affects them.
func MayReadAssets(v Viewer) bool { return MayRead(v, KindAsset, RelOwn) }

// MayWriteAssets reports whether v may change its organization's register
// of connection points and SBOMs.
func MayWriteAssets(v Viewer) bool { return MayWrite(v, KindAsset, RelOwn) }

// MayReadExposure reports whether v may see the exposure view across
// members (sectors and counts) and the vulnerability feeds.
func MayReadExposure(v Viewer) bool { return MayRead(v, KindExposure, 0) }

// MayConfigureFeeds reports whether v may add or change vulnerability feeds.
func MayConfigureFeeds(v Viewer) bool { return MayWrite(v, KindExposure, 0) }

// Telemetry and approvals. Reading records is MayReadRecords (roles.go).

// MaySeeSources reports whether v may see the telemetry sources and their counts.
func MaySeeSources(v Viewer) bool { return MayRead(v, KindTelemetrySource, 0) }

// MaySeeMatches reports whether v may see what matching telemetry produced.
func MaySeeMatches(v Viewer) bool { return MayRead(v, KindTelemetryMatch, 0) }

// MayReadApprovals reports whether v may list approvals.
func MayReadApprovals(v Viewer) bool { return MayRead(v, KindApproval, 0) }

// MayFileApproval reports whether v may file a request for approval.
func MayFileApproval(v Viewer) bool { return MayWrite(v, KindApproval, RelOwn) }

// MayInspectAudit reports whether v may read and verify the audit log.
func MayInspectAudit(v Viewer) bool { return MayRead(v, KindAudit, 0) }
