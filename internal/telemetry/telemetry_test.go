package telemetry_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"net"
	"net/netip"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"
	"github.com/gopacket/gopacket/pcapgo"

	"renkei/internal/app"
	"renkei/internal/approval"
	"renkei/internal/audit"
	"renkei/internal/auth"
	"renkei/internal/bus"
	"renkei/internal/flow"
	"renkei/internal/hub"
	"renkei/internal/hubtest"
	"renkei/internal/policy"
	"renkei/internal/pseudonym"
	"renkei/internal/store/storetest"
	"renkei/internal/telemetry"
	"renkei/internal/testwait"
)

// Domestic ranges of the tests: documentation ranges stand for Japan.
var domestic = []netip.Prefix{netip.MustParsePrefix("192.0.2.0/24"), netip.MustParsePrefix("198.51.100.0/24"), netip.MustParsePrefix("2001:db8::/32")}

type env struct {
	dir      string
	a        *app.App
	h        *hub.Hub
	svc      *telemetry.Service
	p        *telemetry.Pipeline
	w        *telemetry.Worker
	logs     *bytes.Buffer
	callers  map[string]auth.Caller
	now      *time.Time
	approval approval.Approval
	next     int
}

func setup(t testing.TB, kind string) *env {
	t.Helper()
	ctx := context.Background()
	e := &env{dir: t.TempDir(), logs: &bytes.Buffer{}, callers: map[string]auth.Caller{}}
	now := time.Now().UTC().Truncate(time.Second)
	e.now = &now
	// The store (SQLite) and the audit log keep their files in e.dir, where
	// the C1 test scans.
	h := hubtest.New(t, kind, hubtest.WithAudit(), hubtest.InDir(e.dir), hubtest.At(now),
		hubtest.WithLog(slog.New(slog.NewTextHandler(e.logs, &slog.HandlerOptions{Level: slog.LevelDebug}))))
	db := h.DB
	e.a, e.h = h.App, h.Hub
	e.a.Now = func() time.Time { return *e.now }
	h.Org("Power Co", "operator", "energy")
	h.Org("Water Co", "operator", "energy")
	h.User("handler", e.h.Center().Name, "handler")
	h.Overseer("overseer") // the committee's first member, in its own organization
	h.User("power", "Power Co", "analyst")
	h.User("center", e.h.Center().Name, "analyst")
	for _, login := range []string{"handler", "overseer", "power", "center"} {
		e.callers[login] = h.Caller(login)
	}
	caps := e.a
	e.svc = caps.Telemetry
	as := caps.Approvals
	a, err := as.File(ctx, e.callers["handler"], approval.Request{Kind: approval.KindCollectionAgreement, LegalBasis: "operator agreement 2026-7",
		Target: "Power Co border routers", Justification: "C2 detection", ValidFrom: now.Add(-time.Hour), ValidUntil: now.Add(30 * 24 * time.Hour)}, false)
	if err != nil {
		t.Fatal(err)
	}
	if e.approval, err = as.Decide(ctx, e.callers["overseer"], a.ID, true, "proportionate"); err != nil {
		t.Fatal(err)
	}
	if err := telemetry.AddSource(ctx, db, telemetry.Source{ID: "power-border", LegalBasis: telemetry.BasisAgreement, ApprovalRef: "approval-" + itoa(a.ID),
		Retention: 24 * time.Hour, Pseudonymize: []netip.Prefix{netip.MustParsePrefix("198.51.100.128/25")}, Created: now}); err != nil {
		t.Fatal(err)
	}
	if err := telemetry.AddExporter(ctx, db, "power-border", testExporter); err != nil {
		t.Fatal(err)
	}
	if err := telemetry.SaveRanges(ctx, db, "test-1", domestic); err != nil {
		t.Fatal(err)
	}
	water, _ := db.Org(ctx, "Water Co")
	if err := telemetry.AddAddressSpace(ctx, db, water.ID, netip.MustParsePrefix("192.0.2.0/25")); err != nil {
		t.Fatal(err)
	}
	b, err := bus.Open(ctx, bus.Options{Dir: filepath.Join(e.dir, "nats")})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(b.Close)
	if e.p, err = telemetry.NewPipeline(ctx, e.svc, b, nil); err != nil {
		t.Fatal(err)
	}
	e.w = &telemetry.Worker{Service: e.svc, Bus: b}
	return e
}

// testExporter is the exporter every record of rec names, registered for
// each source the tests add.
var testExporter = telemetry.Exporter{Addr: netip.MustParseAddr("192.0.2.254"), Domain: telemetry.AnyDomain}

// addSource registers a source and testExporter as its exporter.
func (e *env) addSource(ctx context.Context, s telemetry.Source) error {
	if err := telemetry.AddSource(ctx, e.h.DB, s); err != nil {
		return err
	}
	return telemetry.AddExporter(ctx, e.h.DB, s.ID, testExporter)
}

func itoa(i int64) string { b, _ := json.Marshal(i); return string(b) }

func rec(src, dst string, sport, dport uint16, at time.Time) flow.Record {
	return flow.Record{SrcAddr: netip.MustParseAddr(src), DstAddr: netip.MustParseAddr(dst), SrcPort: sport, DstPort: dport, Proto: 6,
		Bytes: 1200, Packets: 4, Start: at, End: at.Add(time.Second), TCPFlags: 0x1b, Exporter: netip.MustParseAddrPort("192.0.2.254:2055")}
}

// drain has the worker handle everything on the stream, then stops it.
func (e *env) drain(t testing.TB) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	if err := e.w.Prepare(ctx); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- e.w.Run(ctx) }()
	var lastErr error
	if !testwait.Until(20*time.Second, func() bool {
		done, err := e.p.Bus.CaughtUp(ctx, telemetry.Stream, telemetry.Matchers)
		lastErr = err
		return err == nil && done
	}) {
		t.Fatalf("the worker did not drain the stream: %v", lastErr)
	}
	cancel()
	<-done
}

func (e *env) indicator(t testing.TB, who, pattern string) string {
	t.Helper()
	id := fmt.Sprintf("indicator--00000000-0000-4000-8000-%012d", e.next)
	e.next++
	body, _ := json.Marshal(map[string]any{"type": "bundle", "id": "bundle--00000000-0000-4000-8000-000000000001", "objects": []any{map[string]any{
		"type": "indicator", "spec_version": "2.1", "id": id, "created": "2026-01-01T00:00:00.000Z", "modified": "2026-01-01T00:00:00.000Z",
		"pattern": pattern, "pattern_type": "stix", "valid_from": "2026-01-01T00:00:00Z", "object_marking_refs": []string{"marking-definition--55d920b0-5e8b-4f79-9ee9-91f868d9b421"},
	}}})
	col, _ := e.h.DB.Collection(context.Background(), hub.MembersCollection)
	st, err := e.h.Submit(context.Background(), e.callers[who], col, bytes.NewReader(body))
	if err != nil || st.Success != 1 {
		t.Fatalf("indicator: %+v %v", st, err)
	}
	return id
}

func TestC3DirectionUnderEachLegalBasis(t *testing.T) {
	t.Parallel()
	for _, kind := range storetest.Kinds(t) {
		t.Run(kind, func(t *testing.T) {
			t.Parallel()
			e := setup(t, kind)
			ctx := context.Background()
			at := *e.now
			recs := []flow.Record{
				rec("203.0.113.9", "192.0.2.10", 443, 50000, at),  // foreign → domestic: covered by the agreement
				rec("192.0.2.10", "203.0.113.9", 50000, 443, at),  // domestic → foreign: covered
				rec("192.0.2.10", "198.51.100.7", 50000, 443, at), // domestic → domestic: never
				rec("203.0.113.9", "8.8.8.8", 50000, 53, at),      // foreign → foreign: only under a committee approval
			}
			res, err := e.p.Ingest(ctx, "power-border", recs)
			if err != nil {
				t.Fatal(err)
			}
			want := telemetry.Counts{"kept": 2, "dropped:domestic-domestic": 1, "dropped:foreign-foreign": 1}
			if !reflect.DeepEqual(res.Counts, want) {
				t.Fatalf("counts %v, want %v", res.Counts, want)
			}
			stored, _ := telemetry.GetCounts(ctx, e.h.DB, "power-border")
			if stored["dropped:foreign-foreign"] != 1 || stored["kept"] != 2 {
				t.Fatalf("stored counts %v", stored)
			}
			if _, err := telemetry.ParseDirections("domestic-domestic"); err == nil {
				t.Fatal("a source can never allow purely domestic communications")
			}
			err = telemetry.AddSource(ctx, e.h.DB, telemetry.Source{ID: "transit", LegalBasis: telemetry.BasisAgreement, ApprovalRef: "approval-1",
				Retention: time.Hour, Directions: []telemetry.Direction{telemetry.ForeignToForeign}})
			if err == nil {
				t.Fatal("an agreement source cannot claim foreign-foreign transit")
			}
			r := telemetry.NewRanges("v", domestic)
			for _, tt := range []struct {
				src, dst string
				want     telemetry.Direction
			}{
				{"2001:db8::1", "2400:cb00::1", telemetry.DomesticToForeign},
				{"::ffff:192.0.2.1", "203.0.113.1", telemetry.DomesticToForeign},
				{"2400:cb00::1", "203.0.113.1", telemetry.ForeignToForeign},
			} {
				if got := r.Classify(netip.MustParseAddr(tt.src), netip.MustParseAddr(tt.dst)); got != tt.want {
					t.Errorf("%s → %s: %s, want %s", tt.src, tt.dst, got, tt.want)
				}
			}
		})
	}
}

func TestC6RefusesWithoutApprovalInForce(t *testing.T) {
	t.Parallel()
	for _, kind := range storetest.Kinds(t) {
		t.Run(kind, func(t *testing.T) {
			t.Parallel()
			e := setup(t, kind)
			ctx := context.Background()
			at := *e.now
			if _, err := e.p.Ingest(ctx, "power-border", []flow.Record{rec("203.0.113.9", "192.0.2.10", 443, 5, at)}); err != nil {
				t.Fatalf("with the approval in force: %v", err)
			}
			*e.now = e.approval.ValidUntil.Add(time.Minute) // the approval has expired
			_, err := e.p.Ingest(ctx, "power-border", []flow.Record{rec("203.0.113.9", "192.0.2.10", 443, 5, at)})
			if !errors.Is(err, telemetry.ErrNotApproved) {
				t.Fatalf("after the approval expired: %v", err)
			}
			c, _ := telemetry.GetCounts(ctx, e.h.DB, "power-border")
			if c["refused:no-approval"] != 1 || c["kept"] != 1 {
				t.Fatalf("counts %v", c)
			}
			if err := telemetry.AddSource(ctx, e.h.DB, telemetry.Source{ID: "pending", LegalBasis: telemetry.BasisAgreement, ApprovalRef: "approval-999", Retention: time.Hour}); err != nil {
				t.Fatal(err)
			}
			if _, err := e.p.Ingest(ctx, "pending", []flow.Record{rec("203.0.113.9", "192.0.2.10", 443, 5, at)}); !errors.Is(err, telemetry.ErrNotApproved) {
				t.Fatalf("a source whose approval does not exist runs: %v", err)
			}
		})
	}
}

func TestC2FieldAllowList(t *testing.T) {
	t.Parallel()
	allowed := []string{"source", "src", "dst", "src_port", "dst_port", "proto", "start", "end", "bytes", "packets", "tcp_flags", "direction", "exporter"}
	var got []string
	ty := reflect.TypeOf(telemetry.Selected{})
	for i := range ty.NumField() {
		got = append(got, strings.Split(ty.Field(i).Tag.Get("json"), ",")[0])
	}
	slices.Sort(got)
	slices.Sort(allowed)
	if !slices.Equal(got, allowed) {
		t.Fatalf("selected fields %v differ from the approved allow-list %v: a new field needs a rule approved by the committee", got, allowed)
	}
}

// TestMatchesBecomeSightingsAndAlerts plays story step 3 on each store: flow
// data collected under an approved agreement matches an indicator; the
// indicator's author is alerted through the sighting, and the water utility
// whose registered address space was involved gets an alert.
func TestMatchesBecomeSightingsAndAlerts(t *testing.T) {
	t.Parallel()
	for _, kind := range storetest.Kinds(t) {
		t.Run(kind, func(t *testing.T) {
			t.Parallel()
			e := setup(t, kind)
			ctx := context.Background()
			id := e.indicator(t, "power", "[ipv4-addr:value = '203.0.113.66']")
			at := *e.now
			if _, err := e.p.Ingest(ctx, "power-border", []flow.Record{
				rec("203.0.113.66", "192.0.2.20", 443, 50000, at), rec("192.0.2.20", "203.0.113.66", 50000, 443, at), rec("203.0.113.5", "192.0.2.20", 1, 2, at),
			}); err != nil {
				t.Fatal(err)
			}
			e.drain(t)
			water, _ := e.h.DB.Org(ctx, "Water Co")
			v, _ := e.h.Viewer(ctx, e.callers["power"])
			pa, _, _ := e.h.DB.Alerts(ctx, v, "", 10, false)
			if len(pa) != 1 || pa[0].Kind != "sighting" {
				t.Fatalf("the indicator's author must be alerted by the sighting: %+v", pa)
			}
			// The indicator is Power Co's AMBER, not addressed to Water Co:
			// Water Co is told its address space matched, not which indicator.
			wa, _, _ := e.h.DB.Alerts(ctx, policy.Viewer{UserID: 999, OrgID: water.ID, Role: policy.RoleAnalyst}, "", 10, false)
			if len(wa) != 1 || wa[0].Kind != "flow-match" || strings.Contains(wa[0].Title+wa[0].Data+wa[0].ObjectRef, id) {
				t.Fatalf("the member whose address space was involved must be alerted, without the indicator it may not read: %+v", wa)
			}
			sum, _ := e.h.DB.Sightings(ctx, v, id)
			if sum.Sightings != 1 || sum.Count != 2 {
				t.Fatalf("sighting summary %+v", sum)
			}
			c, _ := telemetry.GetCounts(ctx, e.h.DB, "power-border")
			if c["matched"] != 2 {
				t.Fatalf("counts %v", c)
			}
		})
	}
}

func TestC4InternalAddressesPseudonymized(t *testing.T) {
	t.Parallel()
	for _, kind := range storetest.Kinds(t) {
		t.Run(kind, func(t *testing.T) {
			t.Parallel()
			e := setup(t, kind)
			ctx := context.Background()
			e.indicator(t, "center", "[ipv4-addr:value = '203.0.113.77']")
			at := *e.now
			if _, err := e.p.Ingest(ctx, "power-border", []flow.Record{
				rec("203.0.113.77", "198.51.100.200", 443, 1000, at), rec("203.0.113.77", "198.51.100.201", 443, 1001, at),
			}); err != nil {
				t.Fatal(err)
			}
			e.drain(t)
			recs, _, err := e.svc.Access(ctx, e.callers["handler"], "power-border", "check C4 pseudonyms", 10)
			if err != nil || len(recs) != 2 {
				t.Fatalf("records: %v %v", recs, err)
			}
			for _, r := range recs {
				if strings.HasPrefix(r.Dst, "198.51.100.") {
					t.Fatalf("member-internal address kept in clear: %s", r.Dst)
				}
			}
			a, b := netip.MustParseAddr(recs[0].Dst), netip.MustParseAddr(recs[1].Dst)
			if !pseudonym.AddrPrefix.Contains(a) || !pseudonym.AddrPrefix.Contains(b) || a == b {
				t.Fatalf("the pseudonyms of 198.51.100.200 and .201 must be distinct keyed pseudonyms in %s: %s %s", pseudonym.AddrPrefix, a, b)
			}
			if x, y := a.As16(), b.As16(); x[8] == y[8] && x[9] == y[9] && x[10] == y[10] {
				t.Fatalf("keyed pseudonyms must not keep the /24 the addresses share: %s %s", a, b)
			}
		})
	}
}

func TestC5RetentionDeletesAndLogs(t *testing.T) {
	t.Parallel()
	e := setup(t, "sqlite")
	ctx := context.Background()
	e.indicator(t, "center", "[ipv4-addr:value = '203.0.113.88']")
	at := *e.now
	if _, err := e.p.Ingest(ctx, "power-border", []flow.Record{rec("203.0.113.88", "192.0.2.30", 443, 1, at)}); err != nil {
		t.Fatal(err)
	}
	e.drain(t)
	if n, err := e.svc.Expire(ctx, at.Add(23*time.Hour)); err != nil || n != 0 {
		t.Fatalf("before the retention runs out: %d %v", n, err)
	}
	before, _ := e.h.Audit.Size(ctx)
	n, err := e.svc.Expire(ctx, at.Add(25*time.Hour))
	if err != nil || n != 1 {
		t.Fatalf("after the retention ran out: %d %v", n, err)
	}
	if recs, _, _ := e.svc.Access(ctx, e.callers["handler"], "power-border", "check C5 retention", 10); len(recs) != 0 {
		t.Fatal("an expired record is still there")
	}
	c, _ := telemetry.GetCounts(ctx, e.h.DB, "power-border")
	if c["deleted"] != 1 {
		t.Fatalf("deletions must be counted: %v", c)
	}
	waitSize(t, e.h.Audit, before+1)
}

func TestC7HandlerAccessIsLoggedFirst(t *testing.T) {
	t.Parallel()
	for _, kind := range storetest.Kinds(t) {
		t.Run(kind, func(t *testing.T) {
			t.Parallel()
			e := setup(t, kind)
			ctx := context.Background()
			if _, _, err := e.svc.Access(ctx, e.callers["center"], "power-border", "curious", 10); !errors.Is(err, telemetry.ErrNotHandler) {
				t.Fatalf("an analyst reads communications information: %v", err)
			}
			if _, _, err := e.svc.Access(ctx, e.callers["handler"], "power-border", " ", 10); err == nil {
				t.Fatal("an access without a purpose is allowed")
			}
			_, idx, err := e.svc.Access(ctx, e.callers["handler"], "power-border", "incident 2026-113", 10)
			if err != nil {
				t.Fatal(err)
			}
			waitSize(t, e.h.Audit, idx+1)
			e.h.Audit.Close()
			if _, _, err := e.svc.Access(ctx, e.callers["handler"], "power-border", "incident 2026-113", 10); !errors.Is(err, hub.ErrAuditUnavailable) {
				t.Fatalf("with the log unavailable the records are released: %v", err)
			}
		})
	}
}

// TestC1PayloadNeverPersisted feeds packets whose payloads carry a marker
// through the pcap flow builder and the whole pipeline, and shows the marker
// is nowhere afterwards: not in the store's files, the stream's files, the
// logs, or what a handler reads.
func TestC1PayloadNeverPersisted(t *testing.T) {
	t.Parallel()
	e := setup(t, "sqlite")
	ctx := context.Background()
	e.indicator(t, "center", "[ipv4-addr:value = '203.0.113.99']")
	const marker = "RENKEI-C1-MARKER-payload-7f3a9c"
	var pcap bytes.Buffer
	w := pcapgo.NewWriter(&pcap)
	w.WriteFileHeader(65535, layers.LinkTypeEthernet)
	for i := range 20 {
		eth := &layers.Ethernet{SrcMAC: net.HardwareAddr{2, 0, 0, 0, 0, 1}, DstMAC: net.HardwareAddr{2, 0, 0, 0, 0, 2}, EthernetType: layers.EthernetTypeIPv4}
		ip := &layers.IPv4{Version: 4, TTL: 64, Protocol: layers.IPProtocolTCP, SrcIP: net.IP{203, 0, 113, 99}, DstIP: net.IP{192, 0, 2, 40}}
		tcp := &layers.TCP{SrcPort: 443, DstPort: layers.TCPPort(40000 + i%2), PSH: true, ACK: true, Seq: uint32(i)}
		tcp.SetNetworkLayerForChecksum(ip)
		buf := gopacket.NewSerializeBuffer()
		if err := gopacket.SerializeLayers(buf, gopacket.SerializeOptions{FixLengths: true, ComputeChecksums: true}, eth, ip, tcp, gopacket.Payload(marker+" user=taro@example.jp")); err != nil {
			t.Fatal(err)
		}
		data := buf.Bytes()
		w.WritePacket(gopacket.CaptureInfo{Timestamp: e.now.Add(time.Duration(i) * time.Millisecond), CaptureLength: len(data), Length: len(data)}, data)
	}
	if !bytes.Contains(pcap.Bytes(), []byte(marker)) {
		t.Fatal("the test capture must carry the marker")
	}
	var recs []flow.Record
	if _, err := flow.FlowsFromPcap(ctx, &pcap, flow.PcapOptions{}, func(r *flow.Record) error { recs = append(recs, *r); return nil }); err != nil {
		t.Fatal(err)
	}
	if len(recs) == 0 {
		t.Fatal("no flows from the capture")
	}
	if _, err := e.p.Ingest(ctx, "power-border", recs); err != nil {
		t.Fatal(err)
	}
	e.drain(t)
	out, _, err := e.svc.Access(ctx, e.callers["handler"], "power-border", "C1 payload check", 100)
	if err != nil || len(out) == 0 {
		t.Fatalf("the flows must have matched: %v %v", out, err)
	}
	shown, _ := json.Marshal(out)
	e.h.Audit.Close()
	e.h.DB.SQL().Exec("PRAGMA wal_checkpoint(TRUNCATE)")
	for _, where := range []struct {
		name string
		data []byte
	}{{"the logs", e.logs.Bytes()}, {"what the handler read", shown}} {
		if bytes.Contains(where.data, []byte(marker)) || bytes.Contains(where.data, []byte("taro@example.jp")) {
			t.Fatalf("the payload marker is in %s", where.name)
		}
	}
	files := 0
	filepath.WalkDir(e.dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return nil
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return nil
		}
		files++
		if bytes.Contains(b, []byte(marker)) || bytes.Contains(b, []byte("taro@example.jp")) {
			t.Fatalf("the payload marker is in %s", path)
		}
		return nil
	})
	if files < 5 {
		t.Fatalf("only %d files scanned; the store, the stream and the log must all be under the test folder", files)
	}
}

func waitSize(t *testing.T, l *audit.Log, want uint64) {
	t.Helper()
	var n uint64
	if !testwait.Until(5*time.Second, func() bool { n, _ = l.Size(context.Background()); return n >= want }) {
		t.Fatalf("audit log holds %d entries, want at least %d", n, want)
	}
}
