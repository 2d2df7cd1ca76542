package flow

import (
	"bytes"
	"context"
	"net"
	"net/netip"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"renkei/internal/testwait"
)

// BenchmarkDecodeV5 decodes full NetFlow v5 datagrams (30 records each).
func BenchmarkDecodeV5(b *testing.B) {
	dg := v5Datagram(7)
	d := NewDecoder()
	exp := netip.MustParseAddrPort("192.0.2.1:2055")
	var recs []Record
	b.SetBytes(int64(len(dg)))
	b.ReportAllocs()
	for b.Loop() {
		recs, _ = d.Decode(recs[:0], dg, exp, time.Time{})
	}
	b.ReportMetric(float64(30*b.N)/b.Elapsed().Seconds(), "records/s")
}

// BenchmarkDecodeIPFIX decodes IPFIX messages of 40 records with a typical
// template (IPv4 5-tuple, counters, millisecond times, interfaces, flags),
// the template having been learned before.
func BenchmarkDecodeIPFIX(b *testing.B) {
	tpl := set(2, u16(256, 12, 8, 4, 12, 4, 7, 2, 11, 2, 4, 1, 6, 1, 1, 8, 2, 8, 152, 8, 153, 8, 10, 4, 14, 4))
	var recs []byte
	for i := range 40 {
		r := cat([]byte{10, 0, byte(i >> 8), byte(i)}, []byte{192, 0, 2, 1}, u16(uint16(1024+i), 443), []byte{6, 0x18})
		r = cat(r, u32(0, 1500*uint32(i+1)), u32(0, uint32(i+1)), u32(0x18b, 0xcfe56800), u32(0x18b, 0xcfe56c00), u32(3, 4))
		recs = append(recs, r...)
	}
	msg := ipfixMsg(1, 1700000000, set(256, recs))
	d := NewDecoder()
	exp := netip.MustParseAddrPort("192.0.2.1:4739")
	if _, err := d.Decode(nil, ipfixMsg(1, 1700000000, tpl), exp, time.Time{}); err != nil {
		b.Fatal(err)
	}
	out, err := d.Decode(nil, msg, exp, time.Time{})
	if err != nil || len(out) != 40 {
		b.Fatalf("%d records, %v", len(out), err)
	}
	b.SetBytes(int64(len(msg)))
	b.ReportAllocs()
	for b.Loop() {
		out, _ = d.Decode(out[:0], msg, exp, time.Time{})
	}
	b.ReportMetric(float64(40*b.N)/b.Elapsed().Seconds(), "records/s")
}

// BenchmarkPcapFlows builds flows from a capture of 20,000 packets over
// 2,000 TCP/UDP conversations.
func BenchmarkPcapFlows(b *testing.B) {
	var pkts []testPacket
	for i := range 20000 {
		c := i % 2000
		src := netip.AddrFrom4([4]byte{10, 0, byte(c >> 8), byte(c)}).String()
		var p []byte
		if c%2 == 0 {
			p = ethTCP(b, src, "192.0.2.1", uint16(1024+c), 443, make([]byte, 200))
		} else {
			p = ethUDP(b, src, "192.0.2.53", uint16(1024+c), 53, make([]byte, 60))
		}
		pkts = append(pkts, testPacket{time.Duration(i) * time.Millisecond, p})
	}
	capture := writePcap(b, pkts)
	b.SetBytes(int64(len(capture)))
	b.ReportAllocs()
	for b.Loop() {
		n := 0
		if _, err := FlowsFromPcap(context.Background(), bytes.NewReader(capture), PcapOptions{}, func(*Record) error { n++; return nil }); err != nil || n != 2000 {
			b.Fatalf("%d flows, %v", n, err)
		}
	}
	b.ReportMetric(float64(20000*b.N)/b.Elapsed().Seconds(), "packets/s")
}

// BenchmarkRecordJSON encodes one record as a JSON line with its Community ID.
func BenchmarkRecordJSON(b *testing.B) {
	r := Record{SrcAddr: netip.MustParseAddr("10.0.0.1"), DstAddr: netip.MustParseAddr("192.0.2.1"), SrcPort: 1024, DstPort: 443, Proto: 6,
		Bytes: 1500, Packets: 3, Start: time.Unix(1700000000, 0), End: time.Unix(1700000001, 0), Exporter: netip.MustParseAddrPort("192.0.2.9:2055")}
	var buf []byte
	b.ReportAllocs()
	for b.Loop() {
		buf = r.AppendJSON(buf[:0], 0)
	}
}

// BenchmarkCollectV5 measures the UDP collector end to end on loopback:
// b.N NetFlow v5 datagrams (30 records each) sent by 2 senders, timed until
// the last record reached the sink. Loss (from the socket or the loopback
// backlog) is reported as a metric, not hidden.
func BenchmarkCollectV5(b *testing.B) {
	conn, err := ListenUDP("udp://127.0.0.1:0", 0)
	if err != nil {
		b.Fatal(err)
	}
	defer conn.Close()
	c := NewCollector(CollectOptions{})
	var got atomic.Uint64
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan CollectStats, 1)
	go func() {
		st, _ := c.Run(ctx, conn, func(r []Record) error { got.Add(uint64(len(r))); return nil })
		done <- st
	}()
	dgs := make([][]byte, 64)
	for i := range dgs {
		dgs[i] = v5Datagram(uint32(i))
	}
	b.ResetTimer()
	var wg sync.WaitGroup
	for s := range 2 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			u, err := net.DialUDP("udp", nil, conn.LocalAddr().(*net.UDPAddr))
			if err != nil {
				b.Error(err)
				return
			}
			defer u.Close()
			for i := s; i < b.N; i += 2 {
				u.Write(dgs[i%len(dgs)])
			}
		}()
	}
	wg.Wait()
	want := uint64(b.N) * 30
	testwait.Until(5*time.Second, func() bool { return got.Load() >= want })
	elapsed := b.Elapsed()
	b.StopTimer()
	cancel()
	st := <-done
	b.ReportMetric(float64(got.Load())/elapsed.Seconds(), "records/s")
	b.ReportMetric(float64(uint64(b.N)-st.Datagrams), "lost-datagrams")
	b.ReportMetric(float64(st.Dropped), "socket-drops")
}
