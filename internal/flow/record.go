package flow

import (
	"net/netip"
	"strconv"
	"time"
)

// Record is one flow: the only shape in which flow telemetry travels through
// Renkei (matcher, pipeline, outputs). Its fields are exactly the mechanical
// information of rule C2; adding a field here widens what the hub keeps and
// needs a committee-approved rule first.
//
// For ICMP and ICMPv6 the ports carry the message: SrcPort is the ICMP type and
// DstPort the ICMP code, as the Community ID specification expects them.
type Record struct {
	SrcAddr, DstAddr netip.Addr
	SrcPort, DstPort uint16
	Proto            uint8

	// Bytes and Packets are already multiplied by SamplingRate when the
	// exporter sampled (SamplingRate > 1), so they estimate the real traffic.
	Bytes, Packets uint64
	Start, End     time.Time
	TCPFlags       uint8

	// Exporter is who sent the export datagram (zero for a pcap).
	Exporter          netip.AddrPort
	ObservationDomain uint32 // NetFlow v9 source id, IPFIX domain, v5 engine, sFlow sub-agent
	SamplingRate      uint32 // 0 or 1: not sampled (or unknown)

	InIf, OutIf uint32
	// Direction is what the exporter says: 0 ingress, 1 egress (IPFIX flowDirection),
	// DirectionUnknown when it says nothing.
	Direction uint8
}

// DirectionUnknown marks a record whose exporter did not say the direction.
const DirectionUnknown uint8 = 0xff

// IP protocol numbers used across the package.
const (
	ProtoICMP   = 1
	ProtoTCP    = 6
	ProtoUDP    = 17
	ProtoICMPv6 = 58
	ProtoSCTP   = 132
)

// AppendJSON appends the record as one JSON object (no newline) to b. It is
// written by hand because collectors print millions of records and
// encoding/json's reflection would dominate the cost. seed is the Community ID seed.
func (r *Record) AppendJSON(b []byte, seed uint16) []byte {
	b = append(b, `{"src_addr":`...)
	b = appendAddr(b, r.SrcAddr)
	b = append(b, `,"dst_addr":`...)
	b = appendAddr(b, r.DstAddr)
	b = append(b, `,"src_port":`...)
	b = strconv.AppendUint(b, uint64(r.SrcPort), 10)
	b = append(b, `,"dst_port":`...)
	b = strconv.AppendUint(b, uint64(r.DstPort), 10)
	b = append(b, `,"proto":`...)
	b = strconv.AppendUint(b, uint64(r.Proto), 10)
	b = append(b, `,"bytes":`...)
	b = strconv.AppendUint(b, r.Bytes, 10)
	b = append(b, `,"packets":`...)
	b = strconv.AppendUint(b, r.Packets, 10)
	b = append(b, `,"start":`...)
	b = appendTime(b, r.Start)
	b = append(b, `,"end":`...)
	b = appendTime(b, r.End)
	b = append(b, `,"tcp_flags":`...)
	b = strconv.AppendUint(b, uint64(r.TCPFlags), 10)
	b = append(b, `,"exporter":`...)
	if r.Exporter.IsValid() {
		b = append(b, '"')
		b = r.Exporter.AppendTo(b)
		b = append(b, '"')
	} else {
		b = append(b, `null`...)
	}
	b = append(b, `,"community_id":"`...)
	b = r.AppendCommunityID(b, seed)
	b = append(b, '"')
	if r.ObservationDomain != 0 {
		b = append(b, `,"observation_domain":`...)
		b = strconv.AppendUint(b, uint64(r.ObservationDomain), 10)
	}
	if r.SamplingRate > 1 {
		b = append(b, `,"sampling_rate":`...)
		b = strconv.AppendUint(b, uint64(r.SamplingRate), 10)
	}
	if r.InIf != 0 {
		b = append(b, `,"in_if":`...)
		b = strconv.AppendUint(b, uint64(r.InIf), 10)
	}
	if r.OutIf != 0 {
		b = append(b, `,"out_if":`...)
		b = strconv.AppendUint(b, uint64(r.OutIf), 10)
	}
	switch r.Direction {
	case 0:
		b = append(b, `,"direction":"ingress"`...)
	case 1:
		b = append(b, `,"direction":"egress"`...)
	}
	return append(b, '}')
}

// MarshalJSON encodes the record with Community ID seed 0.
func (r Record) MarshalJSON() ([]byte, error) {
	return r.AppendJSON(make([]byte, 0, 320), 0), nil
}

func appendAddr(b []byte, a netip.Addr) []byte {
	if !a.IsValid() {
		return append(b, `null`...)
	}
	b = append(b, '"')
	b = a.Unmap().AppendTo(b)
	return append(b, '"')
}

func appendTime(b []byte, t time.Time) []byte {
	// RFC 3339 has four-digit years; a garbled exporter clock must not
	// produce an unparsable document.
	if t.IsZero() || t.Year() < 1 || t.Year() > 9999 {
		return append(b, `null`...)
	}
	b = append(b, '"')
	b = t.UTC().AppendFormat(b, time.RFC3339Nano)
	return append(b, '"')
}
