package policy

// The listing filters of communications information, approvals and hunting
// packages, read off the role matrix (records.go) as the filters of
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
