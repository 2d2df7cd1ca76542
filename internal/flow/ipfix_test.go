package flow

import (
	"encoding/binary"
	"errors"
	"net/netip"
	"testing"
	"time"
)

// ipfixMsg builds an IPFIX message from sets, for tests that need exact
// control over templates and data.
func ipfixMsg(domain uint32, exportSecs uint32, sets ...[]byte) []byte {
	b := make([]byte, 16)
	binary.BigEndian.PutUint16(b, 10)
	binary.BigEndian.PutUint32(b[4:], exportSecs)
	binary.BigEndian.PutUint32(b[12:], domain)
	for _, s := range sets {
		b = append(b, s...)
	}
	binary.BigEndian.PutUint16(b[2:], uint16(len(b)))
	return b
}

func set(id uint16, body ...[]byte) []byte {
	b := make([]byte, 4)
	binary.BigEndian.PutUint16(b, id)
	for _, p := range body {
		b = append(b, p...)
	}
	binary.BigEndian.PutUint16(b[2:], uint16(len(b)))
	return b
}

func u16(v ...uint16) []byte {
	b := make([]byte, 2*len(v))
	for i, x := range v {
		binary.BigEndian.PutUint16(b[2*i:], x)
	}
	return b
}

func u32(v ...uint32) []byte {
	b := make([]byte, 4*len(v))
	for i, x := range v {
		binary.BigEndian.PutUint32(b[4*i:], x)
	}
	return b
}

func cat(parts ...[]byte) []byte {
	var b []byte
	for _, p := range parts {
		b = append(b, p...)
	}
	return b
}

// template 300: srcIPv4 dstIPv4 srcPort dstPort proto octets(8) packets(4),
// then an enterprise field (PEN 9) of 4 bytes and a variable-length
// applicationName (96).
var tpl300 = set(2, u16(300, 9,
	8, 4, 12, 4, 7, 2, 11, 2, 4, 1, 1, 8, 2, 4,
	0x8000|100, 4), u32(9), u16(96, 0xffff))

func rec300(src, dst string, sport, dport uint16, bytes uint64, pkts uint32, app string) []byte {
	s, d := netip.MustParseAddr(src).As4(), netip.MustParseAddr(dst).As4()
	b := cat(s[:], d[:], u16(sport, dport), []byte{6})
	b = binary.BigEndian.AppendUint64(b, bytes)
	b = cat(b, u32(pkts), []byte{0xde, 0xad, 0xbe, 0xef})
	if len(app) < 255 {
		b = append(b, byte(len(app)))
	} else {
		b = append(b, 255, byte(len(app)>>8), byte(len(app)))
	}
	return append(b, app...)
}

func TestIPFIXSynthetic(t *testing.T) {
	exp := netip.MustParseAddrPort("203.0.113.9:4739")
	long := string(make([]byte, 300))
	tests := []struct {
		name    string
		msgs    [][]byte
		want    []int // records per message
		wantErr []bool
		check   func(t *testing.T, recs []Record, st DecoderStats)
	}{
		{
			name: "enterprise field skipped and variable lengths in both forms",
			msgs: [][]byte{ipfixMsg(1, 1700000000, tpl300, set(300,
				rec300("10.0.0.1", "10.0.0.2", 1000, 443, 5000, 7, "https"),
				rec300("10.0.0.3", "10.0.0.4", 1001, 80, 6000, 8, long)))},
			want: []int{2}, wantErr: []bool{false},
			check: func(t *testing.T, recs []Record, _ DecoderStats) {
				if recs[1].SrcAddr != netip.MustParseAddr("10.0.0.3") || recs[1].Bytes != 6000 || recs[1].Packets != 8 || recs[1].DstPort != 80 {
					t.Errorf("second record after 3-byte length prefix: %+v", recs[1])
				}
				if !recs[0].Start.Equal(time.Unix(1700000000, 0)) {
					t.Errorf("no time fields: start %v, want export time", recs[0].Start)
				}
			},
		},
		{
			name: "padding after the last record is ignored",
			msgs: [][]byte{ipfixMsg(1, 1, tpl300, set(300,
				rec300("10.0.0.1", "10.0.0.2", 1, 2, 3, 4, "x"), make([]byte, 3)))},
			want: []int{1}, wantErr: []bool{false},
		},
		{
			name: "data before template is held and decoded when the template comes",
			msgs: [][]byte{
				ipfixMsg(1, 1, set(300, rec300("10.0.0.1", "10.0.0.2", 1, 2, 3, 4, "x"))),
				ipfixMsg(1, 2, tpl300),
			},
			want: []int{0, 1}, wantErr: []bool{false, false},
			check: func(t *testing.T, recs []Record, st DecoderStats) {
				if st.MissingTemplate != 1 || st.HeldDecoded != 1 {
					t.Errorf("stats %+v", st)
				}
				if !recs[0].Start.Equal(time.Unix(1, 0)) {
					t.Errorf("held record should keep its own export time, got %v", recs[0].Start)
				}
			},
		},
		{
			name: "template withdrawal stops decoding",
			msgs: [][]byte{
				ipfixMsg(1, 1, tpl300),
				ipfixMsg(1, 2, set(2, u16(300, 0))),
				ipfixMsg(1, 3, set(300, rec300("10.0.0.1", "10.0.0.2", 1, 2, 3, 4, "x"))),
			},
			want: []int{0, 0, 0}, wantErr: []bool{false, false, false},
			check: func(t *testing.T, _ []Record, st DecoderStats) {
				if st.TemplatesWithdrawn != 1 || st.MissingTemplate != 1 {
					t.Errorf("stats %+v", st)
				}
			},
		},
		{
			name: "withdraw all templates of the domain",
			msgs: [][]byte{
				ipfixMsg(1, 1, tpl300),
				ipfixMsg(1, 2, set(2, u16(2, 0))),
				ipfixMsg(1, 3, set(300, rec300("10.0.0.1", "10.0.0.2", 1, 2, 3, 4, "x"))),
			},
			want: []int{0, 0, 0}, wantErr: []bool{false, false, false},
		},
		{
			name: "options template sampling applied to data of the domain",
			msgs: [][]byte{ipfixMsg(7, 1,
				// options template 400: scope observationDomainId(149), samplingPacketInterval(305), samplingPacketSpace(306)
				set(3, u16(400, 3, 1, 149, 4, 305, 4, 306, 4)),
				set(400, u32(7, 1, 99)), // 1 of every 100 packets
				tpl300,
				set(300, rec300("10.0.0.1", "10.0.0.2", 1, 2, 1500, 1, "x")))},
			want: []int{1}, wantErr: []bool{false},
			check: func(t *testing.T, recs []Record, st DecoderStats) {
				if recs[0].SamplingRate != 100 || recs[0].Bytes != 150000 || recs[0].Packets != 100 {
					t.Errorf("sampling: %+v", recs[0])
				}
				if st.OptionRecords != 1 {
					t.Errorf("options records %d", st.OptionRecords)
				}
			},
		},
		{
			name: "set running past the message is an error with its offset, earlier records kept",
			msgs: [][]byte{func() []byte {
				m := ipfixMsg(1, 1, tpl300, set(300, rec300("10.0.0.1", "10.0.0.2", 1, 2, 3, 4, "x")), set(300, rec300("10.0.0.1", "10.0.0.2", 1, 2, 3, 4, "x")))
				binary.BigEndian.PutUint16(m[len(m)-33:], 200) // second set's length field
				return m
			}()},
			want: []int{1}, wantErr: []bool{true},
		},
		{
			name:    "message length larger than the datagram",
			msgs:    [][]byte{ipfixMsg(1, 1, tpl300)[:20]},
			want:    []int{0},
			wantErr: []bool{true},
		},
		{
			name: "record cut inside a variable-length field",
			msgs: [][]byte{ipfixMsg(1, 1, tpl300, set(300, rec300("10.0.0.1", "10.0.0.2", 1, 2, 3, 4, "abcdef")[:33]))},
			want: []int{0}, wantErr: []bool{true},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := NewDecoder()
			var all []Record
			for i, m := range tt.msgs {
				recs, err := d.Decode(nil, m, exp, time.Time{})
				if (err != nil) != tt.wantErr[i] {
					t.Fatalf("message %d: err = %v, want error %v", i, err, tt.wantErr[i])
				}
				var de *DecodeError
				if err != nil && (!errors.As(err, &de) || de.Format != "ipfix" || de.Offset <= 0) {
					t.Errorf("message %d: error %v should be a DecodeError with an offset", i, err)
				}
				if len(recs) != tt.want[i] {
					t.Fatalf("message %d: %d records, want %d", i, len(recs), tt.want[i])
				}
				all = append(all, recs...)
			}
			if tt.check != nil {
				tt.check(t, all, d.Stats())
			}
		})
	}
}

// TestHeldSetsExpire checks a data set whose template never comes is dropped
// and counted after HoldDatagrams datagrams.
func TestHeldSetsExpire(t *testing.T) {
	d := NewDecoder()
	d.HoldDatagrams = 2
	exp := netip.MustParseAddrPort("203.0.113.9:4739")
	d.Decode(nil, ipfixMsg(1, 1, set(300, rec300("10.0.0.1", "10.0.0.2", 1, 2, 3, 4, "x"))), exp, time.Time{})
	for range 3 {
		d.Decode(nil, ipfixMsg(1, 1, set(999, []byte{1, 2, 3, 4})), netip.MustParseAddrPort("203.0.113.10:4739"), time.Time{})
	}
	recs, _ := d.Decode(nil, ipfixMsg(1, 2, tpl300), exp, time.Time{})
	if len(recs) != 0 {
		t.Errorf("expired set still decoded")
	}
	if st := d.Stats(); st.HeldExpired == 0 {
		t.Errorf("HeldExpired = 0: %+v", st)
	}
}

// TestTemplateCap checks that templates from many (spoofed) exporters stop
// being stored at MaxTemplates, and are counted.
func TestTemplateCap(t *testing.T) {
	d := NewDecoder()
	d.MaxTemplates = 10
	for i := range 25 {
		exp := netip.AddrPortFrom(netip.AddrFrom4([4]byte{198, 51, 100, byte(i)}), 4739)
		d.Decode(nil, ipfixMsg(1, 1, tpl300), exp, time.Time{})
	}
	if st := d.Stats(); st.Templates != 10 || st.TemplatesRefused != 15 || len(d.templates) != 10 {
		t.Errorf("stats %+v, %d templates kept", st, len(d.templates))
	}
}

func TestIsExportDatagram(t *testing.T) {
	tests := []struct {
		name string
		b    []byte
		want bool
	}{
		{"v5", v5Datagram(1), true},
		{"ipfix", ipfixMsg(1, 1, tpl300), true},
		{"v9 template flowset", cat(u16(9, 1), u32(0, 0, 0, 0), u16(0, 8), u16(256, 0)), true},
		{"v9 with a flowset longer than the datagram", cat(u16(9, 1), u32(0, 0, 0, 0), u16(0, 800), u16(256, 0)), false},
		{"sflow", sfDatagram(), true},
		{"dns", []byte("\x12\x34\x01\x00\x00\x01\x00\x00\x00\x00\x00\x00\x03www"), false},
	}
	for _, tt := range tests {
		if got := IsExportDatagram(tt.b); got != tt.want {
			t.Errorf("%s: %v, want %v", tt.name, got, tt.want)
		}
	}
}

// TestBothFamiliesOneZero: a template carrying IPv4 and IPv6 address fields
// (Cisco, Juniper, nProbe) leaves the unused family all zeros; the record
// takes the family that is set, in whichever order the fields come.
func TestBothFamiliesOneZero(t *testing.T) {
	v4 := func(s string) []byte { a := netip.MustParseAddr(s).As4(); return a[:] }
	v6 := func(s string) []byte { a := netip.MustParseAddr(s).As16(); return a[:] }
	// 401: srcIPv4 dstIPv4 srcIPv6 dstIPv6 srcPort dstPort proto
	tpl401 := set(2, u16(401, 7, 8, 4, 12, 4, 27, 16, 28, 16, 7, 2, 11, 2, 4, 1))
	// 402: the same fields, IPv6 first
	tpl402 := set(2, u16(402, 7, 27, 16, 28, 16, 8, 4, 12, 4, 7, 2, 11, 2, 4, 1))
	msg := ipfixMsg(1, 1700000000, tpl401, tpl402,
		set(401, cat(v4("192.0.2.1"), v4("198.51.100.2"), v6("::"), v6("::"), u16(1000, 443), []byte{6})),
		set(401, cat(v4("0.0.0.0"), v4("0.0.0.0"), v6("2001:db8::1"), v6("2001:db8::2"), u16(1001, 443), []byte{6})),
		set(402, cat(v6("::"), v6("::"), v4("192.0.2.3"), v4("198.51.100.4"), u16(1002, 443), []byte{6})),
		set(402, cat(v6("2001:db8::5"), v6("2001:db8::6"), v4("0.0.0.0"), v4("0.0.0.0"), u16(1003, 443), []byte{6})))
	d := NewDecoder()
	recs, err := d.Decode(nil, msg, netip.MustParseAddrPort("203.0.113.9:4739"), time.Time{})
	if err != nil {
		t.Fatal(err)
	}
	want := [][2]string{{"192.0.2.1", "198.51.100.2"}, {"2001:db8::1", "2001:db8::2"}, {"192.0.2.3", "198.51.100.4"}, {"2001:db8::5", "2001:db8::6"}}
	if len(recs) != len(want) {
		t.Fatalf("%d records, want %d", len(recs), len(want))
	}
	for i, w := range want {
		if recs[i].SrcAddr.String() != w[0] || recs[i].DstAddr.String() != w[1] {
			t.Errorf("record %d: %s -> %s, want %s -> %s", i, recs[i].SrcAddr, recs[i].DstAddr, w[0], w[1])
		}
	}
}
