package policy

// Administration: who administers the hub, an organization, its users and
// tokens. Which roles may be granted is in roles.go (MayGrant, RoleFitsOrg);
// the committee's accounts are the committee's own (committee.go).

// AdministersHub reports whether v is a hub administrator: organizations,
// groups, every user and token, settings.
func AdministersHub(v Viewer) bool { return !v.Anonymous() && v.Role == RoleAdmin }

// AdministersOrg reports whether v administers its organization: its users,
// tokens and webhooks (a hub administrator does too).
func AdministersOrg(v Viewer) bool {
	return !v.Anonymous() && (v.Role == RoleAdmin || v.Role == RoleOrgAdmin)
}

// AdministersUser reports whether v, an administrator, may manage an
// account holding role target: an organization administrator never manages
// a hub administrator.
func AdministersUser(v Viewer, target Role) bool {
	return AdministersHub(v) || (AdministersOrg(v) && target != RoleAdmin)
}

// ManagesToken reports whether v may see or revoke a token owned by user
// owner: its own, or any for a hub administrator.
func ManagesToken(v Viewer, owner int64) bool {
	return !v.Anonymous() && (v.UserID == owner || AdministersHub(v))
}

// InCenter reports whether v sits in the national center: pages then show
// the center's view of what it reads (every organization's cases, reports
// and registers). What it may read is still decided by MayRead.
func InCenter(v Viewer) bool { return SeatOf(v) == SeatCenter && !v.Anonymous() }

// OverseesConsole reports whether v may open the committee's console
// (approvals to decide, inspections, the log, figures): overseers only.
func OverseesConsole(v Viewer) bool { return !v.Anonymous() && DecidesApprovals(v.Role) }
