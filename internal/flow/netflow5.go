package flow

import (
	"encoding/binary"
	"net/netip"
	"time"
)

// NetFlow v5 layout (Cisco): a 24-byte header and up to 30 records of 48 bytes.
const (
	v5HeaderLen = 24
	v5RecordLen = 48
)

func decodeV5(dst []Record, b []byte, exporter netip.AddrPort) ([]Record, error) {
	const f = "netflow v5"
	if len(b) < v5HeaderLen {
		return dst, malformed(f, 0, "header needs %d bytes, datagram has %d", v5HeaderLen, len(b))
	}
	count := int(binary.BigEndian.Uint16(b[2:]))
	if count == 0 || count > 30 {
		return dst, malformed(f, 2, "record count %d outside 1..30", count)
	}
	if need := v5HeaderLen + count*v5RecordLen; len(b) < need {
		return dst, malformed(f, len(b), "header announces %d records (%d bytes), datagram has %d bytes", count, need, len(b))
	}
	uptime := binary.BigEndian.Uint32(b[4:])
	export := time.Unix(int64(binary.BigEndian.Uint32(b[8:])), int64(binary.BigEndian.Uint32(b[12:])))
	engine := uint32(b[20])<<8 | uint32(b[21])
	sampling := binary.BigEndian.Uint16(b[22:])
	rate := uint32(sampling & 0x3fff) // top two bits are the sampling mode
	for i := range count {
		p := b[v5HeaderLen+i*v5RecordLen:]
		r := Record{
			SrcAddr:           netip.AddrFrom4([4]byte(p[0:4])),
			DstAddr:           netip.AddrFrom4([4]byte(p[4:8])),
			InIf:              uint32(binary.BigEndian.Uint16(p[12:])),
			OutIf:             uint32(binary.BigEndian.Uint16(p[14:])),
			Packets:           uint64(binary.BigEndian.Uint32(p[16:])),
			Bytes:             uint64(binary.BigEndian.Uint32(p[20:])),
			Start:             uptimeToTime(export, uptime, binary.BigEndian.Uint32(p[24:])),
			End:               uptimeToTime(export, uptime, binary.BigEndian.Uint32(p[28:])),
			SrcPort:           binary.BigEndian.Uint16(p[32:]),
			DstPort:           binary.BigEndian.Uint16(p[34:]),
			TCPFlags:          p[37],
			Proto:             p[38],
			Exporter:          exporter,
			ObservationDomain: engine,
			Direction:         DirectionUnknown,
		}
		fixICMP(&r)
		applySampling(&r, rate)
		dst = append(dst, r)
	}
	return dst, nil
}

// uptimeToTime converts a router uptime in milliseconds into wall time, given
// the export time and the uptime at export. Uptime wraps after 49.7 days;
// uint32 subtraction handles a wrap between the flow and the export.
func uptimeToTime(export time.Time, uptimeAtExport, at uint32) time.Time {
	return export.Add(-time.Duration(uptimeAtExport-at) * time.Millisecond)
}
