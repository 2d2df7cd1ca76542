package hub

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/google/uuid"

	"renkei/internal/auth"
	"renkei/internal/policy"
	"renkei/internal/stix"
	"renkei/internal/store"
)

// Default collection ids. They are fixed so that members can configure their
// TAXII clients once.
const (
	MembersCollection = "9f1e5d2a-6b1c-4c1e-8d7a-000000000001"
	PublicCollection  = "9f1e5d2a-6b1c-4c1e-8d7a-000000000002"
)

// Bootstrapped says what Bootstrap created on a new store.
type Bootstrapped struct {
	New           bool
	AdminLogin    string
	AdminPassword string // shown once; only its hash is stored
	Center        store.Org
}

// Bootstrap prepares a new store: the national center's organization, an
// administrator account with a random password, and the default collections.
// On a store that already has them it does nothing.
func Bootstrap(ctx context.Context, db *store.DB, now time.Time) (Bootstrapped, error) {
	if c, err := db.CenterOrg(ctx); err == nil {
		return Bootstrapped{Center: c}, nil
	} else if !errors.Is(err, store.ErrNotFound) {
		return Bootstrapped{}, err
	}
	center := store.Org{ID: stix.NewID("identity"), Name: "国家サイバー統括室 (National Cybersecurity Office)", Kind: "center", Created: now}
	if err := db.AddOrg(ctx, center); err != nil {
		// Another process bootstrapped at the same moment.
		if c, err2 := db.CenterOrg(ctx); err2 == nil {
			return Bootstrapped{Center: c}, nil
		}
		return Bootstrapped{}, err
	}
	secret, _ := auth.NewSecret()
	password := strings.TrimPrefix(secret, "rk_")[:20]
	hash, err := auth.HashPassword(password)
	if err != nil {
		return Bootstrapped{}, err
	}
	if _, err := db.AddUser(ctx, store.User{Login: "admin", OrgID: center.ID, Role: string(policy.RoleAdmin), PasswordHash: hash, Created: now}); err != nil {
		return Bootstrapped{}, err
	}
	for _, c := range []store.Collection{
		{ID: MembersCollection, Title: "共有インテリジェンス / Shared intelligence", Description: "Every member organization reads and writes here; what each reader sees follows TLP and recipients.", Audience: "members", Writable: true, Created: now},
		{ID: PublicCollection, Title: "公開 / Public (TLP:CLEAR)", Description: "TLP:CLEAR information anyone may read, without an account.", Audience: "public", Writable: true, Created: now},
	} {
		if err := db.AddCollection(ctx, c); err != nil {
			return Bootstrapped{}, err
		}
	}
	return Bootstrapped{New: true, AdminLogin: "admin", AdminPassword: password, Center: center}, nil
}

// AddOrg creates a member organization and returns it, without logging: it
// is for bootstrap, demo data and tests. Doors (CLI, console, API) use
// (*Hub).CreateOrg, which logs the act first. A second center organization is
// refused here: it is a policy change (CreateOrg with a reason).
func AddOrg(ctx context.Context, db *store.DB, name, kind, sector string, now time.Time) (store.Org, error) {
	o, err := newOrg(ctx, db, name, kind, sector, now)
	if err != nil {
		return o, err
	}
	if kind == policy.OrgKindCenter {
		return store.Org{}, ErrOneCenter
	}
	return o, db.AddOrg(ctx, o)
}

// ErrOneCenter refuses a center organization added as an ordinary one: the
// center's analysts see every member's AMBER and the center's roles (hub
// administrator, designated handler) follow the kind, so another center is a
// change of sharing policy that only a hub administrator makes, with a
// reason, in the audit log where overseers see it.
var ErrOneCenter = errors.New("there is one national center, made when the hub is set up; choose another kind (another center is a policy change: renkei org add --kind center --reason …, or \"reason\" in the API, logged for the oversight committee)")

func newOrg(ctx context.Context, db *store.DB, name, kind, sector string, now time.Time) (store.Org, error) {
	name = strings.TrimSpace(name)
	if name == "" {
		return store.Org{}, errors.New("an organization needs a name")
	}
	if !slices.Contains(store.OrgKinds, kind) {
		return store.Org{}, fmt.Errorf("unknown kind %q (want one of %s)", kind, strings.Join(store.OrgKinds, ", "))
	}
	if kind == policy.OrgKindCommittee {
		if c, err := db.CommitteeOrg(ctx); err == nil {
			return store.Org{}, fmt.Errorf("the hub has its oversight committee already (%s); there is one", c.Name)
		}
	}
	o := store.Org{ID: stix.NewID("identity"), Name: name, Kind: kind, Sector: store.SectorKey(sector), Created: now}
	if _, err := db.Org(ctx, name); err == nil {
		return store.Org{}, fmt.Errorf("an organization named %q already exists", name)
	}
	return o, nil
}

// AddGroup creates a sharing group whose members are organizations or other
// groups, each given by name or id.
// Like AddOrg it does not log; doors use (*Hub).CreateGroup.
func AddGroup(ctx context.Context, db *store.DB, name string, members []string, now time.Time) (store.Group, error) {
	g, err := newGroup(ctx, db, name, members, now)
	if err != nil {
		return g, err
	}
	return g, db.AddGroup(ctx, g)
}

func newGroup(ctx context.Context, db *store.DB, name string, members []string, now time.Time) (store.Group, error) {
	name = strings.TrimSpace(name)
	if name == "" {
		return store.Group{}, errors.New("a group needs a name")
	}
	g := store.Group{ID: "group--" + uuid.NewString(), Name: name, Created: now}
	for _, m := range members {
		m = strings.TrimSpace(m)
		if m == "" {
			continue
		}
		if o, err := db.Org(ctx, m); err == nil {
			g.MemberOrgs = append(g.MemberOrgs, o.ID)
			continue
		}
		sub, err := db.Group(ctx, m)
		if err != nil {
			return g, fmt.Errorf("member %q is neither an organization nor a group", m)
		}
		g.MemberGroups = append(g.MemberGroups, sub.ID)
	}
	return g, nil
}

// AddUser creates a user of an organization (by name or id). An empty
// password leaves the account without web login (tokens only). Like AddOrg it
// does not log; doors use (*Hub).CreateUser.
func AddUser(ctx context.Context, db *store.DB, login, org, role, password string, now time.Time) (store.User, error) {
	return CreateUser(ctx, db, NewUser{Login: login, Org: org, Role: role, Password: password}, now)
}

// NewUser is an account to create. CreatedBy is the login of whoever creates
// it (a console or API user, or the CLI's local operator account).
type NewUser struct {
	Login, Org, Role, Password, CreatedBy string
}

// CreateUser creates the account n describes, recording who created it,
// without logging: the committee's own acts (committee.go) log first, and
// doors use (*Hub).CreateUser, which logs the act.
func CreateUser(ctx context.Context, db *store.DB, n NewUser, now time.Time) (store.User, error) {
	u, err := newUser(ctx, db, n, now)
	if err != nil {
		return u, err
	}
	u.PublicID = store.NewPublicID()
	u.ID, err = db.AddUser(ctx, u)
	return u, err
}

// newUser checks and builds the account n describes. An empty password
// leaves the account without web login (tokens only). The role must fit the
// organization's kind: the overseer role only in the oversight committee's
// organization. An overseer account is created pending and without a
// password: it becomes active only when a member of the committee confirms
// it (ConfirmOverseer), who receives its first password; the operator never
// knows it.
func newUser(ctx context.Context, db *store.DB, n NewUser, now time.Time) (store.User, error) {
	login := n.Login
	if err := CheckLogin(login); err != nil {
		return store.User{}, err
	}
	r, o, err := checkRoleGrant(ctx, db, n.Org, n.Role)
	if err != nil {
		return store.User{}, err
	}
	u := store.User{Login: login, OrgID: o.ID, Role: string(r), Created: now, CreatedBy: n.CreatedBy}
	if r == policy.RoleOverseer {
		if n.Password != "" {
			return store.User{}, errors.New("an overseer account gets its first password from the committee member who confirms it; give none")
		}
		u.Pending = true
	}
	if n.Password != "" {
		if u.PasswordHash, err = auth.HashPassword(n.Password); err != nil {
			return u, err
		}
	}
	return u, nil
}

// CheckLogin accepts a conservative set of login names: 1–64 characters of
// lowercase ASCII letters, digits, '.', '_', '-' and '@', beginning and ending
// with a letter or digit. A login appears in the audit log, in HTML, in
// HTTP Basic and in file names of exports; this set keeps out NUL and control
// characters, invalid UTF-8, markup, separators (':' ends a Basic login) and
// look-alike letters from other scripts or of another case ("Admin" beside
// "admin", Cyrillic "а" beside Latin "a").
func CheckLogin(login string) error {
	ok := len(login) >= 1 && len(login) <= 64
	for i := 0; ok && i < len(login); i++ {
		c := login[i]
		alnum := 'a' <= c && c <= 'z' || '0' <= c && c <= '9'
		edge := i == 0 || i == len(login)-1
		ok = alnum || !edge && (c == '.' || c == '_' || c == '-' || c == '@')
	}
	if !ok {
		return fmt.Errorf("login %q: use 1–64 lowercase letters a–z, digits and . _ - @, beginning and ending with a letter or digit", login)
	}
	return nil
}

// CheckRoleGrant reports whether a user of org (by name or id) may hold
// role: the role exists and fits the organization's kind (policy.RoleFitsOrg:
// handlers and hub administrators only in the center, overseers only in the
// committee's organization). AddUser checks it too; callers that log a grant
// before it takes effect ask first, so that a refused grant is not logged as made.
func CheckRoleGrant(ctx context.Context, db *store.DB, org, role string) error {
	_, _, err := checkRoleGrant(ctx, db, org, role)
	return err
}

func checkRoleGrant(ctx context.Context, db *store.DB, org, role string) (policy.Role, store.Org, error) {
	r, err := policy.ParseRole(role)
	if err != nil {
		return r, store.Org{}, err
	}
	o, err := db.Org(ctx, org)
	if err != nil {
		return r, o, fmt.Errorf("organization %q: %w", org, err)
	}
	if err := policy.RoleFitsOrg(r, o.Kind); err != nil {
		return r, o, fmt.Errorf("%s (%s): %w", o.Name, o.Kind, err)
	}
	return r, o, nil
}

// CreateToken makes a new API token for a user and returns the secret, which
// is shown once and never stored. Like AddOrg it does not log; doors use
// (*Hub).IssueToken.
func CreateToken(ctx context.Context, db *store.DB, login, name string, expires time.Duration, readOnly bool, now time.Time) (string, store.Token, error) {
	u, err := db.UserByLogin(ctx, login)
	if err != nil {
		return "", store.Token{}, err
	}
	return createToken(ctx, db, u, name, expires, readOnly, now)
}

func createToken(ctx context.Context, db *store.DB, u store.User, name string, expires time.Duration, readOnly bool, now time.Time) (string, store.Token, error) {
	var err error
	secret, hash := auth.NewSecret()
	t := store.Token{PublicID: store.NewPublicID(), UserID: u.ID, Hash: hash, Name: name, ReadOnly: readOnly, Created: now}
	if expires > 0 {
		t.Expires = now.Add(expires)
	}
	t.ID, err = db.AddToken(ctx, t)
	return secret, t, err
}

// CheckWebhookURL accepts an http(s) URL with a host and no credentials
// that does not reach inside the hub's network (alert.Reach: loopback,
// link-local, private, unique-local and metadata addresses, directly or by
// a name resolving to one, unless the hub administrator allows the range).
func (h *Hub) CheckWebhookURL(ctx context.Context, s string) error {
	if len(s) > 2000 {
		return fmt.Errorf("the URL is %d characters long; at most 2000 are accepted", len(s))
	}
	return h.Alerts.Reach.CheckURL(ctx, s)
}
