package policy

import (
	"fmt"
	"slices"
)

// Federation: who keeps the hub's partners (remote TAXII servers, MISP
// instances, feeds, other Renkei hubs) and their sharing agreements, and
// which objects an agreement lets leave for a partner or accept from one.
// internal/federation moves the objects; every decision about one is here.

// Agreement is what a sharing agreement with one partner says. It is made
// by the center (MayManagePartners) and shown to the oversight committee.
type Agreement struct {
	// TLPMax is the most restricted TLP that may leave for the partner, and
	// that the hub accepts from it: clear, green or amber. AMBER+STRICT and
	// RED never leave, whatever an agreement says.
	TLPMax TLP `json:"tlp_max"`
	// AmberRecipient says the agreement names the partner as a recipient
	// of TLP:AMBER; without it no AMBER object leaves, even with TLPMax
	// amber.
	AmberRecipient bool `json:"amber_recipient,omitempty"`
	// Types are the STIX types that may leave; empty lets every type.
	Types []string `json:"types,omitempty"`
	// Orgs are the organizations (STIX identity ids) that consented to
	// their objects being shared onward to this partner. An object of any
	// other organization never leaves: consent is given, never assumed.
	Orgs []string `json:"orgs,omitempty"`
	// ArrivalTLP is the least restricted TLP an object from the partner is
	// marked with on arrival (an object marked more restrictively keeps its
	// own marking).
	ArrivalTLP TLP `json:"arrival_tlp"`
	// AllowInside lets the partner's URL be inside the hub's network
	// (loopback, private ranges), which outbound requests otherwise never
	// reach, as for webhooks.
	AllowInside bool `json:"allow_inside,omitempty"`
}

// Check says what is wrong with an agreement, nil when nothing is.
func (a Agreement) Check() error {
	if a.TLPMax < Clear || a.TLPMax > Amber {
		return fmt.Errorf("tlp_max %s: an agreement lets at most TLP:AMBER leave (never AMBER+STRICT or RED)", a.TLPMax)
	}
	if a.AmberRecipient && a.TLPMax != Amber {
		return fmt.Errorf("amber_recipient needs tlp_max amber")
	}
	if a.ArrivalTLP < Clear || a.ArrivalTLP > Red {
		return fmt.Errorf("arrival_tlp %s: unknown TLP", a.ArrivalTLP)
	}
	return nil
}

// Outbound is what the decision to send an object to a partner needs of it.
type Outbound struct {
	ACL  ACL
	Type string
	// FromPartner is the partner the object came from ("" when it was
	// submitted here), and OriginHub the hub it was first submitted to, as
	// its provenance says ("" when it is this hub's own).
	FromPartner string
	OriginHub   string
}

// Why an object may not leave for a partner, or may not arrive from one:
// stable words recorded with each refusal.
const (
	RefusedTLP        = "tlp"        // its TLP is above what the agreement lets pass
	RefusedStrict     = "tlp-strict" // AMBER+STRICT or RED: never leaves, never accepted from a partner
	RefusedAmber      = "tlp-amber"  // AMBER, and the agreement does not name the partner as a recipient
	RefusedRecipients = "recipients" // addressed to named recipients of this hub
	RefusedType       = "type"       // its type is not among the agreement's
	RefusedConsent    = "consent"    // its organization did not consent to onward sharing to this partner
	RefusedLoop       = "loop"       // it came from this partner, or first from the partner's hub
)

// MayLeave decides whether an object may be sent to a partner under its
// agreement; partner is the partner's id and partnerHub the hub id it
// announced ("" when it is no Renkei hub). It returns "" when it may, else
// the reason (Refused…). The order of the checks fixes which reason is
// given, not the answer.
func MayLeave(a Agreement, partner, partnerHub string, o Outbound) string {
	switch {
	case o.ACL.TLP >= AmberStrict || !MayForward(o.ACL):
		return RefusedStrict
	case o.ACL.TLP > a.TLPMax:
		return RefusedTLP
	case o.ACL.TLP == Amber && !a.AmberRecipient:
		return RefusedAmber
	case o.ACL.hasOrgRecipients() || len(o.ACL.RecipientUsers) > 0:
		// An object addressed to named recipients is theirs alone; a partner
		// is none of them.
		return RefusedRecipients
	case len(a.Types) > 0 && !slices.Contains(a.Types, o.Type):
		return RefusedType
	case o.FromPartner != "" && o.FromPartner == partner,
		partnerHub != "" && o.OriginHub == partnerHub:
		return RefusedLoop
	case !slices.Contains(a.Orgs, o.ACL.AuthorOrg):
		return RefusedConsent
	}
	return ""
}

// MayArrive decides whether an object a partner sends may be stored under
// the agreement: the same TLP bounds as for leaving, re-checked on the
// receiving side whatever the sender decided. It returns the TLP the object
// is stored with (its own, raised to the agreement's ArrivalTLP) and "", or
// the reason it is refused.
func MayArrive(a Agreement, tlp TLP, typ string) (TLP, string) {
	switch {
	case tlp >= AmberStrict:
		return tlp, RefusedStrict
	case tlp > a.TLPMax:
		return tlp, RefusedTLP
	case tlp == Amber && !a.AmberRecipient:
		return tlp, RefusedAmber
	}
	return max(tlp, a.ArrivalTLP), ""
}

// MayManagePartners reports whether v may add, change or remove partners
// and their agreements, and run a synchronization: the center's
// administrators and the hub administrator, with a credential that may
// write.
func MayManagePartners(v Viewer) bool {
	if v.Anonymous() || v.ReadOnly {
		return false
	}
	return v.Role == RoleAdmin || v.IsCenter && v.Role == RoleOrgAdmin
}

// MaySeePartners reports whether v may see the partners, their agreements
// and their state: the center's administrators and analysts, the hub
// administrator, and the oversight committee (agreements are sharing
// policy, which the committee oversees). No one sees a partner's secret:
// the hub keeps only where it reads it from.
func MaySeePartners(v Viewer) bool {
	if v.Anonymous() {
		return false
	}
	return v.Role == RoleAdmin || v.Role == RoleOverseer || v.IsCenter && (v.Role == RoleOrgAdmin || v.Role == RoleAnalyst)
}
