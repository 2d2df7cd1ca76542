package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/netip"
	"os"
	"os/exec"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"renkei/internal/app"
	"renkei/internal/approval"
	"renkei/internal/audit"
	"renkei/internal/auth"
	"renkei/internal/bus"
	"renkei/internal/bus/bustest"
	"renkei/internal/client"
	"renkei/internal/flow"
	"renkei/internal/hub"
	"renkei/internal/policy"
	"renkei/internal/store"
	"renkei/internal/store/storetest"
	"renkei/internal/telemetry"
	"renkei/internal/testwait"
)

// clusterGate, set to 1, runs TestClusterLosesAndRepeatsNothingWhenNodesDie:
// .ci/run sets it for a run of its own (with -v, so that its figures are
// printed); `go test ./...` leaves the test out, as it starts seven processes
// and takes a minute or two.
const clusterGate = "RENKEI_TEST_CLUSTER"

// node is a renkei process of the cluster: this test binary as the command
// (asRenkei), its standard error kept for the test to read.
type node struct {
	name string
	cmd  *exec.Cmd
	mu   sync.Mutex
	out  bytes.Buffer
	done chan struct{}
}

func (n *node) Write(p []byte) (int, error) {
	n.mu.Lock()
	defer n.mu.Unlock()
	return n.out.Write(p)
}

func (n *node) output() string {
	n.mu.Lock()
	defer n.mu.Unlock()
	return n.out.String()
}

// startNode starts `renkei args…` as a process and waits until its standard
// error matches ready; it returns the match. The process is stopped (SIGTERM,
// then SIGKILL) when the test ends, and its output shown if the test failed.
func startNode(t *testing.T, name string, ready *regexp.Regexp, args ...string) (*node, string) {
	t.Helper()
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	n := &node{name: name, done: make(chan struct{})}
	n.cmd = exec.Command(self, args...)
	n.cmd.Env = append(os.Environ(), asRenkei+"=1", "RENKEI_LANG=en", clusterGate+"=")
	n.cmd.Stdout, n.cmd.Stderr = n, n
	if err := n.cmd.Start(); err != nil {
		t.Fatalf("start %s: %v", name, err)
	}
	go func() { n.cmd.Wait(); close(n.done) }()
	t.Cleanup(func() {
		n.cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-n.done:
		case <-time.After(15 * time.Second):
			n.cmd.Process.Kill()
			<-n.done
		}
		if t.Failed() {
			out := n.output()
			t.Logf("--- %s (last 3000 bytes):\n%s", name, out[max(0, len(out)-3000):])
		}
	})
	var m string
	testwait.For(t, 60*time.Second, name+" to start", func() bool {
		select {
		case <-n.done:
			t.Fatalf("%s ended before it was ready: %s", name, n.output())
		default:
		}
		m = ready.FindString(n.output())
		return m != ""
	})
	return n, m
}

// kill ends the process at once, as a machine's death would: SIGKILL.
func (n *node) kill(t *testing.T) {
	t.Helper()
	if err := n.cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Errorf("kill %s: %v", n.name, err)
		return
	}
	<-n.done
}

var (
	serveReady  = regexp.MustCompile(`http://127\.0\.0\.1:\d+/`)
	workerReady = regexp.MustCompile(`matchers on nats://`)
)

// clusterCase is what the cluster test set up in the shared store.
type clusterCase struct {
	dsn, nats string
	db        *store.DB
	app       *app.App
	audit     *audit.Log
	source    string
	poster    string // an analyst of Power Co: its token
	overseer  string // a member of the oversight committee: its token
	indicator map[netip.Addr]bool
}

// setUpCluster bootstraps a PostgreSQL store for the cluster, as the first
// node would, and adds what the test needs: an approved collection agreement
// and its source, the domestic ranges, Water Co's address space, the
// center's indicators the records will match, an analyst who posts and
// reads objects, and an overseer who verifies the audit log.
func setUpCluster(t *testing.T, natsURL string) *clusterCase {
	t.Helper()
	ctx := context.Background()
	auth.CheapHashesForTests()
	c := &clusterCase{dsn: storetest.DSN(t, "postgres"), nats: natsURL, source: "border", indicator: map[netip.Addr]bool{}}
	var err error
	if c.db, err = store.Open(ctx, c.dsn); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.db.Close() })
	now := time.Now().UTC()
	if _, err := hub.Bootstrap(ctx, c.db, now); err != nil {
		t.Fatal(err)
	}
	if c.audit, err = app.OpenAudit(ctx, c.db, app.AuditConfig{DataDir: t.TempDir(), Node: "cluster-test"}); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.audit.Close() })
	if c.app, err = app.New(ctx, app.Deps{Store: c.db, Audit: c.audit}); err != nil {
		t.Fatal(err)
	}
	center := c.app.Hub.Center()
	for _, o := range []string{"Power Co", "Water Co"} {
		if _, err := hub.AddOrg(ctx, c.db, o, "operator", "energy", now); err != nil {
			t.Fatal(err)
		}
	}
	for _, u := range [][3]string{{"handler", center.Name, "handler"}, {"center", center.Name, "analyst"}, {"power", "Power Co", "analyst"}} {
		if _, err := hub.AddUser(ctx, c.db, u[0], u[1], u[2], "", now); err != nil {
			t.Fatal(err)
		}
	}
	if _, _, err := hub.BootstrapCommittee(ctx, c.db, "Oversight Committee", "overseer", "test", now); err != nil {
		t.Fatal(err)
	}
	caller := func(login string) auth.Caller {
		u, err := c.db.UserByLogin(ctx, login)
		if err != nil {
			t.Fatal(err)
		}
		o, err := c.db.Org(ctx, u.OrgID)
		if err != nil {
			t.Fatal(err)
		}
		return auth.Caller{User: u, Org: o}
	}
	token := func(login string) string {
		s, _, err := hub.CreateToken(ctx, c.db, login, "cluster", 0, false, now)
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	c.poster, c.overseer = token("power"), token("overseer")
	as := c.app.Approvals
	a, err := as.File(ctx, caller("handler"), approval.Request{Kind: approval.KindCollectionAgreement, LegalBasis: "operator agreement 2026-7",
		Target: "border routers", Justification: "C2 detection", ValidFrom: now.Add(-time.Hour), ValidUntil: now.Add(24 * time.Hour)}, false)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := as.Decide(ctx, caller("overseer"), a.ID, true, "proportionate"); err != nil {
		t.Fatal(err)
	}
	if err := telemetry.AddSource(ctx, c.db, telemetry.Source{ID: c.source, LegalBasis: telemetry.BasisAgreement,
		ApprovalRef: "approval-" + strconv.FormatInt(a.ID, 10), Retention: 24 * time.Hour, Created: now}); err != nil {
		t.Fatal(err)
	}
	if err := telemetry.SaveRanges(ctx, c.db, "test-1", []netip.Prefix{netip.MustParsePrefix("192.0.2.0/24")}); err != nil {
		t.Fatal(err)
	}
	water, err := c.db.Org(ctx, "Water Co")
	if err != nil {
		t.Fatal(err)
	}
	if err := telemetry.AddAddressSpace(ctx, c.db, water.ID, netip.MustParsePrefix("192.0.2.0/25")); err != nil {
		t.Fatal(err)
	}
	// 200 indicators, one address each, that the records' foreign side
	// names once in ten records.
	var objs []string
	for i := range 200 {
		addr := netip.AddrFrom4([4]byte{203, 0, 113, byte(i)})
		c.indicator[addr] = true
		objs = append(objs, fmt.Sprintf(`{"type":"indicator","spec_version":"2.1","id":"indicator--00000000-0000-4000-8000-%012x","created":"2026-01-01T00:00:00.000Z","modified":"2026-01-01T00:00:00.000Z","name":"c2 %d","indicator_types":["malicious-activity"],"pattern":"[ipv4-addr:value = '%s']","pattern_type":"stix","valid_from":"2026-01-01T00:00:00Z","object_marking_refs":["%s"]}`,
			i, i, addr, policy.MarkingGreen))
	}
	col, err := c.db.Collection(ctx, hub.MembersCollection)
	if err != nil {
		t.Fatal(err)
	}
	st, err := c.app.Hub.Submit(ctx, caller("center"), col, strings.NewReader(`{"type":"bundle","id":"bundle--00000000-0000-4000-8000-000000000001","objects":[`+strings.Join(objs, ",")+`]}`))
	if err != nil || st.Success != len(objs) {
		t.Fatalf("indicators: %v %+v", err, st)
	}
	return c
}

// clusterRecords are n selected-to-be records, foreign → domestic (into
// Water Co's address space); every tenth comes from an indicator's address.
func clusterRecords(n int, at time.Time) []flow.Record {
	recs := make([]flow.Record, n)
	for i := range recs {
		src := netip.AddrFrom4([4]byte{198, 18, byte(i >> 8), byte(i)})
		if i%10 == 0 {
			src = netip.AddrFrom4([4]byte{203, 0, 113, byte(i / 10 % 200)})
		}
		recs[i] = flow.Record{SrcAddr: src, DstAddr: netip.AddrFrom4([4]byte{192, 0, 2, byte(i % 100)}), SrcPort: 443, DstPort: uint16(1024 + i%60000),
			Proto: 6, Bytes: uint64(100 + i), Packets: 1, Start: at.Add(time.Duration(i) * time.Millisecond), End: at.Add(time.Duration(i)*time.Millisecond + time.Second)}
	}
	return recs
}

// hubNode is a serve process and the TAXII collection it serves.
type hubNode struct {
	*node
	url string
	col *client.CollectionRef
}

func startHub(t *testing.T, c *clusterCase, name, dir string) *hubNode {
	t.Helper()
	n, url := startNode(t, name, serveReady, "serve", "--database", c.dsn, "--data", dir, "--nats", c.nats,
		"--listen", "127.0.0.1:0", "--matchers", "0", "--log-level", "warn")
	cl := &client.Client{Hub: strings.TrimSuffix(url, "/"), Token: c.poster, APIRoot: url + "taxii2/api/", HTTP: &http.Client{Timeout: 20 * time.Second}}
	col, err := cl.Collection(context.Background(), hub.MembersCollection)
	if err != nil {
		t.Fatal(err)
	}
	return &hubNode{node: n, url: url, col: col}
}

// receipt is an audit log receipt a node gave for a read: the index, and
// the object read.
type receipt struct {
	index  uint64
	object string
}

// readLogged reads one AMBER+STRICT object through h and returns the
// receipt the node gave with it.
func (h *hubNode) readLogged(ctx context.Context, token, id string) (receipt, error) {
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, h.url+"taxii2/api/collections/"+hub.MembersCollection+"/objects/"+id+"/", nil)
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("Accept", "application/taxii+json;version=2.1")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return receipt{}, err
	}
	defer resp.Body.Close()
	io.Copy(io.Discard, resp.Body)
	if resp.StatusCode != http.StatusOK {
		return receipt{}, fmt.Errorf("read %s: %s", id, resp.Status)
	}
	idx, err := strconv.ParseUint(resp.Header.Get(audit.HeaderIndex), 10, 64)
	if err != nil {
		return receipt{}, fmt.Errorf("read %s: no receipt (%q): %v", id, resp.Header.Get(audit.HeaderIndex), err)
	}
	return receipt{idx, id}, nil
}

// TestClusterLosesAndRepeatsNothingWhenNodesDie runs Renkei as users who
// outgrow one machine run it: a three-node NATS JetStream cluster (in this
// process), PostgreSQL, two `renkei serve` nodes and two `renkei worker`
// processes, all real processes on loopback. Records are fed onto the
// replicated stream as a collector feeds them, and AMBER+STRICT objects are
// posted to both nodes in turn and read back (each read logged, with a
// receipt). Mid-stream one worker and one hub node are killed with SIGKILL;
// the node is started again on its data directory. Then:
//   - every record the stream acknowledged that matches an indicator is
//     stored once, counted once, and sighted and alerted once: 0 lost, 0
//     duplicated (matched records, sightings and the records they count,
//     flow-match alerts);
//   - every object a node acknowledged is served, once, by both nodes, which
//     page the collection identically;
//   - the audit log is one log that `renkei audit verify --log URL` verifies
//     through either node, and it holds every read at the index of the
//     receipt the reader was given, the killed node's included.
//
// It runs only when RENKEI_TEST_CLUSTER=1 (.ci/run sets it).
func TestClusterLosesAndRepeatsNothingWhenNodesDie(t *testing.T) {
	if os.Getenv(clusterGate) != "1" {
		t.Skip(clusterGate + "=1 runs the cluster test (.ci/run does)")
	}
	if testing.Short() {
		t.Skip("the cluster test starts seven processes")
	}
	started := time.Now()
	ctx := context.Background()
	nats := bustest.StartCluster(t, 3)
	c := setUpCluster(t, nats.URL())

	// The collector's side: a pipeline on the cluster's stream, three
	// replicas, as `renkei collect` runs it.
	b, err := bus.Open(ctx, bus.Options{URL: c.nats})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(b.Close)
	p, err := telemetry.NewPipeline(ctx, c.app.Telemetry, b, nil)
	if err != nil {
		t.Fatal(err)
	}
	if b.Replicas() != 3 {
		t.Fatalf("the stream has %d replicas on a three-node cluster", b.Replicas())
	}

	dirA := t.TempDir()
	hubA := startHub(t, c, "hub-a", dirA)
	hubB := startHub(t, c, "hub-b", t.TempDir())
	var workers []*node
	for i := range 2 {
		w, _ := startNode(t, fmt.Sprintf("worker-%d", i+1), workerReady, "worker", "--database", c.dsn, "--data", t.TempDir(),
			"--nats", c.nats, "--matchers", "1")
		workers = append(workers, w)
	}
	t.Logf("cluster up in %v", time.Since(started).Round(time.Millisecond))

	// Objects: posted in tens to A and B in turn, each post read back
	// through the node that took it; A is killed a third of the way.
	const rounds = 45
	var acked []string // ids whose post a node acknowledged
	var receipts []receipt
	var postErrs int
	posted := make(chan struct{})
	var mu sync.Mutex // guards acked and receipts
	// A reader reads what A acknowledged through A, without a pause, until
	// A dies under it: the receipts it was given before must be in the log.
	readerDone := make(chan struct{})
	go func() {
		defer close(readerDone)
		for {
			mu.Lock()
			var id string
			if len(acked) > 0 {
				id = acked[len(acked)-1]
			}
			mu.Unlock()
			select {
			case <-hubA.done:
				return
			default:
			}
			if id == "" {
				time.Sleep(10 * time.Millisecond)
				continue
			}
			if rc, err := hubA.readLogged(ctx, c.poster, id); err == nil {
				mu.Lock()
				receipts = append(receipts, rc)
				mu.Unlock()
			}
		}
	}()
	go func() {
		defer close(posted)
		for r := range rounds {
			h := []*hubNode{hubA, hubB}[r%2]
			if r == rounds/3 {
				hubA.kill(t) // SIGKILL: mid-stream, with objects and reads under way
			}
			if r >= rounds/3 {
				h = hubB
			}
			var objs []json.RawMessage
			var ids []string
			for i := range 10 {
				id := fmt.Sprintf("indicator--00000000-0000-4000-9000-%06x%06x", r, i)
				ids = append(ids, id)
				objs = append(objs, json.RawMessage(fmt.Sprintf(`{"type":"indicator","spec_version":"2.1","id":"%s","created":"2026-02-01T00:00:00.000Z","modified":"2026-02-01T00:00:00.000Z","name":"posted %d-%d","indicator_types":["malicious-activity"],"pattern":"[ipv4-addr:value = '198.19.%d.%d']","pattern_type":"stix","valid_from":"2026-02-01T00:00:00Z","object_marking_refs":["%s"]}`,
					id, r, i, r, i, policy.MarkingAmberStrict)))
			}
			st, err := h.col.AddObjects(ctx, objs)
			if err != nil || st.Status != "complete" || st.SuccessCount != len(objs) {
				postErrs++
				t.Logf("round %d through %s: post not acknowledged: %v %+v", r, h.name, err, st)
				continue
			}
			mu.Lock()
			acked = append(acked, ids...)
			mu.Unlock()
			for _, id := range ids[:3] {
				rc, err := h.readLogged(ctx, c.poster, id)
				if err != nil {
					t.Errorf("round %d through %s: %v", r, h.name, err)
					continue
				}
				mu.Lock()
				receipts = append(receipts, rc)
				mu.Unlock()
			}
		}
	}()

	// Records: fed in chunks onto the stream; worker 1 is killed once the
	// workers have stored a quarter of the matches, with batches still
	// waiting, so that what it held is handed to the other.
	at := time.Now().UTC().Truncate(time.Second).Add(-time.Hour)
	const total, chunk = 20_000, 500
	recs := clusterRecords(total, at)
	var kept int64
	want := 0 // matched records the stream acknowledged
	for i := 0; i < total; i += chunk {
		res, err := p.Ingest(ctx, c.source, recs[i:i+chunk])
		if err != nil {
			t.Fatal(err)
		}
		if res.Kept != chunk {
			t.Fatalf("the stream kept %d of %d records (%+v)", res.Kept, chunk, res.Counts)
		}
		kept += int64(res.Kept)
		for _, r := range recs[i : i+chunk] {
			if c.indicator[r.SrcAddr] {
				want++
			}
		}
	}
	testwait.For(t, 60*time.Second, "the workers to store a quarter of the matches", func() bool {
		return countRows(t, c.db, "telemetry_records") >= int64(want/4)
	})
	pending, _ := b.Pending(ctx, telemetry.Stream, telemetry.Matchers)
	workers[0].kill(t)
	t.Logf("worker-1 killed with %d matched records stored and %d batches not yet acknowledged", countRows(t, c.db, "telemetry_records"), pending)
	<-posted
	<-readerDone
	if t.Failed() {
		t.FailNow()
	}
	hubA2 := startHub(t, c, "hub-a (restarted)", dirA)

	// What the killed worker held is handed to the other once the stream's
	// acknowledgement wait (30 s) has run out.
	redelivered := 0 // the most batches seen handed out again at once
	testwait.For(t, 150*time.Second, "every batch on the stream to be handled", func() bool {
		redelivered = max(redelivered, redeliveries(t, c.nats))
		ok, err := b.CaughtUp(ctx, telemetry.Stream, telemetry.Matchers)
		return err == nil && ok
	})
	f := clusterEffects(t, c)
	lost := max(0, int64(want)-f.records)
	dups := max(0, f.records-int64(want)) + max(0, f.matched-f.records) + (f.sightings - f.sightingIDs) + max(0, f.sightCount-f.records) +
		max(0, f.flowAlerts-f.sightingIDs)
	t.Logf("records: %d fed, %d kept by the stream, %d matching, %d stored, %d counted matched; %d batches handed out again (most at once)", total, kept, want, f.records, f.matched, redelivered)
	t.Logf("sightings: %d versions of %d ids counting %d records; flow-match alerts: %d", f.sightings, f.sightingIDs, f.sightCount, f.flowAlerts)
	t.Logf("LOSS %d, DUPLICATES %d (matched records, sightings, alerts)", lost, dups)
	if redelivered == 0 {
		t.Errorf("no batch was handed out again after worker-1's death: the test did not test redelivery")
	}
	if f.records != int64(want) || f.matched != int64(want) || f.sightings != f.sightingIDs || f.sightCount != int64(want) || f.flowAlerts != f.sightingIDs || f.sightingIDs == 0 {
		t.Errorf("effects are not each there once: want %d matched records, got %+v", want, f)
	}

	// TAXII: both nodes page the collection identically, and serve every
	// acknowledged object once.
	pageA, pageB := walk(t, hubA2), walk(t, hubB)
	if !slices.Equal(pageA, pageB) {
		t.Errorf("the nodes page the collection differently: %d objects through A, %d through B", len(pageA), len(pageB))
	}
	served := map[string]int{}
	for _, v := range pageB {
		served[strings.Fields(v)[0]]++
	}
	var objLost, objDup int
	for _, id := range acked {
		if served[id] == 0 {
			objLost++
		}
	}
	for _, n := range served {
		objDup += n - 1
	}
	t.Logf("objects: %d acknowledged (%d posts refused while a node was down), %d served by each node; LOSS %d, DUPLICATES %d", len(acked), postErrs, len(pageB), objLost, objDup)
	if objLost > 0 || objDup > 0 {
		t.Errorf("objects lost %d, duplicated %d", objLost, objDup)
	}

	// The audit log: one, published whole, verified through either node.
	testwait.For(t, 90*time.Second, "the audit log to be published whole", func() bool {
		size, err := c.db.AuditJournalSize(ctx, c.audit.Origin())
		if err != nil {
			t.Fatal(err)
		}
		_, published, err := c.db.AuditCheckpoint(ctx, c.audit.Origin())
		return err == nil && published == size
	})
	for _, h := range []*hubNode{hubA2, hubB} {
		out, stderr, ok := asProcess(t, []string{"audit", "verify", "--log", h.url + "audit/", "--key", c.audit.VerifierKey(), "--key", c.audit.PQVerifierKey(),
			"--token", c.overseer, "--no-state"})
		if !ok {
			t.Fatalf("audit verify through %s: %s %s", h.name, out, stderr)
		}
		t.Logf("audit verify through %s: %s", h.name, strings.TrimSpace(out))
	}
	vs, err := readKeys([]string{c.audit.VerifierKey(), c.audit.PQVerifierKey()})
	if err != nil {
		t.Fatal(err)
	}
	fetch, err := audit.NewFetcher(hubB.url+"audit/", logClient(c.overseer))
	if err != nil {
		t.Fatal(err)
	}
	at2 := map[uint64]audit.Entry{}
	if _, err := audit.Scan(ctx, fetch, vs, func(idx uint64, e audit.Entry) error { at2[idx] = e; return nil }); err != nil {
		t.Fatal(err)
	}
	missing := 0
	for _, r := range receipts {
		if e, ok := at2[r.index]; !ok || e.ObjectID != r.object || e.User != "power" || e.Action != audit.ActionObjectRead {
			missing++
		}
	}
	t.Logf("audit: %d entries; %d reads with receipts, %d of them not in the log at their index", len(at2), len(receipts), missing)
	if missing > 0 || len(receipts) == 0 {
		t.Errorf("%d of %d receipts are not in the log", missing, len(receipts))
	}
	t.Logf("done in %v", time.Since(started).Round(time.Millisecond))
}

// clusterCounts are the matcher's effects in the store.
type clusterCounts struct {
	records, matched                   int64 // rows kept; the source's "matched" counter
	sightings, sightingIDs, sightCount int64 // versions, distinct ids, the sum of their counts
	flowAlerts                         int64
}

func clusterEffects(t *testing.T, c *clusterCase) clusterCounts {
	t.Helper()
	ctx := context.Background()
	var f clusterCounts
	f.records = countRows(t, c.db, "telemetry_records")
	counts, err := telemetry.GetCounts(ctx, c.db, c.source)
	if err != nil {
		t.Fatal(err)
	}
	f.matched = counts["matched"]
	if err := c.db.SQL().QueryRowContext(ctx, "SELECT COUNT(*), COUNT(DISTINCT stix_id), COALESCE(SUM(count), 0) FROM objects WHERE type = 'sighting'").
		Scan(&f.sightings, &f.sightingIDs, &f.sightCount); err != nil {
		t.Fatal(err)
	}
	if err := c.db.SQL().QueryRowContext(ctx, "SELECT COUNT(*) FROM alerts WHERE kind = 'flow-match'").Scan(&f.flowAlerts); err != nil {
		t.Fatal(err)
	}
	return f
}

func countRows(t *testing.T, db *store.DB, table string) int64 {
	t.Helper()
	var n int64
	if err := db.SQL().QueryRowContext(context.Background(), "SELECT COUNT(*) FROM "+table).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// walk pages the members collection through h, 37 objects a page, and
// returns the ids and versions in the order served.
func walk(t *testing.T, h *hubNode) []string {
	t.Helper()
	var out []string
	err := h.col.EachPage(context.Background(), client.Query{Limit: 37}, func(_ int, env client.Envelope) error {
		for _, raw := range env.Objects {
			var o struct{ ID, Modified string }
			if err := json.Unmarshal(raw, &o); err != nil {
				return err
			}
			out = append(out, o.ID+" "+o.Modified)
		}
		return nil
	})
	if err != nil {
		t.Fatalf("page through %s: %v", h.name, err)
	}
	return out
}

// redeliveries is how many messages the matchers' consumer has handed out
// more than once and not yet seen acknowledged.
func redeliveries(t *testing.T, url string) int {
	t.Helper()
	nc, err := nats.Connect(url)
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	js, err := jetstream.New(nc)
	if err != nil {
		t.Fatal(err)
	}
	cons, err := js.Consumer(context.Background(), telemetry.Stream, telemetry.Matchers)
	if err != nil {
		t.Fatal(err)
	}
	info, err := cons.Info(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return info.NumRedelivered
}
