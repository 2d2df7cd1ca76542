package flow

import (
	"encoding/binary"
	"net/netip"
	"time"
)

// maxFields bounds a template; real templates have a few dozen fields and the
// bound keeps a hostile template from costing memory.
const maxFields = 512

// decodeV9 decodes a NetFlow v9 datagram (RFC 3954): a 20-byte header, then
// flowsets: 0 templates, 1 options templates, ≥256 data.
func (d *Decoder) decodeV9(dst []Record, b []byte, exporter netip.AddrPort) ([]Record, error) {
	const f = "netflow v9"
	if len(b) < 20 {
		return dst, malformed(f, 0, "header needs 20 bytes, datagram has %d", len(b))
	}
	hdr := exportHeader{
		format:   f,
		exporter: exporter,
		uptime:   binary.BigEndian.Uint32(b[4:]),
		hasUp:    true,
		export:   time.Unix(int64(binary.BigEndian.Uint32(b[8:])), 0),
	}
	dk := domainKey{exporter: exporter.Addr(), domain: binary.BigEndian.Uint32(b[16:]), version: 9}
	off := 20
	for off < len(b) {
		if len(b)-off < 4 {
			if allZero(b[off:]) {
				break
			}
			return dst, malformed(f, off, "%d stray bytes after the last flowset", len(b)-off)
		}
		id := binary.BigEndian.Uint16(b[off:])
		l := int(binary.BigEndian.Uint16(b[off+2:]))
		if l < 4 {
			if allZero(b[off:]) {
				break // some exporters pad the datagram with zeros
			}
			return dst, malformed(f, off, "flowset %d has length %d (< 4)", id, l)
		}
		if off+l > len(b) {
			return dst, malformed(f, off, "flowset %d length %d runs past the datagram end (%d bytes left)", id, l, len(b)-off)
		}
		body := b[off+4 : off+l]
		var err error
		switch {
		case id == 0:
			dst, err = d.v9Templates(dst, dk, body, off+4)
		case id == 1:
			dst, err = d.v9OptionsTemplates(dst, dk, body, off+4)
		case id < 256:
			// reserved flowset ids: skip
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

func (d *Decoder) v9Templates(dst []Record, dk domainKey, b []byte, base int) ([]Record, error) {
	const f = "netflow v9"
	off := 0
	for len(b)-off >= 4 {
		id := binary.BigEndian.Uint16(b[off:])
		n := int(binary.BigEndian.Uint16(b[off+2:]))
		if id == 0 && n == 0 && allZero(b[off:]) {
			break // padding
		}
		if id < 256 {
			return dst, malformed(f, base+off, "template id %d (< 256)", id)
		}
		if n == 0 || n > maxFields {
			return dst, malformed(f, base+off, "template %d has %d fields", id, n)
		}
		if off+4+4*n > len(b) {
			return dst, malformed(f, base+off, "template %d with %d fields runs past its flowset", id, n)
		}
		t := &template{fields: make([]field, n)}
		for i := range n {
			p := b[off+4+4*i:]
			t.fields[i] = field{id: binary.BigEndian.Uint16(p), length: binary.BigEndian.Uint16(p[2:])}
			t.addLen(t.fields[i].length)
		}
		if t.minLen == 0 {
			return dst, malformed(f, base+off, "template %d describes empty records", id)
		}
		dst = d.learn(dst, tmplKey{dk, id}, t)
		off += 4 + 4*n
	}
	return dst, nil
}

func (d *Decoder) v9OptionsTemplates(dst []Record, dk domainKey, b []byte, base int) ([]Record, error) {
	const f = "netflow v9"
	off := 0
	for len(b)-off >= 6 {
		id := binary.BigEndian.Uint16(b[off:])
		scopeLen := int(binary.BigEndian.Uint16(b[off+2:]))
		optLen := int(binary.BigEndian.Uint16(b[off+4:]))
		if id == 0 && scopeLen == 0 && optLen == 0 {
			break // padding
		}
		if id < 256 {
			return dst, malformed(f, base+off, "options template id %d (< 256)", id)
		}
		if scopeLen%4 != 0 || optLen%4 != 0 || scopeLen+optLen == 0 || (scopeLen+optLen)/4 > maxFields {
			return dst, malformed(f, base+off, "options template %d: scope length %d, option length %d", id, scopeLen, optLen)
		}
		if off+6+scopeLen+optLen > len(b) {
			return dst, malformed(f, base+off, "options template %d runs past its flowset", id)
		}
		n := (scopeLen + optLen) / 4
		t := &template{fields: make([]field, n), scopeCount: scopeLen / 4, options: true}
		for i := range n {
			p := b[off+6+4*i:]
			t.fields[i] = field{id: binary.BigEndian.Uint16(p), length: binary.BigEndian.Uint16(p[2:])}
			t.addLen(t.fields[i].length)
		}
		if t.minLen == 0 {
			return dst, malformed(f, base+off, "options template %d describes empty records", id)
		}
		dst = d.learn(dst, tmplKey{dk, id}, t)
		off += 6 + scopeLen + optLen
	}
	return dst, nil
}
