package policy

// Post-quantum migration (package pqc): an organization's crypto
// inventory, the endpoints it registered, its probes and its migration plan
// are its own, as its connection points and SBOMs are (KindAsset, relation
// own): read by its people who take part in vulnerability relevance,
// changed by those who change its register. The center's view across
// members is the exposure view's (KindExposure): counts per sector and kind,
// never an organization.

// PQCFilter is the listing condition of crypto assets, endpoints and plan
// steps on the column col naming the organization they belong to.
func PQCFilter(v Viewer, col string) (string, []any) { return AssetFilter(v, col) }

// MayReadPQC reports whether v may read the inventory, endpoints and plan of org.
func MayReadPQC(v Viewer, org string) bool { return MayReadAsset(v, org) }

// MayChangePQC reports whether v may add to, change or remove from the
// inventory, endpoints and plan of org, and confirm that org owns an
// endpoint.
func MayChangePQC(v Viewer, org string) bool { return MayWriteAsset(v, org) }

// MayProbe reports whether v may have the hub probe an endpoint of org:
// only one that org registered and confirmed it owns, only by someone who
// may change org's inventory. Whether the address still resolves to what
// was confirmed is checked by package pqc at the probe.
func MayProbe(v Viewer, org string, registered, confirmed bool) bool {
	return registered && confirmed && MayChangePQC(v, org)
}

// MayReadPQCSectors reports whether v may see migration across members, per
// sector and kind (the center's exposure readers).
func MayReadPQCSectors(v Viewer) bool { return MayReadExposure(v) }

// MaySetPQCMilestones reports whether v may set the hub's milestones (the
// government's target date): the center's staff who configure feeds.
func MaySetPQCMilestones(v Viewer) bool { return MayConfigureFeeds(v) }
