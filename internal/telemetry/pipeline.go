package telemetry

import (
	"context"
	"errors"
	"fmt"
	"net/netip"
	"strings"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"renkei/internal/approval"
	"renkei/internal/bus"
	"renkei/internal/flow"
)

// The stream selected records travel on, and the queue the matchers share.
const (
	Stream   = "TELEMETRY"
	Subject  = "telemetry.flows."
	Matchers = "matchers"
)

// Errors that stop a source.
var (
	ErrNotApproved = errors.New("no approval in force")
	ErrNoRanges    = errors.New("no list of domestic ranges is loaded (renkei telemetry ranges import FILE)")
	// ErrPrefixNotApproved stops a source set to prefix-preserving pseudonyms
	// whose approval in force does not require them.
	ErrPrefixNotApproved = errors.New("prefix-preserving pseudonyms are set but the approval in force does not grant them (request one with prefix_preserving set: renkei approval request --prefix-preserving)")
)

// Pipeline takes records from sources through selection onto the bus.
type Pipeline struct {
	Service *Service
	Bus     *bus.Bus
	Metrics *Metrics
	// Spool keeps, on disk and bounded, the batches the stream did not take
	// while it was out of reach (its leader down, NATS unreachable), and
	// RunSpool publishes them again; nil refuses them at once. Records the
	// stream refused for good, or that found the spool full, are counted as
	// refused (ReasonStreamRefused, ReasonStreamUnavailable), never as kept.
	Spool *bus.Spool

	mu      sync.Mutex
	ranges  *Ranges
	sources map[string]*Source
	keys    map[string]*periodKey // per source, for the current period only
	// registers are the registered exporters of each source, reread
	// whenever the source's register changes (register).
	registers map[string]*register
	cols      collectors // for /metrics (watch.go)
}

// Metrics count records by source and outcome for /metrics.
type Metrics struct {
	Records *prometheus.CounterVec
	Matches *prometheus.CounterVec
	// Unregistered counts datagrams dropped because their sender is not a
	// registered exporter of the source.
	Unregistered *prometheus.CounterVec
}

// NewMetrics registers the pipeline's counters on reg (nil: not exported).
func NewMetrics(reg prometheus.Registerer) *Metrics {
	m := &Metrics{
		Records: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "renkei_telemetry_records_total",
			Help: "Communications-information records by source and outcome (kept, dropped:<direction>, refused:<why>)."}, []string{"source", "outcome"}),
		Matches: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "renkei_telemetry_matches_total",
			Help: "Selected records that matched an indicator, by source."}, []string{"source"}),
		Unregistered: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "renkei_telemetry_unregistered_datagrams_total",
			Help: "Export datagrams dropped because their sender (address, or address/observation domain) is not a registered exporter of the source."}, []string{"source", "sender"}),
	}
	if reg != nil {
		reg.MustRegister(m.Records, m.Matches, m.Unregistered)
	}
	return m
}

// NewPipeline prepares the pipeline: the stream and the domestic ranges.
func NewPipeline(ctx context.Context, s *Service, b *bus.Bus, m *Metrics) (*Pipeline, error) {
	if m == nil {
		m = NewMetrics(nil)
	}
	p := &Pipeline{Service: s, Bus: b, Metrics: m, sources: map[string]*Source{}, keys: map[string]*periodKey{},
		registers: map[string]*register{}}
	if err := b.Stream(ctx, Stream, []string{Subject + ">"}, 7*24*time.Hour); err != nil {
		return nil, err
	}
	if err := p.Reload(ctx); err != nil {
		return nil, err
	}
	return p, nil
}

// Reload reads the domestic ranges and sources again.
func (p *Pipeline) Reload(ctx context.Context) error {
	r, err := LoadRanges(ctx, p.Service.DB)
	if err != nil {
		return err
	}
	p.mu.Lock()
	p.ranges, p.sources, p.keys, p.registers = r, map[string]*Source{}, map[string]*periodKey{}, map[string]*register{}
	p.mu.Unlock()
	return nil
}

func (p *Pipeline) source(ctx context.Context, id string) (*Source, *Ranges, error) {
	p.mu.Lock()
	s, r := p.sources[id], p.ranges
	p.mu.Unlock()
	if s == nil {
		x, err := GetSource(ctx, p.Service.DB, id)
		if err != nil {
			return nil, nil, err
		}
		s = &x
		p.mu.Lock()
		p.sources[id] = s
		p.mu.Unlock()
	}
	return s, r, nil
}

// ReasonUnclassifiable counts records refused because an address embeds an
// IPv4 address in a form that cannot be read unambiguously (C3).
const ReasonUnclassifiable = "refused:ambiguous-embedded-ipv4"

// Reasons for records the stream did not keep: it refused them for good
// (too large, over a limit of the stream), or it was out of reach and the
// spool was full (or the process keeps none).
const (
	ReasonStreamRefused     = "refused:stream"
	ReasonStreamUnavailable = "refused:stream-unavailable"
)

// SpoolMax is the bound of a process's spool of batches the stream did not
// take: about 500,000 selected records.
const SpoolMax = 256 << 20

// publishWait bounds how long a batch waits for the stream's
// acknowledgement before it goes to the spool: the collector behind it is
// draining a socket.
const publishWait = 2 * time.Second

// Result tells what Ingest did with a batch.
type Result struct {
	// Kept records are on the stream: it acknowledged them.
	Kept int
	// Spooled records wait in the spool for the stream; they are counted
	// as kept, or refused, once it took or refused them (RunSpool).
	Spooled int
	Counts  Counts
}

// batchMax records go in one message on the bus.
const batchMax = 2000

// Ingest passes records of one source through the law's automatic steps and
// onto the bus: approval in force (C6), selection to the allow-list (C1, C2),
// direction against the legal basis (C3), pseudonymization (C4). A record
// that names an exporter (every record a collector decodes does) is refused
// and counted unless that exporter is registered for the source, whatever
// path it came in by. Nothing of a record survives that these steps did not
// keep.
func (p *Pipeline) Ingest(ctx context.Context, sourceID string, recs []flow.Record) (Result, error) {
	res := Result{Counts: Counts{}}
	src, ranges, err := p.source(ctx, sourceID)
	if err != nil {
		return res, err
	}
	now := p.Service.now()
	count := func(reason string, n int) {
		res.Counts[reason] += int64(n)
		p.Metrics.Records.WithLabelValues(sourceID, reason).Add(float64(n))
	}
	defer func() {
		if err := AddCounts(context.WithoutCancel(ctx), p.Service.DB, sourceID, res.Counts); err != nil {
			p.Service.Log.Error("telemetry counts", "source", sourceID, "err", err)
		}
	}()
	a, err := approval.InForce(ctx, p.Service.DB, src.ApprovalRef, src.ApprovalKind(), now)
	if err != nil {
		count("refused:no-approval", len(recs))
		return res, fmt.Errorf("source %s: %w: %v", sourceID, ErrNotApproved, err)
	}
	if src.PrefixPreserving && !ApprovalRequiresPrefixPreserving(a) {
		count(ReasonPrefixNotApproved, len(recs))
		return res, fmt.Errorf("source %s: %w", sourceID, ErrPrefixNotApproved)
	}
	if ranges == nil {
		count("refused:no-ranges", len(recs))
		return res, fmt.Errorf("source %s: %w", sourceID, ErrNoRanges)
	}
	reg, err := p.register(ctx, sourceID)
	if err != nil {
		return res, err
	}
	var key *periodKey
	if len(src.Pseudonymize) > 0 {
		if key, err = p.key(ctx, src, now); err != nil {
			return res, err
		}
	}
	batch := make([]Selected, 0, min(len(recs), batchMax))
	flush := func() error {
		if len(batch) == 0 {
			return nil
		}
		data := AppendBatch(nil, batch)
		n := len(batch)
		batch = batch[:0]
		err = errSpoolWaiting
		if p.Spool == nil || !p.Spool.Waiting() { // else behind what waits, in order
			pctx, cancel := context.WithTimeout(ctx, publishWait)
			err = p.Bus.Publish(pctx, Subject+sourceID, data)
			cancel()
		}
		switch {
		case err == nil:
			count("kept", n)
			res.Kept += n
		case bus.Refused(err):
			count(ReasonStreamRefused, n)
			p.Service.Log.Error("the stream refused records", "source", sourceID, "count", n, "err", err)
		case p.Spool == nil:
			count(ReasonStreamUnavailable, n)
			p.Service.Log.Error("records lost: the stream is out of reach and this process keeps no spool", "source", sourceID, "count", n, "err", err)
		default:
			if serr := p.Spool.Put(Subject+sourceID, data, n); serr != nil {
				count(ReasonStreamUnavailable, n)
				p.Service.Log.Error("records lost: the stream is out of reach and they could not be spooled", "source", sourceID, "count", n, "err", serr, "stream_err", err)
				break
			}
			res.Spooled += n
			if err != errSpoolWaiting {
				p.Service.Log.Warn("the stream is out of reach: records spooled", "source", sourceID, "count", n, "err", err)
			}
		}
		return nil
	}
	for i := range recs {
		r := &recs[i]
		if r.Exporter.IsValid() && !reg.admits(r.Exporter.Addr(), r.ObservationDomain) {
			count(ReasonUnregisteredExporter, 1)
			continue
		}
		dir := ranges.Classify(r.SrcAddr, r.DstAddr)
		if dir == Unclassifiable {
			count(ReasonUnclassifiable, 1)
			continue
		}
		if !src.Allows(dir) {
			count("dropped:"+string(dir), 1)
			continue
		}
		s := Select(sourceID, r, dir)
		s.Src, s.Dst = pseudonymize(src, key, s.Src), pseudonymize(src, key, s.Dst)
		batch = append(batch, s)
		if len(batch) == batchMax {
			if err := flush(); err != nil {
				return res, err
			}
		}
	}
	return res, flush()
}

// errSpoolWaiting sends a batch to the spool while batches wait there.
var errSpoolWaiting = errors.New("batches wait in the spool")

// RunSpool publishes the spooled batches again, oldest first, every period
// until ctx ends, and counts each batch that leaves the spool: kept when the
// stream took it, ReasonStreamRefused when it refused it for good.
func (p *Pipeline) RunSpool(ctx context.Context, every time.Duration) {
	if p.Spool == nil {
		return
	}
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		if p.Spool.Waiting() {
			err := p.Spool.Resend(ctx, p.Bus, publishWait, func(subject string, n int, err error) {
				source := strings.TrimPrefix(subject, Subject)
				reason := "kept"
				if err != nil {
					reason = ReasonStreamRefused
					p.Service.Log.Error("the stream refused spooled records", "source", source, "count", n, "err", err)
				}
				p.Metrics.Records.WithLabelValues(source, reason).Add(float64(n))
				if err := AddCounts(context.WithoutCancel(ctx), p.Service.DB, source, Counts{reason: int64(n)}); err != nil {
					p.Service.Log.Error("telemetry counts", "source", source, "err", err)
				}
			})
			if err != nil && ctx.Err() == nil {
				p.Service.Log.Debug("the stream is still out of reach", "err", err)
			}
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// pseudonymize replaces a with its pseudonym under the period's key when it
// is in one of the source's member-internal prefixes (C4).
func pseudonymize(s *Source, k *periodKey, a netip.Addr) netip.Addr {
	for _, pf := range s.Pseudonymize {
		if pf.Contains(a.Unmap()) {
			return k.addr(a, s.PrefixPreserving)
		}
	}
	return a
}

// key returns the source's key for the period now falls in; the key of the
// previous period is forgotten here as soon as a new one is used.
func (p *Pipeline) key(ctx context.Context, src *Source, now time.Time) (*periodKey, error) {
	p.mu.Lock()
	k := p.keys[src.ID]
	p.mu.Unlock()
	if k != nil && k.period == Period(src, now) {
		return k, nil
	}
	k, err := sourceKey(ctx, p.Service.DB, src, now)
	if err != nil {
		return nil, err
	}
	p.mu.Lock()
	p.keys[src.ID] = k
	p.mu.Unlock()
	return k, nil
}
