package flow

import (
	"bytes"
	"context"
	"net"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"
	"github.com/gopacket/gopacket/pcapgo"

	"renkei/internal/corpora"
)

type testPacket struct {
	at   time.Duration
	data []byte
}

func writePcap(t testing.TB, pkts []testPacket) []byte {
	t.Helper()
	var buf bytes.Buffer
	w := pcapgo.NewWriter(&buf)
	if err := w.WriteFileHeader(65535, layers.LinkTypeEthernet); err != nil {
		t.Fatal(err)
	}
	base := time.Unix(1700000000, 0)
	for _, p := range pkts {
		ci := gopacket.CaptureInfo{Timestamp: base.Add(p.at), CaptureLength: len(p.data), Length: len(p.data)}
		if err := w.WritePacket(ci, p.data); err != nil {
			t.Fatal(err)
		}
	}
	return buf.Bytes()
}

func ethUDP(t testing.TB, src, dst string, sport, dport uint16, payload []byte) []byte {
	t.Helper()
	eth := &layers.Ethernet{SrcMAC: net.HardwareAddr{2, 0, 0, 0, 0, 1}, DstMAC: net.HardwareAddr{2, 0, 0, 0, 0, 2}, EthernetType: layers.EthernetTypeIPv4}
	ip := &layers.IPv4{Version: 4, TTL: 64, Protocol: layers.IPProtocolUDP, SrcIP: net.ParseIP(src), DstIP: net.ParseIP(dst)}
	udp := &layers.UDP{SrcPort: layers.UDPPort(sport), DstPort: layers.UDPPort(dport)}
	if err := udp.SetNetworkLayerForChecksum(ip); err != nil {
		t.Fatal(err)
	}
	buf := gopacket.NewSerializeBuffer()
	if err := gopacket.SerializeLayers(buf, gopacket.SerializeOptions{FixLengths: true, ComputeChecksums: true}, eth, ip, udp, gopacket.Payload(payload)); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func collectFlows(t *testing.T, capture []byte, opts PcapOptions) ([]Record, PcapStats) {
	t.Helper()
	var out []Record
	st, err := FlowsFromPcap(context.Background(), bytes.NewReader(capture), opts, func(r *Record) error {
		out = append(out, *r)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out, st
}

func TestFlowsFromPcapTimeouts(t *testing.T) {
	syn := ethTCP(t, "10.1.0.1", "10.2.0.2", 50000, 80, nil)
	synack := ethTCP(t, "10.2.0.2", "10.1.0.1", 80, 50000, nil)
	data := ethTCP(t, "10.1.0.1", "10.2.0.2", 50000, 80, make([]byte, 100))
	dns := ethUDP(t, "10.1.0.1", "10.9.9.9", 5353, 53, make([]byte, 30))
	arp := func() []byte {
		buf := gopacket.NewSerializeBuffer()
		gopacket.SerializeLayers(buf, gopacket.SerializeOptions{FixLengths: true},
			&layers.Ethernet{SrcMAC: net.HardwareAddr{2, 0, 0, 0, 0, 1}, DstMAC: layers.EthernetBroadcast, EthernetType: layers.EthernetTypeARP},
			&layers.ARP{AddrType: layers.LinkTypeEthernet, Protocol: layers.EthernetTypeIPv4, HwAddressSize: 6, ProtAddressSize: 4,
				SourceHwAddress: []byte{2, 0, 0, 0, 0, 1}, SourceProtAddress: []byte{10, 1, 0, 1}, DstHwAddress: make([]byte, 6), DstProtAddress: []byte{10, 1, 0, 2}})
		return buf.Bytes()
	}()
	capture := writePcap(t, []testPacket{
		{0, syn}, {10 * time.Millisecond, synack}, {20 * time.Millisecond, data},
		{30 * time.Millisecond, arp}, {40 * time.Millisecond, dns},
		{2 * time.Minute, data}, // after the 60 s idle timeout: a new flow
		{2*time.Minute + time.Second, []byte{1, 2, 3}},
	})
	ipLen := func(frame []byte) uint64 { return uint64(frame[16])<<8 | uint64(frame[17]) } // IPv4 total length
	tests := []struct {
		name  string
		opts  PcapOptions
		flows int
		first Record // the 10.1.0.1 → 10.2.0.2 flow
	}{
		{"unidirectional", PcapOptions{}, 4, Record{Packets: 2, Bytes: ipLen(syn) + ipLen(data), TCPFlags: 0x12 | 0x10}},
		{"bidirectional", PcapOptions{Bidirectional: true}, 3, Record{Packets: 3, Bytes: ipLen(syn) + ipLen(synack) + ipLen(data), TCPFlags: 0x12}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			recs, st := collectFlows(t, capture, tt.opts)
			if len(recs) != tt.flows {
				for _, r := range recs {
					t.Logf("%s", r.AppendJSON(nil, 0))
				}
				t.Fatalf("%d flows, want %d", len(recs), tt.flows)
			}
			if st.Packets != 7 || st.NotIP != 1 || st.Malformed != 1 || st.IP != 5 {
				t.Errorf("stats %+v", st)
			}
			f := recs[0]
			if f.SrcAddr.String() != "10.1.0.1" || f.SrcPort != 50000 || f.DstPort != 80 || f.Proto != 6 {
				t.Fatalf("first flow %+v", f)
			}
			if f.Packets != tt.first.Packets || f.Bytes != tt.first.Bytes || f.TCPFlags&tt.first.TCPFlags != tt.first.TCPFlags {
				t.Errorf("first flow packets %d bytes %d flags %#x, want %d %d %#x", f.Packets, f.Bytes, f.TCPFlags, tt.first.Packets, tt.first.Bytes, tt.first.TCPFlags)
			}
			last := recs[len(recs)-1]
			if last.Packets != 1 || last.Start.Sub(f.Start) != 2*time.Minute {
				t.Errorf("flow after idle timeout: %+v", last)
			}
		})
	}
}

func TestFlowsFromPcapActiveTimeout(t *testing.T) {
	var pkts []testPacket
	for i := range 10 {
		pkts = append(pkts, testPacket{time.Duration(i) * 20 * time.Second, ethUDP(t, "10.0.0.1", "10.0.0.2", 1, 2, nil)})
	}
	recs, _ := collectFlows(t, writePcap(t, pkts), PcapOptions{ActiveTimeout: time.Minute})
	// packets at 0..180 s every 20 s; a flow is cut once it has lasted a
	// minute: 0–40, 60–100, 120–160, 180
	if len(recs) != 4 {
		t.Fatalf("%d flows, want 4", len(recs))
	}
	var n uint64
	for _, r := range recs {
		n += r.Packets
	}
	if n != 10 {
		t.Errorf("packets over all flows %d, want 10", n)
	}
}

func TestFlowsFromPcapCutShort(t *testing.T) {
	capture := writePcap(t, []testPacket{{0, ethUDP(t, "10.0.0.1", "10.0.0.2", 1, 2, nil)}, {time.Second, ethUDP(t, "10.0.0.1", "10.0.0.3", 1, 2, nil)}})
	recs, st := collectFlows(t, capture[:len(capture)-10], PcapOptions{})
	if len(recs) != 1 || len(st.Problems) != 1 {
		t.Errorf("cut capture: %d flows, problems %q", len(recs), st.Problems)
	}
	if _, err := FlowsFromPcap(context.Background(), bytes.NewReader([]byte("not a capture at all")), PcapOptions{}, func(*Record) error { return nil }); err == nil {
		t.Error("garbage accepted as a capture")
	}
}

// TestZeekTraces checks invariants on every Zeek trace: every IP packet lands
// in exactly one flow, and bidirectional mode never yields more flows.
func TestZeekTraces(t *testing.T) {
	root := corpora.Path(t, "zeek-traces/testing/btest/Traces")
	var files []string
	filepath.Walk(root, func(p string, info os.FileInfo, err error) error {
		if err == nil && !info.IsDir() && (filepath.Ext(p) == ".pcap") {
			files = append(files, p)
		}
		return nil
	})
	if len(files) < 10 {
		t.Fatalf("only %d pcaps under %s", len(files), root)
	}
	for _, f := range files {
		rel, _ := filepath.Rel(root, f)
		t.Run(rel, func(t *testing.T) {
			b, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			uni, st := collectFlows(t, b, PcapOptions{})
			bi, _ := collectFlows(t, b, PcapOptions{Bidirectional: true})
			var n uint64
			for _, r := range uni {
				n += r.Packets
				if r.CommunityID(0) == "" {
					t.Errorf("no community id: %+v", r)
				}
			}
			if n != st.IP {
				t.Errorf("flows hold %d packets, %d IP packets read", n, st.IP)
			}
			if len(bi) > len(uni) {
				t.Errorf("bidirectional %d flows > unidirectional %d", len(bi), len(uni))
			}
		})
	}
}

// TestTCPTraceMatchesZeek checks the one-connection trace of the Community ID
// vectors against what Zeek's baseline says about it (one TCP connection
// 128.232.110.120:34855 → 66.35.250.204:80).
func TestTCPTraceMatchesZeek(t *testing.T) {
	b, err := os.ReadFile(corpora.Path(t, "zeek-traces/testing/btest/Traces/communityid/tcp.pcap"))
	if err != nil {
		t.Fatal(err)
	}
	recs, st := collectFlows(t, b, PcapOptions{Bidirectional: true})
	if len(recs) != 1 {
		t.Fatalf("%d flows", len(recs))
	}
	r := recs[0]
	if r.SrcAddr.String() != "128.232.110.120" || r.SrcPort != 34855 || r.DstAddr.String() != "66.35.250.204" || r.DstPort != 80 {
		t.Errorf("originator %v:%d → %v:%d", r.SrcAddr, r.SrcPort, r.DstAddr, r.DstPort)
	}
	if r.Packets != st.IP || r.TCPFlags&0x03 != 0x03 {
		t.Errorf("packets %d of %d, flags %#x (want SYN and FIN)", r.Packets, st.IP, r.TCPFlags)
	}
}

func TestDecodeExportPcap(t *testing.T) {
	tpl := readCorpus(t, "netflow9_test_cisco_asa_1_tpl.dat")
	data := readCorpus(t, "netflow9_test_cisco_asa_1_data.dat")
	v5 := readCorpus(t, "netflow5.dat")
	capture := writePcap(t, []testPacket{
		{0, ethUDP(t, "192.0.2.1", "192.0.2.200", 40000, 2055, tpl)},
		{time.Millisecond, ethUDP(t, "192.0.2.9", "192.0.2.200", 53, 53, []byte("dns, not export"))},
		{2 * time.Millisecond, ethUDP(t, "192.0.2.1", "192.0.2.200", 40000, 2055, data)},
		{3 * time.Millisecond, ethUDP(t, "192.0.2.2", "192.0.2.200", 40001, 12345, v5)}, // found by content
		{4 * time.Millisecond, ethUDP(t, "192.0.2.3", "192.0.2.200", 40001, 2055, []byte{0, 9, 0, 1, 2})},
	})
	var recs []Record
	st, err := DecodeExportPcap(context.Background(), bytes.NewReader(capture), NewDecoder(), func(r *Record) error {
		recs = append(recs, *r)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if st.Datagrams != 4 || st.Skipped != 1 || st.Malformed != 1 || len(recs) != 14+2 || st.Records != 16 {
		t.Errorf("stats %+v, %d records", st, len(recs))
	}
	if recs[0].Exporter.String() != "192.0.2.1:40000" || recs[14].Exporter.String() != "192.0.2.2:40001" {
		t.Errorf("exporters %v %v", recs[0].Exporter, recs[14].Exporter)
	}
	if !IsCapture(capture) || IsCapture(tpl) {
		t.Error("IsCapture")
	}
}

// TestEncapsulations checks that IP inside 802.1Q/QinQ, MPLS and PPPoE is
// found (softflowd 1.1 misses the last two; Zeek finds them all).
func TestEncapsulations(t *testing.T) {
	tests := []struct {
		trace string
		flows int
	}{
		{"mpls-in-vlan.pcap", 3},
		{"pppoe-over-qinq.pcap", 3},
		{"q-in-q.pcap", 2},
	}
	for _, tt := range tests {
		t.Run(tt.trace, func(t *testing.T) {
			b, err := os.ReadFile(corpora.Path(t, "zeek-traces/testing/btest/Traces/"+tt.trace))
			if err != nil {
				t.Fatal(err)
			}
			recs, st := collectFlows(t, b, PcapOptions{})
			if len(recs) != tt.flows || st.Malformed != 0 {
				t.Errorf("%d flows (want %d), stats %+v", len(recs), tt.flows, st)
			}
		})
	}
}
