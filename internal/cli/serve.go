package cli

import (
	"context"
	"fmt"
	"log/slog"
	"net/netip"
	"os"
	"os/signal"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/spf13/cobra"

	"renkei/internal/app"
	"renkei/internal/bus"
	"renkei/internal/hub"
	"renkei/internal/i18n"
	"renkei/internal/server"
	"renkei/internal/store"
)

// version may be set at build time with -ldflags "-X renkei/internal/cli.version=…";
// otherwise the build information gives it (versionString).
var version = ""

// openStore opens (and migrates) the store named by --data/--database and
// bootstraps it if new, printing how to log in the first time.
func (g *globals) openStore(ctx context.Context) (*store.DB, error) {
	if g.database == "" {
		if err := os.MkdirAll(g.data, 0o700); err != nil {
			return nil, fmt.Errorf("data directory %s: %w", g.data, err)
		}
	}
	db, err := store.Open(ctx, server.DSN(g.data, g.database))
	if err != nil {
		return nil, err
	}
	b, err := hub.Bootstrap(ctx, db, time.Now().UTC())
	if err != nil {
		db.Close()
		return nil, fmt.Errorf("bootstrap: %w", err)
	}
	if b.New {
		fmt.Fprintln(g.stderr)
		g.tell(g.stderr, i18n.M("cli.serve.bootstrapped", b.AdminLogin, b.AdminPassword, b.AdminLogin))
		fmt.Fprintln(g.stderr)
	}
	g.announceChanges(db)
	return db, nil
}

// announceChanges tells the NATS of a serve running on this data directory
// (the URL it left there, bus.URLFile) of each change this command makes
// that a running hub keeps loaded, so that it shows the change at once.
// Without one, or when it cannot be reached, the hub sees the change when
// it next polls the store's change counter (within 2 s). serve replaces the
// announcer with its own bus's.
func (g *globals) announceChanges(db *store.DB) {
	url := bus.ReadURL(g.data)
	if url == "" {
		return
	}
	var mu sync.Mutex
	var a *bus.Announcer
	db.OnChange(func(kind string) {
		mu.Lock()
		defer mu.Unlock()
		if a == nil {
			var err error
			if a, err = bus.DialAnnouncer(url); err != nil {
				return // the counter is the fallback
			}
			g.closers = append(g.closers, a.Close)
		}
		a.Notify(kind)
	})
}

func newServeCmd(g *globals) *cobra.Command {
	var cfg server.Config
	var logLevel string
	var demo bool
	var webhookAllow []string
	cmd := &cobra.Command{
		Use:  "serve",
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			serverGC()
			ctx, stop := signal.NotifyContext(cmd.Context(), os.Interrupt, syscall.SIGTERM)
			defer stop()
			var lvl slog.Level
			if err := lvl.UnmarshalText([]byte(logLevel)); err != nil {
				return refuse(i18n.M("cli.serve.bad_log_level", logLevel))
			}
			log := slog.New(slog.NewJSONHandler(g.stderr, &slog.HandlerOptions{Level: lvl}))
			allow, err := parseRanges(webhookAllow)
			if err != nil {
				return fmt.Errorf("--webhook-allow: %w", err)
			}
			cfg.WebhookAllow = allow
			db, err := g.openStore(ctx)
			if err != nil {
				return err
			}
			defer db.Close()
			if demo {
				if err := runDemo(ctx, g, db, g.data, g.stderr); err != nil {
					return err
				}
			}
			cfg.DataDir, cfg.Database, cfg.Version = g.data, g.database, versionString()
			s, err := server.New(ctx, cfg, log, db)
			if err != nil {
				return err
			}
			defer s.Close()
			return s.Run(ctx, func(addr string) {
				scheme := "http"
				if cfg.TLSCert != "" || cfg.SelfSignedTLS {
					scheme = "https"
				}
				fmt.Fprintln(g.stderr, g.say(i18n.M("cli.serve.running", scheme+"://"+addr+"/")))
			})
		},
	}
	f := cmd.Flags()
	f.StringVar(&cfg.Listen, "listen", "127.0.0.1:8080", "")
	f.StringVar(&cfg.TLSCert, "tls-cert", "", "")
	f.StringVar(&cfg.TLSKey, "tls-key", "", "")
	f.BoolVar(&cfg.SelfSignedTLS, "tls", false, "")
	f.StringVar(&cfg.ClientCA, "client-ca", "", "")
	f.StringVar(&cfg.PublicURL, "public-url", "", "")
	f.Int64Var(&cfg.MaxContentLength, "max-content-length", 100<<20, "")
	f.DurationVar(&cfg.BodyTimeout, "body-timeout", 10*time.Minute, "")
	f.StringVar(&logLevel, "log-level", "info", "")
	f.BoolVar(&demo, "demo", false, "")
	f.StringVar(&cfg.NATS, "nats", "", "")
	f.StringVar(&cfg.NATSListen, "nats-listen", "", "")
	f.IntVar(&cfg.Matchers, "matchers", 1, "")
	f.IntVar(&cfg.StreamReplicas, "stream-replicas", 0, "")
	f.StringArrayVar(&webhookAllow, "webhook-allow", nil, "")
	f.StringArrayVar(&cfg.Collect, "collect", nil, "")
	return cmd
}

// parseRanges reads CIDR ranges or single addresses, each value possibly a
// comma-separated list.
func parseRanges(values []string) ([]netip.Prefix, error) {
	var out []netip.Prefix
	for _, v := range values {
		for _, s := range strings.Split(v, ",") {
			s = strings.TrimSpace(s)
			if s == "" {
				continue
			}
			if a, err := netip.ParseAddr(s); err == nil {
				out = append(out, netip.PrefixFrom(a, a.BitLen()))
				continue
			}
			p, err := netip.ParsePrefix(s)
			if err != nil {
				return nil, refuse(i18n.M("cli.serve.bad_range", s))
			}
			out = append(out, p.Masked())
		}
	}
	return out, nil
}

// withApp runs fn with the application on this machine's store and audit
// log, for commands whose acts are logged.
func (g *globals) withApp(ctx context.Context, fn func(*app.App) error) error {
	a, done, err := g.localApp(ctx)
	if err != nil {
		return err
	}
	defer done()
	return fn(a)
}

// withHub is withApp for commands that need only the hub.
func (g *globals) withHub(ctx context.Context, fn func(*hub.Hub) error) error {
	return g.withApp(ctx, func(a *app.App) error { return fn(a.Hub) })
}

// withStore runs fn with the store named by --data/--database, closing it after.

func (g *globals) withStore(ctx context.Context, fn func(*store.DB) error) error {
	db, err := g.openStore(ctx)
	if err != nil {
		return err
	}
	defer db.Close()
	return fn(db)
}
