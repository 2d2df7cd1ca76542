package telemetry

import (
	"encoding/json"
	"net/netip"
	"reflect"
	"testing"
	"time"
)

func sampleBatch() []Selected {
	at := time.Date(2026, 12, 8, 1, 2, 3, 456789012, time.UTC)
	return []Selected{
		{Source: "power-border", Src: netip.MustParseAddr("203.0.113.9"), Dst: netip.MustParseAddr("192.0.2.10"), SrcPort: 443, DstPort: 50000,
			Proto: 6, Start: at, End: at.Add(time.Second), Bytes: 1 << 40, Packets: 4, TCPFlags: 0x1b, Direction: ForeignToDomestic, Exporter: "192.0.2.254"},
		{Source: "power-border", Src: netip.MustParseAddr("2001:db8::1"), Dst: netip.MustParseAddr("::ffff:203.0.113.7"), SrcPort: 0, DstPort: 65535,
			Proto: 58, Start: time.Unix(-5, 7).UTC(), Direction: DomesticToForeign},
		{Source: "other", Direction: ForeignToForeign, Exporter: "2001:db8::fe"}, // zero addresses and times
	}
}

// TestBatchFormKeepsEveryFieldAndOnlyThem: a batch written in the stream's
// binary form reads back equal, field by field (what EffectKey hashes
// included), and a batch in JSON, as earlier versions published them, still
// reads.
func TestBatchFormKeepsEveryFieldAndOnlyThem(t *testing.T) {
	in := sampleBatch()
	out, err := DecodeBatch(AppendBatch(nil, in))
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(in, out) {
		t.Fatalf("read back\n%+v\nwritten\n%+v", out, in)
	}
	for i := range in {
		if EffectKey(in[i]) != EffectKey(out[i]) {
			t.Errorf("record %d: effect key changed through the binary form", i)
		}
	}
	js, _ := json.Marshal(in)
	old, err := DecodeBatch(js)
	if err != nil {
		t.Fatal(err)
	}
	for i := range in {
		if EffectKey(in[i]) != EffectKey(old[i]) {
			t.Errorf("record %d: a JSON batch reads otherwise", i)
		}
	}
	if empty, err := DecodeBatch(AppendBatch(nil, nil)); err != nil || len(empty) != 0 {
		t.Errorf("an empty batch: %v %v", empty, err)
	}
	for _, bad := range [][]byte{nil, []byte("RSB"), []byte("RSB1"), []byte("RSB2\x00\x00"), append(AppendBatch(nil, in), 0)} {
		if _, err := DecodeBatch(bad); err == nil {
			t.Errorf("%q read as a batch", bad)
		}
	}
}

// FuzzDecodeBatch: whatever a message of the stream holds, reading it does
// not panic, and what reads as a batch is written back to a form that reads
// the same.
func FuzzDecodeBatch(f *testing.F) {
	f.Add(AppendBatch(nil, sampleBatch()))
	js, _ := json.Marshal(sampleBatch())
	f.Add(js)
	f.Add([]byte("RSB1\x01\x00\x01\x00\x00\x00\x00\x00"))
	f.Fuzz(func(t *testing.T, data []byte) {
		recs, err := DecodeBatch(data)
		if err != nil {
			return
		}
		again, err := DecodeBatch(AppendBatch(nil, recs))
		if err != nil {
			t.Fatalf("a batch read does not read back once written: %v", err)
		}
		if len(again) != len(recs) {
			t.Fatalf("%d records, %d once written and read", len(recs), len(again))
		}
		for i := range recs {
			if EffectKey(recs[i]) != EffectKey(again[i]) {
				t.Fatalf("record %d changed once written and read: %+v %+v", i, recs[i], again[i])
			}
		}
	})
}
