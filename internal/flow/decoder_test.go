package flow

import (
	"encoding/binary"
	"errors"
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"renkei/internal/corpora"
)

var testExporter = netip.MustParseAddrPort("192.0.2.1:2055")

// TestLogstashCorpus feeds every datagram of the logstash corpus, grouped by
// exporter, through a fresh Decoder and checks how many flow records each one
// yields. Only the two datagrams the corpus marks invalid may fail.
func TestLogstashCorpus(t *testing.T) {
	dir := corpora.Path(t, "netflow-logstash-dat/spec/codecs")
	all, _ := filepath.Glob(filepath.Join(dir, "*.dat"))
	listed := map[string]bool{}
	for _, g := range vendorGroups {
		t.Run(g.name, func(t *testing.T) {
			d := NewDecoder()
			for i, f := range g.files {
				listed[f] = true
				b, err := os.ReadFile(filepath.Join(dir, f))
				if err != nil {
					t.Fatal(err)
				}
				recs, err := d.Decode(nil, b, testExporter, time.Unix(0, 0))
				invalid := strings.Contains(f, "invalid") && strings.HasPrefix(f, "netflow5")
				if invalid {
					var de *DecodeError
					if !errors.As(err, &de) || de.Offset != 2 {
						t.Errorf("%s: want a DecodeError at offset 2 (record count), got %v", f, err)
					}
				} else if err != nil {
					t.Errorf("%s: %v", f, err)
				}
				if len(recs) != g.records[i] {
					t.Errorf("%s: %d records, want %d", f, len(recs), g.records[i])
				}
				for _, r := range recs {
					if r.Exporter != testExporter {
						t.Errorf("%s: exporter %v", f, r.Exporter)
					}
					if r.End.Before(r.Start) && r.End.Year() > 2000 {
						t.Errorf("%s: flow ends %v before it starts %v", f, r.End, r.Start)
					}
				}
			}
		})
	}
	if len(listed) != len(all) {
		t.Errorf("corpus has %d datagrams, the groups list %d", len(all), len(listed))
	}
}

func readCorpus(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(corpora.Path(t, "netflow-logstash-dat/spec/codecs"), name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func decodeFiles(t *testing.T, names ...string) ([]Record, *Decoder) {
	t.Helper()
	d := NewDecoder()
	var out []Record
	for _, n := range names {
		var err error
		out, err = d.Decode(out, readCorpus(t, n), testExporter, time.Time{})
		if err != nil {
			t.Fatalf("%s: %v", n, err)
		}
	}
	return out, d
}

// TestKnownRecords checks records field by field against values read by hand
// from the datagrams' hex (offsets noted).
func TestKnownRecords(t *testing.T) {
	tests := []struct {
		name  string
		files []string
		index int
		want  Record
	}{
		{
			// header: uptime 0x0d35, secs 0x55451990, nsecs 0x10b57740; record 0 at 24:
			// 10.0.2.2 → 10.0.2.15, 5 packets, 0xe6 bytes, First 0xffffffff (wrapped), Last 0x0a11,
			// ports 0xd4a3 → 0x16, flags 0x10, proto 6
			name: "netflow v5", files: []string{"netflow5.dat"}, index: 0,
			want: Record{
				SrcAddr: netip.MustParseAddr("10.0.2.2"), DstAddr: netip.MustParseAddr("10.0.2.15"),
				SrcPort: 54435, DstPort: 22, Proto: 6, Bytes: 230, Packets: 5, TCPFlags: 0x10,
				Start:    time.Date(2015, 5, 2, 18, 38, 4, 898328000, time.UTC),
				End:      time.Date(2015, 5, 2, 18, 38, 7, 476328000, time.UTC),
				Exporter: testExporter, Direction: DirectionUnknown,
			},
		},
		{
			// options template 256 carries systemInitTimeMilliseconds 0x14d4d00e3c2;
			// data record: first 0, last 0x31b6 ms after it; 0x104 bytes, 5 packets
			name: "ipfix with system init time from an options record", files: []string{"ipfix.dat"}, index: 0,
			want: Record{
				SrcAddr: netip.MustParseAddr("192.168.253.1"), DstAddr: netip.MustParseAddr("192.168.253.128"),
				SrcPort: 60560, DstPort: 22, Proto: 6, Bytes: 260, Packets: 5, TCPFlags: 0x10,
				Start:    time.Date(2015, 5, 13, 11, 20, 13, 506000000, time.UTC),
				End:      time.Date(2015, 5, 13, 11, 20, 26, 232000000, time.UTC),
				Exporter: testExporter, Direction: DirectionUnknown,
			},
		},
		{
			// template 3281 ends with field 236 of length 0xffff (variable) in NetFlow v9;
			// data: 0x2be bytes, 9 packets, 20.20.20.20 → 20.20.255.255, 137 → 137
			name: "netflow v9 variable-length field (H3C)", index: 0,
			files: []string{"netflow9_test_h3c_netstream_varstring_tpl3281.dat", "netflow9_test_h3c_netstream_varstring_data3281.dat"},
			want: Record{
				SrcAddr: netip.MustParseAddr("20.20.20.20"), DstAddr: netip.MustParseAddr("20.20.255.255"),
				SrcPort: 137, DstPort: 137, Proto: 17, Bytes: 702, Packets: 9,
				Start:    time.Date(2018, 7, 18, 1, 34, 33, 274000000, time.UTC),
				End:      time.Date(2018, 7, 18, 1, 35, 2, 969000000, time.UTC),
				Exporter: testExporter, Direction: 0, InIf: 17,
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			recs, _ := decodeFiles(t, tt.files...)
			if len(recs) <= tt.index {
				t.Fatalf("%d records", len(recs))
			}
			got := recs[tt.index]
			got.Start, got.End = got.Start.UTC(), got.End.UTC()
			if got != tt.want {
				t.Errorf("got  %+v\nwant %+v", got, tt.want)
			}
		})
	}
}

// TestV5CountMatchesHeader checks every valid v5 datagram yields exactly the
// number of records its header announces.
func TestV5CountMatchesHeader(t *testing.T) {
	for _, n := range []string{"netflow5.dat", "netflow5_test_juniper_mx80.dat", "netflow5_test_microtik.dat"} {
		b := readCorpus(t, n)
		recs, err := NewDecoder().Decode(nil, b, testExporter, time.Time{})
		if err != nil {
			t.Fatalf("%s: %v", n, err)
		}
		if want := int(binary.BigEndian.Uint16(b[2:])); len(recs) != want {
			t.Errorf("%s: %d records, header says %d", n, len(recs), want)
		}
	}
	// The Juniper MX80 header announces 1-in-1000 sampling (0x03e8 in the low 14 bits).
	recs, _ := decodeFiles(t, "netflow5_test_juniper_mx80.dat")
	if recs[0].SamplingRate != 1000 || recs[0].Packets%1000 != 0 {
		t.Errorf("sampling not applied: rate %d packets %d", recs[0].SamplingRate, recs[0].Packets)
	}
}

// TestTemplatesPerExporterAndDomain checks that a template learned from one
// exporter or observation domain is not used for another.
func TestTemplatesPerExporterAndDomain(t *testing.T) {
	tpl := readCorpus(t, "netflow9_test_cisco_asa_1_tpl.dat")
	data := readCorpus(t, "netflow9_test_cisco_asa_1_data.dat")
	other := netip.MustParseAddrPort("198.51.100.7:2055")

	d := NewDecoder()
	d.HoldDatagrams = 0
	if _, err := d.Decode(nil, tpl, testExporter, time.Time{}); err != nil {
		t.Fatal(err)
	}
	recs, _ := d.Decode(nil, data, other, time.Time{})
	if len(recs) != 0 {
		t.Errorf("another exporter's data decoded with this exporter's templates: %d records", len(recs))
	}
	dom := append([]byte(nil), data...)
	binary.BigEndian.PutUint32(dom[16:], 4242) // other source id
	recs, _ = d.Decode(nil, dom, testExporter, time.Time{})
	if len(recs) != 0 {
		t.Errorf("another observation domain decoded: %d records", len(recs))
	}
	recs, _ = d.Decode(nil, data, testExporter, time.Time{})
	if len(recs) != 14 {
		t.Errorf("same exporter and domain: %d records, want 14", len(recs))
	}
	if st := d.Stats(); st.MissingTemplate < 2 {
		t.Errorf("MissingTemplate = %d, want ≥ 2", st.MissingTemplate)
	}
}
