package policy

// The listing filters of communications information, approvals, hunting
// packages and their runs, read off the role matrix (records.go) as the filters of
// recordkinds.go are. The property test in internal/store
// (TestRecordFiltersMatchDecisions) holds each to MayRead on both stores.

// ApprovalFilter is the listing condition of approvals on alias a (column
// requester_org: the organization that filed the request).
func ApprovalFilter(v Viewer, a string) (string, []any) {
	return RecordFilter(v, KindApproval, Read, RelCols{RelOwn: a + ".requester_org = ?"})
}

// TelemetrySourceFilter is the listing condition of telemetry sources and
// their counts: no source belongs to an organization, so it is all or none.
func TelemetrySourceFilter(v Viewer) (string, []any) {
	return RecordFilter(v, KindTelemetrySource, Read, nil)
}

// TelemetryRecordFilter is the listing condition of kept flow records. It
// holds only for a designated handler; reading records further needs
// MayReadRecords (an approval in force and a stated purpose).
func TelemetryRecordFilter(v Viewer) (string, []any) {
	return RecordFilter(v, KindTelemetryRecord, Read, nil)
}

// HuntPackageFilter is the listing condition of hunting packages on alias p:
// published by the viewer's organization (publisher_org), or addressed to it
// by a scope entry (hunt_package_scope) as huntpkg.InScope decides — every
// member for "all" (not the center), its sector, its kind, itself by id, or
// a sharing group it belongs to; the oversight committee is never in scope.
// Sectors compare exactly: both are stored as their key (store.SectorKey).
// The TLP of the package is decided afterwards, per package, by Decide.
func HuntPackageFilter(v Viewer, p string) (string, []any) {
	return RecordFilter(v, KindHuntPackage, Read, RelCols{
		RelOwn: p + ".publisher_org = ?",
		RelAddressed: "EXISTS (SELECT 1 FROM hunt_package_scope sc JOIN orgs so ON so.id = ? WHERE sc.package_id = " + p + ".id AND so.kind <> '" + OrgKindCommittee + "' AND (" +
			"(sc.kind = 'all' AND so.kind <> 'center') OR (sc.kind = 'sector' AND so.sector <> '' AND so.sector = sc.value) OR " +
			"(sc.kind = 'org-kind' AND sc.value = so.kind) OR (sc.kind = 'org' AND sc.value = so.id) OR " +
			"(sc.kind = 'group' AND sc.value IN (SELECT g.group_id FROM group_orgs g WHERE g.org_id = so.id))))",
	})
}

// HuntRunFilter is the listing condition of hunting runs on alias r (column
// org_id: the reporting organization) of packages on alias p (column
// publisher_org): the runs MayReadHuntRun allows.
func HuntRunFilter(v Viewer, r, p string) (string, []any) {
	return RecordFilter(v, KindHuntFinding, Read, RelCols{RelOwn: r + ".org_id = ?", RelAddressed: p + ".publisher_org = ?"})
}
