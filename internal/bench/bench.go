// Package bench measures whole-program figures of the hub: STIX ingestion
// into a real store, and TAXII page latency under many concurrent clients
// over real HTTP. `renkei bench` prints what it measures so that readers can
// compare runs; nothing here is a pass/fail test.
package bench

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"slices"
	"sync"
	"syscall"
	"time"

	"renkei/internal/app"
	"renkei/internal/auth"
	"renkei/internal/client"
	"renkei/internal/hub"
	"renkei/internal/policy"
	"renkei/internal/store"
	"renkei/internal/taxii"
)

// Setup bootstraps db and returns a hub with a member analyst to submit and read as.
func Setup(ctx context.Context, db *store.DB) (*hub.Hub, auth.Caller, string, error) {
	now := time.Now().UTC()
	if _, err := hub.Bootstrap(ctx, db, now); err != nil {
		return nil, auth.Caller{}, "", err
	}
	a, err := app.New(ctx, app.Deps{Store: db})
	if err != nil {
		return nil, auth.Caller{}, "", err
	}
	h := a.Hub
	o, err := db.Org(ctx, "Bench Operator")
	if err != nil {
		if o, err = hub.AddOrg(ctx, db, "Bench Operator", "operator", "energy", now); err != nil {
			return nil, auth.Caller{}, "", err
		}
		if _, err := hub.AddUser(ctx, db, "bench", o.Name, "analyst", "", now); err != nil {
			return nil, auth.Caller{}, "", err
		}
	}
	u, err := db.UserByLogin(ctx, "bench")
	if err != nil {
		return nil, auth.Caller{}, "", err
	}
	tok, _, err := hub.CreateToken(ctx, db, "bench", "bench", time.Hour, false, now)
	if err != nil {
		return nil, auth.Caller{}, "", err
	}
	return h, auth.Caller{User: u, Org: o}, tok, nil
}

// IngestResult is one ingestion measurement.
type IngestResult struct {
	Objects  int
	Failures int
	Elapsed  time.Duration
	Failed   []string // "id: reason" of each failure
}

func (r IngestResult) String() string {
	return fmt.Sprintf("%d objects (%d failed) in %v: %.0f objects/s", r.Objects, r.Failures, r.Elapsed.Round(time.Millisecond), float64(r.Objects)/r.Elapsed.Seconds())
}

// Ingest submits a bundle read from r through the hub, as TAXII POST does.
func Ingest(ctx context.Context, h *hub.Hub, c auth.Caller, r io.Reader) (IngestResult, error) {
	col, err := h.DB.Collection(ctx, hub.MembersCollection)
	if err != nil {
		return IngestResult{}, err
	}
	start := time.Now()
	st, err := h.Submit(ctx, c, col, r)
	if err != nil {
		return IngestResult{}, err
	}
	res := IngestResult{Objects: st.Success, Failures: st.Failure, Elapsed: time.Since(start)}
	for _, d := range st.Details {
		if d.Kind == "failure" {
			res.Failed = append(res.Failed, d.ID+": "+d.Message)
		}
	}
	return res, nil
}

// SyntheticIndicators writes a bundle of n indicators at mixed TLPs.
func SyntheticIndicators(w io.Writer, n int, seed int) error {
	bw := &bytes.Buffer{}
	bw.WriteString(`{"type":"bundle","id":"bundle--00000000-0000-4000-8000-000000000000","objects":[`)
	tlps := []string{policy.MarkingClear, policy.MarkingGreen, policy.MarkingAmber, policy.MarkingGreen}
	for i := range n {
		if i > 0 {
			bw.WriteByte(',')
		}
		fmt.Fprintf(bw, `{"type":"indicator","spec_version":"2.1","id":"indicator--%08x-0000-4000-8000-%012x","created":"2026-01-01T00:00:00.000Z","modified":"2026-01-01T00:00:00.000Z","name":"synthetic %d","indicator_types":["malicious-activity"],"pattern":"[ipv4-addr:value = '%d.%d.%d.%d']","pattern_type":"stix","valid_from":"2026-01-01T00:00:00Z","object_marking_refs":["%s"]}`,
			seed, i, i, 10+i>>24&0x7f, i>>16&0xff, i>>8&0xff, i&0xff, tlps[i%len(tlps)])
		if bw.Len() > 1<<20 {
			if _, err := w.Write(bw.Bytes()); err != nil {
				return err
			}
			bw.Reset()
		}
	}
	bw.WriteString("]}")
	_, err := w.Write(bw.Bytes())
	return err
}

// IngestFile ingests a bundle file.
func IngestFile(ctx context.Context, h *hub.Hub, c auth.Caller, path string) (IngestResult, error) {
	f, err := os.Open(path)
	if err != nil {
		return IngestResult{}, err
	}
	defer f.Close()
	return Ingest(ctx, h, c, f)
}

// IngestSynthetic ingests n synthetic indicators, generated as they are read.
func IngestSynthetic(ctx context.Context, h *hub.Hub, c auth.Caller, n, seed int) (IngestResult, error) {
	pr, pw := io.Pipe()
	go func() { pw.CloseWithError(SyntheticIndicators(pw, n, seed)) }()
	return Ingest(ctx, h, c, pr)
}

// Latency is the outcome of a concurrent page run.
type Latency struct {
	Requests   int
	Errors     int
	P50, P99   time.Duration
	Max        time.Duration
	Elapsed    time.Duration
	CPU        time.Duration // this process's CPU time over the run: server and clients
	Clients    int
	PageLength int
}

func (l Latency) String() string {
	return fmt.Sprintf("%d requests by %d clients in %v (%.0f req/s, %.0f µs CPU each), pages of %d: p50 %v, p99 %v, max %v, errors %d",
		l.Requests, l.Clients, l.Elapsed.Round(time.Millisecond), float64(l.Requests)/l.Elapsed.Seconds(),
		float64(l.CPU.Microseconds())/float64(max(l.Requests, 1)), l.PageLength,
		l.P50.Round(10*time.Microsecond), l.P99.Round(10*time.Microsecond), l.Max.Round(10*time.Microsecond), l.Errors)
}

// TAXIIPages serves TAXII over real HTTP on loopback and has clients walk the
// members collection in pages of 100 for the given duration, each client
// starting at a different page.
func TAXIIPages(ctx context.Context, h *hub.Hub, token string, clients int, d time.Duration) (Latency, error) {
	ts := &taxii.Server{Hub: h, MaxContentLength: 100 << 20}
	srv := httptest.NewServer(ts.Handler())
	defer srv.Close()
	tr := &http.Transport{MaxIdleConnsPerHost: clients, MaxConnsPerHost: clients}
	defer tr.CloseIdleConnections()
	c := &client.Client{Hub: srv.URL, Token: token, APIRoot: srv.URL + "/taxii2/api/", HTTP: &http.Client{Transport: tr, Timeout: 30 * time.Second}}
	col, err := c.Collection(ctx, hub.MembersCollection)
	if err != nil {
		return Latency{}, err
	}
	starts, err := pageStarts(ctx, col, 200)
	if err != nil {
		return Latency{}, err
	}
	var mu sync.Mutex
	var lat []time.Duration
	errs := 0
	deadline := time.Now().Add(d)
	var wg sync.WaitGroup
	start, cpu0 := time.Now(), cpuTime()
	for i := range clients {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			var mine []time.Duration
			bad := 0
			for j := i; time.Now().Before(deadline) && ctx.Err() == nil; j++ {
				t0 := time.Now()
				if err := readPage(ctx, col, starts[j%len(starts)]); err != nil {
					bad++
					continue
				}
				mine = append(mine, time.Since(t0))
			}
			mu.Lock()
			lat = append(lat, mine...)
			errs += bad
			mu.Unlock()
		}(i)
	}
	wg.Wait()
	elapsed, cpu := time.Since(start), cpuTime()-cpu0
	if len(lat) == 0 {
		return Latency{}, fmt.Errorf("no request succeeded (%d errors)", errs)
	}
	slices.Sort(lat)
	pct := func(p float64) time.Duration { return lat[min(len(lat)-1, int(p*float64(len(lat))))] }
	return Latency{Requests: len(lat), Errors: errs, P50: pct(0.50), P99: pct(0.99), Max: lat[len(lat)-1], Elapsed: elapsed, CPU: cpu, Clients: clients, PageLength: pageLength}, nil
}

// cpuTime is this process's CPU time so far, user and system. On a shared
// machine wall time is noisy; CPU time per request much less so.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
