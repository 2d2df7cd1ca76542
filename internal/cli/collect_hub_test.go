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

	"renkei/internal/approval"
	"renkei/internal/bus"
	"renkei/internal/corpora"
	"renkei/internal/hubtest"
	"renkei/internal/huntpkg"
	"renkei/internal/telemetry"
	"renkei/internal/testwait"
)

// TestCollectFeedsHubSource runs `renkei collect --source` against a hub's
// store and NATS: real NetFlow datagrams pass the source's automatic steps
// and the counts per reason land in the store; without an approval in force
// the records are refused.
func TestCollectFeedsHubSource(t *testing.T) {
	t.Parallel()
	codecs := corpora.Path(t, "netflow-logstash-dat/spec/codecs")
	ctx := context.Background()
	dir := t.TempDir() // the hub's data folder, which `renkei collect --data` opens
	now := time.Now().UTC()
	h := hubtest.New(t, "sqlite", hubtest.WithAudit(), hubtest.InDir(dir), hubtest.At(now))
	ha, db := h.App, h.DB
	h.User("handler", h.Center().ID, "handler")
	h.Overseer("overseer") // the committee's first member, in its own organization
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
	ha.Audit.Close() // the command opens the log in its data folder itself
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
