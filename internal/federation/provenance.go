package federation

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"time"

	"renkei/internal/auth"
	"renkei/internal/policy"
	"renkei/internal/store"
)

// Extension is the id of Renkei's federation property extension, which
// every object from a partner carries and every object sent to one:
//
//	"extensions": {"extension-definition--…": {"extension_type": "property-extension",
//	   "partner": "<the partner's id in the hub that stored it>", "pull": "<the run>",
//	   "origin_hub": "<the hub the object was first submitted to>"}}
//
// origin_hub travels with the object from hub to hub, so that no hub sends
// an object back to the hub it came from (policy.MayLeave, RefusedLoop).
const Extension = "extension-definition--3f1c6a52-9d0e-4b7a-8c21-66656465726e"

// Provenance is what the federation extension says.
type Provenance struct {
	ExtensionType string `json:"extension_type"`
	Partner       string `json:"partner,omitempty"`
	Pull          string `json:"pull,omitempty"`
	OriginHub     string `json:"origin_hub,omitempty"`
}

// provenanceOf reads an object's federation extension; the zero Provenance
// when it has none. Keys are read exactly, as withProvenance writes them:
// encoding/json's struct fields would also take "eXtensions", so a partner
// could hide the extension behind a key differing in case.
func provenanceOf(raw json.RawMessage) Provenance {
	var o, exts map[string]json.RawMessage
	var p Provenance
	if json.Unmarshal(raw, &o) == nil && json.Unmarshal(o["extensions"], &exts) == nil {
		if e, ok := exts[Extension]; ok {
			json.Unmarshal(e, &p)
		}
	}
	return p
}

// withProvenance returns raw with its federation extension set to p,
// keeping the object's other properties and extensions as they are.
func withProvenance(raw json.RawMessage, p Provenance) (json.RawMessage, error) {
	var o map[string]json.RawMessage
	if err := json.Unmarshal(raw, &o); err != nil {
		return nil, fmt.Errorf("not a JSON object: %w", err)
	}
	if o == nil {
		return nil, fmt.Errorf("not a JSON object")
	}
	exts := map[string]json.RawMessage{}
	if e, ok := o["extensions"]; ok {
		if err := json.Unmarshal(e, &exts); err != nil {
			return nil, fmt.Errorf("extensions: %w", err)
		}
		if exts == nil { // "extensions": null
			exts = map[string]json.RawMessage{}
		}
	}
	p.ExtensionType = "property-extension"
	b, err := json.Marshal(p)
	if err != nil {
		return nil, err
	}
	exts[Extension] = b
	if o["extensions"], err = json.Marshal(exts); err != nil {
		return nil, err
	}
	return json.Marshal(o)
}

// withTLP returns raw with its TLP marking replaced by t's, its other
// markings kept.
func withTLP(raw json.RawMessage, t policy.TLP) (json.RawMessage, error) {
	var o map[string]json.RawMessage
	if err := json.Unmarshal(raw, &o); err != nil {
		return nil, err
	}
	if o == nil {
		return nil, fmt.Errorf("not a JSON object")
	}
	var refs []string
	if m, ok := o["object_marking_refs"]; ok {
		if err := json.Unmarshal(m, &refs); err != nil {
			return nil, fmt.Errorf("object_marking_refs: %w", err)
		}
	}
	refs = slices.DeleteFunc(refs, policy.IsTLPMarking)
	refs = append(refs, t.MarkingID())
	var err error
	if o["object_marking_refs"], err = json.Marshal(refs); err != nil {
		return nil, err
	}
	return json.Marshal(o)
}

// arrival is the partner behind an organization's account, remembered for a
// minute so that a page of objects looks it up once.
type arrival struct {
	p       Partner
	partner bool
	at      time.Time
}

// partnerOf returns the partner whose organization is org, ok false when
// org is no partner's.
func (s *Service) partnerOf(ctx context.Context, org store.Org) (Partner, bool, error) {
	if org.Kind != OrgKind {
		return Partner{}, false, nil
	}
	now := s.Now()
	if a, ok := s.arrivals.Load(org.ID); ok && now.Sub(a.(arrival).at) < time.Minute {
		return a.(arrival).p, a.(arrival).partner, nil
	}
	p, err := s.DB.PartnerByOrg(ctx, org.ID)
	found := err == nil
	if err != nil && !isNotFound(err) {
		return p, false, err
	}
	s.arrivals.Store(org.ID, arrival{p: p, partner: found, at: now})
	return p, found, nil
}

// Arrive re-checks, on the receiving side, each object a partner's account
// submits (pulled by this hub or pushed by the partner) against the
// partner's agreement (policy.MayArrive): it refuses what the agreement
// does not let in, marks the rest with the agreement's arrival TLP, and
// sets the federation extension (the partner, and the hub of origin, which
// is kept when the object names one). An object that first came from this
// hub is refused: it is this hub's own, come back. Objects of any other
// account pass unchanged. hub.Hub.Arrival is set to it.
func (s *Service) Arrive(ctx context.Context, c auth.Caller, o *store.Object) error {
	p, ok, err := s.partnerOf(ctx, c.Org)
	if err != nil || !ok {
		return err
	}
	if o.Type == "marking-definition" || o.Type == "extension-definition" {
		return nil // definitions carry no intelligence; what uses them is checked
	}
	t, why := policy.MayArrive(p.Agreement, o.ACL.TLP, o.Type)
	if why != "" {
		return fmt.Errorf("refused under the agreement with partner %s (%s): %s", p.Name, why, arrivalReason(why, o.ACL.TLP))
	}
	prov := provenanceOf(o.Raw)
	own, err := s.DB.HubID(ctx)
	if err != nil {
		return err
	}
	if prov.OriginHub == own {
		return fmt.Errorf("refused under the agreement with partner %s (%s): the object first came from this hub", p.Name, policy.RefusedLoop)
	}
	if prov.OriginHub == "" {
		prov.OriginHub = p.HubID
	}
	if prov.Partner != p.ID {
		prov.Pull = "" // another hub's run, which means nothing here
	}
	prov.Partner = p.ID
	if t != o.ACL.TLP {
		if o.Raw, err = withTLP(o.Raw, t); err != nil {
			return err
		}
		o.ACL.TLP = t
	}
	o.Raw, err = withProvenance(o.Raw, prov)
	return err
}

// arrivalReason says in a sentence why an object was refused on arrival.
func arrivalReason(why string, t policy.TLP) string {
	switch why {
	case policy.RefusedStrict:
		return t.Label() + " never crosses to another organization's hub"
	case policy.RefusedAmber:
		return "TLP:AMBER, and the agreement does not name this hub as a recipient of AMBER"
	}
	return t.Label() + " is above what the agreement lets pass"
}
