package store_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/binary"
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"strconv"
	"testing"
	"time"

	"renkei/internal/policy"
	"renkei/internal/store"
	"renkei/internal/store/storetest"
)

// world is a random hub: organizations (the first is the center), nested
// sharing groups, and users of every role, with the viewer of each user.
type world struct {
	orgs    []store.Org
	groups  []string
	users   []store.User
	viewers []policy.Viewer // one per user, then the anonymous reader
}

func randomWorld(t *testing.T, db *store.DB, r *rand.Rand, tag string, now time.Time) world {
	t.Helper()
	ctx := context.Background()
	var w world
	for i := range 6 {
		kind := "operator"
		if i == 0 {
			kind = "center"
		}
		o := store.Org{ID: fmt.Sprintf("identity--%s-o%d", tag, i), Name: fmt.Sprintf("%s org %d", tag, i), Kind: kind, Created: now}
		if err := db.AddOrg(ctx, o); err != nil {
			t.Fatal(err)
		}
		w.orgs = append(w.orgs, o)
	}
	for i := range 3 {
		g := store.Group{ID: fmt.Sprintf("group-%s-%d", tag, i), Name: fmt.Sprintf("%s group %d", tag, i), Created: now}
		for _, o := range w.orgs {
			if r.IntN(3) == 0 {
				g.MemberOrgs = append(g.MemberOrgs, o.ID)
			}
		}
		if i > 0 && r.IntN(2) == 0 {
			g.MemberGroups = []string{w.groups[r.IntN(len(w.groups))]}
		}
		if err := db.AddGroup(ctx, g); err != nil {
			t.Fatal(err)
		}
		w.groups = append(w.groups, g.ID)
	}
	for i := range 14 {
		u := store.User{Login: fmt.Sprintf("%s-u%d", tag, i), OrgID: w.orgs[r.IntN(len(w.orgs))].ID, Role: string(policy.Roles[r.IntN(len(policy.Roles))]), Created: now}
		id, err := db.AddUser(ctx, u)
		if err != nil {
			t.Fatal(err)
		}
		u.ID = id
		w.users = append(w.users, u)
		gs, err := db.OrgGroups(ctx, u.OrgID)
		if err != nil {
			t.Fatal(err)
		}
		w.viewers = append(w.viewers, policy.Viewer{UserID: u.ID, OrgID: u.OrgID, Role: policy.Role(u.Role), IsCenter: u.OrgID == w.orgs[0].ID, Groups: gs})
	}
	w.viewers = append(w.viewers, policy.Viewer{})
	return w
}

func (w world) acl(r *rand.Rand) policy.ACL {
	author := w.users[r.IntN(len(w.users))]
	a := policy.ACL{TLP: policy.TLP(r.IntN(5)), AuthorOrg: author.OrgID, SubmitterUser: author.ID, Consent: policy.Consent(r.IntN(3))}
	for range r.IntN(3) {
		switch r.IntN(3) {
		case 0:
			a.RecipientOrgs = append(a.RecipientOrgs, w.orgs[r.IntN(len(w.orgs))].ID)
		case 1:
			a.RecipientGroups = append(a.RecipientGroups, w.groups[r.IntN(len(w.groups))])
		case 2:
			a.RecipientUsers = append(a.RecipientUsers, w.users[r.IntN(len(w.users))].ID)
		}
	}
	return a
}

func (w world) audience(t *testing.T, db *store.DB, org store.Org) policy.Viewer {
	gs, err := db.OrgGroups(context.Background(), org.ID)
	if err != nil {
		t.Fatal(err)
	}
	return policy.OrgAudience(org.ID, org.IsCenter(), gs)
}

// TestAlertsCarryOnlyWhatReaderMaySee raises alerts at random organizations,
// naming random objects, and checks on each store that every viewer's inbox
// (through paging), unread count and marking read give exactly the alerts
// policy.AlertVisible allows, and that webhooks are queued exactly for the
// alerts the organization as a whole may read.
func TestAlertsCarryOnlyWhatReaderMaySee(t *testing.T) {
	t.Parallel()
	for _, kind := range storetest.Kinds(t) {
		t.Run(kind, func(t *testing.T) {
			t.Parallel()
			for seed := uint64(1); seed <= 2; seed++ {
				checkAlertReaders(t, storetest.Open(t, kind), seed)
			}
		})
	}
}

func checkAlertReaders(t *testing.T, db *store.DB, seed uint64) {
	ctx := context.Background()
	r := rand.New(rand.NewPCG(seed, 11))
	now := time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)
	tag := fmt.Sprintf("a%d", seed)
	w := randomWorld(t, db, r, tag, now)
	coll := "c-" + tag
	if err := db.AddCollection(ctx, store.Collection{ID: coll, Title: coll, Audience: "members", Writable: true, Created: now}); err != nil {
		t.Fatal(err)
	}
	var objs []store.Object
	for i := range 80 {
		objs = append(objs, store.Object{CollectionID: coll, ID: fmt.Sprintf("indicator--%08d-0000-4000-8000-%012d", seed, i), Type: "indicator",
			SpecVersion: "2.1", Created: now, Modified: now, ACL: w.acl(r), Raw: []byte("{}")})
	}
	if _, err := db.InsertObjects(ctx, objs, now, "", store.StatusProgress{}); err != nil {
		t.Fatal(err)
	}
	for _, o := range w.orgs {
		if _, err := db.AddWebhook(ctx, store.Webhook{OrgID: o.ID, URL: "https://soc.example/" + o.ID, Secret: "k", Active: true, Created: now}); err != nil {
			t.Fatal(err)
		}
	}
	type raised struct {
		store.Alert
		named []policy.ACL
	}
	var alerts []raised
	for i := range 60 {
		org := w.orgs[r.IntN(len(w.orgs))]
		a := raised{Alert: store.Alert{OrgID: org.ID, Kind: "sighting", Severity: "medium", Title: fmt.Sprintf("alert %d", i), Created: now}}
		for range r.IntN(3) {
			o := objs[r.IntN(len(objs))]
			a.Objects = append(a.Objects, o.PK)
			a.named = append(a.named, o.ACL)
		}
		id, err := db.AddAlert(ctx, a.Alert, w.audience(t, db, org))
		if err != nil {
			t.Fatal(err)
		}
		a.ID = id
		if err := db.QueryRow(ctx, "SELECT public_id FROM alerts WHERE id = ?", id).Scan(&a.PublicID); err != nil {
			t.Fatal(err)
		}
		alerts = append(alerts, a)
	}

	// Webhooks (and e-mail, which reads the same mark) carry what the
	// organization as a whole may read.
	due, err := db.DueDeliveries(ctx, now.Add(time.Hour), 1000)
	if err != nil {
		t.Fatal(err)
	}
	posted := map[int64]bool{}
	for _, d := range due {
		posted[d.Alert.ID] = true
	}
	for _, a := range alerts {
		org := slices.IndexFunc(w.orgs, func(o store.Org) bool { return o.ID == a.OrgID })
		if want := policy.AlertVisible(w.audience(t, db, w.orgs[org]), a.OrgID, a.named); posted[a.ID] != want {
			t.Fatalf("seed %d alert %d naming %+v: queued for the webhook %v, want %v", seed, a.ID, a.named, posted[a.ID], want)
		}
	}

	for _, v := range w.viewers {
		var want []int64
		for _, a := range alerts {
			if policy.AlertVisible(v, a.OrgID, a.named) {
				want = append(want, a.ID)
			}
		}
		var got []int64
		after := ""
		for {
			page, next, err := db.Alerts(ctx, v, after, 4, false)
			if err != nil {
				t.Fatal(err)
			}
			for _, a := range page {
				got = append(got, a.ID)
			}
			if next == "" {
				break
			}
			after = next
		}
		slices.Sort(want)
		slices.Sort(got)
		if !slices.Equal(want, got) {
			t.Fatalf("seed %d viewer %+v: inbox %v, policy allows %v", seed, v, got, want)
		}
		n, err := db.UnreadAlerts(ctx, v)
		if err != nil {
			t.Fatal(err)
		}
		if n != int64(len(want)) {
			t.Fatalf("seed %d viewer %+v: %d unread, want %d", seed, v, n, len(want))
		}
		for _, a := range alerts {
			if slices.Contains(want, a.ID) {
				continue
			}
			if err := db.MarkAlertRead(ctx, v, a.PublicID, now); !errors.Is(err, store.ErrNotFound) {
				t.Fatalf("seed %d viewer %+v marked alert %d it may not read: %v", seed, v, a.ID, err)
			}
		}
	}
}

// TestCursorsAreOpaque: a paging cursor carries neither the row id nor the
// time in any form a reader can take apart, reads differently each time it
// is made, is refused when altered, made up or made by another hub, and is
// read by every node of the same hub.
func TestCursorsAreOpaque(t *testing.T) {
	t.Parallel()
	for _, kind := range storetest.Kinds(t) {
		t.Run(kind, func(t *testing.T) {
			t.Parallel()
			ctx := context.Background()
			dsn := storetest.DSN(t, kind)
			node1, err := store.Open(ctx, dsn)
			if err != nil {
				t.Fatal(err)
			}
			defer node1.Close()
			node2, err := store.Open(ctx, dsn)
			if err != nil {
				t.Fatal(err)
			}
			defer node2.Close()
			other := storetest.Open(t, kind)

			c := store.Cursor{DateAdded: 1764547200123456, PK: 4242}
			s1, err := node1.SealCursor(ctx, c)
			if err != nil {
				t.Fatal(err)
			}
			s2, _ := node1.SealCursor(ctx, c)
			if s1 == s2 {
				t.Error("the same position sealed twice reads the same: equal cursors tell equal positions")
			}
			raw, err := base64.RawURLEncoding.DecodeString(s1)
			if err != nil {
				t.Fatal(err)
			}
			var be [8]byte
			binary.BigEndian.PutUint64(be[:], uint64(c.PK))
			for _, leak := range [][]byte{[]byte(strconv.FormatInt(c.PK, 10)), []byte(strconv.FormatInt(c.PK, 36)), be[:],
				[]byte(strconv.FormatInt(c.DateAdded, 10)), []byte(strconv.FormatInt(c.DateAdded, 36))} {
				if bytes.Contains(raw, leak) || bytes.Contains([]byte(s1), leak) {
					t.Errorf("cursor %q carries %q", s1, leak)
				}
			}
			for _, n := range []*store.DB{node1, node2} {
				if got, err := n.OpenCursor(ctx, s1); err != nil || got != c {
					t.Errorf("a node of the same hub reads %+v, %v; want %+v", got, err, c)
				}
			}
			if _, err := other.OpenCursor(ctx, s1); !errors.Is(err, store.ErrBadCursor) {
				t.Errorf("another hub accepted this hub's cursor: %v", err)
			}
			for i := range raw {
				b := bytes.Clone(raw)
				b[i] ^= 1
				if _, err := node1.OpenCursor(ctx, base64.RawURLEncoding.EncodeToString(b)); !errors.Is(err, store.ErrBadCursor) {
					t.Fatalf("cursor altered at byte %d accepted: %v", i, err)
				}
			}
			plain := base64.RawURLEncoding.EncodeToString([]byte(strconv.FormatInt(c.DateAdded, 36) + "." + strconv.FormatInt(c.PK, 36)))
			for _, s := range []string{"", "xx", plain, s1[:len(s1)-2]} {
				if _, err := node1.OpenCursor(ctx, s); !errors.Is(err, store.ErrBadCursor) {
					t.Errorf("made-up cursor %q accepted: %v", s, err)
				}
			}
		})
	}
}

// TestDateAddedHidesInvisibleRows stores the same submissions, at the same
// times, twice: in one collection whole, and in one collection per viewer
// with only what that viewer may read. Each viewer's pages of the two — the
// objects, their date_added, the first and last date added (the TAXII
// headers) and whether more follow — must be identical: nothing a viewer
// receives tells whether objects it may not see lie between.
func TestDateAddedHidesInvisibleRows(t *testing.T) {
	t.Parallel()
	for _, kind := range storetest.Kinds(t) {
		t.Run(kind, func(t *testing.T) {
			t.Parallel()
			for seed := uint64(1); seed <= 2; seed++ {
				checkDateAdded(t, storetest.Open(t, kind), seed)
			}
		})
	}
}

func checkDateAdded(t *testing.T, db *store.DB, seed uint64) {
	ctx := context.Background()
	r := rand.New(rand.NewPCG(seed, 23))
	start := time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)
	tag := fmt.Sprintf("d%d", seed)
	w := randomWorld(t, db, r, tag, start)
	whole := "whole-" + tag
	colls := []string{whole}
	for i := range w.viewers {
		colls = append(colls, fmt.Sprintf("only-%s-%d", tag, i))
	}
	for _, c := range colls {
		if err := db.AddCollection(ctx, store.Collection{ID: c, Title: c, Audience: "members", Writable: true, Created: start}); err != nil {
			t.Fatal(err)
		}
	}
	n := 0
	for call := range 12 {
		at := start.Add(time.Duration(call) * time.Second)
		var batch []store.Object
		for range 1 + r.IntN(15) {
			batch = append(batch, store.Object{ID: fmt.Sprintf("indicator--%08d-0000-4000-8000-%012d", seed, n), Type: "indicator",
				SpecVersion: "2.1", Created: start, Modified: start, ACL: w.acl(r), Raw: []byte("{}")})
			n++
		}
		for i, c := range colls {
			var some []store.Object
			for _, o := range batch {
				if i == 0 || policy.Decide(w.viewers[i-1], o.ACL) {
					o.CollectionID = c
					some = append(some, o)
				}
			}
			if len(some) == 0 {
				continue
			}
			if _, err := db.InsertObjects(ctx, some, at, "", store.StatusProgress{}); err != nil {
				t.Fatal(err)
			}
		}
	}
	type page struct {
		IDs         []string
		Added       []time.Time
		First, Last time.Time
		More        bool
	}
	pages := func(v policy.Viewer, coll string) []page {
		var out []page
		q := store.ObjectQuery{Viewer: v, CollectionID: coll, Limit: 4}
		for {
			objs, more, err := db.Objects(ctx, q)
			if err != nil {
				t.Fatal(err)
			}
			p := page{More: more}
			for _, o := range objs {
				p.IDs = append(p.IDs, o.ID)
				p.Added = append(p.Added, o.DateAdded)
			}
			p.First, p.Last = store.AddedRange(objs)
			out = append(out, p)
			if !more {
				return out
			}
			l := objs[len(objs)-1]
			next, err := db.SealCursor(ctx, store.Cursor{DateAdded: store.Micros(l.DateAdded), PK: l.PK})
			if err != nil {
				t.Fatal(err)
			}
			if q.After, err = db.OpenCursor(ctx, next); err != nil {
				t.Fatal(err)
			}
		}
	}
	for i, v := range w.viewers {
		got, alone := pages(v, whole), pages(v, colls[i+1])
		if fmt.Sprint(got) != fmt.Sprint(alone) {
			t.Fatalf("seed %d viewer %+v: with objects it may not see between, it receives\n%v\nwithout them\n%v", seed, v, got, alone)
		}
	}
}
