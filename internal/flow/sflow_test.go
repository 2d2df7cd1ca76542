package flow

import (
	"errors"
	"net"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"
)

// ethTCP serializes an Ethernet/IPv4/TCP packet with a payload, as an sFlow
// agent would sample it.
func ethTCP(t testing.TB, src, dst string, sport, dport uint16, payload []byte) []byte {
	t.Helper()
	eth := &layers.Ethernet{SrcMAC: net.HardwareAddr{2, 0, 0, 0, 0, 1}, DstMAC: net.HardwareAddr{2, 0, 0, 0, 0, 2}, EthernetType: layers.EthernetTypeIPv4}
	ip := &layers.IPv4{Version: 4, TTL: 64, Protocol: layers.IPProtocolTCP, SrcIP: net.ParseIP(src), DstIP: net.ParseIP(dst)}
	tcp := &layers.TCP{SrcPort: layers.TCPPort(sport), DstPort: layers.TCPPort(dport), SYN: true, ACK: true, Window: 1024}
	if err := tcp.SetNetworkLayerForChecksum(ip); err != nil {
		t.Fatal(err)
	}
	buf := gopacket.NewSerializeBuffer()
	if err := gopacket.SerializeLayers(buf, gopacket.SerializeOptions{FixLengths: true, ComputeChecksums: true}, eth, ip, tcp, gopacket.Payload(payload)); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func xdrOpaque(b []byte) []byte {
	out := cat(u32(uint32(len(b))), b)
	for len(out)%4 != 0 {
		out = append(out, 0)
	}
	return out
}

func sfRecord(format uint32, body []byte) []byte { return cat(u32(format, uint32(len(body))), body) }

func sfDatagram(samples ...[]byte) []byte {
	b := cat(u32(5, 1), []byte{192, 0, 2, 50}, u32(0, 1, 1000, uint32(len(samples))))
	for _, s := range samples {
		b = append(b, s...)
	}
	return b
}

func TestSFlow(t *testing.T) {
	pkt := ethTCP(t, "198.51.100.1", "203.0.113.2", 40000, 443, []byte("SECRET-PAYLOAD-MARKER"))
	raw := sfRecord(sfRawHeader, cat(u32(sfHeaderEthernet, uint32(len(pkt)+4), 4), xdrOpaque(pkt)))
	v6 := sfRecord(sfSampledIPv6, cat(u32(1280, 17), netip.MustParseAddr("2001:db8::1").AsSlice(), netip.MustParseAddr("2001:db8::2").AsSlice(), u32(53, 5353, 0, 0)))
	flowSample := sfRecord(sfFlowSample, cat(u32(1, 3, 512, 1000, 0, 7, 9, 1), raw))
	expanded := sfRecord(sfExpandedFlow, cat(u32(1, 0, 3, 256, 1000, 0, 0, 7, 0, 9, 1), v6))
	counter := sfRecord(sfCounterSample, u32(1, 3, 0))
	dg := sfDatagram(flowSample, counter, expanded)

	d := NewDecoder()
	now := time.Unix(1700000000, 0)
	recs, err := d.Decode(nil, dg, netip.AddrPort{}, now)
	if err != nil {
		t.Fatal(err)
	}
	if len(recs) != 2 {
		t.Fatalf("%d records, want 2", len(recs))
	}
	want0 := Record{
		SrcAddr: netip.MustParseAddr("198.51.100.1"), DstAddr: netip.MustParseAddr("203.0.113.2"),
		SrcPort: 40000, DstPort: 443, Proto: 6, TCPFlags: 0x12,
		Bytes: uint64(len(pkt)-14) * 512, Packets: 512, SamplingRate: 512,
		Start: now, End: now, Exporter: netip.MustParseAddrPort("192.0.2.50:0"),
		InIf: 7, OutIf: 9, Direction: DirectionUnknown,
	}
	if recs[0] != want0 {
		t.Errorf("raw header sample:\n got  %+v\n want %+v", recs[0], want0)
	}
	if r := recs[1]; r.SrcAddr != netip.MustParseAddr("2001:db8::1") || r.DstPort != 5353 || r.Bytes != 1280*256 || r.Packets != 256 || r.Proto != 17 {
		t.Errorf("expanded sampled IPv6: %+v", r)
	}
	if st := d.Stats(); st.CounterSamples != 1 {
		t.Errorf("counter samples %d", st.CounterSamples)
	}
	// Rule C1: nothing of the payload may come out.
	for _, r := range recs {
		if js := string(r.AppendJSON(nil, 0)); strings.Contains(js, "SECRET") {
			t.Errorf("payload leaked: %s", js)
		}
	}

	// Truncation anywhere gives a DecodeError, never a panic.
	for cut := 1; cut < len(dg); cut += 7 {
		_, err := NewDecoder().Decode(nil, dg[:cut], netip.AddrPort{}, now)
		var de *DecodeError
		if err != nil && !errors.As(err, &de) {
			t.Errorf("cut at %d: error %v is not a DecodeError", cut, err)
		}
	}
}
