package flow

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/netip"
)

// exportPorts are the usual collector ports: NetFlow 2055/9995/9996,
// IPFIX 4739, sFlow 6343.
var exportPorts = map[uint16]bool{2055: true, 4739: true, 6343: true, 9995: true, 9996: true}

// ExportPcapStats counts what DecodeExportPcap saw.
type ExportPcapStats struct {
	Packets   uint64 // packets read
	Datagrams uint64 // export datagrams handed to the Decoder
	Skipped   uint64 // packets that are not export datagrams
	Malformed uint64 // unreadable packets and datagrams the Decoder rejected
	Records   uint64
	Problems  []string // the first few problems, with packet numbers
}

func (s *ExportPcapStats) problem(format string, args ...any) {
	if len(s.Problems) < maxProblems {
		s.Problems = append(s.Problems, fmt.Sprintf(format, args...))
	}
}

// IsCapture reports whether b starts like a pcap, pcapng or gzip file, so
// callers can tell captures from raw datagram files.
func IsCapture(b []byte) bool {
	if len(b) < 4 {
		return false
	}
	switch {
	case b[0] == 0x1f && b[1] == 0x8b:
		return true
	case b[0] == 0x0a && b[1] == 0x0d && b[2] == 0x0d && b[3] == 0x0a:
		return true
	}
	m := uint32(b[0])<<24 | uint32(b[1])<<16 | uint32(b[2])<<8 | uint32(b[3])
	switch m {
	case 0xa1b2c3d4, 0xd4c3b2a1, 0xa1b23c4d, 0x4d3cb2a1:
		return true
	}
	return false
}

// DecodeExportPcap reads a capture of export traffic (NetFlow, IPFIX, sFlow
// sent over UDP) and decodes each datagram with d, in capture order, with the
// packet's source as the exporter and its timestamp as the arrival time.
// UDP packets to the usual collector ports, or whose payload looks like an
// export datagram, are decoded; everything else is skipped and counted.
// IP fragments are not reassembled: a datagram larger than the MTU is lost.
func DecodeExportPcap(ctx context.Context, r io.Reader, d *Decoder, emit func(*Record) error) (ExportPcapStats, error) {
	var st ExportPcapStats
	cr, err := openCapture(r)
	if err != nil {
		return st, err
	}
	p := newPacketParser()
	var recs []Record
	for {
		data, ci, first, err := cr.next()
		if err == io.EOF {
			return st, nil
		}
		if err != nil && !errors.Is(err, errUnsupportedLink) {
			st.problem("after packet %d: capture cut short: %v", st.Packets, err)
			return st, nil
		}
		st.Packets++
		if st.Packets%1024 == 0 && ctx.Err() != nil {
			return st, ctx.Err()
		}
		if err != nil {
			st.Malformed++
			st.problem("packet %d: %v", st.Packets, err)
			continue
		}
		pi, err := p.parse(data, first)
		if err != nil || pi.proto != ProtoUDP || pi.udpPayload == nil {
			st.Skipped++
			continue
		}
		if !exportPorts[pi.dport] && !IsExportDatagram(pi.udpPayload) {
			st.Skipped++
			continue
		}
		st.Datagrams++
		recs, err = d.Decode(recs[:0], pi.udpPayload, netip.AddrPortFrom(pi.src, pi.sport), ci.Timestamp)
		if err != nil {
			st.Malformed++
			st.problem("packet %d from %v: %v", st.Packets, netip.AddrPortFrom(pi.src, pi.sport), err)
		}
		for i := range recs {
			st.Records++
			if err := emit(&recs[i]); err != nil {
				return st, err
			}
		}
	}
}
