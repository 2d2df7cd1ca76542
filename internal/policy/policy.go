// Package policy decides who may see and do what in Renkei.
//
// It is the only place where TLP 2.0, recipients, sharing groups, roles and
// submitter consent are interpreted. Decide answers for one object; Filter
// returns the SQL condition that gives the same answers for a listing, so that
// pages, counts and search never leak. A property test holds the two together.
// Nothing here reads the network or the database.
package policy

import (
	"fmt"
	"slices"
	"strings"
)

// TLP is a Traffic Light Protocol 2.0 level, ordered from least to most restricted.
type TLP int

const (
	Clear TLP = iota
	Green
	Amber
	AmberStrict
	Red
)

var tlpNames = [...]string{"clear", "green", "amber", "amber+strict", "red"}

func (t TLP) String() string {
	if t < Clear || t > Red {
		return fmt.Sprintf("tlp(%d)", int(t))
	}
	return tlpNames[t]
}

// Label is the TLP as people write it: "TLP:AMBER+STRICT".
func (t TLP) Label() string { return "TLP:" + strings.ToUpper(t.String()) }

// ParseTLP reads "amber", "TLP:AMBER+STRICT", "white" (TLP 1.0) and the like.
func ParseTLP(s string) (TLP, error) {
	s = strings.ToLower(strings.TrimSpace(s))
	s = strings.TrimPrefix(s, "tlp:")
	switch s {
	case "clear", "white":
		return Clear, nil
	case "green":
		return Green, nil
	case "amber":
		return Amber, nil
	case "amber+strict", "amber-strict", "amber_strict":
		return AmberStrict, nil
	case "red":
		return Red, nil
	}
	return 0, fmt.Errorf("unknown TLP %q (want clear, green, amber, amber+strict or red)", s)
}

// The official TLP 2.0 marking-definition ids, and the TLP 1.0 ids of the STIX
// 2.1 specification, which are accepted on input and mapped to TLP 2.0.
const (
	MarkingClear       = "marking-definition--94868c89-83c2-464b-929b-a1a8aa3c8487"
	MarkingGreen       = "marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb"
	MarkingAmber       = "marking-definition--55d920b0-5e8b-4f79-9ee9-91f868d9b421"
	MarkingAmberStrict = "marking-definition--939a9414-2ddd-4d32-a0cd-375ea402b003"
	MarkingRed         = "marking-definition--e828b379-4e03-4974-9ac4-e53a884c97c1"

	MarkingTLP1White = "marking-definition--613f2e26-407d-48c7-9eca-b8e91df99dc9"
	MarkingTLP1Green = "marking-definition--34098fce-860f-48ae-8e50-ebd3cc5e41da"
	MarkingTLP1Amber = "marking-definition--f88d31f6-486f-44da-b317-01333bde0b82"
	MarkingTLP1Red   = "marking-definition--5e57c739-391a-4eb3-b6be-7d15ca92d5ed"

	// TLP2Extension is the extension definition of the TLP 2.0 marking objects.
	TLP2Extension = "extension-definition--60a3c5c5-0d10-413e-aab3-9e08dde9e88d"
)

var markingTLP = map[string]TLP{
	MarkingClear: Clear, MarkingGreen: Green, MarkingAmber: Amber, MarkingAmberStrict: AmberStrict, MarkingRed: Red,
	MarkingTLP1White: Clear, MarkingTLP1Green: Green, MarkingTLP1Amber: Amber, MarkingTLP1Red: Red,
}

// MarkingID returns the TLP 2.0 marking-definition id of t.
func (t TLP) MarkingID() string {
	return [...]string{MarkingClear, MarkingGreen, MarkingAmber, MarkingAmberStrict, MarkingRed}[t]
}

// IsTLPMarking reports whether id is one of the TLP marking definitions (1.0 or 2.0).
func IsTLPMarking(id string) bool { _, ok := markingTLP[id]; return ok }

// TLPFromMarkings returns the most restrictive TLP among refs. found is false
// when refs hold no TLP marking; the caller then applies the hub's default.
func TLPFromMarkings(refs []string) (t TLP, found bool) {
	for _, r := range refs {
		if m, ok := markingTLP[r]; ok {
			if !found || m > t {
				t = m
			}
			found = true
		}
	}
	return t, found
}

// Role is what a user may do.
type Role string

const (
	RoleAdmin    Role = "admin"     // hub administrator
	RoleOrgAdmin Role = "org-admin" // administers one organization
	RoleAnalyst  Role = "analyst"
	RoleReporter Role = "reporter" // submits; sees only what it submitted
	RoleViewer   Role = "viewer"
	RoleHandler  Role = "handler"  // communications information, for a stated purpose
	RoleOverseer Role = "overseer" // oversight committee: approvals, log, figures; no intelligence content
)

// Roles lists every role in the order shown to people.
var Roles = []Role{RoleAdmin, RoleOrgAdmin, RoleAnalyst, RoleReporter, RoleViewer, RoleHandler, RoleOverseer}

// ParseRole checks s is a role.
func ParseRole(s string) (Role, error) {
	if slices.Contains(Roles, Role(s)) {
		return Role(s), nil
	}
	names := make([]string, len(Roles))
	for i, r := range Roles {
		names[i] = string(r)
	}
	return "", fmt.Errorf("unknown role %q (want one of %s)", s, strings.Join(names, ", "))
}

// readsContent reports whether a role reads shared intelligence beyond TLP:CLEAR
// and its own submissions.
func (r Role) readsContent() bool {
	switch r {
	case RoleAdmin, RoleOrgAdmin, RoleAnalyst, RoleViewer, RoleHandler:
		return true
	}
	return false
}

// CanSubmit reports whether the role may submit objects.
func (r Role) CanSubmit() bool {
	switch r {
	case RoleAdmin, RoleOrgAdmin, RoleAnalyst, RoleReporter, RoleHandler:
		return true
	}
	return false
}

// Consent is how far a submitter lets its identity travel.
type Consent int

const (
	ConsentEveryone Consent = iota // identity visible to every reader
	ConsentCenter                  // identity visible to the national center only
	ConsentNone                    // identity visible to no one outside its own organization
)

// ParseConsent reads "everyone", "center" or "none".
func ParseConsent(s string) (Consent, error) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "everyone", "all", "":
		return ConsentEveryone, nil
	case "center", "center-only":
		return ConsentCenter, nil
	case "none", "no-one", "noone":
		return ConsentNone, nil
	}
	return 0, fmt.Errorf("unknown consent %q (want everyone, center or none)", s)
}

func (c Consent) String() string {
	return [...]string{"everyone", "center", "none"}[c]
}

// Viewer is who is asking. The zero Viewer is an anonymous reader.
type Viewer struct {
	UserID   int64
	OrgID    string       // the organization's STIX identity id
	Role     Role         // empty for anonymous readers
	IsCenter bool         // the organization is the national center
	OrgKind  string       // the organization's kind (store.OrgKinds): which console sections apply (console.go)
	Caps     []Capability // rights given to this user beyond its role (capabilities.go)
	Groups   []string     // every sharing group the organization belongs to, directly or through nesting
	ReadOnly bool         // a read-only API token: it writes nothing (MayWrite)
}

// Anonymous reports whether v is not logged in.
func (v Viewer) Anonymous() bool { return v.UserID == 0 }

// ACL is what the policy needs to know of an object.
type ACL struct {
	TLP             TLP
	AuthorOrg       string // the organization that submitted it
	SubmitterUser   int64
	RecipientOrgs   []string
	RecipientGroups []string
	RecipientUsers  []int64
	Consent         Consent
}

func (a ACL) hasOrgRecipients() bool { return len(a.RecipientOrgs)+len(a.RecipientGroups) > 0 }

func (a ACL) addressedTo(v Viewer) bool {
	if slices.Contains(a.RecipientOrgs, v.OrgID) {
		return true
	}
	for _, g := range a.RecipientGroups {
		if slices.Contains(v.Groups, g) {
			return true
		}
	}
	return false
}

// Decide reports whether v may read an object with acl.
func Decide(v Viewer, a ACL) bool {
	if a.TLP == Clear {
		return true
	}
	if v.Anonymous() {
		return false
	}
	if v.UserID == a.SubmitterUser {
		return true
	}
	if !v.Role.readsContent() {
		return false
	}
	switch a.TLP {
	case Green:
		return !a.hasOrgRecipients() || v.OrgID == a.AuthorOrg || v.IsCenter || a.addressedTo(v)
	case Amber:
		return v.OrgID == a.AuthorOrg || v.IsCenter || a.addressedTo(v)
	case AmberStrict:
		return v.OrgID == a.AuthorOrg || a.addressedTo(v)
	case Red:
		return slices.Contains(a.RecipientUsers, v.UserID)
	}
	return false
}

// ShowsAuthor reports whether v may see who submitted an object with acl.
// When it may not, created_by_ref is shown as the center's identity.
func ShowsAuthor(v Viewer, a ACL) bool {
	if !v.Anonymous() && v.OrgID == a.AuthorOrg {
		return true
	}
	switch a.Consent {
	case ConsentEveryone:
		return true
	case ConsentCenter:
		return v.IsCenter && !v.Anonymous()
	}
	return false
}

// MayForward reports whether an object may leave the hub to a federation
// partner or an export that is not addressed to its named recipients.
// AMBER+STRICT and RED never do.
func MayForward(a ACL) bool { return a.TLP < AmberStrict }

// CollectionAccess decides whether v may read and write a TAXII collection
// with the given audience ("members", "public", "group:<id>", "org:<id>").
// readOnly is true for read-only tokens. Objects in a readable collection are
// still filtered one by one by Decide / Filter.
func CollectionAccess(v Viewer, audience string, writable, readOnly bool) (read, write bool) {
	canWrite := writable && !readOnly && !v.Anonymous() && v.Role.CanSubmit()
	switch {
	case audience == "public":
		return true, canWrite && v.IsCenter
	case v.Anonymous():
		return false, false
	case audience == "members":
		return true, canWrite
	case strings.HasPrefix(audience, "group:"):
		in := v.IsCenter || slices.Contains(v.Groups, strings.TrimPrefix(audience, "group:"))
		return in, in && canWrite
	case strings.HasPrefix(audience, "org:"):
		in := v.IsCenter || v.OrgID == strings.TrimPrefix(audience, "org:")
		return in, in && canWrite
	}
	return false, false
}
