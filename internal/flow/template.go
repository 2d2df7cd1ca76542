package flow

import (
	"encoding/binary"
	"net/netip"
	"time"
)

// domainKey names the template space of one exporter: RFC 7011 §8 scopes
// templates to the exporter and observation domain (NetFlow v9: source id).
// The exporter's UDP port is left out on purpose: some exporters send from
// several source ports while sharing one template space.
type domainKey struct {
	exporter netip.Addr
	domain   uint32
	version  uint16
}

type tmplKey struct {
	domainKey
	id uint16
}

// field is one template entry. Enterprise-specific fields are kept only to
// skip their bytes correctly; their values are never read.
type field struct {
	id         uint16
	length     uint16 // varLength for IPFIX variable-length fields
	enterprise uint32
}

const varLength = 0xffff

type template struct {
	fields     []field
	scopeCount int  // options templates: leading scope fields
	options    bool // options template: its data records carry sampling etc.
	minLen     int  // smallest record (variable fields count 1 byte)
	variable   bool
}

// addLen accounts a field's length in the smallest record size. A length of
// 0xffff is variable (RFC 7011 §7); some NetFlow v9 exporters (H3C) use it too.
func (t *template) addLen(l uint16) {
	if l == varLength {
		t.variable = true
		t.minLen++
		return
	}
	t.minLen += int(l)
}

// domainState holds what options records told us about a domain.
type domainState struct {
	rate       uint32            // sampling rate without a sampler id
	samplers   map[uint64]uint32 // sampler/selector id → rate
	sysInitSet bool
	sysInit    time.Time // IPFIX systemInitTimeMilliseconds
}

// heldSet is a data set that arrived before its template.
type heldSet struct {
	key  tmplKey
	seq  uint64
	hdr  exportHeader
	data []byte
}

// exportHeader is the per-datagram context a data record needs.
type exportHeader struct {
	format   string
	exporter netip.AddrPort
	export   time.Time
	uptime   uint32 // NetFlow v9 only
	hasUp    bool
}

func (d *Decoder) domain(k domainKey) *domainState {
	s := d.domains[k]
	if s == nil {
		if len(d.domains) >= d.MaxTemplates {
			return &domainState{} // over the cap: used once, not kept
		}
		s = &domainState{}
		d.domains[k] = s
	}
	return s
}

// learn stores a template and decodes any data sets held for it.
func (d *Decoder) learn(dst []Record, k tmplKey, t *template) []Record {
	if _, known := d.templates[k]; !known && len(d.templates) >= d.MaxTemplates {
		d.stats.TemplatesRefused++
		return dst
	}
	d.stats.Templates++
	d.templates[k] = t
	kept := d.held[:0]
	var ready []heldSet
	for _, h := range d.held {
		if h.key == k {
			ready = append(ready, h)
		} else {
			kept = append(kept, h)
		}
	}
	d.held = kept
	for _, h := range ready {
		d.stats.HeldDecoded++
		// Errors in a held set were already impossible to report in place;
		// the records before the problem are kept.
		dst, _ = d.decodeDataSet(dst, h.key, t, h.data, 0, h.hdr)
	}
	return dst
}

func (d *Decoder) hold(k tmplKey, data []byte, hdr exportHeader) {
	d.stats.MissingTemplate++
	if len(d.held) >= d.MaxHeld {
		d.stats.HeldExpired++
		copy(d.held, d.held[1:])
		d.held = d.held[:len(d.held)-1]
	}
	d.held = append(d.held, heldSet{key: k, seq: d.seq, hdr: hdr, data: append([]byte(nil), data...)})
}

func (d *Decoder) expireHeld() {
	if len(d.held) == 0 {
		return
	}
	kept := d.held[:0]
	for _, h := range d.held {
		if d.seq-h.seq > d.HoldDatagrams {
			d.stats.HeldExpired++
			continue
		}
		kept = append(kept, h)
	}
	d.held = kept
}

// decodeDataSet decodes the records of one data set. base is the set's
// offset in its datagram, for error messages.
func (d *Decoder) decodeDataSet(dst []Record, k tmplKey, t *template, b []byte, base int, hdr exportHeader) ([]Record, error) {
	off := 0
	for len(b)-off >= t.minLen && t.minLen > 0 {
		n, r, ok, err := d.decodeRecord(k, t, b[off:], hdr)
		if err != nil {
			if allZero(b[off:]) {
				return dst, nil // padding
			}
			return dst, malformed(hdr.format, base+off, "template %d record: %v", k.id, err)
		}
		off += n
		if ok {
			dst = append(dst, r)
		}
	}
	return dst, nil
}

func allZero(b []byte) bool {
	for _, c := range b {
		if c != 0 {
			return false
		}
	}
	return true
}

type errString string

func (e errString) Error() string { return string(e) }

const errShort = errString("record runs past the end of its set")

// recordValues collects the fields of one data record that Renkei keeps.
type recordValues struct {
	r                              Record
	bytes, pkts                    [5]uint64 // by priority: delta, total, post/out, initiator, responder
	haveBytes, havePkts            [5]bool
	first, last                    uint32
	haveFirst, haveLast            bool
	start, end                     time.Time
	deltaStart, deltaEnd           uint32
	haveDeltaStart, haveDeltaEnd   bool
	icmpType, icmpCode             uint16
	haveICMP                       bool
	rate, interval, space, sampler uint64
	haveRate, haveSpace, haveSampl bool
	sysInit                        time.Time
	obsTime                        time.Time
}

// decodeRecord reads one data record; ok is false for options records and
// records that are not flows.
func (d *Decoder) decodeRecord(k tmplKey, t *template, b []byte, hdr exportHeader) (n int, r Record, ok bool, err error) {
	var v recordValues
	v.r.Direction = DirectionUnknown
	off := 0
	for i, f := range t.fields {
		l := int(f.length)
		if f.length == varLength {
			if off >= len(b) {
				return 0, r, false, errShort
			}
			l = int(b[off])
			off++
			if l == 255 {
				if off+2 > len(b) {
					return 0, r, false, errShort
				}
				l = int(binary.BigEndian.Uint16(b[off:]))
				off += 2
			}
		}
		if off+l > len(b) {
			return 0, r, false, errShort
		}
		val := b[off : off+l]
		off += l
		if f.enterprise != 0 {
			continue
		}
		if t.options && k.version == 9 && i < t.scopeCount {
			continue // NetFlow v9 scope field types are not field ids
		}
		v.set(f.id, val)
	}
	if t.options {
		d.stats.OptionRecords++
		d.applyOptions(k.domainKey, &v)
		return off, r, false, nil
	}
	if !v.r.SrcAddr.IsValid() && !v.r.DstAddr.IsValid() {
		// Application or interface statistics (e.g. Cisco WLC) share data
		// sets with flows but carry no addresses: not a flow record.
		d.stats.NoAddress++
		return off, r, false, nil
	}
	d.finish(k.domainKey, &v, hdr)
	return off, v.r, true, nil
}

// eitherFamily chooses between an address already read and one of the other
// family from the same record: templates that carry both IPv4 and IPv6
// fields (Cisco, Juniper, nProbe) leave the unused family all zeros, and
// that zero address must not replace the real one, whichever comes last.
func eitherFamily(have, a netip.Addr) netip.Addr {
	switch {
	case !a.IsValid():
		return have
	case !have.IsValid():
		return a
	case a.IsUnspecified() && !have.IsUnspecified():
		return have
	}
	return a
}

func be(b []byte) uint64 {
	var x uint64
	for _, c := range b {
		x = x<<8 | uint64(c)
	}
	return x
}

func addr(b []byte) netip.Addr {
	switch len(b) {
	case 4:
		return netip.AddrFrom4([4]byte(b))
	case 16:
		return netip.AddrFrom16([16]byte(b)).Unmap()
	}
	return netip.Addr{}
}

// ntpTime reads an RFC 7011 dateTimeMicroseconds/Nanoseconds value (NTP format).
func ntpTime(b []byte) time.Time {
	if len(b) != 8 {
		return time.Time{}
	}
	sec := int64(binary.BigEndian.Uint32(b)) - 2208988800
	frac := uint64(binary.BigEndian.Uint32(b[4:]))
	return time.Unix(sec, int64(frac*1e9>>32))
}

// set stores one field value by its IANA IPFIX information element id (the
// NetFlow v9 ids below 128 are the same numbers). The ids fall in four
// groups, each read by a function of its own; an id none knows is ignored.
func (v *recordValues) set(id uint16, b []byte) {
	if len(b) == 0 || len(b) > 16 {
		return
	}
	if !v.setCounter(id, b) && !v.setFlowKey(id, b) && !v.setTime(id, b) {
		v.setSampling(id, b)
	}
}

// setCounter reads the octet and packet counters: total, delta, post-NAT
// delta, and initiator and responder (a bidirectional firewall flow), in
// the order finish prefers them.
func (v *recordValues) setCounter(id uint16, b []byte) bool {
	switch id {
	case 1:
		v.bytes[0], v.haveBytes[0] = be(b), true
	case 85:
		v.bytes[1], v.haveBytes[1] = be(b), true
	case 23:
		v.bytes[2], v.haveBytes[2] = be(b), true
	case 231:
		v.bytes[3], v.haveBytes[3] = be(b), true
	case 232:
		v.bytes[4], v.haveBytes[4] = be(b), true
	case 2:
		v.pkts[0], v.havePkts[0] = be(b), true
	case 86:
		v.pkts[1], v.havePkts[1] = be(b), true
	case 24:
		v.pkts[2], v.havePkts[2] = be(b), true
	case 298:
		v.pkts[3], v.havePkts[3] = be(b), true
	case 299:
		v.pkts[4], v.havePkts[4] = be(b), true
	default:
		return false
	}
	return true
}

// setFlowKey reads what names the flow: protocol, flags, ports, addresses,
// interfaces, direction and ICMP type and code.
func (v *recordValues) setFlowKey(id uint16, b []byte) bool {
	switch id {
	case 4:
		v.r.Proto = uint8(be(b))
	case 6:
		v.r.TCPFlags = uint8(be(b)) // tcpControlBits: the low byte holds the classic flags
	case 7:
		v.r.SrcPort = uint16(be(b))
	case 11:
		v.r.DstPort = uint16(be(b))
	case 8, 27:
		v.r.SrcAddr = eitherFamily(v.r.SrcAddr, addr(b))
	case 12, 28:
		v.r.DstAddr = eitherFamily(v.r.DstAddr, addr(b))
	case 10:
		v.r.InIf = uint32(be(b))
	case 14:
		v.r.OutIf = uint32(be(b))
	case 61:
		v.r.Direction = uint8(be(b))
	case 32, 139: // icmpTypeCodeIPv4/IPv6: type<<8 | code
		x := be(b)
		v.icmpType, v.icmpCode, v.haveICMP = uint16(x>>8)&0xff, uint16(x&0xff), true
	case 176, 178:
		v.icmpType, v.haveICMP = uint16(be(b)), true
	case 177, 179:
		v.icmpCode, v.haveICMP = uint16(be(b)), true
	default:
		return false
	}
	return true
}

// setTime reads the flow's start and end in each of the ways exporters give
// them (uptime, seconds, milliseconds, NTP, delta), the system's start and
// the observation time; finish chooses among them.
func (v *recordValues) setTime(id uint16, b []byte) bool {
	switch id {
	case 22:
		v.first, v.haveFirst = uint32(be(b)), true
	case 21:
		v.last, v.haveLast = uint32(be(b)), true
	case 150:
		v.start = time.Unix(int64(be(b)), 0)
	case 151:
		v.end = time.Unix(int64(be(b)), 0)
	case 152:
		v.start = time.UnixMilli(int64(be(b)))
	case 153:
		v.end = time.UnixMilli(int64(be(b)))
	case 154, 156:
		v.start = ntpTime(b)
	case 155, 157:
		v.end = ntpTime(b)
	case 158:
		v.deltaStart, v.haveDeltaStart = uint32(be(b)), true
	case 159:
		v.deltaEnd, v.haveDeltaEnd = uint32(be(b)), true
	case 160:
		v.sysInit = time.UnixMilli(int64(be(b)))
	case 322:
		v.obsTime = time.Unix(int64(be(b)), 0)
	case 323:
		v.obsTime = time.UnixMilli(int64(be(b)))
	default:
		return false
	}
	return true
}

// setSampling reads the sampling rate, given as an interval or as packets
// taken and skipped, and the sampler it belongs to.
func (v *recordValues) setSampling(id uint16, b []byte) bool {
	switch id {
	case 34, 50: // samplingInterval, samplerRandomInterval
		v.rate, v.haveRate = be(b), true
	case 305: // samplingPacketInterval
		v.interval, v.haveRate = be(b), true
		if !v.haveSpace {
			v.rate = v.interval
		} else if v.interval > 0 {
			v.rate = (v.interval + v.space) / v.interval
		}
	case 306: // samplingPacketSpace
		v.space, v.haveSpace = be(b), true
		if v.interval > 0 {
			v.rate = (v.interval + v.space) / v.interval
		}
	case 48, 302: // samplerId, selectorId
		v.sampler, v.haveSampl = be(b), true
	default:
		return false
	}
	return true
}

// applyOptions remembers sampling and system init time from an options record.
func (d *Decoder) applyOptions(k domainKey, v *recordValues) {
	s := d.domain(k)
	if v.haveRate && v.rate > 0 {
		rate := uint32(min(v.rate, 1<<31))
		if v.haveSampl {
			if s.samplers == nil {
				s.samplers = map[uint64]uint32{}
			}
			s.samplers[v.sampler] = rate
		} else {
			s.rate = rate
		}
	}
	if !v.sysInit.IsZero() {
		s.sysInit, s.sysInitSet = v.sysInit, true
	}
}

// finish turns collected values into a Record: picks the counters, computes
// times and applies the sampling rate the record or its domain announced.
func (d *Decoder) finish(k domainKey, v *recordValues, hdr exportHeader) {
	r := &v.r
	r.Exporter = hdr.exporter
	r.ObservationDomain = k.domain
	v.pickCounters()
	if v.haveICMP && (r.Proto == ProtoICMP || r.Proto == ProtoICMPv6) {
		r.SrcPort, r.DstPort = v.icmpType, v.icmpCode
	} else {
		fixICMP(r)
	}
	ds := d.domains[k]
	v.pickTimes(hdr, ds)
	var rate uint32
	switch {
	case v.haveRate && v.rate > 0:
		rate = uint32(min(v.rate, 1<<31))
	case v.haveSampl && ds != nil && ds.samplers[v.sampler] > 0:
		rate = ds.samplers[v.sampler]
	case ds != nil:
		rate = ds.rate
	}
	applySampling(r, rate)
}

// pickCounters sets the record's octets and packets from the first counter
// the exporter gave (total, delta, post-NAT delta), else from initiator and
// responder together (a bidirectional firewall flow).
func (v *recordValues) pickCounters() {
	r := &v.r
	for i := range 3 {
		if v.haveBytes[i] && r.Bytes == 0 {
			r.Bytes = v.bytes[i]
		}
		if v.havePkts[i] && r.Packets == 0 {
			r.Packets = v.pkts[i]
		}
	}
	if r.Bytes == 0 && (v.haveBytes[3] || v.haveBytes[4]) {
		r.Bytes = v.bytes[3] + v.bytes[4] // initiator+responder: a bidirectional firewall flow
	}
	if r.Packets == 0 && (v.havePkts[3] || v.havePkts[4]) {
		r.Packets = v.pkts[3] + v.pkts[4]
	}
}

// pickTimes sets the record's start and end from the first the exporter
// gave, in this order: absolute times, uptime (against the header's or the
// system's start, from the record or its domain ds), deltas before the
// export, the observation time, the export time; an end missing still is
// the start.
func (v *recordValues) pickTimes(hdr exportHeader, ds *domainState) {
	r := &v.r
	sysInit := v.sysInit
	if sysInit.IsZero() && ds != nil && ds.sysInitSet {
		sysInit = ds.sysInit
	}
	r.Start, r.End = v.start, v.end
	if r.Start.IsZero() && v.haveFirst {
		r.Start = sysUpTime(hdr, sysInit, v.first)
	}
	if r.End.IsZero() && v.haveLast {
		r.End = sysUpTime(hdr, sysInit, v.last)
	}
	if r.Start.IsZero() && v.haveDeltaStart {
		r.Start = hdr.export.Add(-time.Duration(v.deltaStart) * time.Microsecond)
	}
	if r.End.IsZero() && v.haveDeltaEnd {
		r.End = hdr.export.Add(-time.Duration(v.deltaEnd) * time.Microsecond)
	}
	if r.Start.IsZero() {
		r.Start = v.obsTime
	}
	if r.End.IsZero() {
		r.End = v.obsTime
	}
	if r.Start.IsZero() {
		r.Start = hdr.export
	}
	if r.End.IsZero() {
		r.End = r.Start
	}
}

// sysUpTime converts flowStart/EndSysUpTime: milliseconds since the exporter
// booted, against the v9 header uptime or the IPFIX systemInitTime.
func sysUpTime(hdr exportHeader, sysInit time.Time, ms uint32) time.Time {
	if hdr.hasUp {
		return uptimeToTime(hdr.export, hdr.uptime, ms)
	}
	if !sysInit.IsZero() {
		return sysInit.Add(time.Duration(ms) * time.Millisecond)
	}
	return time.Time{}
}
