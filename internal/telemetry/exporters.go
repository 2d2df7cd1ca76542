package telemetry

import (
	"context"
	"fmt"
	"net/netip"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"renkei/internal/flow"
	"renkei/internal/store"
)

// Collectors accept only the registered exporters of their source. Without
// this, anyone who can send a UDP datagram to a collector could forge flows
// that match indicators, producing sightings credited to the center and
// alerts to members. Each source lists its exporters: an address and, where
// the protocol carries one, an observation domain (AnyDomain accepts all).
// A datagram from anyone else is dropped before it is decoded — no template,
// no record, no match, no sighting, no alert — and counted per sender.

// AnyDomain registers an exporter for every observation domain it sends.
const AnyDomain int64 = -1

// Exporter is one registered exporter of a source.
type Exporter struct {
	Addr    netip.Addr
	Domain  int64 // observation domain / source id / engine id / sub-agent; AnyDomain for all
	Created time.Time
}

// String writes the exporter as the CLI reads it: ADDR or ADDR/DOMAIN.
func (e Exporter) String() string {
	if e.Domain == AnyDomain {
		return e.Addr.String()
	}
	return e.Addr.String() + "/" + strconv.FormatInt(e.Domain, 10)
}

// ParseExporter reads ADDR or ADDR/DOMAIN (IPv6 may be bracketed: [ADDR]/DOMAIN).
func ParseExporter(s string) (Exporter, error) {
	s = strings.TrimSpace(s)
	addr, dom, hasDom := s, "", false
	if i := strings.LastIndexByte(s, '/'); i >= 0 {
		addr, dom, hasDom = s[:i], s[i+1:], true
	}
	a, err := netip.ParseAddr(strings.Trim(addr, "[]"))
	if err != nil {
		return Exporter{}, fmt.Errorf("exporter %q: want ADDR or ADDR/DOMAIN, e.g. 192.0.2.1 or 192.0.2.1/256", s)
	}
	e := Exporter{Addr: a.Unmap(), Domain: AnyDomain}
	if hasDom {
		d, err := strconv.ParseUint(dom, 10, 32)
		if err != nil {
			return Exporter{}, fmt.Errorf("exporter %q: observation domain %q is not a number from 0 to 4294967295", s, dom)
		}
		e.Domain = int64(d)
	}
	return e, nil
}

// AddExporter registers an exporter of a source. Callers record the change in
// the audit log first.
func AddExporter(ctx context.Context, db *store.DB, source string, e Exporter) error {
	if _, err := GetSource(ctx, db, source); err != nil {
		return err
	}
	err := db.AddTelemetryExporter(ctx, source, store.TelemetryExporter{Addr: e.Addr.Unmap().String(), Domain: e.Domain, Created: e.Created})
	if err != nil {
		return fmt.Errorf("register exporter %s of %s: %w", e, source, err)
	}
	return nil
}

// RemoveExporter removes a registered exporter; false if it was not registered.
func RemoveExporter(ctx context.Context, db *store.DB, source string, e Exporter) (bool, error) {
	removed, err := db.RemoveTelemetryExporter(ctx, source, store.TelemetryExporter{Addr: e.Addr.Unmap().String(), Domain: e.Domain})
	if err != nil {
		return false, fmt.Errorf("remove exporter %s of %s: %w", e, source, err)
	}
	return removed, nil
}

// Exporters lists the registered exporters of a source.
func Exporters(ctx context.Context, db *store.DB, source string) ([]Exporter, error) {
	stored, err := db.TelemetryExporters(ctx, source)
	if err != nil {
		return nil, err
	}
	out := make([]Exporter, 0, len(stored))
	for _, se := range stored {
		a, err := netip.ParseAddr(se.Addr)
		if err != nil {
			return nil, fmt.Errorf("stored exporter %q: %w", se.Addr, err)
		}
		out = append(out, Exporter{Addr: a, Domain: se.Domain, Created: se.Created})
	}
	return out, nil
}

// Unregistered is how many datagrams one unregistered sender sent a source:
// ADDR, or ADDR/DOMAIN when the address is registered for other domains;
// OtherSenders past the cap.
type Unregistered = store.TelemetryUnregistered

// OtherSenders is the sender under which datagrams are counted once a source
// has MaxSenders distinct unregistered senders, so that spoofed addresses
// cannot grow the store or the metrics without bound.
const (
	OtherSenders = "other"
	MaxSenders   = 1000
)

// UnregisteredSenders lists the unregistered senders of a source, most datagrams first.
func UnregisteredSenders(ctx context.Context, db *store.DB, source string) ([]Unregistered, error) {
	return db.TelemetryUnregistered(ctx, source)
}

// ReasonUnregisteredExporter counts records Ingest refused because the
// exporter they name is not registered for their source.
const ReasonUnregisteredExporter = "refused:unregistered-exporter"

// register is a source's registered exporters as a pipeline last read them,
// and the version of the register they were read at.
type register struct {
	allowed map[netip.Addr][]int64
	version int64
}

// admits reports whether exporter a is registered for observation domain dom.
func (r *register) admits(a netip.Addr, dom uint32) bool {
	for _, d := range r.allowed[a.Unmap()] {
		if d == AnyDomain || d == int64(dom) {
			return true
		}
	}
	return false
}

// register returns the source's registered exporters. Every change to the
// register (AddExporter, RemoveExporter, from any process sharing the store)
// bumps the source's version in the same transaction; the register is read
// again whenever the version differs from the one it was read at, so an
// exporter removed is refused from the next batch on. Reading the version is
// one row by primary key per batch, beside the approval Ingest reads.
func (p *Pipeline) register(ctx context.Context, source string) (*register, error) {
	v, err := p.Service.DB.TelemetryExportersVersion(ctx, source)
	if err != nil {
		return nil, fmt.Errorf("exporters of %s: version: %w", source, err)
	}
	p.mu.Lock()
	r := p.registers[source]
	p.mu.Unlock()
	if r != nil && r.version == v {
		return r, nil
	}
	// The version is read before the exporters: a change made between the
	// two reads leaves a newer register under an older version, read again
	// at the next batch.
	es, err := Exporters(ctx, p.Service.DB, source)
	if err != nil {
		return nil, fmt.Errorf("exporters of %s: %w", source, err)
	}
	r = &register{allowed: map[netip.Addr][]int64{}, version: v}
	for _, e := range es {
		r.allowed[e.Addr] = append(r.allowed[e.Addr], e.Domain)
	}
	p.mu.Lock()
	p.registers[source] = r
	p.mu.Unlock()
	return r, nil
}

// Gate admits the datagrams of a source's registered exporters, for
// flow.CollectOptions.Admit, and writes the per-sender counts of what it
// dropped to the store (Run).
//
// A change to the register takes effect at the gate at once: every datagram
// is checked against a register whose version (the source's
// exporters_version, bumped in the transaction that changes the register)
// was read after the datagram reached the gate. Each datagram takes a ticket
// as it arrives; one version read at a time runs, covering every ticket
// taken before it started, and datagrams arriving while it runs wait for
// the next. Under load that is one small query in flight per gate, not one
// per datagram; an exporter removed is refused from the first datagram
// after the removal commits, in every process sharing the store.
type Gate struct {
	Source  string
	p       *Pipeline
	allowed atomic.Pointer[register]

	tickets atomic.Uint64 // datagrams that reached the gate
	checkMu sync.Mutex    // one version read at a time
	covered atomic.Uint64 // tickets taken before the last version read started
	failing atomic.Bool   // the last version read failed (logged once)

	mu      sync.Mutex
	pending map[string]int64 // dropped since the last flush, per sender
	senders map[string]bool  // every sender ever counted (capped)
}

// NewGate loads the register of a source.
func (p *Pipeline) NewGate(ctx context.Context, source string) (*Gate, error) {
	g := &Gate{Source: source, p: p, pending: map[string]int64{}, senders: map[string]bool{}}
	v, err := p.Service.DB.TelemetryExportersVersion(ctx, source)
	if err != nil {
		return nil, fmt.Errorf("exporters of %s: version: %w", source, err)
	}
	if err := g.load(ctx, v); err != nil {
		return nil, err
	}
	us, err := UnregisteredSenders(ctx, p.Service.DB, source)
	if err != nil {
		return nil, err
	}
	for _, u := range us {
		g.senders[u.Sender] = true
	}
	return g, nil
}

// Registered is how many exporters the gate admits.
func (g *Gate) Registered() int {
	n := 0
	for _, ds := range g.allowed.Load().allowed {
		n += len(ds)
	}
	return n
}

// load reads the register, which the caller read version v of first (a
// change between the two reads leaves a newer register under an older
// version, read again at the next check).
func (g *Gate) load(ctx context.Context, v int64) error {
	es, err := Exporters(ctx, g.p.Service.DB, g.Source)
	if err != nil {
		return err
	}
	r := &register{allowed: map[netip.Addr][]int64{}, version: v}
	for _, e := range es {
		r.allowed[e.Addr] = append(r.allowed[e.Addr], e.Domain)
	}
	g.allowed.Store(r)
	return nil
}

// current returns a register whose version was read after ticket was
// taken. When the store cannot say, the register last read stays in use
// (Ingest, which reads the same version, refuses the records then).
func (g *Gate) current(ticket uint64) *register {
	if g.covered.Load() >= ticket {
		return g.allowed.Load()
	}
	g.checkMu.Lock()
	defer g.checkMu.Unlock()
	if g.covered.Load() >= ticket { // a read that started after ticket ran meanwhile
		return g.allowed.Load()
	}
	upTo := g.tickets.Load()
	ctx := context.Background()
	v, err := g.p.Service.DB.TelemetryExportersVersion(ctx, g.Source)
	if err == nil && v != g.allowed.Load().version {
		err = g.load(ctx, v)
	}
	if err != nil {
		if !g.failing.Swap(true) {
			g.p.Service.Log.Error("exporter register: the gate keeps the register it last read", "source", g.Source, "err", err)
		}
		return g.allowed.Load()
	}
	g.failing.Store(false)
	g.covered.Store(upTo)
	return g.allowed.Load()
}

// Admit reports whether a datagram comes from a registered exporter (and
// observation domain) as the register stands when the datagram arrives; if
// not, it is counted against its sender.
func (g *Gate) Admit(from netip.AddrPort, b []byte) bool {
	r := g.current(g.tickets.Add(1))
	a := from.Addr().Unmap()
	domains, known := r.allowed[a]
	dom, hasDom := flow.DatagramDomain(b)
	for _, d := range domains {
		if d == AnyDomain || (hasDom && d == int64(dom)) {
			return true
		}
	}
	sender := a.String()
	if known && hasDom {
		sender += "/" + strconv.FormatUint(uint64(dom), 10)
	}
	g.mu.Lock()
	if !g.senders[sender] {
		if len(g.senders) >= MaxSenders {
			sender = OtherSenders
		}
		g.senders[sender] = true
	}
	g.pending[sender]++
	g.mu.Unlock()
	g.p.Metrics.Unregistered.WithLabelValues(g.Source, sender).Inc()
	return false
}

// Flush writes the counts of dropped datagrams to the store.
func (g *Gate) Flush(ctx context.Context) error {
	g.mu.Lock()
	pending := g.pending
	g.pending = map[string]int64{}
	g.mu.Unlock()
	return g.p.Service.DB.CountUnregistered(ctx, g.Source, pending, g.p.Service.Now())
}

// Run writes the counts every refresh until ctx ends, then once more. (The
// register needs no rereading: Admit checks its version for every datagram.)
func (g *Gate) Run(ctx context.Context, refresh time.Duration) {
	t := time.NewTicker(refresh)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			if err := g.Flush(context.WithoutCancel(ctx)); err != nil {
				g.p.Service.Log.Error("exporter gate", "source", g.Source, "err", err)
			}
			return
		case <-t.C:
		}
		if err := g.Flush(ctx); err != nil && ctx.Err() == nil {
			g.p.Service.Log.Error("exporter gate", "source", g.Source, "err", err)
		}
	}
}
