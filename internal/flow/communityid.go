package flow

import (
	"crypto/sha1"
	"encoding/base64"
	"encoding/binary"
)

// CommunityID returns the Community ID v1 flow hash ("1:" + base64 of a SHA-1)
// of the record's 5-tuple, as specified by Corelight's community-id-spec, so
// that a flow can be found again in Zeek, Suricata or Arkime by the same string.
// Both directions of a conversation give the same value.
func (r *Record) CommunityID(seed uint16) string {
	return string(r.AppendCommunityID(make([]byte, 0, 30), seed))
}

// icmpCounterpart maps ICMP message types that come in request/reply pairs
// to their other half; the spec uses it to give both halves one hash.
var icmpCounterpart = map[uint16]uint16{
	8: 0, 0: 8, 13: 14, 14: 13, 15: 16, 16: 15, 10: 9, 9: 10, 17: 18, 18: 17,
}

var icmp6Counterpart = map[uint16]uint16{
	128: 129, 129: 128, 133: 134, 134: 133, 135: 136, 136: 135,
	130: 131, 131: 130, 139: 140, 140: 139, 144: 145, 145: 144,
}

// AppendCommunityID appends the Community ID of r to b.
func (r *Record) AppendCommunityID(b []byte, seed uint16) []byte {
	src, dst := r.SrcAddr.Unmap(), r.DstAddr.Unmap()
	if !src.IsValid() || !dst.IsValid() || src.Is4() != dst.Is4() {
		return b
	}
	sport, dport := r.SrcPort, r.DstPort
	hasPorts := true
	oneWay := false
	switch r.Proto {
	case ProtoICMP, ProtoICMPv6:
		table := icmpCounterpart
		if r.Proto == ProtoICMPv6 {
			table = icmp6Counterpart
		}
		if c, ok := table[sport]; ok {
			dport = c
		} else {
			oneWay = true
		}
	case ProtoTCP, ProtoUDP, ProtoSCTP:
	default:
		hasPorts = false
	}
	if !oneWay {
		c := src.Compare(dst)
		if c > 0 || (c == 0 && sport > dport) {
			src, dst = dst, src
			sport, dport = dport, sport
		}
	}
	var buf [2 + 16 + 16 + 2 + 4]byte
	n := 0
	binary.BigEndian.PutUint16(buf[n:], seed)
	n += 2
	if src.Is4() {
		a, d := src.As4(), dst.As4()
		n += copy(buf[n:], a[:])
		n += copy(buf[n:], d[:])
	} else {
		a, d := src.As16(), dst.As16()
		n += copy(buf[n:], a[:])
		n += copy(buf[n:], d[:])
	}
	buf[n] = r.Proto
	buf[n+1] = 0
	n += 2
	if hasPorts {
		binary.BigEndian.PutUint16(buf[n:], sport)
		binary.BigEndian.PutUint16(buf[n+2:], dport)
		n += 4
	}
	sum := sha1.Sum(buf[:n])
	b = append(b, "1:"...)
	return base64.StdEncoding.AppendEncode(b, sum[:])
}
