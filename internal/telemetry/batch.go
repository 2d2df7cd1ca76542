package telemetry

import (
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"net/netip"
	"time"
)

// A batch of selected records travels on the stream as one message in a
// compact binary form (about 40 bytes a record where JSON took about 250):
// what the pipeline spent per record went mostly into writing and reading
// JSON. The form carries the fields of Selected and nothing else (C2):
//
//	"RSB1"
//	uvarint n of strings, then each: uvarint length, bytes
//	uvarint n of records, then each:
//	  uvarint source, uvarint direction, uvarint exporter (indices of strings)
//	  src, dst: one byte length (0, 4, 16, or more with a zone), then the address (netip.Addr.MarshalBinary)
//	  src port, dst port: 2 bytes each, big-endian; proto, TCP flags: 1 byte each
//	  start: varint Unix seconds, uvarint nanoseconds; end: the same
//	  bytes, packets: uvarint
//
// A message that begins with '[' is a batch in JSON, as earlier versions
// published them; both are read (DecodeBatch).
const batchMagic = "RSB1"

// AppendBatch appends the binary form of recs to b.
func AppendBatch(b []byte, recs []Selected) []byte {
	b = append(b, batchMagic...)
	var strs []string
	index := map[string]uint64{}
	str := func(s string) uint64 {
		i, ok := index[s]
		if !ok {
			i = uint64(len(strs))
			index[s] = i
			strs = append(strs, s)
		}
		return i
	}
	refs := make([]uint64, 0, 3*len(recs))
	for i := range recs {
		refs = append(refs, str(recs[i].Source), str(string(recs[i].Direction)), str(recs[i].Exporter))
	}
	b = binary.AppendUvarint(b, uint64(len(strs)))
	for _, s := range strs {
		b = binary.AppendUvarint(b, uint64(len(s)))
		b = append(b, s...)
	}
	b = binary.AppendUvarint(b, uint64(len(recs)))
	for i := range recs {
		r := &recs[i]
		b = binary.AppendUvarint(b, refs[3*i])
		b = binary.AppendUvarint(b, refs[3*i+1])
		b = binary.AppendUvarint(b, refs[3*i+2])
		b = appendAddr(b, r.Src)
		b = appendAddr(b, r.Dst)
		b = binary.BigEndian.AppendUint16(b, r.SrcPort)
		b = binary.BigEndian.AppendUint16(b, r.DstPort)
		b = append(b, r.Proto, r.TCPFlags)
		b = appendTime(b, r.Start)
		b = appendTime(b, r.End)
		b = binary.AppendUvarint(b, r.Bytes)
		b = binary.AppendUvarint(b, r.Packets)
	}
	return b
}

func appendAddr(b []byte, a netip.Addr) []byte {
	m, _ := a.MarshalBinary() // never fails
	if len(m) > 255 {         // a zone that long: no record has one
		m, _ = a.WithZone("").MarshalBinary()
	}
	b = append(b, byte(len(m)))
	return append(b, m...)
}

func appendTime(b []byte, t time.Time) []byte {
	b = binary.AppendVarint(b, t.Unix())
	return binary.AppendUvarint(b, uint64(t.Nanosecond()))
}

// errBatch is a message that is not a batch.
var errBatch = errors.New("not a batch of selected records")

// DecodeBatch reads a message of the stream: the binary form, or JSON.
func DecodeBatch(data []byte) ([]Selected, error) {
	if len(data) > 0 && data[0] == '[' {
		var recs []Selected
		if err := json.Unmarshal(data, &recs); err != nil {
			return nil, fmt.Errorf("%w: %v", errBatch, err)
		}
		return recs, nil
	}
	if len(data) < len(batchMagic) || string(data[:len(batchMagic)]) != batchMagic {
		return nil, errBatch
	}
	d := batchReader{b: data[len(batchMagic):]}
	n := d.uvarint()
	if n > uint64(len(d.b)) {
		return nil, errBatch
	}
	strs := make([]string, n)
	for i := range strs {
		strs[i] = string(d.bytes(d.uvarint()))
	}
	str := func() string {
		i := d.uvarint()
		if i >= uint64(len(strs)) {
			d.bad = true
			return ""
		}
		return strs[i]
	}
	n = d.uvarint()
	if n > uint64(len(d.b))/16 { // a record takes at least 16 bytes
		return nil, errBatch
	}
	recs := make([]Selected, n)
	for i := range recs {
		r := &recs[i]
		r.Source, r.Direction, r.Exporter = str(), Direction(str()), str()
		r.Src, r.Dst = d.addr(), d.addr()
		p := d.bytes(6)
		if len(p) == 6 {
			r.SrcPort, r.DstPort = binary.BigEndian.Uint16(p), binary.BigEndian.Uint16(p[2:])
			r.Proto, r.TCPFlags = p[4], p[5]
		}
		r.Start, r.End = d.time(), d.time()
		r.Bytes, r.Packets = d.uvarint(), d.uvarint()
		if d.bad {
			return nil, errBatch
		}
	}
	if d.bad || len(d.b) != 0 {
		return nil, errBatch
	}
	return recs, nil
}

// batchReader reads the binary form; a read past the end, or a value out of
// range, sets bad and reads zeros.
type batchReader struct {
	b   []byte
	bad bool
}

func (d *batchReader) uvarint() uint64 {
	v, n := binary.Uvarint(d.b)
	if n <= 0 {
		d.bad, d.b = true, nil
		return 0
	}
	d.b = d.b[n:]
	return v
}

func (d *batchReader) varint() int64 {
	v, n := binary.Varint(d.b)
	if n <= 0 {
		d.bad, d.b = true, nil
		return 0
	}
	d.b = d.b[n:]
	return v
}

func (d *batchReader) bytes(n uint64) []byte {
	if n > uint64(len(d.b)) {
		d.bad, d.b = true, nil
		return nil
	}
	p := d.b[:n]
	d.b = d.b[n:]
	return p
}

func (d *batchReader) addr() netip.Addr {
	p := d.bytes(1)
	if len(p) == 0 {
		return netip.Addr{}
	}
	var a netip.Addr
	if err := a.UnmarshalBinary(d.bytes(uint64(p[0]))); err != nil {
		d.bad = true
	}
	return a
}

func (d *batchReader) time() time.Time {
	s, ns := d.varint(), d.uvarint()
	if ns >= 1e9 {
		d.bad = true
		return time.Time{}
	}
	return time.Unix(s, int64(ns)).UTC()
}
