// Package server runs the hub over HTTP(S): it opens the store, bootstraps a
// new one, mounts TAXII, the REST API, the web console, /healthz and /metrics,
// runs background work (webhook delivery), and shuts down gracefully.
//
// It wires capabilities together and holds no logic of its own; it must not
// grow handlers for capabilities (each capability brings its own).
package server

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/netip"
	"path/filepath"
	"strconv"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"renkei/internal/api"
	"renkei/internal/app"
	"renkei/internal/auth"
	"renkei/internal/bus"
	"renkei/internal/metrics"
	"renkei/internal/notify"
	"renkei/internal/policy"
	"renkei/internal/store"
	"renkei/internal/taxii"
	"renkei/internal/telemetry"
	"renkei/internal/web"
)

// Config is how the server is run.
type Config struct {
	Listen          string // host:port
	DataDir         string
	Database        string // SQLite path or postgres:// URL; "" means DATA/renkei.db
	TLSCert, TLSKey string // PEM files
	SelfSignedTLS   bool   // generate a certificate under DATA/tls
	// ClientCA is a PEM file of the CA certificates that sign machine
	// clients' certificates: with TLS on, a client may present one instead
	// of a token (mutual TLS), and the certificate registered to an account
	// (renkei cert add) is that account. Empty: no client certificates.
	ClientCA string
	// PublicURL is the address people open the console at: identity
	// providers send them back to it.
	PublicURL        string
	MaxContentLength int64
	Version          string

	// NATS is an external NATS URL; empty runs NATS JetStream embedded under DATA/nats.
	NATS string
	// NATSListen lets `renkei worker` processes reach the embedded NATS (host:port).
	NATSListen string
	// StreamReplicas is how many NATS servers keep each stream: 0 is 3 on a
	// NATS cluster, 1 on a single server (bus.Options.Replicas).
	StreamReplicas int
	// Matchers is how many matcher workers this process runs: 0 runs none
	// (`renkei serve --matchers 0`, for a node that leaves matching to
	// `renkei worker` processes); `renkei serve` runs 1 unless told.
	Matchers int
	// Collect lists UDP listeners feeding sources: "udp://0.0.0.0:2055=source-id".
	Collect []string
	// BodyTimeout bounds how long a request body may take to arrive after
	// the request began (default 10 minutes); a slower body is cut.
	BodyTimeout time.Duration
	// WebhookAllow lists the ranges inside the hub's network (loopback,
	// private, link-local …) that webhooks may nevertheless reach.
	WebhookAllow []netip.Prefix
}

// DSN returns the store to open for a data directory and database flag.
func DSN(dataDir, database string) string {
	if database != "" {
		return database
	}
	return filepath.Join(dataDir, "renkei.db")
}

// Server is a running hub.
type Server struct {
	// App is the shared parts (store, authenticator, alerts, audit log) and
	// the capabilities, built once for the process.
	App      *app.App
	Bus      *bus.Bus
	Pipeline *telemetry.Pipeline
	Handler  http.Handler
	Registry *prometheus.Registry
	cfg      Config
	log      *slog.Logger
}

// New opens the store and builds the handler.
func New(ctx context.Context, cfg Config, log *slog.Logger, db *store.DB) (*Server, error) {
	// What /metrics shows: the process's, the HTTP routes', and what each
	// capability counts where its events happen (package metrics).
	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	m := metrics.New(reg)
	// The tamper-evident log (rule C7): reads of AMBER+STRICT and RED objects,
	// logins and token creations are recorded before anything is released.
	al, err := app.OpenAudit(ctx, db, app.AuditConfig{DataDir: cfg.DataDir, Integrate: true, Log: log, Metrics: m})
	if err != nil {
		return nil, fmt.Errorf("open the audit log: %w", err)
	}
	// The shared parts and every capability are built once, here, and
	// shared by the API, the console and the background work.
	a, err := app.New(ctx, app.Deps{Store: db, Audit: al, Log: log, WebhookAllow: cfg.WebhookAllow, Metrics: m})
	if err != nil {
		al.Close()
		return nil, err
	}
	h := a.Hub
	// Accounts whose role their organization may not hold (left by a store
	// older than that rule) are demoted, each logged first (hub/misplaced.go).
	if _, err := h.DemoteMisplacedRoles(ctx); err != nil {
		al.Close()
		return nil, err
	}
	b, err := bus.Open(ctx, bus.Options{URL: cfg.NATS, Dir: filepath.Join(cfg.DataDir, "nats"), Listen: cfg.NATSListen, Log: log, Replicas: cfg.StreamReplicas})
	if err != nil {
		al.Close()
		return nil, err
	}
	// Changes are announced on the bus, so that other nodes and this one
	// reload at once what they keep of them (the counter, polled, stays the
	// fallback); the URL the bus is reached at is left in DATA for the
	// commands run on this machine, which announce their changes too.
	db.OnChange(func(kind string) {
		if err := b.Notify(kind); err != nil {
			log.Warn("announce a change", "kind", kind, "err", err)
		}
	})
	if err := b.OnChange(store.ChangeVuln, a.Relevance.Nudge); err != nil {
		b.Close()
		al.Close()
		return nil, err
	}
	// A token revoked, a user disabled or given another role, on any node or
	// by a command: this node forgets the credentials it remembers, so the
	// change holds here at once (the cache's 2 s lifetime is the fallback).
	if err := b.OnChange(store.ChangeAuth, a.Auth.Forget); err != nil {
		b.Close()
		al.Close()
		return nil, err
	}
	natsURL := cfg.NATS
	if natsURL == "" {
		natsURL = b.ClientURL()
	}
	if err := bus.WriteURL(cfg.DataDir, natsURL); err != nil {
		log.Warn("the NATS URL for the command line could not be written", "dir", cfg.DataDir, "err", err)
	}
	if cfg.MaxContentLength <= 0 {
		cfg.MaxContentLength = 100 << 20
	}
	if cfg.BodyTimeout <= 0 {
		cfg.BodyTimeout = 10 * time.Minute
	}
	// A POST cut off by a crash left its status pending: any status older
	// than the longest a POST may take is complete, with a failure saying so.
	if err := failInterrupted(ctx, db, cfg.BodyTimeout, log); err != nil {
		b.Close()
		al.Close()
		return nil, err
	}
	requests := prometheus.NewCounterVec(prometheus.CounterOpts{Name: "renkei_http_requests_total", Help: "HTTP requests by route and status code."}, []string{"route", "code"})
	latency := prometheus.NewHistogramVec(prometheus.HistogramOpts{Name: "renkei_http_request_seconds", Help: "HTTP request latency by route.",
		Buckets: []float64{.001, .0025, .005, .01, .02, .05, .1, .25, .5, 1, 2.5, 10}}, []string{"route"})
	reg.MustRegister(requests, latency)
	pl, err := telemetry.NewPipeline(ctx, a.Telemetry, b, telemetry.NewMetrics(reg))
	if err != nil {
		b.Close()
		al.Close()
		return nil, fmt.Errorf("telemetry pipeline: %w", err)
	}
	// Batches the stream does not take while it is out of reach wait on
	// disk and are published again (RunPipeline), never counted as kept.
	if pl.Spool, err = bus.OpenSpool(filepath.Join(cfg.DataDir, "spool", "telemetry"), telemetry.SpoolMax); err != nil {
		b.Close()
		al.Close()
		return nil, err
	}
	pl.Watch(m)
	ws, err := web.New(a, web.Options{Secure: cfg.TLSCert != "" || cfg.SelfSignedTLS, Version: cfg.Version, Log: log, PublicURL: cfg.PublicURL})
	if err != nil {
		return nil, err
	}
	ts := &taxii.Server{Hub: h, Log: log, MaxContentLength: cfg.MaxContentLength, Metrics: m}
	as := &api.Server{App: a, Log: log, MaxBody: cfg.MaxContentLength}

	mux := http.NewServeMux()
	route := func(name string, hd http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			start := time.Now()
			rw := &statusWriter{ResponseWriter: w, code: 200}
			hd.ServeHTTP(rw, r)
			requests.WithLabelValues(name, strconv.Itoa(rw.code)).Inc()
			latency.WithLabelValues(name).Observe(time.Since(start).Seconds())
		})
	}
	mux.Handle("/taxii2/", route("taxii", ts.Handler()))
	mux.Handle("/api/", route("api", as.Handler()))
	mux.Handle("/", route("web", ws))
	mux.Handle("/audit/", route("audit", overseersOnly(a, http.StripPrefix("/audit", al.Handler()))))
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) {
		ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
		defer cancel()
		if err := db.SQL().PingContext(ctx); err != nil {
			http.Error(w, "store unavailable", http.StatusServiceUnavailable)
			return
		}
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		w.Write([]byte("ok\n"))
	})
	mux.Handle("GET /metrics", promhttp.HandlerFor(reg, promhttp.HandlerOpts{}))
	handler := recoverer(log, bodyDeadline(mux, cfg.BodyTimeout))
	if cfg.TLSCert != "" || cfg.SelfSignedTLS {
		handler = strictTransport(handler)
	}
	return &Server{App: a, Bus: b, Pipeline: pl, Handler: handler, Registry: reg, cfg: cfg, log: log}, nil
}

// overseersOnly serves the audit log's tiles to the oversight committee and
// hub administrators, who verify it with `renkei audit verify --log URL`.
func overseersOnly(a *app.App, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c, err := a.Auth.Request(r)
		if auth.Unchecked(err) {
			a.Log.Error("audit: credentials could not be checked", "err", err)
			w.Header().Set("Retry-After", "10")
			http.Error(w, "the store is unavailable", http.StatusServiceUnavailable)
			return
		}
		if err != nil {
			auth.LogFailure(a.Log, "audit", r, err)
			w.Header().Set("WWW-Authenticate", `Bearer realm="renkei audit"`)
			http.Error(w, "the audit log is served to the oversight committee: log in with an overseer token", http.StatusUnauthorized)
			return
		}
		if !policy.MayInspectAudit(c.Viewer()) {
			http.Error(w, "only overseers and hub administrators read the audit log", http.StatusForbidden)
			return
		}
		next.ServeHTTP(w, r)
	})
}

// Close releases what New opened besides the store: the bus and the audit log.
func (s *Server) Close() error {
	s.App.Store.OnChange(nil)
	if s.cfg.NATS != "" || s.Bus.ClientURL() != "" {
		bus.RemoveURL(s.cfg.DataDir)
	}
	s.Bus.Close()
	if s.App.Audit != nil {
		return s.App.Audit.Close()
	}
	return nil
}

type statusWriter struct {
	http.ResponseWriter
	code int
}

func (s *statusWriter) WriteHeader(code int) {
	s.code = code
	s.ResponseWriter.WriteHeader(code)
}

func (s *statusWriter) Unwrap() http.ResponseWriter { return s.ResponseWriter }

func (s *statusWriter) Flush() {
	if f, ok := s.ResponseWriter.(http.Flusher); ok {
		f.Flush()
	}
}

func recoverer(log *slog.Logger, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		defer func() {
			if v := recover(); v != nil {
				if v == http.ErrAbortHandler {
					panic(v)
				}
				log.Error("panic", "path", r.URL.Path, "panic", fmt.Sprint(v))
				http.Error(w, "internal error", http.StatusInternalServerError)
			}
		}()
		next.ServeHTTP(w, r)
	})
}

// TLSConfig returns the server's TLS settings: TLS 1.3 with the hybrid
// post-quantum key exchange X25519MLKEM768 preferred (Go's default curve list
// puts it first), and classic X25519 for clients without it. TLS 1.2 clients
// are offered only ECDHE with AEAD ciphers (AES-GCM, ChaCha20-Poly1305):
// Go's defaults still include the CBC suites with HMAC-SHA1, which
// government guidelines (CRYPTREC, NIST SP 800-52r2) no longer recommend.
// TLS 1.3's suites are all AEAD and are not configurable.
func TLSConfig(cert tls.Certificate) *tls.Config {
	return &tls.Config{
		MinVersion:       tls.VersionTLS12,
		Certificates:     []tls.Certificate{cert},
		CurvePreferences: []tls.CurveID{tls.X25519MLKEM768, tls.X25519, tls.CurveP256},
		CipherSuites:     TLS12CipherSuites,
	}
}

// TLS12CipherSuites are the only cipher suites offered on TLS 1.2.
var TLS12CipherSuites = []uint16{
	tls.TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256, tls.TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256,
	tls.TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384, tls.TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384,
	tls.TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256, tls.TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256,
}

// HSTS is the Strict-Transport-Security value sent on every response when
// the hub serves TLS: browsers then refuse plain HTTP to it for a year.
// (Browsers ignore it over a connection whose certificate they do not
// trust, so a self-signed certificate does not lock anyone out.)
const HSTS = "max-age=31536000"

// strictTransport adds the Strict-Transport-Security header to every response.
func strictTransport(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Strict-Transport-Security", HSTS)
		next.ServeHTTP(w, r)
	})
}

// Run serves until ctx is cancelled, then shuts down gracefully. ready, when
// not nil, receives the listening address.
func (s *Server) Run(ctx context.Context, ready func(addr string)) error {
	ln, err := net.Listen("tcp", s.cfg.Listen)
	if err != nil {
		return fmt.Errorf("listen on %s: %w", s.cfg.Listen, err)
	}
	srv := &http.Server{
		Handler:           s.Handler,
		ReadHeaderTimeout: 10 * time.Second,
		IdleTimeout:       120 * time.Second,
		MaxHeaderBytes:    64 << 10,
		ErrorLog:          slog.NewLogLogger(s.log.Handler(), slog.LevelWarn),
	}
	scheme := "http"
	if s.cfg.ClientCA != "" && s.cfg.TLSCert == "" && !s.cfg.SelfSignedTLS {
		ln.Close()
		return errors.New("client certificates (--client-ca) need TLS: give --tls-cert and --tls-key, or --tls")
	}
	if s.cfg.TLSCert != "" || s.cfg.SelfSignedTLS {
		cert, err := loadOrCreateCert(s.cfg)
		if err != nil {
			ln.Close()
			return err
		}
		srv.TLSConfig = TLSConfig(cert)
		if s.cfg.ClientCA != "" {
			if err := trustClientCA(srv.TLSConfig, s.cfg.ClientCA); err != nil {
				ln.Close()
				return err
			}
		}
		ln = tls.NewListener(ln, srv.TLSConfig)
		scheme = "https"
	}
	bg, stopBG := context.WithCancel(context.WithoutCancel(ctx))
	defer stopBG()
	go s.App.Alerts.Run(bg, 2*time.Second)
	go func() { // statuses of POSTs interrupted on other nodes, or here before a quick restart; expired retirement proposals
		t := time.NewTicker(time.Minute)
		defer t.Stop()
		for {
			select {
			case <-bg.Done():
				return
			case <-t.C:
				failInterrupted(bg, s.App.Store, s.cfg.BodyTimeout, s.log)
				if _, err := s.App.Hub.ExpireRetireProposals(bg); err != nil { // the committee's lapsed retirement proposals, logged first
					s.log.Warn("committee: expiring retirement proposals", "err", err)
				}
			}
		}
	}()
	if err := RunPipeline(bg, s.Pipeline, s.cfg.Matchers, s.cfg.Collect, s.log); err != nil {
		ln.Close()
		return err
	}
	go s.App.Relevance.Run(bg)                                               // vulnerability relevance: load the engine, fetch advisory feeds
	go s.App.Incidents.WatchDeadlines(bg, time.Minute)                       // overdue reports alert once
	go (&notify.Notifier{DB: s.App.Store, Log: s.log}).Loop(bg, time.Minute) // e-mail: immediate and daily digests
	go s.App.Retention.Schedule(bg, time.Hour)                               // C5: retention of hub objects per type and TLP, logged before deleting

	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	s.log.Info("renkei serving", "addr", ln.Addr().String(), "url", scheme+"://"+ln.Addr().String()+"/")
	if ready != nil {
		ready(ln.Addr().String())
	}
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	s.log.Info("shutting down")
	sctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	if err := srv.Shutdown(sctx); err != nil && !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}

// failInterrupted completes the statuses of POSTs that began longer ago
// than a body may take to arrive (and a minute to store the last batch):
// no node is still reading them.
func failInterrupted(ctx context.Context, db *store.DB, bodyTimeout time.Duration, log *slog.Logger) error {
	now := time.Now().UTC()
	n, err := db.FailInterruptedStatuses(ctx, now.Add(-bodyTimeout-time.Minute), now)
	if err != nil {
		if log != nil {
			log.Error("interrupted POSTs", "err", err)
		}
		return err
	}
	if n > 0 && log != nil {
		log.Warn("statuses of interrupted POSTs marked failed", "count", n)
	}
	return nil
}

// bodyDeadline cuts a request whose body has not arrived within d of the
// request's start, so that a body sent slowly never holds a connection and
// a handler for ever. The deadline is lifted once the body is read to its
// end, so that a long answer is not cut.
func bodyDeadline(next http.Handler, d time.Duration) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Body == nil || r.Body == http.NoBody {
			next.ServeHTTP(w, r)
			return
		}
		rc := http.NewResponseController(w)
		if err := rc.SetReadDeadline(time.Now().Add(d)); err == nil {
			r.Body = &deadlineBody{ReadCloser: r.Body, rc: rc}
		}
		next.ServeHTTP(w, r)
	})
}

type deadlineBody struct {
	io.ReadCloser
	rc   *http.ResponseController
	done bool
}

func (b *deadlineBody) Read(p []byte) (int, error) {
	n, err := b.ReadCloser.Read(p)
	if err == io.EOF && !b.done {
		b.done = true
		b.rc.SetReadDeadline(time.Time{})
	}
	return n, err
}
