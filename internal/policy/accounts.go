package policy

// Changes to accounts that exist (issue 18): another role, disabled or
// enabled again, a capability given or taken back. The same decision serves
// the console, the REST API and anything else that changes an account;
// organizations and groups are changed by hub administrators only
// (AdministersHub).

// MayChangeAccount reports whether v may change the account user, of
// organization org, holding role target: a hub administrator any account, an
// organization administrator those of its own organization except hub
// administrators. Nobody changes their own account (an administrator would
// lock itself out or raise itself), and no administrator changes an
// overseer's (the committee's own, OperatorManages).
func MayChangeAccount(v Viewer, user int64, org string, target Role) bool {
	if v.ReadOnly || v.UserID == user || !OperatorManages(target) || !AdministersUser(v, target) {
		return false
	}
	return AdministersHub(v) || v.OrgID == org
}

// MayGiveRole reports whether v may give the account user (of org, now
// holding role from) the role to: MayChangeAccount for the account as it is,
// and MayGrant for the role it would hold.
func MayGiveRole(v Viewer, user int64, org string, from, to Role) bool {
	return MayChangeAccount(v, user, org, from) && MayGrant(v.Role, to) && OperatorManages(to)
}
