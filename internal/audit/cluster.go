package audit

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"net/http"
	"os"
	"path"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/transparency-dev/tessera"
	"github.com/transparency-dev/tessera/api/layout"
	"golang.org/x/mod/sumdb/note"
)

// The cluster's one log.
//
// A hub that runs on several machines (nodes on one PostgreSQL, workers, the
// command line) keeps one audit log, not one per process: one origin, one
// key set, one order. The shared store is the journal. A process appends a
// group of entries in one transaction that locks the log's head row, takes
// the next indices and its node's next sequence numbers, and stores the
// encoded entries; the append returns once that transaction has committed,
// so an entry is durable (it survives SIGKILL of any process) and has its
// index before the data it concerns is released. Transactions commit in the
// order of their indices, so what the journal holds is always a prefix of
// the log without holes.
//
// One hub node at a time, the holder of the lease "audit-integrator
// <origin>", feeds the journal into Tessera's tree in a directory of its own
// machine, in index order, checking that Tessera gives every entry the index
// the store gave it, and copies every tile, entry bundle and signed
// checkpoint Tessera publishes into the store. Every node serves the log
// from the store, so that "renkei audit verify --log URL" gives the same
// answer through any node. The integrator renews its lease while it runs;
// when it dies, another node takes over once the lease has run out
// (IntegratorLease, 30 s by default) and rebuilds its own tree from the
// journal: the tree is a function of the ordered entries, so the tiles it
// writes are those already stored, byte for byte. Two integrators at once
// (a paused holder whose lease ran out) therefore cannot fork the log: they
// write the same files, and a checkpoint replaces the published one only if
// it is larger.
//
// The keys are the cluster's: the first node to open the log stores them
// (its existing DATA/audit-keys, or new ones made for the hub's origin) in
// the store's settings, and every process signs with those (and keeps a copy
// in its key directory for "renkei audit pubkey").

// Shared is the store as the cluster's journal (*store.DB).
type Shared interface {
	OpenAuditJournal(ctx context.Context, origin string) error
	AppendAuditEntries(ctx context.Context, origin, node string, n int, encode func(i int, seq uint64) ([]byte, error)) (uint64, error)
	AuditEntries(ctx context.Context, origin string, from uint64, limit int) ([][]byte, error)
	AuditJournalSize(ctx context.Context, origin string) (uint64, error)
	PutAuditFiles(ctx context.Context, origin string, files map[string][]byte) error
	AuditFile(ctx context.Context, origin, path string) ([]byte, bool, error)
	PublishAuditCheckpoint(ctx context.Context, origin string, size uint64, note []byte) error
	AuditCheckpoint(ctx context.Context, origin string) ([]byte, uint64, error)
	TakeLease(ctx context.Context, job, holder string, now time.Time, d time.Duration) (bool, error)
	ReleaseLease(ctx context.Context, job, holder string) error
	Setting(ctx context.Context, key string) (string, error)
	SetSettingOnce(ctx context.Context, key, value string) (string, error)
}

// settingKeys is the store setting holding the cluster's signing keys: the
// Ed25519 note key and the ML-DSA-65 key, one per line, as their files hold
// them.
const settingKeys = "audit_signing_keys"

// cluster is the state of a Log opened with Options.Shared.
type cluster struct {
	sh     Shared
	origin string
	node   string

	mu     sync.Mutex
	cond   *sync.Cond
	pend   []*clusterPending
	closed bool
	done   chan struct{} // closed when the committer has stopped

	integ *integrator // nil unless Options.Integrate
}

type clusterPending struct {
	e    Entry
	done chan result
}

// openCluster opens this process's door to the cluster's log.
func openCluster(ctx context.Context, opts Options) (*Log, error) {
	keys, origin, err := clusterKeys(ctx, opts)
	if err != nil {
		return nil, fmt.Errorf("open the cluster's audit log: %w", err)
	}
	opts.Origin = origin
	if err := opts.Shared.OpenAuditJournal(ctx, origin); err != nil {
		return nil, fmt.Errorf("open the cluster's audit log: %w", err)
	}
	c := &cluster{sh: opts.Shared, origin: origin, node: opts.Node, done: make(chan struct{})}
	c.cond = sync.NewCond(&c.mu)
	l := &Log{opts: opts, keys: keys, cl: c}
	if opts.Integrate {
		if c.integ, err = startIntegrator(opts, keys); err != nil {
			return nil, err
		}
	}
	go c.committer()
	return l, nil
}

// clusterKeys returns the cluster's keys and origin, storing this process's
// (or new) keys as the cluster's if the store holds none yet.
func clusterKeys(ctx context.Context, opts Options) (*Keys, string, error) {
	stored, err := opts.Shared.Setting(ctx, settingKeys)
	if err != nil {
		return nil, "", err
	}
	edPath, pqPath := filepath.Join(opts.KeyDir, ed25519KeyFile), filepath.Join(opts.KeyDir, mldsaKeyFile)
	local := ""
	if ed, err := os.ReadFile(edPath); err == nil {
		pq, err := os.ReadFile(pqPath)
		if err != nil {
			return nil, "", fmt.Errorf("read key: %w", err)
		}
		local = strings.TrimSpace(string(ed)) + "\n" + strings.TrimSpace(string(pq))
	} else if !errors.Is(err, fs.ErrNotExist) {
		return nil, "", fmt.Errorf("read key: %w", err)
	}
	if stored == "" {
		candidate := local
		if candidate == "" {
			origin := opts.Origin
			if origin == "" {
				origin = NewOrigin(opts.HubID)
			}
			if candidate, err = newKeyText(origin); err != nil {
				return nil, "", err
			}
		}
		if stored, err = opts.Shared.SetSettingOnce(ctx, settingKeys, candidate); err != nil {
			return nil, "", err
		}
	}
	if local != "" && local != stored {
		return nil, "", fmt.Errorf("%s holds keys of another log than the cluster's; move them away so that this node uses the cluster's keys", opts.KeyDir)
	}
	skey, pq, _ := strings.Cut(stored, "\n")
	origin, err := noteKeyName(skey)
	if err != nil {
		return nil, "", fmt.Errorf("the cluster's audit keys: %w", err)
	}
	if opts.Origin != "" && opts.Origin != origin {
		return nil, "", fmt.Errorf("the cluster's audit log is %q, not %q", origin, opts.Origin)
	}
	keys, err := keysFromText(skey, pq, origin, "the cluster's Ed25519 key", "the cluster's ML-DSA-65 key")
	if err != nil {
		return nil, "", err
	}
	if local == "" { // a copy for "renkei audit pubkey" on this machine
		if err := os.MkdirAll(opts.KeyDir, 0o700); err != nil {
			return nil, "", fmt.Errorf("create key directory: %w", err)
		}
		if _, err := readOrCreate(edPath, func() (string, error) { return skey, nil }); err != nil {
			return nil, "", err
		}
		if _, err := readOrCreate(pqPath, func() (string, error) { return pq, nil }); err != nil {
			return nil, "", err
		}
	}
	return keys, origin, nil
}

// newKeyText makes a new key set for origin in the stored form.
func newKeyText(origin string) (string, error) {
	if origin == "" || strings.ContainsAny(origin, "+ \n\t") {
		return "", fmt.Errorf("log origin %q: must be non-empty without spaces or '+'", origin)
	}
	skey, _, err := note.GenerateKey(rand.Reader, origin)
	if err != nil {
		return "", err
	}
	pq, err := newMLDSAKey(origin)
	if err != nil {
		return "", err
	}
	return skey + "\n" + pq, nil
}

// noteKeyName is the name in a note private key (PRIVATE+KEY+<name>+…).
func noteKeyName(skey string) (string, error) {
	parts := strings.SplitN(skey, "+", 5)
	if len(parts) != 5 || parts[0] != "PRIVATE" || parts[1] != "KEY" {
		return "", errors.New("malformed private key")
	}
	return parts[2], nil
}

// append queues e for the committer and waits until it is journaled.
func (c *cluster) append(ctx context.Context, e Entry) (uint64, error) {
	if e.Time.IsZero() {
		e.Time = time.Now()
	}
	e.Node = c.node
	// Check the entry now, with the longest sequence number it could get,
	// so that it cannot fail its group later.
	probe := e
	probe.Seq = 1 << 62
	data, err := probe.Marshal()
	if err == nil && len(data) > MaxEntrySize {
		err = fmt.Errorf("entry is %d bytes, over the %d-byte limit", len(data), MaxEntrySize)
	}
	if err != nil {
		return 0, fmt.Errorf("audit append %s: %w", e.Action, err)
	}
	p := &clusterPending{e: e, done: make(chan result, 1)}
	c.mu.Lock()
	if c.closed {
		c.mu.Unlock()
		return 0, errors.New("audit append: log is closed")
	}
	c.pend = append(c.pend, p)
	c.cond.Broadcast()
	c.mu.Unlock()
	select {
	case r := <-p.done:
		if r.err != nil {
			return 0, fmt.Errorf("audit append %s: %w", e.Action, r.err)
		}
		return r.idx, nil
	case <-ctx.Done():
		// The entry may still be journaled; the caller must not release.
		return 0, fmt.Errorf("audit append %s: gave up waiting for durability: %w", e.Action, ctx.Err())
	}
}

// maxGroup bounds how many entries one journal transaction carries.
const maxGroup = 4096

// committer journals every pending entry as one group in one transaction,
// so that concurrent appenders share its commit.
func (c *cluster) committer() {
	defer close(c.done)
	for {
		c.mu.Lock()
		for len(c.pend) == 0 && !c.closed {
			c.cond.Wait()
		}
		if len(c.pend) == 0 {
			c.mu.Unlock()
			return
		}
		group := c.pend[:min(len(c.pend), maxGroup)]
		c.pend = c.pend[len(group):]
		c.mu.Unlock()
		first, err := c.sh.AppendAuditEntries(context.Background(), c.origin, c.node, len(group), func(i int, seq uint64) ([]byte, error) {
			e := group[i].e
			e.Seq = seq
			return e.Marshal()
		})
		for i, p := range group {
			if err != nil {
				p.done <- result{err: err}
			} else {
				p.done <- result{idx: first + uint64(i)}
			}
		}
	}
}

func (c *cluster) close() error {
	c.mu.Lock()
	if c.closed {
		c.mu.Unlock()
		return nil
	}
	c.closed = true
	c.cond.Broadcast()
	c.mu.Unlock()
	<-c.done
	if c.integ != nil {
		return c.integ.stop()
	}
	return nil
}

// integrator feeds the journal into the tree while this process holds the
// lease, and publishes what Tessera writes into the store.
type integrator struct {
	opts     Options
	keys     *Keys
	holder   string
	cancel   context.CancelFunc
	done     chan struct{}
	graceful atomic.Bool // set by stop: publish what was integrated before letting go

	// Set while integrating (this process has the lease and the directory).
	lock      *os.File
	appender  *tessera.Appender
	reader    tessera.LogReader
	shutdown  func(context.Context) error
	stopTess  context.CancelFunc
	published uint64 // the size of the checkpoint published in the store
}

// integratorRound is how often the holder looks for new entries and
// checkpoints.
const integratorRound = 100 * time.Millisecond

func startIntegrator(opts Options, keys *Keys) (*integrator, error) {
	if err := os.MkdirAll(filepath.Join(opts.Dir, ".renkei"), 0o755); err != nil {
		return nil, fmt.Errorf("open the cluster's audit log: %w", err)
	}
	if opts.IntegratorLease <= 0 {
		opts.IntegratorLease = 30 * time.Second
	}
	if opts.CloseTimeout <= 0 {
		opts.CloseTimeout = 30 * time.Second
	}
	host, _ := os.Hostname()
	b := make([]byte, 4)
	rand.Read(b)
	ctx, cancel := context.WithCancel(context.Background())
	in := &integrator{opts: opts, keys: keys, holder: fmt.Sprintf("%s/%d/%s", host, os.Getpid(), hex.EncodeToString(b)),
		cancel: cancel, done: make(chan struct{})}
	go in.run(ctx)
	return in, nil
}

// Kill stops the integrator as a crash would: at once, without publishing
// what it integrated or giving up its lease. For tests of the takeover.
func (l *Log) killIntegrator() {
	if l.cl != nil && l.cl.integ != nil {
		l.cl.integ.cancel()
		<-l.cl.integ.done
	}
}

func (in *integrator) run(ctx context.Context) {
	defer close(in.done)
	job := "audit-integrator " + in.opts.Origin
	renew := in.opts.IntegratorLease / 6
	var until time.Time // while now < until this process holds the lease
	t := time.NewTicker(integratorRound)
	defer t.Stop()
	for {
		now := time.Now()
		if now.After(until.Add(-in.opts.IntegratorLease + renew)) {
			ok, err := in.opts.Shared.TakeLease(ctx, job, in.holder, now, in.opts.IntegratorLease)
			switch {
			case ctx.Err() != nil:
				return
			case err != nil:
				in.opts.Logger.Warn("audit: integrator lease", "err", err)
			case ok:
				if until.IsZero() || now.After(until) {
					in.opts.Logger.Info("audit: this node integrates the cluster's log", "origin", in.opts.Origin, "holder", in.holder)
				}
				until = now.Add(in.opts.IntegratorLease)
			default:
				until = time.Time{}
			}
		}
		if now.Before(until) {
			if err := in.round(ctx); err != nil && ctx.Err() == nil {
				in.opts.Logger.Error("audit: integrating the cluster's log failed; retrying", "err", err, "origin", in.opts.Origin)
				in.close()
			}
		}
		select {
		case <-ctx.Done():
			if in.graceful.Load() && in.appender != nil {
				// A last round with the time Close allows, so that the
				// published checkpoint covers every entry this process
				// journaled before closing.
				fctx, cancel := context.WithTimeout(context.Background(), in.opts.CloseTimeout)
				if err := in.round(fctx); err != nil {
					in.opts.Logger.Warn("audit: last integration round", "err", err)
				}
				if err := in.shutdown(fctx); err == nil {
					_ = in.publish(fctx)
				}
				cancel()
			}
			in.close()
			if in.graceful.Load() && !until.IsZero() {
				// A node that stops cleanly gives the lease up, so that
				// another integrates at once rather than when it runs out.
				rctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
				if err := in.opts.Shared.ReleaseLease(rctx, job, in.holder); err != nil {
					in.opts.Logger.Warn("audit: giving up the integrator lease", "err", err)
				}
				cancel()
			}
			return
		case <-t.C:
		}
	}
}

// round integrates what the journal holds beyond the tree and publishes the
// latest checkpoint with the files it covers.
func (in *integrator) round(ctx context.Context) error {
	if in.appender == nil {
		ok, err := in.open(ctx)
		if err != nil || !ok {
			return err
		}
	}
	size, err := in.reader.IntegratedSize(ctx)
	if err != nil {
		return fmt.Errorf("read tree size: %w", err)
	}
	for {
		data, err := in.opts.Shared.AuditEntries(ctx, in.opts.Origin, size, int(in.opts.BatchMaxSize))
		if err != nil {
			return err
		}
		if len(data) == 0 {
			break
		}
		futures := make([]tessera.IndexFuture, len(data))
		for i, d := range data {
			futures[i] = in.appender.Add(ctx, tessera.NewEntry(d))
		}
		for i, f := range futures {
			idx, err := f()
			if err != nil {
				return fmt.Errorf("integrate entry %d: %w", size+uint64(i), err)
			}
			if idx.Index != size+uint64(i) {
				return fmt.Errorf("entry %d of the journal was integrated at %d: another process wrote to %s", size+uint64(i), idx.Index, in.opts.Dir)
			}
		}
		size += uint64(len(data))
		if len(data) < int(in.opts.BatchMaxSize) {
			break
		}
	}
	return in.publish(ctx)
}

// open takes this machine's tree directory (one integrator per directory)
// and opens Tessera on it. It reports false when another process of this
// machine integrates in the same directory.
func (in *integrator) open(ctx context.Context) (bool, error) {
	f, err := os.OpenFile(filepath.Join(in.opts.Dir, ".renkei", "integrator.lock"), os.O_RDWR|os.O_CREATE, 0o644)
	if err != nil {
		return false, err
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		f.Close()
		if errors.Is(err, syscall.EWOULDBLOCK) {
			return false, nil
		}
		return false, err
	}
	bg, cancel := context.WithCancel(context.Background())
	app, shutdown, reader, err := newTessera(ctx, bg, in.opts, in.keys)
	if err != nil {
		cancel()
		f.Close()
		return false, err
	}
	size, err := reader.IntegratedSize(ctx)
	if err != nil {
		cancel()
		f.Close()
		return false, err
	}
	journaled, err := in.opts.Shared.AuditJournalSize(ctx, in.opts.Origin)
	if err != nil {
		cancel()
		f.Close()
		return false, err
	}
	if size > journaled {
		cancel()
		f.Close()
		return false, fmt.Errorf("the tree in %s holds %d entries, the cluster's journal %d: it is not this cluster's log (move it away)", in.opts.Dir, size, journaled)
	}
	_, in.published, err = in.opts.Shared.AuditCheckpoint(ctx, in.opts.Origin)
	if err != nil {
		cancel()
		f.Close()
		return false, err
	}
	in.lock, in.appender, in.reader, in.shutdown, in.stopTess = f, app, reader, shutdown, cancel
	return true, nil
}

// publish copies Tessera's latest checkpoint into the store, after every
// tile and entry bundle it covers that the store does not hold yet, so that
// a reader of the store never sees a checkpoint without its files.
func (in *integrator) publish(ctx context.Context) error {
	note, err := in.reader.ReadCheckpoint(ctx)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("read checkpoint: %w", err)
	}
	body, _, _ := bytes.Cut(note, []byte("\n\n"))
	cp, err := ParseCheckpoint(append(body, '\n'))
	if err != nil {
		return err
	}
	if cp.Size < in.published || cp.Size == in.published && in.published > 0 {
		return nil
	}
	files := map[string][]byte{}
	for _, p := range publishedPaths(in.published, cp.Size) {
		b, err := os.ReadFile(filepath.Join(in.opts.Dir, filepath.FromSlash(p.partial)))
		if errors.Is(err, fs.ErrNotExist) && p.full != p.partial {
			// Tessera removes a partial tile once the full one is published.
			p.partial = p.full
			b, err = os.ReadFile(filepath.Join(in.opts.Dir, filepath.FromSlash(p.full)))
		}
		if err != nil {
			return fmt.Errorf("read %s: %w", p.partial, err)
		}
		files[p.partial] = b
		if len(files) >= 256 {
			if err := in.opts.Shared.PutAuditFiles(ctx, in.opts.Origin, files); err != nil {
				return err
			}
			clear(files)
		}
	}
	if err := in.opts.Shared.PutAuditFiles(ctx, in.opts.Origin, files); err != nil {
		return err
	}
	if err := in.opts.Shared.PublishAuditCheckpoint(ctx, in.opts.Origin, cp.Size, note); err != nil {
		return err
	}
	in.published = cp.Size
	return nil
}

type tilePath struct{ partial, full string }

// publishedPaths lists the entry bundles and tiles of a tree of size to that
// a tree of size from did not have (a partial tile of the smaller tree has
// another path than the same tile grown).
func publishedPaths(from, to uint64) []tilePath {
	var ps []tilePath
	for i := from / layout.EntryBundleWidth; i*layout.EntryBundleWidth < to; i++ {
		ps = append(ps, tilePath{layout.EntriesPath(i, layout.PartialTileSize(0, i, to)), layout.EntriesPath(i, 0)})
	}
	for L := uint64(0); to>>(8*L) > 0; L++ {
		n := to >> (8 * L)
		for i := (from >> (8 * L)) / layout.TileWidth; i*layout.TileWidth < n; i++ {
			ps = append(ps, tilePath{layout.TilePath(L, i, layout.PartialTileSize(L, i, to)), layout.TilePath(L, i, 0)})
		}
	}
	return ps
}

// close stops integrating (the lease was lost, or the process stops): it
// waits for Tessera's last checkpoint, publishes it and lets go of the
// directory.
func (in *integrator) close() {
	if in.appender == nil {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	_ = in.shutdown(ctx)
	in.stopTess()
	in.lock.Close()
	in.appender, in.reader, in.lock = nil, nil, nil
}

// stop ends the integrator for Close: a last round, so that the published
// checkpoint covers what this process integrated, then close.
func (in *integrator) stop() error {
	in.graceful.Store(true)
	in.cancel()
	<-in.done
	return nil
}

// storeFetcher reads the cluster's published log from the store.
type storeFetcher struct {
	sh     Shared
	origin string
}

func (f storeFetcher) Fetch(ctx context.Context, p string) ([]byte, error) {
	if p == layout.CheckpointPath {
		note, _, err := f.sh.AuditCheckpoint(ctx, f.origin)
		if err != nil {
			return nil, err
		}
		if note == nil {
			return nil, fmt.Errorf("checkpoint: %w", fs.ErrNotExist)
		}
		return note, nil
	}
	b, ok, err := f.sh.AuditFile(ctx, f.origin, p)
	if err != nil {
		return nil, err
	}
	if !ok {
		return nil, fmt.Errorf("%s: %w", p, fs.ErrNotExist)
	}
	return b, nil
}

// fetcherHandler serves a log read through a Fetcher, as NewHandler serves a
// directory.
func fetcherHandler(f Fetcher) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			w.Header().Set("Allow", "GET, HEAD")
			http.Error(w, "read-only log: use GET", http.StatusMethodNotAllowed)
			return
		}
		p := path.Clean("/" + r.URL.Path)
		var ctype, cache string
		switch {
		case p == "/checkpoint":
			ctype, cache = "text/plain; charset=utf-8", "no-cache"
		case strings.HasPrefix(p, "/tile/") && !strings.Contains(p, "/."):
			ctype, cache = "application/octet-stream", "public, max-age=31536000, immutable"
			if strings.Contains(p, ".p/") {
				cache = "max-age=60"
			}
		default:
			http.NotFound(w, r)
			return
		}
		b, err := f.Fetch(r.Context(), p[1:])
		if errors.Is(err, fs.ErrNotExist) {
			http.NotFound(w, r)
			return
		}
		if err != nil {
			http.Error(w, "the audit log cannot be read now", http.StatusServiceUnavailable)
			return
		}
		w.Header().Set("Content-Type", ctype)
		w.Header().Set("Cache-Control", cache)
		w.Write(b)
	})
}
