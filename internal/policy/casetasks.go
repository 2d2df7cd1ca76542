package policy

// The tasks of a case (issue 18.7). A task is assigned to a user of an
// organization allowed on the case: the center, which works every case, or
// the organization the case came from, whose users act for it (the role
// matrix's row for cases addressed to a member). Each reads the tasks it
// may act on and marks them done.

// MayTakeCaseTask reports whether the user seen as assignee may be assigned
// a task of a case that came from caseOrg ("" for a case of the center's
// own): a user who works cases, or one who acts for the organization the
// case came from.
func MayTakeCaseTask(assignee Viewer, caseOrg string) bool {
	if assignee.Anonymous() {
		return false
	}
	return MayWorkCases(assignee) || MayWrite(assignee, KindCase, relIf(caseOrg != "" && assignee.OrgID == caseOrg, RelAddressed))
}

// SeesCaseTask reports whether v sees a task of a case it may read that is
// assigned to a user of assigneeOrg: the center sees every task, the
// organization a case came from the tasks assigned to its own users.
func SeesCaseTask(v Viewer, assigneeOrg string) bool {
	return SeesWholeCase(v) || (assigneeOrg != "" && MayRead(v, KindCase, Own(v, assigneeOrg)))
}

// MayFinishCaseTask reports whether v may mark done (or open again) a task
// assigned to a user of assigneeOrg: who works cases, or a user who acts for
// that organization.
func MayFinishCaseTask(v Viewer, assigneeOrg string) bool {
	if v.Anonymous() {
		return false
	}
	return MayWorkCases(v) || MayWrite(v, KindCase, relIf(assigneeOrg != "" && v.OrgID == assigneeOrg, RelAddressed))
}
