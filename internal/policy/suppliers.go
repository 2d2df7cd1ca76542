package policy

// MaintainsSupplierRegister reports whether v may change the product–supplier
// register (which organization is the supplier of which product) and the
// designations of consultation handlers: the center's administrators and
// analysts. Whose VEX statements count is decided by these registers, so
// no member maintains them, not even for itself.
func MaintainsSupplierRegister(v Viewer) bool {
	if v.Anonymous() || !v.IsCenter {
		return false
	}
	switch v.Role {
	case RoleAdmin, RoleOrgAdmin, RoleAnalyst:
		return true
	}
	return false
}

// ReadsSupplierRegister reports whether v may read the product–supplier
// register and the handler designations: every logged-in member except the
// committee's overseers and communications-information handlers, who have
// no part in vulnerability relevance.
func ReadsSupplierRegister(v Viewer) bool {
	if v.Anonymous() {
		return false
	}
	switch v.Role {
	case RoleOverseer, RoleHandler:
		return false
	}
	return true
}
