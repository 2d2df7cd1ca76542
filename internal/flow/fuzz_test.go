package flow

import (
	"bytes"
	"context"
	"encoding/json"
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"renkei/internal/corpora"
)

// corpusSeeds adds the logstash datagrams whose names start with prefix as
// fuzz seeds, when the corpora are present (fuzzing works without them).
func corpusSeeds(f *testing.F, prefix string) [][]byte {
	root := corpora.Root()
	if root == "" {
		return nil
	}
	files, _ := filepath.Glob(filepath.Join(root, "netflow-logstash-dat/spec/codecs", prefix+"*.dat"))
	var out [][]byte
	for _, p := range files {
		if b, err := os.ReadFile(p); err == nil {
			out = append(out, b)
		}
	}
	return out
}

// checkRecords asserts what must hold for any input: valid JSON out, and a
// record count bounded by the datagram size.
func checkRecords(t *testing.T, in []byte, recs []Record) {
	t.Helper()
	if len(recs) > len(in)+64 {
		t.Fatalf("%d records from %d bytes", len(recs), len(in))
	}
	for i := range recs {
		js := recs[i].AppendJSON(nil, 0)
		if !json.Valid(js) {
			t.Fatalf("invalid JSON: %s", js)
		}
	}
}

func fuzzDecode(t *testing.T, datagrams ...[]byte) {
	d := NewDecoder()
	exp := netip.MustParseAddrPort("192.0.2.1:2055")
	for _, b := range datagrams {
		recs, err := d.Decode(nil, b, exp, time.Unix(1700000000, 0))
		if err != nil && !strings.Contains(err.Error(), "offset") && !strings.Contains(err.Error(), "version") {
			t.Fatalf("error without position: %v", err)
		}
		checkRecords(t, b, recs)
	}
}

func FuzzNetflowV5(f *testing.F) {
	for _, b := range corpusSeeds(f, "netflow5") {
		f.Add(b)
	}
	f.Add(v5Datagram(1))
	f.Fuzz(func(t *testing.T, b []byte) {
		if len(b) >= 2 {
			b[0], b[1] = 0, 5
		}
		fuzzDecode(t, b)
	})
}

func FuzzNetflowV9(f *testing.F) {
	seeds := corpusSeeds(f, "netflow9")
	for i, b := range seeds {
		f.Add(b, seeds[(i+1)%len(seeds)])
	}
	f.Fuzz(func(t *testing.T, tpl, data []byte) {
		for _, b := range [][]byte{tpl, data} {
			if len(b) >= 2 {
				b[0], b[1] = 0, 9
			}
		}
		fuzzDecode(t, tpl, data, tpl)
	})
}

func FuzzIPFIX(f *testing.F) {
	seeds := corpusSeeds(f, "ipfix")
	for i, b := range seeds {
		f.Add(b, seeds[(i+1)%len(seeds)])
	}
	f.Add(ipfixMsg(1, 1, tpl300), ipfixMsg(1, 1, set(300, rec300("10.0.0.1", "10.0.0.2", 1, 2, 3, 4, "x"))))
	f.Fuzz(func(t *testing.T, tpl, data []byte) {
		for _, b := range [][]byte{tpl, data} {
			if len(b) >= 2 {
				b[0], b[1] = 0, 10
			}
		}
		fuzzDecode(t, data, tpl, data)
	})
}

func FuzzSFlow(f *testing.F) {
	pkt := ethTCP(f, "198.51.100.1", "203.0.113.2", 40000, 443, []byte("payload"))
	raw := sfRecord(sfRawHeader, cat(u32(sfHeaderEthernet, uint32(len(pkt)), 0), xdrOpaque(pkt)))
	v4 := sfRecord(sfSampledIPv4, cat(u32(100, 6), []byte{10, 0, 0, 1, 10, 0, 0, 2}, u32(1, 2, 2, 0)))
	f.Add(sfDatagram(sfRecord(sfFlowSample, cat(u32(1, 3, 512, 1000, 0, 7, 9, 2), raw, v4)), sfRecord(sfCounterSample, u32(1, 3, 0))))
	f.Add(sfDatagram(sfRecord(sfExpandedFlow, cat(u32(1, 0, 3, 256, 1000, 0, 0, 7, 0, 9, 1), raw))))
	f.Fuzz(func(t *testing.T, b []byte) {
		if len(b) >= 4 {
			b[0], b[1], b[2], b[3] = 0, 0, 0, 5
		}
		fuzzDecode(t, b)
	})
}

func FuzzPcapFlows(f *testing.F) {
	f.Add(writePcap(f, []testPacket{
		{0, ethTCP(f, "10.0.0.1", "10.0.0.2", 1, 2, nil)},
		{time.Second, ethUDP(f, "10.0.0.2", "10.0.0.1", 2, 1, []byte("x"))},
	}))
	if root := corpora.Root(); root != "" {
		for _, n := range []string{"icmp", "icmp6", "ipv6", "sctp", "arp", "tcp", "udp"} {
			if b, err := os.ReadFile(filepath.Join(root, "zeek-traces/testing/btest/Traces/communityid", n+".pcap")); err == nil && len(b) < 64<<10 {
				f.Add(b)
			}
		}
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		for _, bidi := range []bool{false, true} {
			var recs []Record
			st, err := FlowsFromPcap(context.Background(), bytes.NewReader(b), PcapOptions{Bidirectional: bidi}, func(r *Record) error {
				recs = append(recs, *r)
				return nil
			})
			if err != nil {
				return // not a capture
			}
			var pkts uint64
			for _, r := range recs {
				pkts += r.Packets
			}
			if pkts != st.IP || st.IP+st.NotIP+st.Malformed != st.Packets {
				t.Fatalf("packets in flows %d, stats %+v", pkts, st)
			}
			checkRecords(t, b, recs)
			// and the same bytes as an export capture must not panic either
			DecodeExportPcap(context.Background(), bytes.NewReader(b), NewDecoder(), func(*Record) error { return nil })
		}
	})
}
