package flow

import (
	"encoding/binary"
	"net/netip"
	"time"
)

// decodeIPFIX decodes an IPFIX message (RFC 7011): a 16-byte header whose
// length field bounds the message, then sets: 2 templates, 3 options
// templates, ≥256 data.
func (d *Decoder) decodeIPFIX(dst []Record, b []byte, exporter netip.AddrPort) ([]Record, error) {
	const f = "ipfix"
	if len(b) < 16 {
		return dst, malformed(f, 0, "header needs 16 bytes, datagram has %d", len(b))
	}
	ml := int(binary.BigEndian.Uint16(b[2:]))
	if ml < 16 || ml > len(b) {
		return dst, malformed(f, 2, "message length %d, datagram has %d bytes", ml, len(b))
	}
	b = b[:ml]
	hdr := exportHeader{
		format:   f,
		exporter: exporter,
		export:   time.Unix(int64(binary.BigEndian.Uint32(b[4:])), 0),
	}
	dk := domainKey{exporter: exporter.Addr(), domain: binary.BigEndian.Uint32(b[12:]), version: 10}
	off := 16
	for off < len(b) {
		if len(b)-off < 4 {
			return dst, malformed(f, off, "%d stray bytes after the last set", len(b)-off)
		}
		id := binary.BigEndian.Uint16(b[off:])
		l := int(binary.BigEndian.Uint16(b[off+2:]))
		if l < 4 || off+l > len(b) {
			return dst, malformed(f, off, "set %d has length %d, %d bytes left in the message", id, l, len(b)-off)
		}
		body := b[off+4 : off+l]
		var err error
		switch {
		case id == 2:
			dst, err = d.ipfixTemplates(dst, dk, body, off+4, false)
		case id == 3:
			dst, err = d.ipfixTemplates(dst, dk, body, off+4, true)
		case id < 256:
			// ids 0, 1 (NetFlow v9) and 4–255 are not used in IPFIX: skip
		default:
			k := tmplKey{dk, id}
			if t := d.templates[k]; t != nil {
				dst, err = d.decodeDataSet(dst, k, t, body, off+4, hdr)
			} else {
				d.hold(k, body, hdr)
			}
		}
		if err != nil {
			return dst, err
		}
		off += l
	}
	return dst, nil
}

// ipfixTemplates reads template (or options template) records, including
// withdrawals (a record with no fields) and enterprise-specific fields.
func (d *Decoder) ipfixTemplates(dst []Record, dk domainKey, b []byte, base int, options bool) ([]Record, error) {
	const f = "ipfix"
	hdrLen := 4
	if options {
		hdrLen = 6
	}
	off := 0
	for len(b)-off >= 4 {
		id := binary.BigEndian.Uint16(b[off:])
		n := int(binary.BigEndian.Uint16(b[off+2:]))
		if n == 0 {
			if id == 0 && allZero(b[off:]) {
				break // padding
			}
			d.withdraw(dk, id, options)
			off += 4
			continue
		}
		if len(b)-off < hdrLen {
			return dst, malformed(f, base+off, "options template %d header cut short", id)
		}
		if id < 256 {
			return dst, malformed(f, base+off, "template id %d (< 256)", id)
		}
		if n > maxFields {
			return dst, malformed(f, base+off, "template %d has %d fields", id, n)
		}
		t := &template{fields: make([]field, n), options: options}
		if options {
			t.scopeCount = int(binary.BigEndian.Uint16(b[off+4:]))
			if t.scopeCount == 0 || t.scopeCount > n {
				return dst, malformed(f, base+off, "options template %d: scope field count %d of %d fields", id, t.scopeCount, n)
			}
		}
		p := off + hdrLen
		for i := range n {
			if p+4 > len(b) {
				return dst, malformed(f, base+p, "template %d field %d runs past its set", id, i)
			}
			fl := field{id: binary.BigEndian.Uint16(b[p:]), length: binary.BigEndian.Uint16(b[p+2:])}
			p += 4
			if fl.id&0x8000 != 0 {
				if p+4 > len(b) {
					return dst, malformed(f, base+p, "template %d field %d: enterprise number runs past its set", id, i)
				}
				fl.id &^= 0x8000
				fl.enterprise = binary.BigEndian.Uint32(b[p:])
				p += 4
			}
			t.addLen(fl.length)
			t.fields[i] = fl
		}
		if t.minLen == 0 {
			return dst, malformed(f, base+off, "template %d describes empty records", id)
		}
		dst = d.learn(dst, tmplKey{dk, id}, t)
		off = p
	}
	return dst, nil
}

// withdraw removes one template, or all (options) templates of the domain
// when id is the set id itself (RFC 7011 §8.1).
func (d *Decoder) withdraw(dk domainKey, id uint16, options bool) {
	d.stats.TemplatesWithdrawn++
	if id == 2 || id == 3 {
		for k, t := range d.templates {
			if k.domainKey == dk && t.options == options {
				delete(d.templates, k)
			}
		}
		return
	}
	delete(d.templates, tmplKey{dk, id})
}
