// Package hubtest builds the hub that tests work against: a real store of
// the kind asked for (see storetest.Kinds), the center bootstrapped, member
// organizations, users, tokens and, when the test needs one, an audit log.
//
// Passwords are hashed at almost no cost here (auth.CheapHashesForTests):
// a fixture with seven accounts would otherwise spend most of a short test
// hashing. Every helper fails the test at once with what it was doing; none
// returns an error. Nothing here is used outside tests.
package hubtest

import (
	"context"
	"errors"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"testing"
	"time"

	"renkei/internal/app"
	"renkei/internal/audit"
	"renkei/internal/auth"
	"renkei/internal/hub"
	"renkei/internal/policy"
	"renkei/internal/store"
	"renkei/internal/store/storetest"
)

// Password is the password of every account made by LoginUser.
const Password = "correct horse battery"

// Hub is a hub on a real store, with what a test needs to act in it.
type Hub struct {
	*hub.Hub
	// App is the application built over the store, whose Hub is the one
	// embedded here.
	App *app.App
	tb  testing.TB

	// Now is the time the fixture's records are made at.
	Now time.Time
	// AdminLogin and AdminPassword are the bootstrapped administrator's.
	AdminLogin, AdminPassword string
}

// Option changes how New builds the hub.
type Option func(*options)

type options struct {
	now   time.Time
	audit bool
	dir   string
	log   *slog.Logger
	// unsynced: the store and the audit log do not wait for the disk.
	unsynced bool
}

// At makes the fixture's records at now instead of the time New runs.
func At(now time.Time) Option { return func(o *options) { o.now = now } }

// WithAudit gives the hub an audit log of its own, in the test's temporary
// folder, closed when the test ends. Each test has its own: opening one
// costs little (about 70 ms on a loaded machine, against 1.5 s for one
// Argon2id hash at full cost), and tests compare the log's size before and
// after an act.
func WithAudit() Option { return func(o *options) { o.audit = true } }

// InDir keeps the hub's files in dir, laid out as a hub's data folder (DATA)
// has them, for tests that run a command with --data dir or look at every
// file the hub wrote: the SQLite store in DATA/renkei.db (a PostgreSQL
// store stays in its schema) and, with WithAudit, the audit log in
// DATA/audit, its keys in DATA/audit-keys and so the hunting packages'
// signing key in DATA/hunt-keys.
func InDir(dir string) Option { return func(o *options) { o.dir = dir } }

// WithLog gives the hub and its services l as their logger, for tests that
// read what was logged.
func WithLog(l *slog.Logger) Option { return func(o *options) { o.log = l } }

// Unsynced makes the store's commits and the audit log's appends return
// before they are on disk (store.Options.Unsynced, audit.Options.Unsynced),
// for fuzz targets, which make thousands of them and lose nothing if the
// machine stops. Everything else stays real.
func Unsynced() Option { return func(o *options) { o.unsynced = true } }

// New bootstraps a hub on a new store of the given kind.
func New(tb testing.TB, kind string, opts ...Option) *Hub {
	tb.Helper()
	auth.CheapHashesForTests()
	o := options{now: time.Now()}
	for _, f := range opts {
		f(&o)
	}
	ctx := context.Background()
	var db *store.DB
	if o.dir != "" && kind == "sqlite" {
		path := filepath.Join(o.dir, "renkei.db")
		if _, err := os.Stat(path); errors.Is(err, fs.ErrNotExist) {
			storetest.MigratedSQLite(tb, path)
		}
		var err error
		if db, err = store.Open(ctx, path); err != nil {
			tb.Fatalf("open the store in %s: %v", o.dir, err)
		}
		tb.Cleanup(func() { db.Close() })
	} else if o.unsynced {
		db = storetest.OpenUnsynced(tb, kind)
	} else {
		db = storetest.Open(tb, kind)
	}
	b, err := hub.Bootstrap(ctx, db, o.now)
	if err != nil {
		tb.Fatalf("bootstrap the hub: %v", err)
	}
	a := App(tb, db, opts...)
	return &Hub{Hub: a.Hub, App: a, tb: tb, Now: o.now, AdminLogin: b.AdminLogin, AdminPassword: b.AdminPassword}
}

// App builds the application over db, which must have been bootstrapped,
// as a process does (app.New); WithAudit gives it an audit log.
func App(tb testing.TB, db *store.DB, opts ...Option) *app.App {
	tb.Helper()
	var o options
	for _, f := range opts {
		f(&o)
	}
	d := app.Deps{Store: db, Log: o.log}
	if o.audit {
		dir := o.dir
		if dir == "" {
			dir = tb.TempDir()
		}
		d.Audit = openAudit(tb, dir, o.unsynced)
	}
	a, err := app.New(context.Background(), d)
	if err != nil {
		tb.Fatalf("build the application: %v", err)
	}
	return a
}

// OpenAudit opens an audit log in the test's temporary folder, closed when
// the test ends.
func OpenAudit(tb testing.TB) *audit.Log {
	tb.Helper()
	return openAudit(tb, tb.TempDir(), false)
}

func openAudit(tb testing.TB, dir string, unsynced bool) *audit.Log {
	tb.Helper()
	opts := auditOptions(dir)
	opts.Unsynced = unsynced
	l, err := audit.Open(context.Background(), opts)
	if err != nil {
		tb.Fatalf("open the audit log: %v", err)
	}
	tb.Cleanup(func() { l.Close() })
	return l
}

func auditOptions(dir string) audit.Options {
	return audit.Options{Dir: filepath.Join(dir, "audit"), KeyDir: filepath.Join(dir, "audit-keys"), Node: "test",
		CheckpointInterval: 100 * time.Millisecond}
}

// Org adds a member organization of the given kind and sector.
func (h *Hub) Org(name, kind, sector string) store.Org {
	h.tb.Helper()
	o, err := hub.AddOrg(context.Background(), h.DB, name, kind, sector, h.Now)
	if err != nil {
		h.tb.Fatalf("add organization %s: %v", name, err)
	}
	return o
}

// User adds an account without a password (tokens only) to org (a name or
// an id) with role.
func (h *Hub) User(login, org, role string) store.User {
	h.tb.Helper()
	return h.addUser(login, org, role, "")
}

// LoginUser adds an account that logs in to the console with Password.
func (h *Hub) LoginUser(login, org, role string) store.User {
	h.tb.Helper()
	return h.addUser(login, org, role, Password)
}

func (h *Hub) addUser(login, org, role, password string) store.User {
	h.tb.Helper()
	u, err := hub.AddUser(context.Background(), h.DB, login, org, role, password, h.Now)
	if err != nil {
		h.tb.Fatalf("add user %s (%s in %s): %v", login, role, org, err)
	}
	return u
}

// Overseer adds login to the oversight committee (made on first use), as
// the committee's bootstrap does.
func (h *Hub) Overseer(login string) store.User {
	h.tb.Helper()
	u, _, err := hub.BootstrapCommittee(context.Background(), h.DB, "Oversight Committee", login, "test", h.Now)
	if err != nil {
		h.tb.Fatalf("add overseer %s: %v", login, err)
	}
	return u
}

// Token makes an API token for login and returns its secret.
func (h *Hub) Token(login string) string {
	h.tb.Helper()
	secret, _, err := hub.CreateToken(context.Background(), h.DB, login, "test", 0, false, h.Now)
	if err != nil {
		h.tb.Fatalf("token for %s: %v", login, err)
	}
	return secret
}

// Caller is login as an authenticated request sees it.
func (h *Hub) Caller(login string) auth.Caller {
	h.tb.Helper()
	ctx := context.Background()
	u, err := h.DB.UserByLogin(ctx, login)
	if err != nil {
		h.tb.Fatalf("user %s: %v", login, err)
	}
	o, err := h.DB.Org(ctx, u.OrgID)
	if err != nil {
		h.tb.Fatalf("organization of %s: %v", login, err)
	}
	return auth.Caller{User: u, Org: o}
}

// ViewerOf is how the access policy sees login.
func (h *Hub) ViewerOf(login string) policy.Viewer {
	h.tb.Helper()
	v, err := h.Hub.Viewer(context.Background(), h.Caller(login))
	if err != nil {
		h.tb.Fatalf("viewer %s: %v", login, err)
	}
	return v
}
