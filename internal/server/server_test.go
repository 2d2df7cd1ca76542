package server_test

import (
	"bufio"
	"context"
	"crypto/tls"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/exec"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"renkei/internal/auth"
	"renkei/internal/hub"
	"renkei/internal/policy"
	"renkei/internal/server"
	"renkei/internal/store"
	"renkei/internal/store/storetest"
	"renkei/internal/testwait"
)

// TestMain lets the crash test run this binary as a hub it can kill. The
// fixtures' accounts get cheap password hashes (auth.CheapHashesForTests):
// no test here is about the cost of a hash.
func TestMain(m *testing.M) {
	if dsn := os.Getenv("RENKEI_TEST_SERVE"); dsn != "" {
		serveForever(dsn)
		return
	}
	auth.CheapHashesForTests()
	os.Exit(m.Run())
}

func serveForever(dsn string) {
	ctx := context.Background()
	db, err := store.Open(ctx, dsn)
	if err != nil {
		fmt.Println("error:", err)
		os.Exit(2)
	}
	s, err := server.New(ctx, server.Config{Listen: "127.0.0.1:0", DataDir: os.Getenv("RENKEI_TEST_DATA")}, slog.New(slog.DiscardHandler), db)
	if err != nil {
		fmt.Println("error:", err)
		os.Exit(2)
	}
	s.Run(ctx, func(addr string) { fmt.Println("addr:", addr) })
}

func prepare(t *testing.T, kind string) (dsn, token string) {
	t.Helper()
	ctx := context.Background()
	dsn = storetest.MigratedDSN(t, kind)
	db, err := store.Open(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	now := time.Now().UTC()
	if _, err := hub.Bootstrap(ctx, db, now); err != nil {
		t.Fatal(err)
	}
	if _, err := hub.AddOrg(ctx, db, "Power Co", "operator", "energy", now); err != nil {
		t.Fatal(err)
	}
	if _, err := hub.AddUser(ctx, db, "power", "Power Co", "analyst", "", now); err != nil {
		t.Fatal(err)
	}
	token, _, err = hub.CreateToken(ctx, db, "power", "", 0, false, now)
	if err != nil {
		t.Fatal(err)
	}
	return dsn, token
}

// TestCrashDuringPostLosesNoReportedSuccess kills the hub with SIGKILL in the
// middle of a large POST and shows, after reopening the store, that every
// object the status reported as a success is there.
func TestCrashDuringPostLosesNoReportedSuccess(t *testing.T) {
	t.Parallel()
	if testing.Short() {
		t.Skip("slow")
	}
	for _, kind := range storetest.Kinds(t) {
		t.Run(kind, func(t *testing.T) {
			t.Parallel()
			dsn, token := prepare(t, kind)
			cmd := exec.Command(os.Args[0], "-test.run=^$")
			cmd.Env = append(os.Environ(), "RENKEI_TEST_SERVE="+dsn, "RENKEI_TEST_DATA="+t.TempDir())
			out, _ := cmd.StdoutPipe()
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			defer cmd.Process.Kill()
			line, err := bufio.NewReader(out).ReadString('\n')
			if err != nil || !strings.HasPrefix(line, "addr: ") {
				t.Fatalf("child server: %q %v", line, err)
			}
			addr := strings.TrimSpace(strings.TrimPrefix(line, "addr: "))

			pr, pw := io.Pipe()
			go func() {
				fmt.Fprint(pw, `{"type":"bundle","id":"bundle--00000000-0000-4000-8000-000000000001","objects":[`)
				for i := 0; ; i++ {
					if i > 0 {
						fmt.Fprint(pw, ",")
					}
					_, err := fmt.Fprintf(pw, `{"type":"indicator","spec_version":"2.1","id":"indicator--00000000-0000-4000-8000-%012d","created":"2026-01-01T00:00:00.000Z","modified":"2026-01-01T00:00:00.000Z","pattern":"[ipv4-addr:value = '10.0.%d.%d']","pattern_type":"stix","valid_from":"2026-01-01T00:00:00Z","object_marking_refs":["%s"]}`,
						i, (i/250)%250, i%250, policy.MarkingGreen)
					if err != nil {
						return // the server died
					}
				}
			}()
			req, _ := http.NewRequest("POST", "http://"+addr+"/taxii2/api/collections/"+hub.MembersCollection+"/objects/", pr)
			req.Header.Set("Content-Type", "application/taxii+json;version=2.1")
			req.Header.Set("Authorization", "Bearer "+token)
			go http.DefaultClient.Do(req)

			// Watch the store until some batches are committed, then kill.
			db, err := store.Open(context.Background(), dsn)
			if err != nil {
				t.Fatal(err)
			}
			defer db.Close()
			testwait.For(t, 60*time.Second, "the server to store 2000 objects", func() bool {
				var n int
				db.QueryRow(context.Background(), "SELECT COALESCE(MAX(success), 0) FROM statuses").Scan(&n)
				return n >= 2000
			})
			cmd.Process.Signal(syscall.SIGKILL)
			cmd.Wait()
			pw.CloseWithError(io.ErrClosedPipe)

			var id string
			if err := db.QueryRow(context.Background(), "SELECT id FROM statuses").Scan(&id); err != nil {
				t.Fatal(err)
			}
			st, err := db.StatusByID(context.Background(), id)
			if err != nil {
				t.Fatal(err)
			}
			var successes []string
			for _, d := range st.Details {
				if d.Kind == "success" {
					successes = append(successes, d.ID)
				}
			}
			if len(successes) != st.Success || st.Success < 2000 {
				t.Fatalf("status reports %d successes with %d details", st.Success, len(successes))
			}
			stored := map[string]bool{}
			rows, err := db.Query(context.Background(), "SELECT stix_id FROM objects")
			if err != nil {
				t.Fatal(err)
			}
			for rows.Next() {
				var s string
				rows.Scan(&s)
				stored[s] = true
			}
			rows.Close()
			for _, s := range successes {
				if !stored[s] {
					t.Fatalf("%s was reported a success but is not stored after the crash", s)
				}
			}
			t.Logf("%s: %d successes reported before SIGKILL, all stored (%d objects in the store)", kind, len(successes), len(stored))
		})
	}
}

// TestHybridPostQuantumTLS shows the hub negotiates X25519MLKEM768 with a
// client that offers it.
func TestHybridPostQuantumTLS(t *testing.T) {
	t.Parallel()
	dsn, _ := prepare(t, "sqlite")
	db, err := store.Open(context.Background(), dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	s, err := server.New(context.Background(), server.Config{Listen: "127.0.0.1:0", DataDir: t.TempDir(), SelfSignedTLS: true}, slog.New(slog.DiscardHandler), db)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	addrc := make(chan string, 1)
	done := make(chan error, 1)
	go func() { done <- s.Run(ctx, func(a string) { addrc <- a }) }()
	addr := <-addrc
	conn, err := tls.Dial("tcp", addr, &tls.Config{InsecureSkipVerify: true, CurvePreferences: []tls.CurveID{tls.X25519MLKEM768, tls.X25519}})
	if err != nil {
		t.Fatal(err)
	}
	st := conn.ConnectionState()
	conn.Close()
	if st.CurveID != tls.X25519MLKEM768 || st.Version != tls.VersionTLS13 {
		t.Fatalf("negotiated %v over %x, want X25519MLKEM768 over TLS 1.3", st.CurveID, st.Version)
	}
	// A classic client still connects.
	conn, err = tls.Dial("tcp", addr, &tls.Config{InsecureSkipVerify: true, CurvePreferences: []tls.CurveID{tls.X25519}})
	if err != nil {
		t.Fatal(err)
	}
	conn.Close()
	cancel()
	if err := <-done; err != nil {
		t.Fatalf("graceful shutdown: %v", err)
	}
}

// TestHealthMetricsAndLogs checks /healthz and /metrics, and that the logs
// of authenticated, failed and erroneous requests never hold a credential.
func TestHealthMetricsAndLogs(t *testing.T) {
	t.Parallel()
	dsn, token := prepare(t, "sqlite")
	db, err := store.Open(context.Background(), dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var logs syncBuffer
	s, err := server.New(context.Background(), server.Config{Listen: "127.0.0.1:0", DataDir: t.TempDir()}, slog.New(slog.NewJSONHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug})), db)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	addrc := make(chan string, 1)
	go s.Run(ctx, func(a string) { addrc <- a })
	base := "http://" + <-addrc
	get := func(path string, hdr ...string) (int, string) {
		req, _ := http.NewRequest("GET", base+path, nil)
		for i := 0; i+1 < len(hdr); i += 2 {
			req.Header.Set(hdr[i], hdr[i+1])
		}
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		b, _ := io.ReadAll(res.Body)
		return res.StatusCode, string(b)
	}
	if code, body := get("/healthz"); code != 200 || body != "ok\n" {
		t.Fatalf("healthz: %d %q", code, body)
	}
	if code, body := get("/api/v1/me", "Authorization", "Bearer "+token); code != 200 || !strings.Contains(body, `"login":"power"`) {
		t.Fatalf("me: %d %s", code, body)
	}
	code, body := get("/api/v1/me")
	var e map[string]string
	if code != 401 || json.Unmarshal([]byte(body), &e) != nil || e["http_status"] != "401" {
		t.Fatalf("anonymous API call: %d %s", code, body)
	}
	code, body = get("/metrics")
	if code != 200 || !strings.Contains(body, `renkei_http_requests_total{code="200",route="api"} 1`) || !strings.Contains(body, `route="api"} 1`) {
		t.Fatalf("metrics: %d\n%s", code, body)
	}
	if strings.Contains(body, token) {
		t.Fatal("a token appears in /metrics")
	}
	// A POST that logs, a wrong password over Basic, and a bad token.
	req, _ := http.NewRequest("POST", base+"/taxii2/api/collections/"+hub.MembersCollection+"/objects/",
		strings.NewReader(`{"type":"bundle","id":"bundle--00000000-0000-4000-8000-000000000001","objects":[]}`))
	req.Header.Set("Content-Type", "application/taxii+json;version=2.1")
	req.Header.Set("Authorization", "Bearer "+token)
	if res, err := http.DefaultClient.Do(req); err != nil || res.StatusCode != 202 {
		t.Fatalf("POST: %v %v", res, err)
	}
	req, _ = http.NewRequest("GET", base+"/api/v1/me", nil)
	req.SetBasicAuth("power", "the-wrong-password-123")
	http.DefaultClient.Do(req)
	get("/api/v1/me", "Authorization", "Bearer rk_not-a-real-token")
	out := logs.String()
	if !strings.Contains(out, "objects posted") {
		t.Fatalf("the POST was not logged: %s", out)
	}
	for _, secret := range []string{token, "the-wrong-password-123", "rk_not-a-real-token"} {
		if strings.Contains(out, secret) {
			t.Fatalf("a credential appears in the logs: %s", out)
		}
	}
}

type syncBuffer struct {
	mu sync.Mutex
	b  strings.Builder
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// startServer runs a hub over dsn with cfg until the test ends and returns
// its address.
func startServer(t *testing.T, dsn string, cfg server.Config) (*store.DB, string) {
	t.Helper()
	db, err := store.Open(context.Background(), dsn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	cfg.Listen, cfg.DataDir = "127.0.0.1:0", t.TempDir()
	s, err := server.New(context.Background(), cfg, slog.New(slog.DiscardHandler), db)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	addrc := make(chan string, 1)
	done := make(chan error, 1)
	go func() { done <- s.Run(ctx, func(a string) { addrc <- a }) }()
	t.Cleanup(func() { cancel(); <-done; s.Close() })
	return db, <-addrc
}

// TestSlowBodyIsCut sends the headers of a POST and a few bytes of its
// body, then nothing: the hub cuts the request when the body deadline
// passes instead of waiting for ever.
func TestSlowBodyIsCut(t *testing.T) {
	t.Parallel()
	dsn, token := prepare(t, "sqlite")
	_, addr := startServer(t, dsn, server.Config{BodyTimeout: 300 * time.Millisecond})
	conn, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	fmt.Fprintf(conn, "POST /taxii2/api/collections/%s/objects/ HTTP/1.1\r\nHost: %s\r\nAuthorization: Bearer %s\r\nContent-Type: application/taxii+json;version=2.1\r\nContent-Length: 100000\r\n\r\n{\"type\":\"bundle\",",
		hub.MembersCollection, addr, token)
	start := time.Now()
	conn.SetReadDeadline(start.Add(10 * time.Second))
	_, err = io.ReadAll(conn)
	if ne, ok := err.(net.Error); ok && ne.Timeout() {
		t.Fatalf("the slow body was not cut in %v", time.Since(start).Round(time.Millisecond))
	}
	if took := time.Since(start); took > 5*time.Second {
		t.Fatalf("the slow body was cut after %v, want about the 300 ms deadline", took)
	}
}

// TestInterruptedPostMarkedFailedOnRestart leaves statuses pending as a
// crash during a POST does, and restarts the hub: a status older than the
// longest a POST may take is complete, with one failure saying the rest of
// the body was never read; a fresh one (a POST another node may be
// reading) stays pending.
func TestInterruptedPostMarkedFailedOnRestart(t *testing.T) {
	t.Parallel()
	for _, kind := range storetest.Kinds(t) {
		t.Run(kind, func(t *testing.T) {
			t.Parallel()
			dsn, _ := prepare(t, kind)
			ctx := context.Background()
			db, err := store.Open(ctx, dsn)
			if err != nil {
				t.Fatal(err)
			}
			now := time.Now().UTC()
			old := store.Status{ID: "00000000-0000-4000-8000-0000000000a1", CollectionID: hub.MembersCollection, UserID: 2, Status: "pending",
				Created: now.Add(-time.Hour), Updated: now.Add(-time.Hour)}
			fresh := old
			fresh.ID, fresh.Created, fresh.Updated = "00000000-0000-4000-8000-0000000000a2", now, now
			for _, st := range []store.Status{old, fresh} {
				if err := db.AddStatus(ctx, st); err != nil {
					t.Fatal(err)
				}
			}
			if err := db.AdvanceStatus(ctx, old.ID, store.StatusProgress{Success: 2, Details: []store.StatusDetail{
				{Kind: "success", ID: "indicator--00000000-0000-4000-8000-000000000001"}, {Kind: "success", ID: "indicator--00000000-0000-4000-8000-000000000002"}}}, now.Add(-time.Hour)); err != nil {
				t.Fatal(err)
			}
			db.Close()

			db, _ = startServer(t, dsn, server.Config{BodyTimeout: 10 * time.Minute})
			st, err := db.StatusByID(ctx, old.ID)
			if err != nil {
				t.Fatal(err)
			}
			last := st.Details[len(st.Details)-1]
			if st.Status != "complete" || st.Success != 2 || st.Failure != 1 || st.Total != 3 || last.Kind != "failure" || last.ID != "objects[2]" || !strings.Contains(last.Message, "never read") {
				t.Fatalf("interrupted POST after a restart: %+v", st)
			}
			if st, _ := db.StatusByID(ctx, fresh.ID); st.Status != "pending" || st.Failure != 0 {
				t.Fatalf("a POST that may still be read elsewhere was failed: %+v", st)
			}
		})
	}
}
