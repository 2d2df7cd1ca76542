package policy

// Inspecting the audit log (監理). Who may read which entries is the
// KindAudit rows of the role matrix (records.go): today the oversight
// committee and the hub administrator read every entry, nobody else any.
// The log is not in the store, so a listing of entries is not filtered in
// SQL: it is read from the log's files and narrowed by InspectableEntries,
// which keeps exactly the entries MayInspectEntry allows
// (TestInspectableEntriesMatchDecisions holds them together).
//
// The log's tiles (GET /audit/…) are served whole or not at all, since a
// Merkle tree is verified whole: only to viewers who may read every entry,
// whatever it records (MayInspectAudit).

// AuditEntry is how the policy sees one entry of the audit log: the
// organization of the user who acted, "" when the hub or the server's
// command line acted. Entries never hold content, so nothing else of them
// decides who reads them.
type AuditEntry struct {
	Org string
}

// AuditRel returns how entry e stands to v's organization: its own when
// one of its users acted.
func AuditRel(v Viewer, e AuditEntry) Relation {
	return relIf(!v.Anonymous() && e.Org != "" && e.Org == v.OrgID, RelOwn)
}

// MayInspectEntry reports whether v may read entry e of the audit log: its
// time, who acted, the action, purpose, legal basis, object id and detail.
func MayInspectEntry(v Viewer, e AuditEntry) bool {
	return MayRead(v, KindAudit, AuditRel(v, e))
}

// InspectableEntries returns, in their order, the entries of es that v may
// read (MayInspectEntry); entry says how the policy sees each. It is the
// one filter over entries read from the log, for every page, export and
// command that lists them to a person.
func InspectableEntries[E any](v Viewer, es []E, entry func(E) AuditEntry) []E {
	out := make([]E, 0, len(es))
	for _, e := range es {
		if MayInspectEntry(v, entry(e)) {
			out = append(out, e)
		}
	}
	return out
}
