package relevance

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/gob"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"renkei/internal/alert"
	"renkei/internal/auth"
	"renkei/internal/store"
	"renkei/internal/vuln"
	"renkei/internal/vuln/advisory"
)

// Service is vulnerability relevance over one store.
type Service struct {
	DB     *store.DB
	Alerts *alert.Service
	Log    *slog.Logger
	Now    func() time.Time
	// Record appends to the audit log before a change of the product–supplier
	// register takes effect (hub.Hub.Record); nil refuses such changes.
	Record func(ctx context.Context, c auth.Caller, action, objectID string, detail map[string]string) (uint64, error)
	// Center is the national center's organization id, alerted when a
	// known-exploited finding is suppressed; "" looks it up in the store.
	Center string
	// Client fetches feeds; nil means one with a 60 s timeout.
	Client *http.Client
	// MaxFeedBytes bounds one fetched or uploaded document (default 256 MiB,
	// enough for the full EPSS CSV uncompressed).
	MaxFeedBytes int64

	// mu serializes the engine, which is not safe for concurrent use, and
	// makes "evaluate, then claim the alert" one step per addition.
	mu      sync.Mutex
	loadMu  sync.Mutex
	eng     *vuln.Engine
	seenAdv map[string]bool // advisories and statements already in eng
	gen     int64           // local changes, counted (see Refresh)
	// expect is the store's change counter (store.ChangeVuln) the engine
	// reflects: the counter read before it was built, plus every change
	// this service made since. A counter that differs is another process's
	// change.
	expect atomic.Int64
	// Changes this service is making to the store and its engine (op):
	// started counts them, inflight those not finished. Refresh swaps in an
	// engine rebuilt from the store only when no change of its own began
	// or was under way meanwhile, so that none is lost or counted twice.
	started, inflight atomic.Int64

	// RefreshEvery is how often Run looks for changes made by other
	// processes — a CLI import while the server runs, another hub node —
	// (Refresh); 0 means DefaultRefreshEvery. Looking costs one indexed
	// read of the change counter.
	RefreshEvery time.Duration

	nudgeOnce sync.Once
	nudge     chan struct{} // Nudge: look at the counter now
}

// Nudge makes Run look at the store's change counter now rather than at its
// next round: another process announced a change (bus.OnChange). It never
// blocks; nudges that come while one is pending are one.
func (s *Service) Nudge() {
	select {
	case s.nudged() <- struct{}{}:
	default:
	}
}

func (s *Service) nudged() chan struct{} {
	s.nudgeOnce.Do(func() { s.nudge = make(chan struct{}, 1) })
	return s.nudge
}

// DefaultRefreshEvery is how often a running hub looks for changes another
// process made to what its engine is built from.
const DefaultRefreshEvery = 2 * time.Second

// New returns a service over db raising alerts through alerts. The engine
// is loaded from the store on first use (or by Load). The API, the web
// console and the feed runner of one process must share one service — its
// engine holds every registered component in memory and is the source of
// truth for "what was already matched" — so package app builds it once.
func New(db *store.DB, alerts *alert.Service, log *slog.Logger) *Service {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Service{DB: db, Alerts: alerts, Log: log}
}

func (s *Service) now() time.Time {
	if s.Now != nil {
		return s.Now().UTC()
	}
	return time.Now().UTC()
}

func (s *Service) maxBytes() int64 {
	if s.MaxFeedBytes > 0 {
		return s.MaxFeedBytes
	}
	return 256 << 20
}

// ensure loads the engine if it is not loaded yet.
func (s *Service) ensure(ctx context.Context) error {
	// loadMu makes concurrent first users (the server's runner and an early
	// request) wait for one load instead of each building an engine.
	s.loadMu.Lock()
	defer s.loadMu.Unlock()
	s.mu.Lock()
	loaded := s.eng != nil
	s.mu.Unlock()
	if loaded {
		return nil
	}
	return s.Load(ctx)
}

// Load builds the engine from the store: every connection point, every
// registered SBOM's components and every stored advisory document. Matches
// found while loading raise no alerts: they were alerted when they were
// first found (or are claimed in vuln_alerts_sent already).
func (s *Service) Load(ctx context.Context) error {
	// The counter first: a change committed while building is seen by the
	// next Refresh.
	c, err := s.counter(ctx)
	if err != nil {
		return err
	}
	eng, seen, err := s.build(ctx)
	if err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.eng == nil {
		s.eng, s.seenAdv = eng, seen
		s.expect.Store(c)
	}
	return nil
}

// Refresh rebuilds the engine when the store changed in a way this
// service did not make — `renkei feeds import` or `renkei asset add` while
// the server runs, another hub node registering a device — and reports
// whether it did. A local change while rebuilding cancels the swap; the
// next Refresh tries again.
func (s *Service) Refresh(ctx context.Context) (bool, error) {
	if err := s.ensure(ctx); err != nil {
		return false, err
	}
	started := s.started.Load()
	if s.inflight.Load() > 0 {
		return false, nil // a change of this service is under way: next time
	}
	c, err := s.counter(ctx)
	if err != nil {
		return false, err
	}
	s.mu.Lock()
	same, gen := c == s.expect.Load(), s.gen
	s.mu.Unlock()
	if same {
		return false, nil
	}
	eng, seen, err := s.build(ctx)
	if err != nil {
		return false, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.gen != gen || s.started.Load() != started || s.inflight.Load() > 0 {
		return false, nil
	}
	s.eng, s.seenAdv = eng, seen
	s.expect.Store(c)
	s.Log.Info("vulnerability relevance reloaded: the store changed in another process", "changes", c)
	return true, nil
}

// changed records a change this service made to its engine (the caller
// holds s.mu), so that a rebuild begun before it is not swapped in.
func (s *Service) changed(context.Context) {
	s.gen++
}

// op marks a change this service makes to the store and its engine, from
// before its first write until its engine is updated: defer s.op()().
func (s *Service) op() func() {
	s.started.Add(1)
	s.inflight.Add(1)
	return func() { s.inflight.Add(-1) }
}

// wrote counts a change this service made to the store (err nil: the
// write committed, and bumped the change counter once), so that Refresh
// does not rebuild for it. Every store write that counts a change of
// store.ChangeVuln goes through it.
func (s *Service) wrote(err error) error {
	if err == nil {
		s.expect.Add(1)
	}
	return err
}

// counter reads the store's change counter of what the engine is built
// from.
func (s *Service) counter(ctx context.Context) (int64, error) {
	return s.DB.Changed(ctx, store.ChangeVuln)
}

// build makes an engine from the store.
func (s *Service) build(ctx context.Context) (*vuln.Engine, map[string]bool, error) {
	start := time.Now()
	eng := vuln.New()
	seen := map[string]bool{}
	cps, err := s.ConnectionPointsOf(ctx, "")
	if err != nil {
		return nil, nil, fmt.Errorf("load vulnerability relevance: %w", err)
	}
	ts := make([]vuln.Target, 0, len(cps))
	for _, c := range cps {
		ts = append(ts, vuln.TargetFromDevice(c.device()))
	}
	eng.AddTargets(ts)
	n := len(ts)
	err = s.DB.SBOMTargets(ctx, func(id, org string, blob []byte) {
		ts, err := decodeTargets(blob)
		if err != nil {
			s.Log.Warn("registered SBOM unreadable, skipped", "sbom", id, "org", org, "err", err)
			return
		}
		// Targets encoded before SBOMs had a public id name the row id.
		asset := SBOM{PublicID: id}.Asset()
		for i := range ts {
			ts[i].Asset = asset
		}
		eng.AddTargets(ts)
		n += len(ts)
	})
	if err != nil {
		return nil, nil, err
	}
	docs, err := s.loadDocuments(ctx)
	if err != nil {
		return nil, nil, err
	}
	// A vendor speaks only for its own products, under the register as it
	// is now.
	reg, err := s.loadRegister(ctx)
	if err != nil {
		return nil, nil, fmt.Errorf("load vulnerability relevance: %w", err)
	}
	pubs, err := s.publishers(ctx)
	if err != nil {
		return nil, nil, fmt.Errorf("load vulnerability relevance: %w", err)
	}
	bindLoaded(docs, pubs, reg)
	for _, set := range docs {
		eng.AddSet(fresh(set, seen))
	}
	s.Log.Info("vulnerability relevance loaded", "targets", n, "documents", len(docs), "duration", time.Since(start))
	return eng, seen, nil
}

// fresh returns the part of set not yet added (by advisory source, id and
// modification time; statements by content), marking it seen, so that a
// re-fetched catalog adds only what changed.
func fresh(set *advisory.Set, seen map[string]bool) *advisory.Set {
	out := *set
	out.Advisories, out.Statements = nil, nil
	for _, a := range set.Advisories {
		k := fmt.Sprintf("a|%s|%s|%s|%d", a.Source, a.ID, a.Modified.Format(time.RFC3339Nano), len(a.Affected))
		if !seen[k] {
			seen[k] = true
			out.Advisories = append(out.Advisories, a)
		}
	}
	for _, st := range set.Statements {
		k := fmt.Sprintf("s|%s|%s|%s|%s|%s|%v|%v", st.Vulnerability, st.Product, st.Status, st.Author, st.Timestamp.Format(time.RFC3339Nano), st.Versions, st.Subcomponents)
		if !seen[k] {
			seen[k] = true
			out.Statements = append(out.Statements, st)
		}
	}
	return &out
}

// Outcome says what one addition did.
type Outcome struct {
	Hits     int      `json:"hits"`   // (target, vulnerability) pairs newly matched or newly known exploited
	Alerts   int      `json:"alerts"` // alerts raised, one per organization
	Orgs     []string `json:"orgs,omitempty"`
	Problems []string `json:"problems,omitempty"`
}

// addTargets indexes targets and alerts what they are affected by.
func (s *Service) addTargets(ctx context.Context, ts []vuln.Target) (Outcome, error) {
	if err := s.ensure(ctx); err != nil {
		return Outcome{}, err
	}
	s.mu.Lock()
	hits := s.eng.AddTargets(ts)
	pend := s.pending(hits)
	s.changed(ctx)
	s.mu.Unlock()
	return s.notify(ctx, len(hits), pend)
}

// addSets adds advisory sets and alerts every organization they affect,
// one alert per organization for all the sets together.
func (s *Service) addSets(ctx context.Context, sets []*advisory.Set) (Outcome, error) {
	if err := s.ensure(ctx); err != nil {
		return Outcome{}, err
	}
	s.mu.Lock()
	// Known-exploited findings the statements of these sets may suppress,
	// as they are before: a suppression is alerted (suppressions.go).
	ids := suppressingIDs(sets)
	before := s.openExploited(ids)
	var hits []vuln.Hit
	for _, set := range sets {
		hits = append(hits, s.eng.AddSet(fresh(set, s.seenAdv))...)
	}
	// Findings are taken once every set is in, so that the KEV entry and
	// the vendor's advisory of one import make one finding (due date and
	// fixed version together), not two.
	pend := s.pending(hits)
	lost := s.suppressed(ids, before)
	s.changed(ctx)
	s.mu.Unlock()
	out, err := s.notify(ctx, len(hits), pend)
	if len(lost) > 0 {
		n, serr := s.alertSuppressions(ctx, lost)
		out.Alerts += n
		if err == nil {
			err = serr
		}
	}
	return out, err
}

type pendingAlert struct {
	org, asset string
	f          vuln.Finding
}

// pending turns hits into the findings to alert, suppressed and overruled
// matches left out, one per (organization, asset, vulnerability). The
// caller holds s.mu.
func (s *Service) pending(hits []vuln.Hit) []pendingAlert {
	var out []pendingAlert
	seen := map[[3]string]int{}
	for _, h := range hits {
		f, ok := s.eng.HitFinding(h)
		if !ok || f.Suppressed() || h.Target.Org == "" {
			continue
		}
		k := [3]string{h.Target.Org, h.Target.Asset, f.Vulnerability}
		if i, dup := seen[k]; dup {
			// Several components of one SBOM: keep the most urgent.
			fs := []vuln.Finding{out[i].f, f}
			vuln.SortFindings(fs)
			out[i].f = fs[0]
			continue
		}
		seen[k] = len(out)
		out = append(out, pendingAlert{org: h.Target.Org, asset: h.Target.Asset, f: f})
	}
	return out
}

func encodeTargets(ts []vuln.Target) ([]byte, error) {
	var b bytes.Buffer
	zw := gzip.NewWriter(&b)
	if err := gob.NewEncoder(zw).Encode(ts); err != nil {
		return nil, err
	}
	if err := zw.Close(); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}

func decodeTargets(blob []byte) ([]vuln.Target, error) {
	zr, err := gzip.NewReader(bytes.NewReader(blob))
	if err != nil {
		return nil, err
	}
	var ts []vuln.Target
	if err := gob.NewDecoder(zr).Decode(&ts); err != nil {
		return nil, err
	}
	return ts, nil
}

func gz(data []byte) []byte {
	var b bytes.Buffer
	zw, _ := gzip.NewWriterLevel(&b, gzip.BestSpeed)
	zw.Write(data)
	zw.Close()
	return b.Bytes()
}

// gunzipIfNeeded returns data decompressed when it is gzip (EPSS is
// published as .csv.gz), bounded by max bytes.
func gunzipIfNeeded(data []byte, max int64) ([]byte, error) {
	if len(data) < 2 || data[0] != 0x1f || data[1] != 0x8b {
		return data, nil
	}
	zr, err := gzip.NewReader(bytes.NewReader(data))
	if err != nil {
		return nil, fmt.Errorf("gzip: %w", err)
	}
	out, err := io.ReadAll(io.LimitReader(zr, max+1))
	if err != nil {
		return nil, fmt.Errorf("gzip: %w", err)
	}
	if int64(len(out)) > max {
		return nil, fmt.Errorf("more than %d bytes once decompressed", max)
	}
	return out, nil
}
