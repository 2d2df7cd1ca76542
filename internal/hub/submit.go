package hub

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"

	"renkei/internal/auth"
	"renkei/internal/policy"
	"renkei/internal/stix"
	"renkei/internal/stix/pattern"
	"renkei/internal/store"
)

// Extension is the id of Renkei's property extension, which carries an
// object's recipients and its submitter's consent:
//
//	"extensions": {"extension-definition--…": {"extension_type": "property-extension",
//	   "recipient_orgs": ["identity--…" or a name], "recipient_groups": ["…"],
//	   "recipient_users": ["login"], "consent": "everyone" | "center" | "none"}}
const Extension = "extension-definition--7c0e3f1a-2d4b-4e5f-8a6b-72656e6b6569"

// Distribution is what the Renkei extension says.
type Distribution struct {
	ExtensionType   string   `json:"extension_type"`
	RecipientOrgs   []string `json:"recipient_orgs,omitempty"`
	RecipientGroups []string `json:"recipient_groups,omitempty"`
	RecipientUsers  []string `json:"recipient_users,omitempty"`
	Consent         string   `json:"consent,omitempty"`
}

// batchSize objects are stored per transaction: large enough to amortize the
// commit, small enough that a crash loses little work and memory stays bounded.
const batchSize = 2000

// ErrBadBundle is wrapped around errors that make the whole body unreadable.
var ErrBadBundle = errors.New("invalid bundle")

// Submit reads a bundle or TAXII envelope from body and stores its objects in
// coll on behalf of c, streaming in bounded memory. Valid objects are stored
// even when others are invalid; the returned status lists each failure with its
// reason. Outcomes are recorded batch by batch after each batch is committed,
// so a success in the status always means the object is stored.
func (h *Hub) Submit(ctx context.Context, c auth.Caller, coll store.Collection, body io.Reader) (store.Status, error) {
	v, err := h.Viewer(ctx, c)
	if err != nil {
		return store.Status{}, err
	}
	if _, w := policy.CollectionAccess(v, coll.Audience, coll.Writable, c.ReadOnly); !w {
		return store.Status{}, fmt.Errorf("%w: you may not write to collection %q", ErrForbidden, coll.Title)
	}
	now := h.now()
	st := store.Status{ID: newUUID(), CollectionID: coll.ID, UserID: c.User.ID, Status: "pending", Created: now, Updated: now}
	if err := h.DB.AddStatus(ctx, st); err != nil {
		return st, err
	}
	in := &intake{h: h, c: c, v: v, coll: coll, names: map[string]string{}, markings: map[string]bool{}}
	var pending []received
	br := stix.NewBundleReader(body, h.MaxObjectBytes)
	var batch []store.Object
	var prog store.StatusProgress
	read := 0
	flush := func(last bool) error {
		for _, o := range batch {
			prog.Success++
			prog.Details = append(prog.Details, store.StatusDetail{Kind: "success", ID: o.ID, Version: versionOf(o)})
		}
		prog.Complete = last
		res, err := h.DB.InsertObjects(ctx, batch, h.now(), st.ID, prog)
		if err != nil {
			return fmt.Errorf("store objects: %w", err)
		}
		for i, o := range batch {
			if !res[i].Duplicate && o.Type == "sighting" {
				in.sighted(ctx, o)
			}
		}
		batch, prog = batch[:0], store.StatusProgress{}
		return nil
	}
	add := func(o received) error {
		for _, m := range o.pendingMarkings {
			if !in.markings[m] {
				prog.Failure++
				prog.Details = append(prog.Details, store.StatusDetail{Kind: "failure", ID: o.ID, Version: versionOf(o.Object),
					Message: fmt.Sprintf("object_marking_refs: unknown marking %s (use TLP markings, or marking definitions stored in the hub or sent in the same bundle)", m)})
				return nil
			}
		}
		batch = append(batch, o.Object)
		if len(batch) >= batchSize {
			return flush(false)
		}
		return nil
	}
	for {
		raw, idx, err := br.Next()
		if err == io.EOF {
			break
		}
		var ee *stix.ElementError
		if errors.As(err, &ee) {
			prog.Failure++
			prog.Details = append(prog.Details, store.StatusDetail{Kind: "failure", ID: fmt.Sprintf("objects[%d]", ee.Index), Message: ee.Msg})
			continue
		}
		if err != nil {
			if read == 0 && len(batch) == 0 && prog.Failure == 0 {
				h.DB.AdvanceStatus(ctx, st.ID, store.StatusProgress{Complete: true}, h.now())
				return st, fmt.Errorf("%w: %v", ErrBadBundle, err)
			}
			prog.Failure++
			prog.Details = append(prog.Details, store.StatusDetail{Kind: "failure", ID: fmt.Sprintf("objects[%d]", idx), Message: "the rest of the body could not be read: " + err.Error()})
			break
		}
		read++
		o, ferr := in.object(ctx, raw)
		if ferr != nil {
			id := o.ID
			if id == "" {
				id = fmt.Sprintf("objects[%d]", idx)
			}
			prog.Failure++
			prog.Details = append(prog.Details, store.StatusDetail{Kind: "failure", ID: id, Version: versionOf(o.Object), Message: ferr.Error()})
			continue
		}
		if len(o.pendingMarkings) > 0 && len(pending) < maxPending {
			pending = append(pending, o) // its marking definition may come later in the bundle
			continue
		}
		if err := add(o); err != nil {
			return st, err
		}
	}
	for _, o := range pending {
		if err := add(o); err != nil {
			return st, err
		}
	}
	if err := flush(true); err != nil {
		return st, err
	}
	return h.DB.StatusByID(ctx, st.ID)
}

func versionOf(o store.Object) string {
	if o.Modified.IsZero() {
		return ""
	}
	return stix.FormatTime(o.Modified)
}

// received is an object on its way in: what will be stored, and the marking
// definitions it uses that were not known when it was read.
type received struct {
	store.Object
	pendingMarkings []string
}

// maxPending bounds how many objects may wait for a marking definition that
// comes later in the same bundle.
const maxPending = 20000

// intake turns received objects into stored ones for one submission.
type intake struct {
	markings map[string]bool // marking definitions known so far
	h        *Hub
	c        auth.Caller
	v        policy.Viewer
	coll     store.Collection
	names    map[string]string // org/group names and ids resolved so far
	// targets are the objects sighted in this submission, looked up once.
	targets map[string]store.Object
}

func validatePattern(s string) error {
	_, err := pattern.Parse(s)
	return err
}

// object validates one object and works out its access metadata. On failure
// the returned object still carries what could be read of its id and version.
func (in *intake) object(ctx context.Context, raw json.RawMessage) (received, error) {
	so, err := stix.Parse(raw, stix.Options{ValidatePattern: validatePattern, MaxObjectBytes: in.h.MaxObjectBytes})
	if err != nil {
		var ve *stix.ValidationError
		if errors.As(err, &ve) {
			return received{Object: store.Object{ID: ve.ID, Type: ve.Type}}, err
		}
		return received{}, err
	}
	o := received{Object: store.Object{
		CollectionID: in.coll.ID, ID: so.ID, Type: so.Type, SpecVersion: so.SpecVersion,
		Created: so.Created, Modified: so.Modified, Revoked: so.Revoked, Name: so.Name,
		Pattern: so.Pattern, ValidFrom: so.ValidFrom, ValidUntil: so.ValidUntil,
		FirstSeen: so.FirstSeen, LastSeen: so.LastSeen, Count: int64(so.Count), Raw: so.Raw,
	}}
	switch so.Type {
	case "sighting":
		o.Ref = so.SightingOfRef
	case "relationship":
		o.Ref, o.TargetRef = so.SourceRef, so.TargetRef
	}
	acl := policy.ACL{AuthorOrg: in.c.Org.ID, SubmitterUser: in.c.User.ID}
	tlp, found := policy.TLPFromMarkings(so.ObjectMarkingRefs)
	if !found {
		tlp = in.h.DefaultTLP
		if so.Type == "marking-definition" || so.Type == "extension-definition" {
			tlp = policy.Clear // definitions carry no intelligence; everyone needs them to read what uses them
		}
	}
	acl.TLP = tlp
	if so.Type == "marking-definition" {
		in.markings[so.ID] = true
	}
	for _, m := range so.ObjectMarkingRefs {
		if policy.IsTLPMarking(m) || in.markings[m] {
			continue
		}
		if ok, err := in.h.DB.MarkingDefined(ctx, m); err != nil {
			return o, err
		} else if ok {
			in.markings[m] = true
			continue
		}
		o.pendingMarkings = append(o.pendingMarkings, m)
	}
	if raw, ok := so.Extensions[Extension]; ok {
		var d Distribution
		if err := json.Unmarshal(raw, &d); err != nil {
			return o, fmt.Errorf("extensions.%s: %v", Extension, err)
		}
		if err := in.distribution(ctx, d, &acl); err != nil {
			return o, fmt.Errorf("extensions.%s: %w", Extension, err)
		}
	}
	if acl.TLP == policy.Red && !slices.Contains(acl.RecipientUsers, in.c.User.ID) {
		acl.RecipientUsers = append(acl.RecipientUsers, in.c.User.ID)
	}
	if so.Type == "sighting" {
		target, err := in.target(ctx, so.SightingOfRef)
		if errors.Is(err, store.ErrNotFound) {
			return o, fmt.Errorf("sighting_of_ref: %s is not an object you can see", so.SightingOfRef)
		}
		if err != nil {
			return o, err
		}
		// The author of what was sighted always sees the sighting.
		if target.ACL.AuthorOrg != acl.AuthorOrg && !slices.Contains(acl.RecipientOrgs, target.ACL.AuthorOrg) {
			acl.RecipientOrgs = append(acl.RecipientOrgs, target.ACL.AuthorOrg)
		}
	}
	o.ACL = acl
	return o, nil
}

func (in *intake) distribution(ctx context.Context, d Distribution, acl *policy.ACL) error {
	c, err := policy.ParseConsent(d.Consent)
	if err != nil {
		return fmt.Errorf("consent: %w", err)
	}
	acl.Consent = c
	for _, r := range d.RecipientOrgs {
		id, ok := in.names["org:"+r]
		if !ok {
			o, err := in.h.DB.Org(ctx, r)
			if err != nil {
				return fmt.Errorf("recipient_orgs: %w", err)
			}
			id = o.ID
			in.names["org:"+r] = id
		}
		acl.RecipientOrgs = append(acl.RecipientOrgs, id)
	}
	for _, r := range d.RecipientGroups {
		id, ok := in.names["group:"+r]
		if !ok {
			g, err := in.h.DB.Group(ctx, r)
			if err != nil {
				return fmt.Errorf("recipient_groups: %w", err)
			}
			id = g.ID
			in.names["group:"+r] = id
		}
		acl.RecipientGroups = append(acl.RecipientGroups, id)
	}
	for _, r := range d.RecipientUsers {
		u, err := in.h.DB.UserByLogin(ctx, r)
		if err != nil {
			return fmt.Errorf("recipient_users: %w", err)
		}
		acl.RecipientUsers = append(acl.RecipientUsers, u.ID)
	}
	return nil
}

// sighted alerts the author of what was sighted. The sighting organization is
// named only when its consent lets the author see it.
// target looks up an object the submitter sights, once per submission.
func (in *intake) target(ctx context.Context, id string) (store.Object, error) {
	if t, ok := in.targets[id]; ok {
		return t, nil
	}
	t, err := in.h.DB.ObjectByID(ctx, in.v, id)
	if err != nil {
		return t, err
	}
	if in.targets == nil {
		in.targets = map[string]store.Object{}
	}
	if len(in.targets) < 10000 {
		in.targets[id] = t
	}
	return t, nil
}

func (in *intake) sighted(ctx context.Context, s store.Object) {
	target, err := in.target(ctx, s.Ref)
	if err != nil || target.ACL.AuthorOrg == s.ACL.AuthorOrg {
		return
	}
	author, err := in.h.DB.Org(ctx, target.ACL.AuthorOrg)
	if err != nil {
		return
	}
	who, whoJa := "a member", "会員"
	if policy.ShowsAuthor(policy.Viewer{UserID: -1, OrgID: author.ID, IsCenter: author.IsCenter()}, s.ACL) {
		who, whoJa = in.c.Org.Name, in.c.Org.Name
	}
	name := target.Name
	if name == "" {
		name = target.ID
	}
	data, _ := json.Marshal(map[string]any{"sighting": s.ID, "sighting_of": target.ID, "count": s.Count, "tlp": s.ACL.TLP.Label()})
	in.h.Alerts.Raise(ctx, store.Alert{
		OrgID: author.ID, Kind: "sighting", Severity: "medium",
		Title:     fmt.Sprintf("貴組織の%s「%s」が%sにより観測されました / Your %s %q was sighted by %s", target.Type, name, whoJa, target.Type, name, who),
		ObjectRef: s.ID, Data: string(data),
	})
}
