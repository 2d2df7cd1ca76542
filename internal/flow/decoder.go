package flow

import (
	"encoding/binary"
	"fmt"
	"net/netip"
	"time"
)

// DecodeError says which datagram part was malformed and where.
type DecodeError struct {
	Format string // "netflow v5", "netflow v9", "ipfix", "sflow v5"
	Offset int    // byte offset in the datagram
	Msg    string
}

func (e *DecodeError) Error() string {
	return fmt.Sprintf("%s at offset %d: %s", e.Format, e.Offset, e.Msg)
}

func malformed(format string, off int, f string, args ...any) error {
	return &DecodeError{Format: format, Offset: off, Msg: fmt.Sprintf(f, args...)}
}

// DecoderStats counts what a Decoder has seen. Every datagram is either
// decoded (possibly only in part) or counted as malformed or unsupported.
type DecoderStats struct {
	Datagrams   uint64 // datagrams given to Decode
	Records     uint64 // flow records returned
	Malformed   uint64 // datagrams with an error (records before the error are kept)
	Unsupported uint64 // datagrams of an unknown version

	Templates          uint64 // template and options template records learned
	TemplatesRefused   uint64 // new templates refused because MaxTemplates were held
	TemplatesWithdrawn uint64 // IPFIX template withdrawals
	OptionRecords      uint64 // options data records read (sampling, system init time)
	MissingTemplate    uint64 // data sets that arrived before their template
	HeldDecoded        uint64 // of those, sets decoded later when the template came
	HeldExpired        uint64 // of those, sets dropped because no template came in time
	NoAddress          uint64 // data records without any address (statistics, not flows)
	CounterSamples     uint64 // sFlow counter samples (skipped: no flows in them)
	SampledHeaders     uint64 // sFlow packet headers without an IP packet (skipped)
}

// Add accumulates o into s (for summing the stats of several workers).
func (s *DecoderStats) Add(o DecoderStats) {
	s.Datagrams += o.Datagrams
	s.Records += o.Records
	s.Malformed += o.Malformed
	s.Unsupported += o.Unsupported
	s.Templates += o.Templates
	s.TemplatesRefused += o.TemplatesRefused
	s.TemplatesWithdrawn += o.TemplatesWithdrawn
	s.OptionRecords += o.OptionRecords
	s.MissingTemplate += o.MissingTemplate
	s.HeldDecoded += o.HeldDecoded
	s.HeldExpired += o.HeldExpired
	s.NoAddress += o.NoAddress
	s.CounterSamples += o.CounterSamples
	s.SampledHeaders += o.SampledHeaders
}

// Decoder decodes NetFlow v5, NetFlow v9, IPFIX and sFlow v5 datagrams into
// Records. It remembers templates and sampling options per exporter address
// and observation domain, so the datagrams of one exporter must go through
// the same Decoder in the order they arrived. A Decoder is for one goroutine.
type Decoder struct {
	templates map[tmplKey]*template
	domains   map[domainKey]*domainState
	held      []heldSet
	seq       uint64 // datagrams decoded, the clock for held sets
	pp        *packetParser
	stats     DecoderStats

	// HoldDatagrams is how many datagrams a data set without a template is
	// kept, waiting for its template, before it is dropped (default 256).
	HoldDatagrams uint64
	// MaxHeld caps the data sets held at once (default 1024).
	MaxHeld int
	// MaxTemplates caps the templates kept over all exporters (default
	// 65536), so that datagrams from spoofed sources cannot exhaust memory.
	MaxTemplates int
}

// NewDecoder returns a Decoder with no templates.
func NewDecoder() *Decoder {
	return &Decoder{
		templates:     map[tmplKey]*template{},
		domains:       map[domainKey]*domainState{},
		pp:            newPacketParser(),
		HoldDatagrams: 256,
		MaxHeld:       1024,
		MaxTemplates:  1 << 16,
	}
}

// Stats returns the counters so far.
func (d *Decoder) Stats() DecoderStats { return d.stats }

// Decode appends the records of one export datagram to dst. exporter is the
// UDP source of the datagram (zero when unknown, e.g. a file); received is
// when it arrived, used where the format carries no absolute time (sFlow).
// On a malformed datagram it returns the records decoded before the problem
// and a *DecodeError; the Decoder stays usable for the next datagram.
func (d *Decoder) Decode(dst []Record, pkt []byte, exporter netip.AddrPort, received time.Time) ([]Record, error) {
	d.stats.Datagrams++
	d.seq++
	n0 := len(dst)
	var err error
	switch {
	case len(pkt) >= 4 && binary.BigEndian.Uint32(pkt) == 5:
		dst, err = d.decodeSFlow(dst, pkt, exporter, received)
	case len(pkt) >= 2 && binary.BigEndian.Uint16(pkt) == 5:
		dst, err = decodeV5(dst, pkt, exporter)
	case len(pkt) >= 2 && binary.BigEndian.Uint16(pkt) == 9:
		dst, err = d.decodeV9(dst, pkt, exporter)
	case len(pkt) >= 2 && binary.BigEndian.Uint16(pkt) == 10:
		dst, err = d.decodeIPFIX(dst, pkt, exporter)
	case len(pkt) < 4:
		err = malformed("export datagram", 0, "only %d bytes", len(pkt))
	default:
		d.stats.Unsupported++
		d.stats.Records += uint64(len(dst) - n0)
		return dst, fmt.Errorf("export datagram: version %d is not NetFlow v5/v9, IPFIX or sFlow v5", binary.BigEndian.Uint16(pkt))
	}
	d.expireHeld()
	if err != nil {
		d.stats.Malformed++
	}
	d.stats.Records += uint64(len(dst) - n0)
	return dst, err
}

// DatagramDomain returns the observation domain an export datagram's header
// names, as Record.ObservationDomain carries it: the NetFlow v9 source id, the
// IPFIX observation domain, the NetFlow v5 engine type<<8 | engine id, the
// sFlow v5 sub-agent id. ok is false when the header is too short or of no
// known version.
func DatagramDomain(b []byte) (domain uint32, ok bool) {
	switch {
	case len(b) >= 4 && binary.BigEndian.Uint32(b) == 5: // sFlow v5
		switch {
		case len(b) >= 16 && binary.BigEndian.Uint32(b[4:]) == 1:
			return binary.BigEndian.Uint32(b[12:]), true
		case len(b) >= 28 && binary.BigEndian.Uint32(b[4:]) == 2:
			return binary.BigEndian.Uint32(b[24:]), true
		}
	case len(b) >= v5HeaderLen && binary.BigEndian.Uint16(b) == 5:
		return uint32(b[20])<<8 | uint32(b[21]), true
	case len(b) >= 20 && binary.BigEndian.Uint16(b) == 9:
		return binary.BigEndian.Uint32(b[16:]), true
	case len(b) >= 16 && binary.BigEndian.Uint16(b) == 10:
		return binary.BigEndian.Uint32(b[12:]), true
	}
	return 0, false
}

// IsExportDatagram reports whether b looks like a NetFlow v5/v9, IPFIX or
// sFlow v5 datagram, for finding export packets in a capture by content.
func IsExportDatagram(b []byte) bool {
	if len(b) < 16 {
		return false
	}
	switch binary.BigEndian.Uint16(b) {
	case 5:
		n := int(binary.BigEndian.Uint16(b[2:]))
		return n > 0 && n <= 30 && len(b) >= 24+48*n
	case 9: // the first flowset must be a template (0), options template (1) or data (≥256) set that fits
		if len(b) < 24 || binary.BigEndian.Uint16(b[2:]) == 0 {
			return false
		}
		id, l := binary.BigEndian.Uint16(b[20:]), int(binary.BigEndian.Uint16(b[22:]))
		return (id <= 1 || id >= 256) && l >= 4 && l <= len(b)-20
	case 10:
		return int(binary.BigEndian.Uint16(b[2:])) == len(b)
	}
	if binary.BigEndian.Uint32(b) == 5 {
		at := binary.BigEndian.Uint32(b[4:])
		return at == 1 || at == 2
	}
	return false
}

// fixICMP turns the NetFlow habit of putting ICMP type<<8|code in the
// destination port into the Record convention (type, code in the ports).
func fixICMP(r *Record) {
	if (r.Proto == ProtoICMP || r.Proto == ProtoICMPv6) && r.SrcPort == 0 && r.DstPort != 0 {
		r.SrcPort, r.DstPort = r.DstPort>>8, r.DstPort&0xff
	}
}

// applySampling scales counters by the sampling rate and remembers the rate.
func applySampling(r *Record, rate uint32) {
	if rate > 1 {
		r.SamplingRate = rate
		r.Bytes *= uint64(rate)
		r.Packets *= uint64(rate)
	}
}
