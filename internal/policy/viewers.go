package policy

// Viewers are built in one place each. A person is always seen through
// auth.Caller.Viewer (and hub.Viewer, which adds the sharing groups that
// objects are addressed through); the hub itself and an organization as a
// whole have the named constructors below. Nothing else assembles a Viewer.

// SystemUser is the user id of a reader that is nobody: the hub itself
// (System) or an organization as a whole (OrgAudience). No object was
// submitted by it and no RED object names it.
const SystemUser int64 = -1

// System is the hub acting on its own for a background job that works over
// every organization's records — the deadline alerts of incident reports,
// for example. It sits in the center as its administrator would, so it reads
// every case, report and advisory (MayRead), and, being nobody, no RED
// object. Its results must never be shown to a person as they are.
func System() Viewer { return Viewer{UserID: SystemUser, IsCenter: true, Role: RoleAdmin} }

// Person is how the policy sees a logged-in user: its id, its
// organization's STIX identity and kind, its role, the sharing groups its
// organization belongs to (needed only for objects), and whether it acts
// through a read-only token. auth.Caller.Viewer and hub.Viewer call it; no
// handler does.
func Person(userID int64, orgID string, role Role, isCenter bool, groups []string, readOnly bool) Viewer {
	if userID == 0 {
		return Viewer{}
	}
	return Viewer{UserID: userID, OrgID: orgID, Role: role, IsCenter: isCenter, Groups: groups, ReadOnly: readOnly}
}

// OfOrgKind returns the person v as a member of an organization of the
// given kind (store.OrgKinds), which says which console sections apply to
// it (console.go). auth.Caller.Viewer calls it with Person.
func (v Viewer) OfOrgKind(kind string) Viewer {
	if !v.Anonymous() {
		v.OrgKind = kind
	}
	return v
}
