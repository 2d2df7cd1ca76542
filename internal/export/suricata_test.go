package export

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"net"
	"net/netip"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"
	"github.com/gopacket/gopacket/pcapgo"

	"renkei/internal/match"
)

// suricataSet builds a set of STIX indicators from id → pattern, each
// modified at v1.
func suricataSet(t *testing.T, inds map[string]string, modified map[string]time.Time) *match.Set {
	t.Helper()
	b := match.NewBuilder()
	for id, pat := range inds {
		if err := b.AddSTIX(match.Indicator{ID: id, Pattern: pat, TLP: "green", Modified: modified[id]}); err != nil {
			t.Fatal(err)
		}
	}
	return b.Build()
}

func suricataRules(t *testing.T, set *match.Set, opt Options) string {
	t.Helper()
	var buf bytes.Buffer
	opt.At = at
	if _, err := WriteSet(&buf, "suricata", set, opt); err != nil {
		t.Fatal(err)
	}
	return buf.String()
}

var ruleMsgSID = regexp.MustCompile(`msg:"([^"]*)".* sid:(\d+); rev:(\d+);\)$`)

// sidsByMsg maps each rule's msg to its sid and rev.
func sidsByMsg(t *testing.T, rules string) map[string][2]int {
	t.Helper()
	out := map[string][2]int{}
	for _, l := range strings.Split(rules, "\n") {
		if l == "" || strings.HasPrefix(l, "#") {
			continue
		}
		m := ruleMsgSID.FindStringSubmatch(l)
		if m == nil {
			t.Fatalf("rule without msg, sid and rev: %s", l)
		}
		sid, _ := strconv.Atoi(m[2])
		rev, _ := strconv.Atoi(m[3])
		if _, twice := out[m[1]]; twice {
			t.Fatalf("two rules with msg %q", m[1])
		}
		out[m[1]] = [2]int{sid, rev}
	}
	return out
}

func ind(n int) string { return fmt.Sprintf("indicator--%08x-0000-4000-8000-000000000000", n) }

// TestSuricataSIDsFollowIndicatorsNotPosition: adding indicators (whose ids
// sort before, between and after the others) changes no existing rule's sid.
func TestSuricataSIDsFollowIndicatorsNotPosition(t *testing.T) {
	inds := map[string]string{}
	for i := 10; i < 40; i++ {
		inds[ind(i)] = fmt.Sprintf("[domain-name:value = 'd%d.example' OR url:value = 'http://u%d.example/p']", i, i)
	}
	inds[ind(50)] = "[ipv4-addr:value = '192.0.2.1']"
	before := sidsByMsg(t, suricataRules(t, suricataSet(t, inds, nil), Options{}))
	for _, i := range []int{1, 25, 99} {
		inds[ind(i*1000)] = fmt.Sprintf("[domain-name:value = 'new%d.example']", i)
	}
	inds[ind(51)] = "[ipv4-addr:value = '192.0.2.77']"
	after := sidsByMsg(t, suricataRules(t, suricataSet(t, inds, nil), Options{}))
	if len(after) != len(before)+9 {
		t.Fatalf("%d rules after adding 3 domains, want %d", len(after), len(before)+9)
	}
	seen := map[int]string{}
	for msg, v := range after {
		if v[0] < DefaultSIDBase || v[0] >= DefaultSIDBase+DefaultSIDRange {
			t.Errorf("%s: sid %d outside the documented range", msg, v[0])
		}
		if other, ok := seen[v[0]]; ok {
			t.Errorf("sid %d given to %q and %q", v[0], msg, other)
		}
		seen[v[0]] = msg
	}
	for msg, v := range before {
		if after[msg][0] != v[0] {
			t.Errorf("%s: sid %d became %d when other indicators were added", msg, v[0], after[msg][0])
		}
	}
}

// TestSuricataSIDCollisionsResolved: in a range of 4 sids, four rules get
// the four sids whatever their hashes, and a fifth is an error.
func TestSuricataSIDCollisionsResolved(t *testing.T) {
	var rules []*suricataRule
	for i := range 4 {
		rules = append(rules, &suricataRule{key: fmt.Sprint("k", i)})
	}
	if err := assignSIDs(rules, 100, 4); err != nil {
		t.Fatal(err)
	}
	got := map[uint32]bool{}
	for _, r := range rules {
		got[r.sid] = true
	}
	if len(got) != 4 || !got[100] || !got[103] {
		t.Errorf("sids %v, want 100-103", got)
	}
	if err := assignSIDs(append(rules, &suricataRule{key: "k4"}), 100, 4); err == nil {
		t.Error("5 rules in 4 sids accepted")
	}
}

// TestSuricataRevFollowsVersion: a new version of an indicator keeps its
// sid and raises its rev.
func TestSuricataRevFollowsVersion(t *testing.T) {
	v1 := time.Date(2026, 10, 1, 0, 0, 0, 0, time.UTC)
	v2 := v1.Add(36 * time.Hour)
	inds := map[string]string{ind(1): "[domain-name:value = 'c2.example' OR ipv4-addr:value = '198.51.100.7']"}
	r1 := sidsByMsg(t, suricataRules(t, suricataSet(t, inds, map[string]time.Time{ind(1): v1}), Options{}))
	r2 := sidsByMsg(t, suricataRules(t, suricataSet(t, inds, map[string]time.Time{ind(1): v2}), Options{}))
	for msg, v := range r1 {
		if v[1] != int(v1.Unix()) || r2[msg][1] != int(v2.Unix()) || r2[msg][0] != v[0] {
			t.Errorf("%s: sid/rev %v then %v, want the same sid and rev %d then %d", msg, v, r2[msg], v1.Unix(), v2.Unix())
		}
	}
}

// TestSuricataGroupsAddresses: 30,000 address indicators make a few hundred
// rules, none over Suricata's 8 KiB, and the comments above a group trace
// every address to its indicator.
func TestSuricataGroupsAddresses(t *testing.T) {
	b := match.NewBuilder()
	for i := range 30_000 {
		a := netip.AddrFrom4([4]byte{byte(1 + i%220), byte(i >> 8), byte(i), 7})
		if err := b.AddSTIX(match.Indicator{ID: ind(i), Pattern: "[ipv4-addr:value = '" + a.String() + "']", TLP: "amber"}); err != nil {
			t.Fatal(err)
		}
	}
	out := suricataRules(t, b.Build(), Options{})
	rules, traced := 0, 0
	for _, l := range strings.Split(strings.TrimSpace(out), "\n") {
		switch {
		case strings.HasPrefix(l, "# sid "):
			traced++
		case !strings.HasPrefix(l, "#"):
			rules++
			if len(l) > 8192 {
				t.Errorf("rule of %d bytes; Suricata reads at most 8192", len(l))
			}
		}
	}
	if rules > 2*220*2 {
		t.Errorf("%d rules for 30,000 addresses in 220 /8 blocks", rules)
	}
	if traced != 30_000 {
		t.Errorf("%d trace lines, want one per address and indicator (30,000)", traced)
	}
	m := regexp.MustCompile(`(?m)^# sid (\d+) (\d+): 3\.0\.2\.7 (\S+)$`).FindStringSubmatch(out)
	if m == nil || m[3] != ind(2) {
		t.Fatalf("3.0.2.7 not traced to %s: %v", ind(2), m)
	}
	for _, sid := range m[1:3] {
		r := regexp.MustCompile(`(?m)^alert ip .*[\[,]3\.0\.2\.7[,\]].* sid:` + sid + `; rev:1;\)$`)
		if !r.MatchString(out) {
			t.Errorf("sid %s does not hold 3.0.2.7", sid)
		}
	}
}

// TestSuricataRulesCarryTLPAndClasstype: every rule names its TLP in
// metadata and has a classtype, as docs/exports.md says.
func TestSuricataRulesCarryTLPAndClasstype(t *testing.T) {
	out, _ := export(t, "suricata")
	for _, l := range strings.Split(out, "\n") {
		if l == "" || strings.HasPrefix(l, "#") {
			continue
		}
		if !strings.Contains(l, "classtype:trojan-activity;") || !regexp.MustCompile(`metadata:renkei_(indicator|group) [^;]*, tlp (amber|unmarked);`).MatchString(l) {
			t.Errorf("rule without classtype or TLP metadata: %s", l)
		}
	}
}

// TestSuricataPercentEncodedURLUsesRawURI: Suricata's http.uri is decoded,
// so a URL indicator with %xx is matched on http.uri.raw.
func TestSuricataPercentEncodedURLUsesRawURI(t *testing.T) {
	out := suricataRules(t, suricataSet(t, map[string]string{
		ind(1): "[url:value = 'http://phish.example/a%20b?x=%2F']",
		ind(2): "[url:value = 'http://phish.example/plain']",
	}, nil), Options{})
	if !strings.Contains(out, `http.uri.raw; content:"/a%20b?x=%2F"; bsize:12;`) {
		t.Errorf("percent-encoded URL not on http.uri.raw:\n%s", out)
	}
	if !strings.Contains(out, `http.uri; content:"/plain"; bsize:6;`) {
		t.Errorf("plain URL not on http.uri:\n%s", out)
	}
}

// TestSuricataRulesFireOnTraffic loads the export into Debian's suricata
// (-T), runs it on a capture made here, and checks that the expected sids,
// and only they, fire: an address of a group, a subdomain of a domain, a
// percent-encoded URL.
func TestSuricataRulesFireOnTraffic(t *testing.T) {
	if _, err := exec.LookPath("suricata"); err != nil {
		if os.Getenv("CI") != "" {
			t.Fatal("suricata not installed in CI (.ci/run installs it from bookworm-backports)")
		}
		t.Skip("suricata not installed (apt-get install -t bookworm-backports suricata); rules not checked by Suricata")
	}
	inds := map[string]string{
		ind(1): "[ipv4-addr:value = '192.0.2.1']",
		ind(2): "[domain-name:value = 'c2.example']",
		ind(3): "[url:value = 'http://phish.example/a%20b']",
		ind(4): "[domain-name:value = 'unseen.example' OR ipv4-addr:value = '198.51.100.200']",
	}
	rules := suricataRules(t, suricataSet(t, inds, nil), Options{})
	sids := sidsByMsg(t, rules)
	want := map[int]bool{
		sids["Renkei addresses TLP:GREEN 192.0.0.0/8 part 1 (source address)"][0]: true,
		sids["Renkei "+ind(2)+" c2.example (DNS query)"][0]:                       true,
		sids["Renkei "+ind(3)+" http://phish.example/a%20b (URL)"][0]:             true,
	}
	dir := t.TempDir()
	rf := filepath.Join(dir, "renkei.rules")
	if err := os.WriteFile(rf, []byte(rules), 0o644); err != nil {
		t.Fatal(err)
	}
	if o, err := exec.Command("suricata", "-T", "-S", rf, "-l", dir).CombinedOutput(); err != nil {
		t.Fatalf("suricata -T rejected the rules: %v\n%s", err, o)
	}
	pcap := filepath.Join(dir, "traffic.pcap")
	if err := os.WriteFile(pcap, testTraffic(t), 0o644); err != nil {
		t.Fatal(err)
	}
	if o, err := exec.Command("suricata", "-r", pcap, "-S", rf, "-l", dir, "-k", "none", "--runmode", "single").CombinedOutput(); err != nil {
		t.Fatalf("suricata -r: %v\n%s", err, o)
	}
	f, err := os.Open(filepath.Join(dir, "eve.json"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	got := map[int]bool{}
	sc := bufio.NewScanner(f)
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		var ev struct {
			EventType string `json:"event_type"`
			Alert     struct {
				SID      int    `json:"signature_id"`
				Category string `json:"category"`
			} `json:"alert"`
		}
		if json.Unmarshal(sc.Bytes(), &ev) == nil && ev.EventType == "alert" {
			got[ev.Alert.SID] = true
		}
	}
	for sid := range want {
		if !got[sid] {
			t.Errorf("sid %d did not fire", sid)
		}
	}
	for sid := range got {
		if !want[sid] {
			t.Errorf("sid %d fired on traffic it does not describe", sid)
		}
	}
}

// testTraffic is a capture with a UDP packet from 192.0.2.1, a DNS query
// for www.c2.example, and an HTTP request for http://phish.example/a%20b.
func testTraffic(t *testing.T) []byte {
	t.Helper()
	var buf bytes.Buffer
	w := pcapgo.NewWriter(&buf)
	w.WriteFileHeader(65535, layers.LinkTypeEthernet)
	ts := at
	write := func(src, dst net.IP, l4 ...gopacket.SerializableLayer) {
		eth := &layers.Ethernet{SrcMAC: net.HardwareAddr{2, 0, 0, 0, 0, 1}, DstMAC: net.HardwareAddr{2, 0, 0, 0, 0, 2}, EthernetType: layers.EthernetTypeIPv4}
		ip := &layers.IPv4{Version: 4, TTL: 64, SrcIP: src, DstIP: dst}
		switch l := l4[0].(type) {
		case *layers.UDP:
			ip.Protocol = layers.IPProtocolUDP
			l.SetNetworkLayerForChecksum(ip)
		case *layers.TCP:
			ip.Protocol = layers.IPProtocolTCP
			l.SetNetworkLayerForChecksum(ip)
		}
		sb := gopacket.NewSerializeBuffer()
		if err := gopacket.SerializeLayers(sb, gopacket.SerializeOptions{FixLengths: true, ComputeChecksums: true}, append([]gopacket.SerializableLayer{eth, ip}, l4...)...); err != nil {
			t.Fatal(err)
		}
		ts = ts.Add(time.Millisecond)
		data := sb.Bytes()
		w.WritePacket(gopacket.CaptureInfo{Timestamp: ts, CaptureLength: len(data), Length: len(data)}, data)
	}
	client, server, resolver := net.IP{10, 0, 0, 5}, net.IP{10, 9, 9, 9}, net.IP{10, 0, 0, 53}

	write(net.IP{192, 0, 2, 1}, client, &layers.UDP{SrcPort: 5000, DstPort: 6000}, gopacket.Payload("hello"))

	dns := &layers.DNS{ID: 7, RD: true, Questions: []layers.DNSQuestion{{Name: []byte("www.c2.example"), Type: layers.DNSTypeA, Class: layers.DNSClassIN}}}
	write(client, resolver, &layers.UDP{SrcPort: 40000, DstPort: 53}, dns)

	// A whole TCP session, so that Suricata's HTTP parser sees the request.
	cs, ss := uint32(1000), uint32(5000)
	tcp := func(fromClient bool, syn, ack, fin bool, payload string) {
		l := &layers.TCP{SYN: syn, ACK: ack, FIN: fin, PSH: payload != "", Window: 65535}
		src, dst := client, server
		if fromClient {
			l.SrcPort, l.DstPort, l.Seq, l.Ack = 41000, 80, cs, ss
		} else {
			l.SrcPort, l.DstPort, l.Seq, l.Ack = 80, 41000, ss, cs
			src, dst = server, client
		}
		if !ack {
			l.Ack = 0
		}
		write(src, dst, l, gopacket.Payload(payload))
		n := uint32(len(payload))
		if syn || fin {
			n++
		}
		if fromClient {
			cs += n
		} else {
			ss += n
		}
	}
	tcp(true, true, false, false, "")
	tcp(false, true, true, false, "")
	tcp(true, false, true, false, "")
	tcp(true, false, true, false, "GET /a%20b HTTP/1.1\r\nHost: phish.example\r\nUser-Agent: t\r\n\r\n")
	tcp(false, false, true, false, "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok")
	tcp(true, false, true, true, "")
	tcp(false, false, true, true, "")
	tcp(true, false, true, false, "")
	return buf.Bytes()
}
