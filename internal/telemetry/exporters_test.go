package telemetry_test

import (
	"context"
	"encoding/binary"
	"net"
	"net/netip"
	"testing"
	"time"

	"renkei/internal/flow"
	"renkei/internal/policy"
	"renkei/internal/store/storetest"
	"renkei/internal/telemetry"
	"renkei/internal/testwait"
)

// v5 is a NetFlow v5 datagram with one flow from src to dst.
func v5(src, dst netip.Addr, at time.Time) []byte {
	b := make([]byte, 24+48)
	binary.BigEndian.PutUint16(b[0:], 5)
	binary.BigEndian.PutUint16(b[2:], 1)
	binary.BigEndian.PutUint32(b[4:], 100000)
	binary.BigEndian.PutUint32(b[8:], uint32(at.Unix()))
	r := b[24:]
	copy(r[0:4], src.AsSlice())
	copy(r[4:8], dst.AsSlice())
	binary.BigEndian.PutUint32(r[16:], 4)
	binary.BigEndian.PutUint32(r[20:], 1200)
	binary.BigEndian.PutUint32(r[24:], 99000)
	binary.BigEndian.PutUint32(r[28:], 99500)
	binary.BigEndian.PutUint16(r[32:], 443)
	binary.BigEndian.PutUint16(r[34:], 50000)
	r[38] = 6
	return b
}

// v9Template is a NetFlow v9 datagram of source id domain holding one template.
func v9Template(domain uint32) []byte {
	b := make([]byte, 20+4+4+8)
	binary.BigEndian.PutUint16(b[0:], 9)
	binary.BigEndian.PutUint16(b[2:], 1)
	binary.BigEndian.PutUint32(b[16:], domain)
	fs := b[20:]
	binary.BigEndian.PutUint16(fs[0:], 0)  // template flowset
	binary.BigEndian.PutUint16(fs[2:], 16) // length
	binary.BigEndian.PutUint16(fs[4:], 256)
	binary.BigEndian.PutUint16(fs[6:], 2)
	binary.BigEndian.PutUint16(fs[8:], 8) // IPV4_SRC_ADDR
	binary.BigEndian.PutUint16(fs[10:], 4)
	binary.BigEndian.PutUint16(fs[12:], 12) // IPV4_DST_ADDR
	binary.BigEndian.PutUint16(fs[14:], 4)
	return b
}

// TestCollectorsOnlyRegisteredExporters sends real UDP datagrams from
// 127.0.0.x addresses to a collector of a source: flows forged by an
// unregistered address, or by a registered address for an unregistered
// observation domain, are dropped before decoding and counted per sender,
// and give no record, sighting or alert; the registered exporter's flows do.
func TestCollectorsOnlyRegisteredExporters(t *testing.T) {
	t.Parallel()
	for _, kind := range storetest.Kinds(t) {
		t.Run(kind, func(t *testing.T) {
			t.Parallel()
			e := setup(t, kind)
			ctx := context.Background()
			e.indicator(t, "power", "[ipv4-addr:value = '203.0.113.66']")
			for _, x := range []string{"127.0.0.2", "127.0.0.4/1"} {
				ex, err := telemetry.ParseExporter(x)
				if err != nil {
					t.Fatal(err)
				}
				if err := telemetry.AddExporter(ctx, e.h.DB, "power-border", ex); err != nil {
					t.Fatal(err)
				}
			}
			gate, err := e.p.NewGate(ctx, "power-border")
			if err != nil {
				t.Fatal(err)
			}
			conn, err := flow.ListenUDP("udp://127.0.0.1:0", 1<<20)
			if err != nil {
				t.Fatal(err)
			}
			defer conn.Close()
			col := flow.NewCollector(flow.CollectOptions{Admit: gate.Admit})
			runCtx, stop := context.WithCancel(ctx)
			done := make(chan flow.CollectStats, 1)
			go func() {
				st, _ := col.Run(runCtx, conn, func(recs []flow.Record) error {
					_, err := e.p.Ingest(ctx, "power-border", recs)
					return err
				})
				done <- st
			}()
			at := *e.now
			indicator, water := netip.MustParseAddr("203.0.113.66"), netip.MustParseAddr("192.0.2.20")
			send := func(from string, b []byte) {
				t.Helper()
				c, err := net.DialUDP("udp", &net.UDPAddr{IP: net.ParseIP(from)}, conn.LocalAddr().(*net.UDPAddr))
				if err != nil {
					t.Fatal(err)
				}
				defer c.Close()
				if _, err := c.Write(b); err != nil {
					t.Fatal(err)
				}
			}
			send("127.0.0.3", v5(indicator, water, at)) // forged: unregistered address
			send("127.0.0.3", v5(indicator, water, at))
			send("127.0.0.4", v9Template(7))            // registered address, unregistered domain
			send("127.0.0.4", v9Template(1))            // registered address and domain
			send("127.0.0.2", v5(water, indicator, at)) // registered, any domain
			testwait.For(t, 10*time.Second, "the collector to receive the five datagrams", func() bool {
				d, _, _ := col.Counts()
				return d == 5
			})
			stop()
			st := <-done
			if err := gate.Flush(ctx); err != nil {
				t.Fatal(err)
			}
			if st.Refused != 3 || st.Records != 1 {
				t.Fatalf("collector stats %+v: want 3 refused datagrams and the registered exporter's one record", st)
			}
			us, err := telemetry.UnregisteredSenders(ctx, e.h.DB, "power-border")
			if err != nil {
				t.Fatal(err)
			}
			got := map[string]int64{}
			for _, u := range us {
				got[u.Sender] = u.Datagrams
			}
			if len(got) != 2 || got["127.0.0.3"] != 2 || got["127.0.0.4/7"] != 1 {
				t.Fatalf("dropped datagrams per sender %v, want 127.0.0.3: 2, 127.0.0.4/7: 1", got)
			}
			e.drain(t)
			c, _ := telemetry.GetCounts(ctx, e.h.DB, "power-border")
			if c["kept"] != 1 || c["matched"] != 1 {
				t.Fatalf("counts %v: only the registered exporter's record may be kept and matched", c)
			}
			recs, _, err := e.svc.Access(ctx, e.callers["handler"], "power-border", "check exporters of power-border", 10)
			if err != nil || len(recs) != 1 || recs[0].Exporter != "127.0.0.2" {
				t.Fatalf("records %+v %v: want only the one from 127.0.0.2", recs, err)
			}
			water2, _ := e.h.DB.Org(ctx, "Water Co")
			v, _ := e.h.Viewer(ctx, e.callers["power"])
			pa, _, _ := e.h.DB.Alerts(ctx, v, "", 10, false)
			wa, _, _ := e.h.DB.Alerts(ctx, policy.Viewer{UserID: 999, OrgID: water2.ID, Role: policy.RoleAnalyst}, "", 10, false)
			if len(pa) != 1 || len(wa) != 1 {
				t.Fatalf("alerts power %d, water %d: the forged flows must alert no one (one alert each comes from the registered exporter)", len(pa), len(wa))
			}
		})
	}
}

// TestIngestOnlyRegisteredExporters: Ingest itself refuses and counts records
// that name an exporter not registered for their source (address, or address
// and observation domain), whatever path brought them — not only the
// collectors' gates — so records handed over from an import or another
// process cannot be forged in an unregistered exporter's name.
func TestIngestOnlyRegisteredExporters(t *testing.T) {
	t.Parallel()
	for _, kind := range storetest.Kinds(t) {
		t.Run(kind, func(t *testing.T) {
			t.Parallel()
			e := setup(t, kind)
			ctx := context.Background()
			if err := telemetry.AddExporter(ctx, e.h.DB, "power-border", telemetry.Exporter{Addr: netip.MustParseAddr("192.0.2.253"), Domain: 7}); err != nil {
				t.Fatal(err)
			}
			at := *e.now
			from := func(exporter string, domain uint32) flow.Record {
				r := rec("203.0.113.9", "192.0.2.10", 443, 5, at)
				r.Exporter, r.ObservationDomain = netip.MustParseAddrPort(exporter), domain
				return r
			}
			res, err := e.p.Ingest(ctx, "power-border", []flow.Record{
				from("192.0.2.254:2055", 3),  // registered for every domain
				from("192.0.2.253:2055", 7),  // registered for domain 7
				from("192.0.2.253:2055", 8),  // registered address, other domain
				from("203.0.113.66:2055", 0), // not registered
				from("[::ffff:203.0.113.66]:2055", 0),
			})
			if err != nil {
				t.Fatal(err)
			}
			if res.Kept != 2 || res.Counts[telemetry.ReasonUnregisteredExporter] != 3 {
				t.Fatalf("counts %v: want the two registered exporters' records kept and three refused", res.Counts)
			}
			stored, err := telemetry.GetCounts(ctx, e.h.DB, "power-border")
			if err != nil || stored[telemetry.ReasonUnregisteredExporter] != 3 || stored["kept"] != 2 {
				t.Fatalf("stored counts %v %v", stored, err)
			}
			// A source with no exporter registered takes no record that names one.
			if err := telemetry.AddSource(ctx, e.h.DB, telemetry.Source{ID: "no-exporters", LegalBasis: telemetry.BasisAgreement,
				ApprovalRef: "approval-" + itoa(e.approval.ID), Retention: time.Hour, Created: at}); err != nil {
				t.Fatal(err)
			}
			res, err = e.p.Ingest(ctx, "no-exporters", []flow.Record{from("192.0.2.254:2055", 0)})
			if err != nil || res.Kept != 0 || res.Counts[telemetry.ReasonUnregisteredExporter] != 1 {
				t.Fatalf("a source without registered exporters: %v %v", res.Counts, err)
			}
		})
	}
}

// TestIngestRefusesRemovedExporterAtOnce: a change to a source's exporters
// takes effect from the next batch, in every pipeline sharing the store — an
// exporter removed is refused at once (not after the register's next
// reread), one added is admitted at once — on both stores.
func TestIngestRefusesRemovedExporterAtOnce(t *testing.T) {
	t.Parallel()
	for _, kind := range storetest.Kinds(t) {
		t.Run(kind, func(t *testing.T) {
			t.Parallel()
			e := setup(t, kind)
			ctx := context.Background()
			// A second pipeline on the same store, as a worker process has.
			other, err := telemetry.NewPipeline(ctx, e.svc, e.w.Bus, nil)
			if err != nil {
				t.Fatal(err)
			}
			at := *e.now
			from := func(exporter string) []flow.Record {
				r := rec("203.0.113.9", "192.0.2.10", 443, 5, at)
				r.Exporter = netip.MustParseAddrPort(exporter)
				return []flow.Record{r}
			}
			kept := func(p *telemetry.Pipeline, exporter string) bool {
				t.Helper()
				res, err := p.Ingest(ctx, "power-border", from(exporter))
				if err != nil {
					t.Fatal(err)
				}
				return res.Kept == 1
			}
			for _, p := range []*telemetry.Pipeline{e.p, other} {
				if !kept(p, "192.0.2.254:2055") || kept(p, "192.0.2.77:2055") {
					t.Fatal("before the change: want the registered exporter's record kept and the other's refused")
				}
			}
			if ok, err := telemetry.RemoveExporter(ctx, e.h.DB, "power-border", testExporter); err != nil || !ok {
				t.Fatalf("remove exporter: %v %v", ok, err)
			}
			if err := telemetry.AddExporter(ctx, e.h.DB, "power-border", telemetry.Exporter{Addr: netip.MustParseAddr("192.0.2.77"), Domain: telemetry.AnyDomain}); err != nil {
				t.Fatal(err)
			}
			for i, p := range []*telemetry.Pipeline{e.p, other} {
				if kept(p, "192.0.2.254:2055") {
					t.Errorf("pipeline %d: a record of the exporter just removed was kept", i)
				}
				if !kept(p, "192.0.2.77:2055") {
					t.Errorf("pipeline %d: a record of the exporter just added was refused", i)
				}
			}
		})
	}
}

// TestGateRefusesRemovedExporterAtOnce: a change to a source's register
// takes effect at a running collector's gate with the next datagram, without
// waiting for a reread: an exporter removed (from any process sharing the
// store) is dropped and counted against its sender from the first datagram
// after the removal, and one added is admitted from the first datagram after
// it is added. A gate that checked nothing since it was made still sees the
// change.
func TestGateRefusesRemovedExporterAtOnce(t *testing.T) {
	t.Parallel()
	for _, kind := range storetest.Kinds(t) {
		t.Run(kind, func(t *testing.T) {
			t.Parallel()
			e := setup(t, kind)
			ctx := context.Background()
			ex, err := telemetry.ParseExporter("127.0.0.2")
			if err != nil {
				t.Fatal(err)
			}
			if err := telemetry.AddExporter(ctx, e.h.DB, "power-border", ex); err != nil {
				t.Fatal(err)
			}
			gate, err := e.p.NewGate(ctx, "power-border")
			if err != nil {
				t.Fatal(err)
			}
			before := gate.Registered()
			at := *e.now
			d := v5(netip.MustParseAddr("203.0.113.66"), netip.MustParseAddr("192.0.2.20"), at)
			from := netip.MustParseAddrPort("127.0.0.2:2055")
			if !gate.Admit(from, d) {
				t.Fatal("the registered exporter's datagram was dropped")
			}
			if removed, err := telemetry.RemoveExporter(ctx, e.h.DB, "power-border", ex); err != nil || !removed {
				t.Fatalf("remove: %v %v", removed, err)
			}
			if gate.Admit(from, d) {
				t.Fatal("the gate admitted a datagram of an exporter removed before it arrived")
			}
			if err := gate.Flush(ctx); err != nil {
				t.Fatal(err)
			}
			us, err := telemetry.UnregisteredSenders(ctx, e.h.DB, "power-border")
			if err != nil || len(us) != 1 || us[0].Sender != "127.0.0.2" || us[0].Datagrams != 1 {
				t.Fatalf("dropped per sender %+v %v: want 127.0.0.2 once", us, err)
			}
			if gate.Registered() != before-1 {
				t.Fatalf("the gate counts %d exporters, want %d", gate.Registered(), before-1)
			}
			if err := telemetry.AddExporter(ctx, e.h.DB, "power-border", ex); err != nil {
				t.Fatal(err)
			}
			if !gate.Admit(from, d) {
				t.Fatal("an exporter added was not admitted at once")
			}
		})
	}
}
