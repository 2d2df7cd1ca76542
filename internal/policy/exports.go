package policy

// Exports: who keeps the warninglists, who reviews what reaches members'
// blocklists, and who sets an export policy. The gate itself (which values
// pass) is internal/exportgate; it decides nothing about who may see an
// object, which stays Decide's.

// keepsExports reports whether v acts for the center on what every member's
// devices load: a center analyst or administrator, or the hub administrator,
// with a credential that may write.
func keepsExports(v Viewer) bool {
	if v.Anonymous() || v.ReadOnly {
		return false
	}
	if v.Role == RoleAdmin {
		return true
	}
	return v.IsCenter && (v.Role == RoleAnalyst || v.Role == RoleOrgAdmin)
}

// MayManageWarninglists reports whether v may import, extend, enable or
// disable warninglists: the center's analysts and the hub administrator.
func MayManageWarninglists(v Viewer) bool { return keepsExports(v) }

// MayReadWarninglists reports whether v may list the warninglists and their
// entries: anyone who reads shared intelligence (the lists hold public
// registries and names the hub must never block, nothing confidential).
func MayReadWarninglists(v Viewer) bool { return !v.Anonymous() && v.Role.readsContent() }

// MayReviewExports reports whether v may release (or hold back) an
// indicator waiting for the center's review before it reaches exports.
func MayReviewExports(v Viewer) bool { return keepsExports(v) }

// MaySetExportPolicy reports whether v may set the export policy of a
// scope: the center for the hub, any collection and any member; an
// organization's administrator for its own organization only (a member may
// make its own exports stricter, never another's).
func MaySetExportPolicy(v Viewer, scope, id string) bool {
	if keepsExports(v) {
		return true
	}
	return scope == "org" && id == v.OrgID && AdministersOrg(v) && !v.ReadOnly
}

// MayReadReviewQueue reports whether v may list the indicators waiting for
// the center's review: those who review them, also with a read-only
// credential (reading the queue changes nothing).
func MayReadReviewQueue(v Viewer) bool {
	if v.Anonymous() {
		return false
	}
	return v.Role == RoleAdmin || v.IsCenter && (v.Role == RoleAnalyst || v.Role == RoleOrgAdmin)
}

// MaySeeExportPolicy reports whether v may see the export policy of a
// scope: the center every one; a member the hub's, the collections' and
// its own organization's (those that decide its exports), not another
// member's.
func MaySeeExportPolicy(v Viewer, scope, id string) bool {
	if !MayReadWarninglists(v) {
		return false
	}
	if v.IsCenter || v.Role == RoleAdmin {
		return true
	}
	return scope != "org" || id == v.OrgID
}
