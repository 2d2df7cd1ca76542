package hub_test

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"time"

	"renkei/internal/auth"
	"renkei/internal/hub"
	"renkei/internal/hubtest"
	"renkei/internal/policy"
	"renkei/internal/stix"
	"renkei/internal/store"
	"renkei/internal/store/storetest"
)

// versionWorld is a hub with organizations, nested groups, users of every
// role, two collections and a model of what should be stored: the harness of
// TestVersionPostsMatchPolicy and FuzzVersionIntake.
type versionWorld struct {
	h       *hub.Hub
	orgs    []store.Org
	groups  []string
	users   []auth.Caller // every user; the hub administrator is users[0]
	viewers []policy.Viewer
	colls   []store.Collection
	base    time.Time
}

func newVersionWorld(t testing.TB, kind string, r *rand.Rand, opts ...hubtest.Option) *versionWorld {
	t.Helper()
	ctx := context.Background()
	th := hubtest.New(t, kind, append([]hubtest.Option{hubtest.WithAudit()}, opts...)...)
	h, db, now := th.Hub, th.DB, th.Now.UTC()
	w := &versionWorld{h: h, orgs: []store.Org{h.Center()}, base: time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)}
	for i := range 4 {
		o, err := hub.AddOrg(ctx, db, fmt.Sprintf("member %d", i), "operator", "energy", now)
		if err != nil {
			t.Fatal(err)
		}
		w.orgs = append(w.orgs, o)
	}
	for i := range 3 {
		var members []string
		for _, o := range w.orgs[1:] {
			if r.IntN(2) == 0 {
				members = append(members, o.ID)
			}
		}
		if i > 0 {
			members = append(members, w.groups[r.IntN(len(w.groups))]) // nesting
		}
		g, err := hub.AddGroup(ctx, db, fmt.Sprintf("group %d", i), members, now)
		if err != nil {
			t.Fatal(err)
		}
		w.groups = append(w.groups, g.ID)
	}
	add := func(login, org string, role policy.Role) {
		u, err := hub.AddUser(ctx, db, login, org, string(role), "", now)
		if err != nil {
			t.Fatal(err)
		}
		o, _ := db.Org(ctx, u.OrgID)
		c := auth.Caller{User: u, Org: o}
		v, err := h.Viewer(ctx, c)
		if err != nil {
			t.Fatal(err)
		}
		w.users = append(w.users, c)
		w.viewers = append(w.viewers, v)
	}
	add("hub-admin", h.Center().ID, policy.RoleAdmin)
	for i, o := range w.orgs {
		for j := range 3 {
			role := policy.Roles[r.IntN(len(policy.Roles))]
			for policy.RoleFitsOrg(role, o.Kind) != nil { // a role the organization's kind may hold
				role = policy.Roles[r.IntN(len(policy.Roles))]
			}
			add(fmt.Sprintf("u%d-%d", i, j), o.ID, role)
		}
	}
	w.viewers = append(w.viewers, policy.Viewer{}) // anonymous
	for _, id := range []string{hub.MembersCollection, "9f1e5d2a-6b1c-4c1e-8d7a-0000000000ff"} {
		if id != hub.MembersCollection {
			if err := db.AddCollection(ctx, store.Collection{ID: id, Title: "second", Audience: "members", Writable: true, Created: now}); err != nil {
				t.Fatal(err)
			}
		}
		c, err := db.Collection(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		w.colls = append(w.colls, c)
	}
	return w
}

// versionPost is one version posted by one user.
type versionPost struct {
	user      int // index in users
	coll      int
	id        string
	hour      int // modified = base + hour
	tlp       policy.TLP
	revoked   bool
	createdBy int // index of the organization named in created_by_ref, -1 for none
	orgs      []int
	groups    []int
	redUsers  []int
	consent   policy.Consent
}

// modelVersion is a version the model says is stored.
type modelVersion struct {
	coll, id string
	modified time.Time
	acl      policy.ACL
}

// versionModel is what should be stored after a sequence of posts.
type versionModel struct {
	owner    map[string]string // id → author organization
	versions map[string]modelVersion
	// refusal is the first refusal's sentence; every other must be the same.
	refusal                     string
	refused, moderated, dropped int
	// statuses are the status resources the posts made.
	statuses []postStatus
}

// postStatus is one post's status resource: who posted what.
type postStatus struct {
	id      string
	user    int    // index in users
	sent    string // "id version" of the one object posted
	details int
}

func newVersionModel() *versionModel {
	return &versionModel{owner: map[string]string{}, versions: map[string]modelVersion{}}
}

func (w *versionWorld) raw(p versionPost) map[string]any {
	m := w.base.Add(time.Duration(p.hour) * time.Hour)
	o := map[string]any{"type": "indicator", "spec_version": "2.1", "id": p.id, "created": stix.FormatTime(w.base.Add(-time.Hour)),
		"modified": stix.FormatTime(m), "name": "v " + p.id, "pattern": "[ipv4-addr:value = '198.51.100.7']", "pattern_type": "stix",
		"valid_from": stix.FormatTime(w.base), "object_marking_refs": []string{p.tlp.MarkingID()}}
	if p.revoked {
		o["revoked"] = true
	}
	if p.createdBy >= 0 {
		o["created_by_ref"] = w.orgs[p.createdBy].ID
	}
	d := hub.Distribution{ExtensionType: "property-extension", Consent: p.consent.String()}
	for _, i := range p.orgs {
		d.RecipientOrgs = append(d.RecipientOrgs, w.orgs[i].ID)
	}
	for _, i := range p.groups {
		d.RecipientGroups = append(d.RecipientGroups, w.groups[i])
	}
	for _, i := range p.redUsers {
		d.RecipientUsers = append(d.RecipientUsers, w.users[i].User.Login)
	}
	o["extensions"] = map[string]any{hub.Extension: d}
	return o
}

// post submits p and checks the status against the model, which it updates.
func (w *versionWorld) post(t testing.TB, m *versionModel, p versionPost) {
	t.Helper()
	ctx := context.Background()
	c := w.users[p.user]
	body, _ := json.Marshal(map[string]any{"type": "bundle", "id": stix.NewID("bundle"), "objects": []any{w.raw(p)}})
	st, err := w.h.Submit(ctx, c, w.colls[p.coll], bytes.NewReader(body))
	if !policy.Role(c.User.Role).CanSubmit() {
		if err == nil {
			t.Fatalf("%s (%s) submitted", c.User.Login, c.User.Role)
		}
		return
	}
	if err != nil {
		t.Fatal(err)
	}
	m.statuses = append(m.statuses, postStatus{id: st.ID, user: p.user, sent: p.id + " " + stix.FormatTime(w.base.Add(time.Duration(p.hour)*time.Hour)), details: len(st.Details)})
	owner, owned := m.owner[p.id]
	v, _ := w.h.Viewer(ctx, c)
	ok, moderation := true, false
	if owned && owner != c.Org.ID {
		ok, moderation = policy.MayWriteVersion(v, owner)
	}
	if !ok {
		if st.Failure != 1 || st.Success != 0 || len(st.Details) != 1 || !strings.Contains(st.Details[0].Message, "only its author adds versions") {
			t.Fatalf("%s's version of %s, owned by %s: status %+v, want the one refusal", c.User.Login, p.id, owner, st)
		}
		if m.refusal == "" {
			m.refusal = st.Details[0].Message
		}
		if st.Details[0].Message != m.refusal {
			t.Fatalf("refusals differ, so they tell something of what is stored:\n%q\n%q", m.refusal, st.Details[0].Message)
		}
		m.refused++
		return
	}
	if st.Success != 1 || st.Failure != 0 {
		t.Fatalf("%s's version of %s (owner %q): status %+v, want a success", c.User.Login, p.id, owner, st)
	}
	modified := w.base.Add(time.Duration(p.hour) * time.Hour)
	key := fmt.Sprintf("%s %s %d", w.colls[p.coll].ID, p.id, p.hour)
	if _, dup := m.versions[key]; dup {
		m.dropped++
		return
	}
	acl := policy.ACL{TLP: p.tlp, AuthorOrg: c.Org.ID, SubmitterUser: c.User.ID, Consent: p.consent}
	if moderation {
		acl.AuthorOrg = owner
		m.moderated++
	}
	for _, i := range p.orgs {
		acl.RecipientOrgs = append(acl.RecipientOrgs, w.orgs[i].ID)
	}
	for _, i := range p.groups {
		acl.RecipientGroups = append(acl.RecipientGroups, w.groups[i])
	}
	for _, i := range p.redUsers {
		acl.RecipientUsers = append(acl.RecipientUsers, w.users[i].User.ID)
	}
	if p.tlp == policy.Red && !slices.Contains(acl.RecipientUsers, c.User.ID) {
		acl.RecipientUsers = append(acl.RecipientUsers, c.User.ID)
	}
	m.versions[key] = modelVersion{w.colls[p.coll].ID, p.id, modified, acl}
	if !owned {
		m.owner[p.id] = c.Org.ID
	}
}

// check compares what every viewer receives with what policy decides over
// the model: for each collection and id, the newest (and the oldest) version
// the viewer may see, and every version it may see; nothing else. Stored
// versions all name their object's author as creator.
//
// The listings are read in pages of five, one collection at a time, walking
// the cursors; with whole set, each viewer's listing of each kind is read
// across both collections in one query (pages of 100), and its count in
// another, which is what the fuzz target can afford per input.
func (w *versionWorld) check(t testing.TB, m *versionModel, ids []string, whole bool) {
	t.Helper()
	ctx := context.Background()
	colls, pageLen := w.colls, 5
	if whole {
		colls, pageLen = []store.Collection{{}}, 100 // no collection named: all of them
	}
	for _, v := range w.viewers {
		last, first, all := map[string]time.Time{}, map[string]time.Time{}, map[string]bool{}
		for _, mv := range m.versions {
			if !policy.Decide(v, mv.acl) {
				continue
			}
			k := mv.coll + " " + mv.id
			if t0, ok := last[k]; !ok || mv.modified.After(t0) {
				last[k] = mv.modified
			}
			if t0, ok := first[k]; !ok || mv.modified.Before(t0) {
				first[k] = mv.modified
			}
			all[k+" "+stix.FormatTime(mv.modified)] = true
		}
		for _, tt := range []struct {
			versions string
			want     map[string]bool
		}{
			{"last", keys(last)}, {"first", keys(first)}, {"all", all},
		} {
			got := map[string]bool{}
			for _, c := range colls {
				q := store.ObjectQuery{Viewer: v, CollectionID: c.ID, IDs: ids, Versions: tt.versions, Limit: pageLen}
				for {
					page, more, err := w.h.DB.Objects(ctx, q)
					if err != nil {
						t.Fatal(err)
					}
					for _, o := range page {
						k := o.CollectionID + " " + o.ID + " " + stix.FormatTime(o.Modified)
						if got[k] {
							t.Fatalf("viewer %+v, %s: %s twice", v, tt.versions, k)
						}
						got[k] = true
						var raw struct {
							CreatedBy string `json:"created_by_ref"`
						}
						json.Unmarshal(o.Raw, &raw)
						if raw.CreatedBy != "" && raw.CreatedBy != m.owner[o.ID] {
							t.Fatalf("%s names %s as creator; its author is %s", k, raw.CreatedBy, m.owner[o.ID])
						}
						if o.ACL.AuthorOrg != m.owner[o.ID] {
							t.Fatalf("%s is stored under %s; its author is %s", k, o.ACL.AuthorOrg, m.owner[o.ID])
						}
					}
					if !more {
						break
					}
					l := page[len(page)-1]
					q.After = store.Cursor{DateAdded: store.Micros(l.DateAdded), PK: l.PK}
				}
				if tt.versions == "last" {
					n, err := w.h.DB.CountObjects(ctx, store.ObjectQuery{Viewer: v, CollectionID: c.ID, IDs: ids})
					if err != nil {
						t.Fatal(err)
					}
					want, prefix := 0, c.ID+" "
					if c.ID == "" {
						prefix = ""
					}
					for k := range tt.want {
						if strings.HasPrefix(k, prefix) {
							want++
						}
					}
					if int(n) != want {
						t.Fatalf("viewer %+v: count %d in %s, want %d", v, n, c.ID, want)
					}
				}
			}
			if !mapsEqual(got, tt.want) {
				t.Fatalf("viewer %+v, match[version]=%s:\n got %v\nwant %v", v, tt.versions, sorted(got), sorted(tt.want))
			}
		}
	}
}

func keys(m map[string]time.Time) map[string]bool {
	out := map[string]bool{}
	for k, t := range m {
		out[k+" "+stix.FormatTime(t)] = true
	}
	return out
}

func mapsEqual(a, b map[string]bool) bool {
	if len(a) != len(b) {
		return false
	}
	for k := range a {
		if !b[k] {
			return false
		}
	}
	return true
}

func sorted(m map[string]bool) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

// randomPost is a version by a random user of one of ids.
func (w *versionWorld) randomPost(r *rand.Rand, ids []string) versionPost {
	p := versionPost{user: r.IntN(len(w.users)), coll: r.IntN(len(w.colls)), id: ids[r.IntN(len(ids))], hour: r.IntN(6),
		tlp: policy.TLP(r.IntN(5)), revoked: r.IntN(5) == 0, createdBy: r.IntN(len(w.orgs)+1) - 1, consent: policy.Consent(r.IntN(3))}
	for range r.IntN(3) {
		switch r.IntN(3) {
		case 0:
			p.orgs = append(p.orgs, r.IntN(len(w.orgs)))
		case 1:
			p.groups = append(p.groups, r.IntN(len(w.groups)))
		case 2:
			p.redUsers = append(p.redUsers, r.IntN(len(w.users)))
		}
	}
	return p
}

// TestVersionPostsMatchPolicy posts versions of a few objects by random users
// of random organizations (the hub administrator among them), at random TLPs
// and recipients, into two collections, and checks on each store that only
// the author's organization (or moderation) stored versions, that every
// version names its author as creator, and that what each viewer receives
// as the last, first and all versions equals what policy decides over the
// versions it may see, nothing else.
func TestVersionPostsMatchPolicy(t *testing.T) {
	t.Parallel()
	for _, kind := range storetest.Kinds(t) {
		t.Run(kind, func(t *testing.T) {
			t.Parallel()
			for seed := uint64(1); seed <= 2; seed++ {
				r := rand.New(rand.NewPCG(seed, 11))
				w := newVersionWorld(t, kind, r)
				var ids []string
				for i := range 8 {
					ids = append(ids, fmt.Sprintf("indicator--%08d-0000-4000-8000-%012d", seed, i))
				}
				m := newVersionModel()
				for range 120 {
					w.post(t, m, w.randomPost(r, ids))
				}
				w.check(t, m, ids, false)
				w.checkStatuses(t, m)
				if m.refused == 0 || m.moderated == 0 || m.dropped == 0 || len(m.versions) < 20 {
					t.Fatalf("seed %d exercised too little: %d stored, %d refused, %d moderated, %d duplicates", seed, len(m.versions), m.refused, m.moderated, m.dropped)
				}
			}
		})
	}
}

// FuzzVersionIntake feeds random sequences of versions by random users of
// random organizations through the intake (four bytes a version: who, which
// object and collection, revoked, who created_by_ref names, when, TLP,
// recipients, consent) and checks the rules of versions: only the author's
// organization, or the hub administrator's logged moderation, stores a
// version; every refusal is the same sentence; stored versions keep and name
// their author; and each viewer receives exactly what policy decides over
// the versions it may see.
//
// Each fuzzing process builds one hub and gives each input objects of its own
// (fresh ids), so no input sees another's versions. The hub's store and audit
// log do not wait for the disk (hubtest.Unsynced), and the final check reads
// each viewer's listings in one query each: an input costs milliseconds, not
// seconds of commits and fsyncs. The pure-Go SQLite is instrumented for
// coverage like the hub, so most inputs that widen coverage do it inside
// SQLite, and each is minimized: for 2 s here rather than go test's 60 s,
// unless -fuzzminimizetime is given, or the fuzzer does little else.
func FuzzVersionIntake(f *testing.F) {
	boundMinimizing("2s")
	w := newVersionWorld(f, "sqlite", rand.New(rand.NewPCG(7, 7)), hubtest.Unsynced())
	f.Add([]byte{1, 0, 0, 0, 5, 0, 1, 0})                       // a member's version, then another member's
	f.Add([]byte{4, 0, 3, 0, 0, 0, 4, 0, 7, 1, 2, 0x80})        // author, hub administrator moderating, another member
	f.Add([]byte{4, 0, 32, 0x20, 5, 0, 1, 0x90, 4, 0, 0, 0x41}) // RED by the author, older version by a colleague
	f.Add([]byte{4, 4, 0, 0, 9, 0, 2, 0, 4, 0x10, 3, 0x33})     // two collections, created_by_ref naming others
	run := 0
	f.Fuzz(func(t *testing.T, data []byte) {
		run++
		var ids []string
		for i := range 4 {
			ids = append(ids, fmt.Sprintf("indicator--%08x-0000-4000-8000-%012d", run, i))
		}
		m := newVersionModel()
		for n := 0; n+4 <= len(data) && n < 4*32; n += 4 {
			b := data[n : n+4]
			p := versionPost{user: int(b[0]) % len(w.users), id: ids[b[1]%4], coll: int(b[1]>>2) & 1, revoked: b[1]&8 != 0,
				createdBy: int(b[1]>>4)%(len(w.orgs)+1) - 1, hour: int(b[2]) % 6, tlp: policy.TLP(int(b[2]>>3) % 5), consent: policy.Consent(int(b[3]>>4) % 3)}
			if b[3]&0x80 != 0 {
				p.orgs = []int{int(b[3]) % len(w.orgs)}
			}
			if b[3]&0x40 != 0 {
				p.groups = []int{int(b[3]) % len(w.groups)}
			}
			if b[3]&0x01 != 0 {
				p.redUsers = []int{int(b[3]>>1) % len(w.users)}
			}
			w.post(t, m, p)
		}
		w.check(t, m, ids, true)
	})
}

// boundMinimizing sets how long the fuzzer minimizes an input, unless the
// command line set it (-fuzzminimizetime). The coordinator reads it when
// the fuzz target calls f.Fuzz.
func boundMinimizing(d string) {
	set := false
	flag.Visit(func(fl *flag.Flag) { set = set || fl.Name == "test.fuzzminimizetime" })
	if fl := flag.Lookup("test.fuzzminimizetime"); fl != nil && !set {
		fl.Value.Set(d)
	}
}
