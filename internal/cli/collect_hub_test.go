package cli

import (
	"context"
	"net"
	"net/netip"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"renkei/internal/app"
	"renkei/internal/approval"
	"renkei/internal/audit"
	"renkei/internal/bus"
	"renkei/internal/corpora"
	"renkei/internal/hub"
	"renkei/internal/huntpkg"
	"renkei/internal/store"
	"renkei/internal/telemetry"
	"renkei/internal/testwait"
)

// TestCollectFeedsHubSource runs `renkei collect --source` against a hub's
// store and NATS: real NetFlow datagrams pass the source's automatic steps
// and the counts per reason land in the store; without an approval in force
// the records are refused.
func TestCollectFeedsHubSource(t *testing.T) {
	codecs := corpora.Path(t, "netflow-logstash-dat/spec/codecs")
	ctx := context.Background()
	dir := t.TempDir()
	db, err := store.Open(ctx, filepath.Join(dir, "renkei.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	now := time.Now().UTC()
	hub.Bootstrap(ctx, db, now)
	al, err := audit.Open(ctx, audit.Options{Dir: filepath.Join(dir, "audit"), KeyDir: filepath.Join(dir, "audit-keys"), Node: "t"})
	if err != nil {
		t.Fatal(err)
	}
	defer al.Close()
	ha, err := app.New(ctx, app.Deps{Store: db, Audit: al})
	if err != nil {
		t.Fatal(err)
	}
	h := ha.Hub
	for _, u := range []struct{ login, role string }{{"handler", "handler"}, {"overseer", "overseer"}} {
		_, err := hub.AddUser(ctx, db, u.login, h.Center().ID, u.role, "", now)
		if u.role == "overseer" { // the committee's first member, in its own organization
			_, _, err = hub.BootstrapCommittee(ctx, db, "Oversight Committee", u.login, "test", now)
		}
		if err != nil {
			t.Fatal(err)
		}
	}
	handler, _ := huntpkg.CallerOf(ctx, db, "handler")
	overseer, _ := huntpkg.CallerOf(ctx, db, "overseer")
	as := ha.Approvals
	a, err := as.File(ctx, handler, approval.Request{Kind: approval.KindCollectionCommittee, LegalBasis: "committee approval 2026-3",
		Target: "transit", Justification: "botnet C2", ValidFrom: now.Add(-time.Hour), ValidUntil: now.Add(time.Hour)}, false)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := as.Decide(ctx, overseer, a.ID, true, "ok"); err != nil {
		t.Fatal(err)
	}
	if err := telemetry.AddSource(ctx, db, telemetry.Source{ID: "transit", LegalBasis: telemetry.BasisCommittee, ApprovalRef: "approval-" + strconv.FormatInt(a.ID, 10), Retention: time.Hour, Created: now}); err != nil {
		t.Fatal(err)
	}
	if err := telemetry.AddSource(ctx, db, telemetry.Source{ID: "unapproved", LegalBasis: telemetry.BasisCommittee, ApprovalRef: "approval-999", Retention: time.Hour, Created: now}); err != nil {
		t.Fatal(err)
	}
	for _, src := range []string{"transit", "unapproved"} { // the datagrams come from 127.0.0.1
		if err := telemetry.AddExporter(ctx, db, src, telemetry.Exporter{Addr: netip.MustParseAddr("127.0.0.1"), Domain: telemetry.AnyDomain, Created: now}); err != nil {
			t.Fatal(err)
		}
	}
	if err := telemetry.SaveRanges(ctx, db, "t", []netip.Prefix{netip.MustParsePrefix("192.0.2.0/24")}); err != nil {
		t.Fatal(err)
	}
	al.Close()
	b, err := bus.Open(ctx, bus.Options{Dir: filepath.Join(dir, "nats"), Listen: "127.0.0.1:0"})
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()

	for _, source := range []string{"transit", "unapproved"} {
		l, _ := net.ListenPacket("udp", "127.0.0.1:0")
		addr := l.LocalAddr().String()
		l.Close()
		cctx, cancel := context.WithCancel(ctx)
		done := startCollect(t, cctx, "--data", dir, "--listen", "udp://"+addr, "--source", source, "--nats", b.ClientURL())
		c, _ := net.Dial("udp", addr)
		data, err := os.ReadFile(filepath.Join(codecs, "netflow5.dat"))
		if err != nil {
			t.Fatal(err)
		}
		c.Write(data)
		c.Close()
		// Stopping cancels the ingest of records still in flight: stop once
		// the source's records are counted.
		testwait.For(t, 30*time.Second, source+"'s records to be counted", func() bool {
			got, _ := telemetry.GetCounts(ctx, db, source)
			return len(got) > 0
		})
		cancel()
		r := <-done
		stderr := r.stderr
		if r.err != nil {
			stderr += r.err.Error()
		}
		if !strings.Contains(stderr, "1 datagrams") {
			t.Fatalf("%s: %s", source, stderr)
		}
	}
	got, _ := telemetry.GetCounts(ctx, db, "transit")
	if got["kept"]+got["dropped:foreign-domestic"]+got["dropped:domestic-foreign"]+got["dropped:domestic-domestic"] == 0 {
		t.Fatalf("the approved source counted nothing: %v", got)
	}
	refused, _ := telemetry.GetCounts(ctx, db, "unapproved")
	if refused["refused:no-approval"] == 0 || refused["kept"] != 0 {
		t.Fatalf("without an approval in force the records must be refused: %v", refused)
	}
}
