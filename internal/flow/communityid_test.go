package flow

import (
	"bufio"
	"context"
	"net/netip"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"renkei/internal/corpora"
)

// TestCommunityIDZeekVectors builds flows from Zeek's Community ID pcaps and
// checks that every hash Zeek's baseline lists comes out of our flows, and
// that we produce no hash Zeek does not know.
func TestCommunityIDZeekVectors(t *testing.T) {
	base := corpora.Path(t, "zeek-traces/testing/btest/Baseline/bifs.community_id.run-pcaps")
	traces := corpora.Path(t, "zeek-traces/testing/btest/Traces/communityid")
	line := regexp.MustCompile(`orig_h=([^,]+), orig_p=\d+/\w+, resp_h=([^,]+), .*\], (1:\S+)$`)
	for _, name := range []string{"tcp", "udp", "icmp", "icmp6", "ipv6", "sctp", "arp"} {
		t.Run(name, func(t *testing.T) {
			want := map[string]string{} // id → "orig resp"
			f, err := os.Open(filepath.Join(base, name+".pcap.out"))
			if err != nil {
				t.Fatal(err)
			}
			sc := bufio.NewScanner(f)
			for sc.Scan() {
				if m := line.FindStringSubmatch(sc.Text()); m != nil {
					want[m[3]] = m[1] + " " + m[2]
				}
			}
			f.Close()
			pf, err := os.Open(filepath.Join(traces, name+".pcap"))
			if err != nil {
				t.Fatal(err)
			}
			defer pf.Close()
			got := map[string]string{}
			_, err = FlowsFromPcap(context.Background(), pf, PcapOptions{Bidirectional: true}, func(r *Record) error {
				got[r.CommunityID(0)] = r.SrcAddr.String() + " " + r.DstAddr.String()
				return nil
			})
			if err != nil {
				t.Fatal(err)
			}
			for id, who := range want {
				if _, ok := got[id]; !ok {
					t.Errorf("Zeek's %s (%s) not produced", id, who)
				}
			}
			for id, who := range got {
				if _, ok := want[id]; !ok {
					t.Errorf("produced %s (%s) that Zeek does not list", id, who)
				}
			}
		})
	}
}

// TestCommunityIDSpec checks properties the specification demands: both
// directions hash alike, the seed changes the hash, one-way ICMP keeps order.
func TestCommunityIDSpec(t *testing.T) {
	a, b := netip.MustParseAddr("128.232.110.120"), netip.MustParseAddr("66.35.250.204")
	fwd := Record{SrcAddr: a, DstAddr: b, SrcPort: 34855, DstPort: 80, Proto: ProtoTCP}
	rev := Record{SrcAddr: b, DstAddr: a, SrcPort: 80, DstPort: 34855, Proto: ProtoTCP}
	tests := []struct {
		name string
		got  string
		want string
	}{
		{"tcp forward, Zeek tcp.pcap vector", fwd.CommunityID(0), "1:LQU9qZlK+B5F3KDmev6m5PMibrg="},
		{"tcp reverse gives the same id", rev.CommunityID(0), "1:LQU9qZlK+B5F3KDmev6m5PMibrg="},
		{"ipv4 mapped in ipv6 is unmapped", (&Record{SrcAddr: netip.AddrFrom16(a.As16()), DstAddr: b, SrcPort: 34855, DstPort: 80, Proto: ProtoTCP}).CommunityID(0), "1:LQU9qZlK+B5F3KDmev6m5PMibrg="},
	}
	for _, tt := range tests {
		if tt.got != tt.want {
			t.Errorf("%s: got %s want %s", tt.name, tt.got, tt.want)
		}
	}
	if fwd.CommunityID(1) == fwd.CommunityID(0) {
		t.Error("seed 1 gives the same id as seed 0")
	}
	// Echo request and reply are one conversation.
	req := Record{SrcAddr: a, DstAddr: b, SrcPort: 8, DstPort: 0, Proto: ProtoICMP}
	rep := Record{SrcAddr: b, DstAddr: a, SrcPort: 0, DstPort: 0, Proto: ProtoICMP}
	if req.CommunityID(0) != rep.CommunityID(0) {
		t.Error("ICMP echo request and reply hash differently")
	}
	// Destination unreachable is one-way: its direction matters.
	u1 := Record{SrcAddr: a, DstAddr: b, SrcPort: 3, DstPort: 1, Proto: ProtoICMP}
	u2 := Record{SrcAddr: b, DstAddr: a, SrcPort: 3, DstPort: 1, Proto: ProtoICMP}
	if u1.CommunityID(0) == u2.CommunityID(0) {
		t.Error("one-way ICMP in both directions hashes alike")
	}
	if got := (&Record{}).CommunityID(0); got != "" {
		t.Errorf("record without addresses: got %q, want empty", got)
	}
	ids := []string{fwd.CommunityID(0), u1.CommunityID(0)}
	for _, id := range ids {
		if !strings.HasPrefix(id, "1:") || len(id) != 30 {
			t.Errorf("malformed id %q", id)
		}
	}
}
