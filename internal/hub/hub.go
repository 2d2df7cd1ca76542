// Package hub is the sharing hub's core: it takes STIX objects in from members,
// stores them under the access policy, shows each reader what it may see (with
// submitter identities protected), and raises alerts when a member's indicator
// is sighted.
//
// It is the one path by which objects enter the store, for TAXII, the REST API,
// the web console and the demo alike, so that validation and access metadata
// are decided once. It must not decide visibility itself: package policy does.
// Nor does it make what it shares with the capabilities (the store, the
// authenticator, the alerts, the audit log, the clock): package app makes
// them once and hands them in (Deps).
package hub

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"sync"
	"time"

	"renkei/internal/alert"
	"renkei/internal/audit"
	"renkei/internal/auth"
	"renkei/internal/metrics"
	"renkei/internal/policy"
	"renkei/internal/problem"
	"renkei/internal/stix"
	"renkei/internal/store"
)

// Hub is the sharing hub over one store.
type Hub struct {
	// DB, Auth, Alerts, Log, Audit and Now are shared with the
	// capabilities; package app makes them once and hands them in (Deps).
	DB     *store.DB
	Auth   *auth.Authenticator // forgets remembered tokens after an act that revokes them
	Alerts *alert.Service      // sightings of a member's indicator
	Log    *slog.Logger
	// Audit is the tamper-evident log. Reads that rule C7 says must be
	// logged are refused while it is nil.
	Audit *audit.Log
	// Metrics counts submitted objects; nil counts nothing.
	Metrics *metrics.Set

	// DefaultTLP applies to objects that carry no TLP marking.
	DefaultTLP policy.TLP
	// MaxObjectBytes bounds one STIX object.
	MaxObjectBytes int

	Now func() time.Time

	// WarninglistHits gives the warninglist hits of an object's values as
	// JSON (an array of warninglist.ValueHit), nil when there are none;
	// Present shows them to every reader in Renkei's extension
	// (warninglist_hits). Package app sets the export gate's
	// (exportgate.Service.ObjectHitsJSON); nil shows none.
	WarninglistHits func(o store.Object) json.RawMessage

	// Arrival, when set, sees each object an account submits once its
	// access metadata is worked out, and may refuse it (the error is the
	// object's failure in the status) or change its TLP and raw JSON:
	// package app sets federation.Service.Arrive, which re-checks what a
	// partner sends against its agreement.
	Arrival func(ctx context.Context, c auth.Caller, o *store.Object) error

	center      store.Org
	auditSalt   []byte
	groups      remembered[[]string]         // org id → its groups
	collections remembered[store.Collection] // by id
}

// Deps are what the hub shares with the capabilities, made by package app:
// it builds none of them.
type Deps struct {
	Store  *store.DB
	Auth   *auth.Authenticator
	Alerts *alert.Service
	Audit  *audit.Log // nil: reads and acts that must be logged are refused
	Log    *slog.Logger
	Now    func() time.Time
	// Metrics counts what the hub does for /metrics; nil counts nothing.
	Metrics *metrics.Set
}

// New returns a hub over d.Store, after Bootstrap has run on it.
func New(ctx context.Context, d Deps) (*Hub, error) {
	if d.Store == nil || d.Auth == nil || d.Alerts == nil || d.Log == nil || d.Now == nil {
		return nil, errors.New("hub: the store, authenticator, alerts, logger and clock are required")
	}
	h := &Hub{DB: d.Store, Auth: d.Auth, Alerts: d.Alerts, Audit: d.Audit, Log: d.Log, Now: d.Now, Metrics: d.Metrics,
		DefaultTLP: policy.Amber, MaxObjectBytes: 1 << 20}
	db := d.Store
	c, err := db.CenterOrg(ctx)
	if err != nil {
		return nil, fmt.Errorf("hub: %w (run bootstrap first)", err)
	}
	h.center = c
	if h.auditSalt, err = loadAuditSalt(ctx, db); err != nil {
		return nil, fmt.Errorf("hub: audit salt: %w", err)
	}
	if s, _ := db.Setting(ctx, "default_tlp"); s != "" {
		if t, err := policy.ParseTLP(s); err == nil {
			h.DefaultTLP = t
		}
	}
	return h, nil
}

// Center is the national center's organization.
func (h *Hub) Center() store.Org { return h.center }

func (h *Hub) now() time.Time { return h.Now().UTC() }

// Viewer is how the access policy sees a caller.
func (h *Hub) Viewer(ctx context.Context, c auth.Caller) (policy.Viewer, error) {
	if c.User.ID == 0 { // anonymous, or the hub itself (auth.System)
		return c.Viewer(), nil
	}
	groups, err := h.orgGroups(ctx, c.Org.ID)
	if err != nil {
		return policy.Viewer{}, fmt.Errorf("groups of %s: %w", c.Org.Name, err)
	}
	v := c.Viewer()
	v.Groups = groups
	return v, nil
}

// groupsTTL bounds how long a change of group membership takes to reach
// readers, in exchange for one query less on every request.
const groupsTTL = 2 * time.Second

// remembered keeps values read from the store for groupsTTL.
type remembered[V any] struct{ m sync.Map } // key → rememberedValue[V]

type rememberedValue[V any] struct {
	v     V
	until time.Time
}

// get returns the value for key, reading it with load when it is not
// remembered or is older than groupsTTL. Errors are not remembered.
func (r *remembered[V]) get(key string, load func() (V, error)) (V, error) {
	now := time.Now()
	if e, ok := r.m.Load(key); ok && now.Before(e.(rememberedValue[V]).until) {
		return e.(rememberedValue[V]).v, nil
	}
	v, err := load()
	if err == nil {
		r.m.Store(key, rememberedValue[V]{v, now.Add(groupsTTL)})
	}
	return v, err
}

func (h *Hub) orgGroups(ctx context.Context, org string) ([]string, error) {
	return h.groups.get(org, func() ([]string, error) { return h.DB.OrgGroups(ctx, org) })
}

// Collection returns the collection with the given id. It is read on every
// TAXII request, so it is remembered for as long as group memberships are;
// collections are not changed once added.
func (h *Hub) Collection(ctx context.Context, id string) (store.Collection, error) {
	return h.collections.get(id, func() (store.Collection, error) { return h.DB.Collection(ctx, id) })
}

// Present returns the object as the viewer may see it: when the submitter did
// not consent to showing its identity to this viewer, created_by_ref (and, for
// sightings, where_sighted_refs naming the submitter) shows the center instead;
// the warninglist hits of an indicator's values are in Renkei's extension
// (annotate).
func (h *Hub) Present(v policy.Viewer, o store.Object) json.RawMessage {
	return h.annotate(o, h.presentAuthor(v, o))
}

func (h *Hub) presentAuthor(v policy.Viewer, o store.Object) json.RawMessage {
	if policy.ShowsAuthor(v, o.ACL) {
		return o.Raw
	}
	var refs struct {
		CreatedBy *string  `json:"created_by_ref"`
		Where     []string `json:"where_sighted_refs"`
	}
	if err := json.Unmarshal(o.Raw, &refs); err != nil {
		return o.Raw
	}
	out := o.Raw
	var err error
	if refs.CreatedBy != nil {
		if out, err = stix.SetProperty(out, "created_by_ref", h.center.ID); err != nil {
			return o.Raw
		}
	}
	if slices.Contains(refs.Where, o.ACL.AuthorOrg) {
		for i, r := range refs.Where {
			if r == o.ACL.AuthorOrg {
				refs.Where[i] = h.center.ID
			}
		}
		if out, err = stix.SetProperty(out, "where_sighted_refs", refs.Where); err != nil {
			return o.Raw
		}
	}
	return out
}

// ErrForbidden is problem.ErrForbidden, named here for the code that still
// finds it in the hub.
var ErrForbidden = problem.ErrForbidden
