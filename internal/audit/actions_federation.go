package audit

// Federation (issue 15): the center's partners and their sharing agreements,
// and each synchronization with one, logged before it takes effect.
const (
	ActionPartnerCreate = "partner.create" // a partner and its sharing agreement made by the center (Detail: kind, url, direction, agreement)
	ActionPartnerSync   = "partner.sync"   // a pull and push with a partner started (Detail: direction)
)
