package policy

// Vulnerability relevance: each organization's own register of connection
// points and SBOMs, and the findings the engine makes from them, belong to
// that organization (KindAsset, relation own). Package relevance asks these
// for one record and puts AssetFilter in the query of each listing.

// AssetFilter is the listing condition of connection points and SBOMs on
// the column col naming the organization they belong to.
func AssetFilter(v Viewer, col string) (string, []any) {
	return RecordFilter(v, KindAsset, Read, RelCols{RelOwn: col + " = ?"})
}

// MayReadAsset reports whether v may read a connection point, SBOM or
// finding of org.
func MayReadAsset(v Viewer, org string) bool { return MayRead(v, KindAsset, Own(v, org)) }

// MayWriteAsset reports whether v may add, change or remove a connection
// point or SBOM of org.
func MayWriteAsset(v Viewer, org string) bool { return MayWrite(v, KindAsset, Own(v, org)) }

// Operator is the person at the hub's machine who runs the CLI without
// logging in (renkei asset, renkei sbom): whoever holds the data directory
// holds the store, so the CLI acts for the organization it names, as that
// organization's administrator would, and as nobody (SystemUser). Its
// results are shown to that person only.
func Operator(org string, isCenter bool) Viewer {
	role := RoleOrgAdmin
	if isCenter {
		role = RoleAdmin
	}
	return Viewer{UserID: SystemUser, OrgID: org, Role: role, IsCenter: isCenter}
}
