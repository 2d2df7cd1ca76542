package hub

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"
	"strconv"

	"github.com/google/uuid"

	"renkei/internal/alert"
	"renkei/internal/audit"
	"renkei/internal/auth"
	"renkei/internal/i18n"
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

// ErrBodyCut is wrapped around the error that stopped a body being read part
// way (too large, or the client stopped sending); Submit returns it with the
// completed status, which lists what was stored before and the cut as a
// failure. The read error stays in the chain (http.MaxBytesError: answer 413).
var ErrBodyCut = errors.New("the body could not be read to its end")

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
	st := store.Status{ID: uuid.NewString(), CollectionID: coll.ID, UserID: c.User.ID, Status: "pending", Created: now, Updated: now}
	if err := h.DB.AddStatus(ctx, st); err != nil {
		return st, err
	}
	in := &intake{h: h, c: c, v: v, coll: coll, names: map[string]string{}, markings: map[string]bool{}}
	var pending []received
	br := stix.NewBundleReader(body, h.MaxObjectBytes)
	var batch []received
	var prog store.StatusProgress
	read := 0
	flush := func(last bool) error {
		objs, err := in.versions(ctx, batch, &prog)
		if err != nil {
			return err
		}
		prog.Complete = last
		res, err := h.DB.InsertObjects(ctx, objs, h.now(), st.ID, prog)
		if err != nil {
			return fmt.Errorf("store objects: %w", err)
		}
		h.Metrics.Objects(prog.Success, prog.Failure)
		for i, o := range objs {
			if !res[i].Duplicate && o.Type == "sighting" {
				in.sighted(ctx, o)
			}
		}
		batch, prog = batch[:0], store.StatusProgress{}
		return nil
	}
	add := func(o received) error {
		if o.official {
			prog.Success++
			prog.Details = append(prog.Details, store.StatusDetail{Kind: "success", ID: o.ID, Version: versionOf(o.Object), Message: o.note})
			return nil
		}
		for _, m := range o.pendingMarkings {
			if !in.markings[m] {
				prog.Failure++
				prog.Details = append(prog.Details, store.StatusDetail{Kind: "failure", ID: o.ID, Version: versionOf(o.Object),
					Message: fmt.Sprintf("object_marking_refs: unknown marking %s (use TLP markings, or marking definitions stored in the hub or sent in the same bundle)", m)})
				return nil
			}
		}
		batch = append(batch, o)
		if len(batch) >= batchSize {
			return flush(false)
		}
		return nil
	}
	var cut error // what stopped the body being read to its end
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
				return st, fmt.Errorf("%w: %w", ErrBadBundle, err)
			}
			prog.Failure++
			prog.Details = append(prog.Details, store.StatusDetail{Kind: "failure", ID: fmt.Sprintf("objects[%d]", idx), Message: "the rest of the body could not be read: " + err.Error()})
			cut = err
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
	st, err = h.DB.StatusByID(ctx, st.ID)
	if err == nil && cut != nil {
		err = fmt.Errorf("%w: %w", ErrBodyCut, cut)
	}
	return st, err
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
	note            string // said with its success in the status: what the hub changed or did instead
	official        bool   // an official TLP marking definition: the hub serves its own, nothing is stored
	createdBy       bool   // it names its creator (created_by_ref)
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
	if d, ok := tlpDefinitions[so.ID]; ok {
		if !d.sameAs(so.Raw) {
			return o, fmt.Errorf("id: %s is the official %s marking definition, which the hub serves itself; it cannot be redefined", so.ID, d.name)
		}
		o.official = true
		o.note = "the official " + d.name + " marking definition; the hub serves its own copy, nothing was stored"
		return o, nil
	}
	if so.ID == Extension {
		return o, fmt.Errorf("id: %s is Renkei's extension definition, which the hub serves itself; it cannot be submitted", so.ID)
	}
	if so.ID == policy.TLP2Extension {
		if !sameAsTLP2Extension(so.Raw) {
			return o, fmt.Errorf("id: %s is the OASIS TLP 2.0 extension definition, which the hub serves itself; it cannot be redefined", so.ID)
		}
		o.official = true
		o.note = "the OASIS TLP 2.0 extension definition; the hub serves its own copy, nothing was stored"
		return o, nil
	}
	if so.Type == "identity" {
		if org, err := in.h.DB.Org(ctx, so.ID); err == nil && org.ID == so.ID {
			return o, fmt.Errorf("id: %s is the identity of an organization of this hub, which the hub serves itself; describe an organization under another id", so.ID)
		} else if err != nil && !errors.Is(err, store.ErrNotFound) {
			return o, err
		}
	}
	// The creator of an object is the organization that submits it; an
	// object may not claim another (moderation keeps the author's, below).
	if so.CreatedByRef != "" {
		o.createdBy = true
		if so.CreatedByRef != in.c.Org.ID {
			if o.Raw, err = stix.SetProperty(o.Raw, "created_by_ref", in.c.Org.ID); err != nil {
				return o, err
			}
			o.note = fmt.Sprintf("created_by_ref %s was replaced by your organization's identity %s: an object's creator is the organization that submits it", so.CreatedByRef, in.c.Org.ID)
		}
	}
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
		sightedBy(&acl, target.ACL)
	}
	o.ACL = acl
	if in.h.Arrival != nil {
		if err := in.h.Arrival(ctx, in.c, &o.Object); err != nil {
			return o, err
		}
	}
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
	// A login that names no user is passed over in silence: an answer that
	// differed would tell any member which logins exist. The object is then
	// shared with the named users that exist (and, for RED, its submitter).
	unknown := 0
	for _, r := range d.RecipientUsers {
		u, err := in.h.DB.UserByLogin(ctx, r)
		if errors.Is(err, store.ErrNotFound) {
			unknown++
			continue
		}
		if err != nil {
			return fmt.Errorf("recipient_users: %w", err)
		}
		acl.RecipientUsers = append(acl.RecipientUsers, u.ID)
	}
	if unknown > 0 {
		in.h.Log.Info("recipient users unknown", "org", in.c.Org.ID, "user", in.c.User.Login, "unknown", unknown)
	}
	return nil
}

// sightedBy lets the author of what was sighted (target) read a sighting
// with acl, without narrowing who else may. TLP:CLEAR and a GREEN sighting
// for all members already reach the author's organization; an addressed
// GREEN, AMBER or AMBER+STRICT sighting is addressed to it too; a RED
// sighting, for named people only, is addressed to the person who submitted
// what was sighted.
func sightedBy(acl *policy.ACL, target policy.ACL) {
	if target.AuthorOrg == acl.AuthorOrg {
		return
	}
	switch {
	case acl.TLP == policy.Clear, acl.TLP == policy.Green && len(acl.RecipientOrgs)+len(acl.RecipientGroups) == 0:
	case acl.TLP == policy.Red:
		if target.SubmitterUser != 0 && !slices.Contains(acl.RecipientUsers, target.SubmitterUser) {
			acl.RecipientUsers = append(acl.RecipientUsers, target.SubmitterUser)
		}
	case !slices.Contains(acl.RecipientOrgs, target.AuthorOrg):
		acl.RecipientOrgs = append(acl.RecipientOrgs, target.AuthorOrg)
	}
}

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

// sighted alerts the author of what was sighted. The sighting organization is
// named only when its consent lets the author see it. The alert names both
// the sighting and what was sighted, so that only those who may read both
// see it (policy.AlertFilter).
func (in *intake) sighted(ctx context.Context, s store.Object) {
	target, err := in.target(ctx, s.Ref)
	if err != nil || target.ACL.AuthorOrg == s.ACL.AuthorOrg {
		return
	}
	author, err := in.h.DB.Org(ctx, target.ACL.AuthorOrg)
	if err != nil {
		return
	}
	name := target.Name
	if name == "" {
		name = target.ID
	}
	title := i18n.M("alert.sighting.member", target.Type, name)
	if policy.ShowsAuthor(policy.OrgAudience(author.ID, author.IsCenter(), nil), s.ACL) {
		title = i18n.M("alert.sighting.by", target.Type, name, in.c.Org.Name)
	}
	data, _ := json.Marshal(map[string]any{"sighting": s.ID, "sighting_of": target.ID, "count": s.Count, "tlp": s.ACL.TLP.Label()})
	in.h.Alerts.Raise(ctx, store.Alert{
		OrgID: author.ID, Kind: "sighting", Severity: "medium",
		TitleKey: title.Key, TitleParams: title.Params,
		BodyMsgs: alert.Lines(
			i18n.M("alert.sighting.body.what", strconv.FormatInt(max(s.Count, 1), 10)),
			i18n.M("alert.sighting.body.todo")),
		ObjectRef: s.ID, Subject: target.ID, Data: string(data), Objects: []int64{s.PK, target.PK},
	})
}

// errNotAuthor refuses a version of another organization's object. It is the
// same sentence whatever is stored under the id (which versions, their
// modified, whether the submitter may read any of them), so that it tells
// nothing about them.
var errNotAuthor = errors.New("id: this object was created by another organization; only its author adds versions of it (give your own object a new id)")

// versions keeps the objects of a batch that their submitter may write and
// records the others as failures in prog, with the successes to come. The
// submitter's organization first claims the ids no one has claimed (an id
// belongs to the first organization that presented it, in any collection;
// the store's claim is unique, so of two organizations posting the same new
// id at once exactly one becomes its author). An object whose id another
// organization holds is accepted only from the hub administrator as
// moderation: that is logged before it is stored, and the version keeps the
// object's author (and names it as creator). SCOs are exempt: their ids are
// derived from their values and they have no versions.
func (in *intake) versions(ctx context.Context, batch []received, prog *store.StatusProgress) ([]store.Object, error) {
	ids := make([]string, 0, len(batch))
	seen := map[string]bool{}
	for _, o := range batch {
		if !stix.IsSCO(o.Type) && !seen[o.ID] {
			seen[o.ID] = true
			ids = append(ids, o.ID)
		}
	}
	authors, err := in.h.DB.ClaimIDs(ctx, ids, in.c.Org.ID)
	if err != nil {
		return nil, err
	}
	objs := make([]store.Object, 0, len(batch))
	for _, o := range batch {
		author, claimed := authors[o.ID]
		if claimed && author != o.ACL.AuthorOrg && !stix.IsSCO(o.Type) {
			ok, moderation := policy.MayWriteVersion(in.v, author)
			if !ok {
				prog.Failure++
				prog.Details = append(prog.Details, store.StatusDetail{Kind: "failure", ID: o.ID, Version: versionOf(o.Object), Message: errNotAuthor.Error()})
				continue
			}
			if moderation {
				if err := in.moderate(ctx, &o, author); err != nil {
					prog.Failure++
					prog.Details = append(prog.Details, store.StatusDetail{Kind: "failure", ID: o.ID, Version: versionOf(o.Object), Message: err.Error()})
					continue
				}
			}
		}
		prog.Success++
		prog.Details = append(prog.Details, store.StatusDetail{Kind: "success", ID: o.ID, Version: versionOf(o.Object), Message: o.note})
		objs = append(objs, o.Object)
	}
	return objs, nil
}

// moderate makes o a moderating version of author's object: logged first,
// then stored under the author, whose identity it names as creator.
func (in *intake) moderate(ctx context.Context, o *received, author string) error {
	if _, err := in.h.Record(ctx, in.c, audit.ActionObjectModerate, o.ID, map[string]string{
		"author": author, "collection": o.CollectionID, "version": versionOf(o.Object),
		"tlp": o.ACL.TLP.Label(), "revoked": fmt.Sprint(o.Revoked),
	}); err != nil {
		in.h.Log.Error("moderating version refused: audit log unavailable", "object", o.ID, "user", in.c.User.Login, "err", err)
		return errors.New("a moderating version is logged before it is stored, and the audit log could not record it; nothing was stored")
	}
	o.ACL.AuthorOrg = author
	if o.createdBy {
		raw, err := stix.SetProperty(o.Raw, "created_by_ref", author)
		if err != nil {
			return err
		}
		o.Raw = raw
	}
	o.note = "stored as a moderating version of another organization's object; the act is in the audit log"
	return nil
}
