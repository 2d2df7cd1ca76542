package flow

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/netip"
	"slices"
	"time"
)

// PcapOptions control how packets are assembled into flows.
type PcapOptions struct {
	// IdleTimeout ends a flow that saw no packet for this long (default 60 s).
	IdleTimeout time.Duration
	// ActiveTimeout splits a flow that has lasted this long (default 30 min),
	// as NetFlow exporters do, so long connections still report regularly.
	ActiveTimeout time.Duration
	// Bidirectional puts both directions of a conversation in one record
	// (Zeek-like; counters are summed, the first packet's sender is the source).
	// Otherwise each direction is its own record, as NetFlow/IPFIX exporters do.
	Bidirectional bool
}

func (o PcapOptions) withDefaults() PcapOptions {
	if o.IdleTimeout <= 0 {
		o.IdleTimeout = 60 * time.Second
	}
	if o.ActiveTimeout <= 0 {
		o.ActiveTimeout = 30 * time.Minute
	}
	return o
}

// PcapStats counts what a capture held. Problems are counted, never fatal.
type PcapStats struct {
	Packets   uint64 // packets read
	IP        uint64 // IPv4/IPv6 packets that went into flows
	NotIP     uint64 // ARP, LLDP and other non-IP frames, skipped
	Malformed uint64 // packets whose headers could not be read
	Flows     uint64 // records emitted
	// Problems holds the first few problems with their packet numbers.
	Problems []string
}

const maxProblems = 20

func (s *PcapStats) problem(format string, args ...any) {
	if len(s.Problems) < maxProblems {
		s.Problems = append(s.Problems, fmt.Sprintf(format, args...))
	}
}

type flowKey struct {
	src, dst     netip.Addr
	sport, dport uint16
	proto        uint8
}

func (k flowKey) reverse() flowKey {
	return flowKey{src: k.dst, dst: k.src, sport: k.dport, dport: k.sport, proto: k.proto}
}

// FlowBuilder assembles packets into flow records keyed by 5-tuple, with
// idle and active timeouts measured in packet time (so a capture gives the
// same flows however fast it is read). Not safe for concurrent use.
type FlowBuilder struct {
	opts      PcapOptions
	flows     map[flowKey]*Record
	lastSweep time.Time
	expired   []*Record
}

// NewFlowBuilder returns an empty builder.
func NewFlowBuilder(opts PcapOptions) *FlowBuilder {
	return &FlowBuilder{opts: opts.withDefaults(), flows: make(map[flowKey]*Record)}
}

// keyOf returns the lookup key of a packet. ICMP request/reply types are
// keyed by the pair so that a reply finds its request's flow.
func keyOf(pi *packetInfo) flowKey {
	k := flowKey{src: pi.src, dst: pi.dst, sport: pi.sport, dport: pi.dport, proto: pi.proto}
	switch pi.proto {
	case ProtoICMP:
		if c, ok := icmpCounterpart[pi.sport]; ok {
			k.dport = c
		}
	case ProtoICMPv6:
		if c, ok := icmp6Counterpart[pi.sport]; ok {
			k.dport = c
		}
	case ProtoTCP, ProtoUDP, ProtoSCTP:
	default:
		k.sport, k.dport = 0, 0
	}
	return k
}

// add accounts one packet and returns the flows that ended because of it or
// because packet time moved past their timeouts (valid until the next call).
func (b *FlowBuilder) add(pi *packetInfo, ts time.Time) []*Record {
	b.expired = b.expired[:0]
	if ts.Sub(b.lastSweep) >= time.Second || ts.Before(b.lastSweep) {
		b.sweep(ts)
		b.lastSweep = ts
	}
	k := keyOf(pi)
	r, ok := b.flows[k]
	if !ok && b.opts.Bidirectional {
		rk := k.reverse()
		if r, ok = b.flows[rk]; ok {
			k = rk
		}
	}
	if ok && ts.Sub(r.Start) >= b.opts.ActiveTimeout {
		b.expired = append(b.expired, r)
		delete(b.flows, k)
		ok = false
		k = keyOf(pi)
	}
	if !ok {
		r = &Record{
			SrcAddr: pi.src, DstAddr: pi.dst, SrcPort: pi.sport, DstPort: pi.dport, Proto: pi.proto,
			Start: ts, End: ts, Direction: DirectionUnknown,
		}
		if k.sport == 0 && k.dport == 0 && pi.proto != ProtoICMP && pi.proto != ProtoICMPv6 {
			r.SrcPort, r.DstPort = 0, 0
		}
		b.flows[k] = r
	}
	r.Packets++
	r.Bytes += uint64(pi.ipLen)
	r.TCPFlags |= pi.tcpFlags
	if ts.After(r.End) {
		r.End = ts
	}
	if ts.Before(r.Start) {
		r.Start = ts
	}
	return b.expired
}

// sweep moves flows idle since before now-IdleTimeout to b.expired.
func (b *FlowBuilder) sweep(now time.Time) {
	start := len(b.expired)
	for k, r := range b.flows {
		if now.Sub(r.End) > b.opts.IdleTimeout {
			b.expired = append(b.expired, r)
			delete(b.flows, k)
		}
	}
	sortByStart(b.expired[start:])
}

// Flush ends every open flow and returns them ordered by start time.
func (b *FlowBuilder) Flush() []*Record {
	out := make([]*Record, 0, len(b.flows))
	for k, r := range b.flows {
		out = append(out, r)
		delete(b.flows, k)
	}
	sortByStart(out)
	return out
}

func sortByStart(rs []*Record) {
	slices.SortStableFunc(rs, func(a, b *Record) int {
		if c := a.Start.Compare(b.Start); c != 0 {
			return c
		}
		if c := a.SrcAddr.Compare(b.SrcAddr); c != 0 {
			return c
		}
		if c := a.DstAddr.Compare(b.DstAddr); c != 0 {
			return c
		}
		return int(a.SrcPort) - int(b.SrcPort)
	})
}

// FlowsFromPcap reads a pcap or pcapng capture (optionally gzip-compressed)
// and emits one Record per flow. Packets that cannot be read are counted in
// the stats; only an unreadable file header or an error from emit or ctx
// stops the run. A capture cut short is reported in Problems and the flows
// seen so far are still emitted.
func FlowsFromPcap(ctx context.Context, r io.Reader, opts PcapOptions, emit func(*Record) error) (PcapStats, error) {
	var st PcapStats
	cr, err := openCapture(r)
	if err != nil {
		return st, err
	}
	p := newPacketParser()
	b := NewFlowBuilder(opts)
	send := func(rs []*Record) error {
		for _, rec := range rs {
			st.Flows++
			if err := emit(rec); err != nil {
				return err
			}
		}
		return nil
	}
	for {
		data, ci, first, err := cr.next()
		if err == io.EOF {
			break
		}
		if err != nil && !errors.Is(err, errUnsupportedLink) {
			st.problem("after packet %d: capture cut short: %v", st.Packets, err)
			break
		}
		st.Packets++
		if st.Packets%4096 == 0 && ctx.Err() != nil {
			return st, ctx.Err()
		}
		if err != nil {
			st.Malformed++
			st.problem("packet %d: %v", st.Packets, err)
			continue
		}
		pi, err := p.parse(data, first)
		if errors.Is(err, errNotIP) {
			st.NotIP++
			continue
		}
		if err != nil {
			st.Malformed++
			st.problem("packet %d: %v", st.Packets, err)
			continue
		}
		st.IP++
		if err := send(b.add(&pi, ci.Timestamp)); err != nil {
			return st, err
		}
	}
	return st, send(b.Flush())
}
