package policy

// Versions of an object: who may write them, and which one a reader gets.
//
// An object belongs to the organization that stored its first version. Only
// that organization writes further versions (STIX 2.1 §3.6: only the creator
// of an object may version it); the hub administrator may add one to moderate
// it, and that act is logged before it takes effect. A version always keeps
// the object's author, whoever wrote it, so that the author can still read,
// version and delete its object.
//
// "The latest version" is decided per reader, over the versions that reader
// may see (Decide), never over all stored versions: otherwise a version the
// reader may not see would hide the older ones it may, and whether an object
// shows up at all would tell the reader that a newer version exists.

// MayWriteVersion reports whether v may store a version of an object whose
// earlier versions were authored by authorOrg, and whether doing so is
// moderation, which must be logged first. It is asked only about objects
// that already have a stored version.
func MayWriteVersion(v Viewer, authorOrg string) (ok, moderation bool) {
	switch {
	case v.Anonymous():
		return false, false
	case v.OrgID == authorOrg:
		return true, false
	case v.Role == RoleAdmin:
		return true, true
	}
	return false, false
}

// SeesOrgIdentity reports whether v may be served the STIX identity of an
// organization of the hub. Members resolve every organization's identity that
// objects refer to; anonymous readers of the public collection only ever see
// the center named as author, so they get only the center's.
func SeesOrgIdentity(v Viewer, orgIsCenter bool) bool {
	return !v.Anonymous() || orgIsCenter
}
