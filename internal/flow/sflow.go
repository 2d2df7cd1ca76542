package flow

import (
	"encoding/binary"
	"errors"
	"net/netip"
	"time"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"
)

// sFlow v5 (sflow.org/sflow_version_5.txt) is XDR: big-endian 32-bit words,
// opaque data padded to 4 bytes. Formats are enterprise<<12 | format.
const (
	sfFlowSample        = 1
	sfCounterSample     = 2
	sfExpandedFlow      = 3
	sfExpandedCounter   = 4
	sfRawHeader         = 1
	sfSampledIPv4       = 3
	sfSampledIPv6       = 4
	sfHeaderEthernet    = 1
	sfHeaderIPv4        = 11
	sfHeaderIPv6        = 12
	sfMaxSamples        = 4096
	sfMaxRecordsPerFlow = 256
)

// sfReader walks an sFlow datagram, remembering the offset for errors.
type sfReader struct {
	b   []byte
	off int
	err error
}

func (r *sfReader) u32() uint32 {
	if r.err != nil {
		return 0
	}
	if len(r.b)-r.off < 4 {
		r.err = errShort
		return 0
	}
	v := binary.BigEndian.Uint32(r.b[r.off:])
	r.off += 4
	return v
}

// addr reads an n-byte address (4 or 16); the zero Addr when cut short.
func (r *sfReader) addr(n int) netip.Addr {
	b := r.bytes(n)
	if r.err != nil {
		return netip.Addr{}
	}
	a, _ := netip.AddrFromSlice(b)
	return a
}

func (r *sfReader) bytes(n int) []byte {
	if r.err != nil {
		return nil
	}
	if n < 0 || len(r.b)-r.off < n {
		r.err = errShort
		return nil
	}
	v := r.b[r.off : r.off+n]
	r.off += n
	return v
}

func (d *Decoder) decodeSFlow(dst []Record, b []byte, exporter netip.AddrPort, received time.Time) ([]Record, error) {
	const f = "sflow v5"
	r := &sfReader{b: b}
	r.u32() // version
	var agent netip.Addr
	switch at := r.u32(); at {
	case 1:
		agent = r.addr(4)
	case 2:
		agent = r.addr(16)
	default:
		if r.err == nil {
			return dst, malformed(f, 4, "agent address type %d (want 1 or 2)", at)
		}
	}
	subAgent := r.u32()
	r.u32() // sequence
	r.u32() // uptime
	n := r.u32()
	if r.err != nil {
		return dst, malformed(f, r.off, "header cut short (%d bytes)", len(b))
	}
	if n > sfMaxSamples {
		return dst, malformed(f, r.off-4, "%d samples announced", n)
	}
	if !exporter.IsValid() && agent.IsValid() {
		exporter = netip.AddrPortFrom(agent, 0)
	}
	if received.IsZero() {
		received = time.Now()
	}
	for range n {
		start := r.off
		format := r.u32()
		l := int(r.u32())
		body := r.bytes(l)
		if r.err != nil {
			return dst, malformed(f, start, "sample of format %d length %d runs past the datagram end", format, l)
		}
		if format>>12 != 0 { // enterprise-specific sample
			continue
		}
		var err error
		switch format & 0xfff {
		case sfFlowSample:
			dst, err = d.sfFlowSample(dst, body, start+8, false, exporter, subAgent, received)
		case sfExpandedFlow:
			dst, err = d.sfFlowSample(dst, body, start+8, true, exporter, subAgent, received)
		case sfCounterSample, sfExpandedCounter:
			d.stats.CounterSamples++
		}
		if err != nil {
			return dst, err
		}
	}
	return dst, nil
}

func (d *Decoder) sfFlowSample(dst []Record, b []byte, base int, expanded bool, exporter netip.AddrPort, subAgent uint32, now time.Time) ([]Record, error) {
	const f = "sflow v5"
	r := &sfReader{b: b}
	r.u32() // sequence
	if expanded {
		r.u32() // source id type
		r.u32() // source id index
	} else {
		r.u32() // source id
	}
	rate := r.u32()
	r.u32() // sample pool
	r.u32() // drops
	var in, out uint32
	if expanded {
		r.u32()
		in = r.u32()
		r.u32()
		out = r.u32()
	} else {
		in = r.u32() & 0x3fffffff // top bits: format (single/discarded/multiple)
		out = r.u32() & 0x3fffffff
	}
	n := r.u32()
	if r.err != nil {
		return dst, malformed(f, base+r.off, "flow sample header cut short")
	}
	if n > sfMaxRecordsPerFlow {
		return dst, malformed(f, base+r.off-4, "%d flow records announced", n)
	}
	for range n {
		start := r.off
		format := r.u32()
		l := int(r.u32())
		body := r.bytes(l)
		if r.err != nil {
			return dst, malformed(f, base+start, "flow record of format %d length %d runs past its sample", format, l)
		}
		if format>>12 != 0 {
			continue
		}
		rec := Record{
			Exporter: exporter, ObservationDomain: subAgent, InIf: in, OutIf: out,
			Start: now, End: now, Packets: 1, Direction: DirectionUnknown,
		}
		ok := false
		var err error
		switch format & 0xfff {
		case sfRawHeader:
			ok, err = d.sfRawHeader(&rec, body)
			if err != nil {
				return dst, malformed(f, base+start+8, "raw packet header: %v", err)
			}
		case sfSampledIPv4, sfSampledIPv6:
			ok, err = sfSampledIP(&rec, body, format&0xfff == sfSampledIPv6)
			if err != nil {
				return dst, malformed(f, base+start+8, "sampled IP record: %v", err)
			}
		}
		if ok {
			applySampling(&rec, rate)
			dst = append(dst, rec)
		}
	}
	return dst, nil
}

// sfRawHeader reads the sampled packet's headers (only the 5-tuple and
// flags are kept; the header bytes are not copied anywhere).
func (d *Decoder) sfRawHeader(rec *Record, b []byte) (bool, error) {
	r := &sfReader{b: b}
	proto := r.u32()
	frameLen := r.u32()
	r.u32() // stripped
	hl := int(r.u32())
	hdr := r.bytes(hl)
	if r.err != nil {
		return false, errors.New("header cut short")
	}
	var first gopacket.LayerType
	switch proto {
	case sfHeaderEthernet:
		first = layers.LayerTypeEthernet
	case sfHeaderIPv4, sfHeaderIPv6:
		first = gopacket.LayerTypeZero
	default:
		d.stats.SampledHeaders++
		return false, nil
	}
	pi, err := d.pp.parse(hdr, first)
	if err != nil {
		d.stats.SampledHeaders++
		return false, nil // e.g. ARP or a header too short for IP: no flow, not malformed
	}
	rec.SrcAddr, rec.DstAddr = pi.src, pi.dst
	rec.SrcPort, rec.DstPort = pi.sport, pi.dport
	rec.Proto, rec.TCPFlags = pi.proto, pi.tcpFlags
	rec.Bytes = uint64(pi.ipLen)
	if rec.Bytes == 0 {
		rec.Bytes = uint64(frameLen)
	}
	return true, nil
}

func sfSampledIP(rec *Record, b []byte, v6 bool) (bool, error) {
	r := &sfReader{b: b}
	length := r.u32()
	proto := r.u32()
	if v6 {
		rec.SrcAddr, rec.DstAddr = r.addr(16), r.addr(16)
	} else {
		rec.SrcAddr, rec.DstAddr = r.addr(4), r.addr(4)
	}
	sp, dp := r.u32(), r.u32()
	flags := r.u32()
	if r.err != nil {
		return false, r.err
	}
	rec.Proto, rec.SrcPort, rec.DstPort, rec.TCPFlags = uint8(proto), uint16(sp), uint16(dp), uint8(flags)
	rec.Bytes = uint64(length)
	return true, nil
}
