package api_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"renkei/internal/api"
	"renkei/internal/auth"
	"renkei/internal/hub"
	"renkei/internal/hubtest"
	"renkei/internal/store/storetest"
)

// BenchmarkExportEDL50k measures what a firewall's poll costs the hub with
// 50,000 GREEN address indicators a member may see: a full download (policy
// listing, compilation, writing) and a poll that gets 304.
//
//	go test ./internal/api -run '^$' -bench ExportEDL -benchtime 5x
func BenchmarkExportEDL50k(b *testing.B) {
	const n = 50_000
	ctx := context.Background()
	db := storetest.Open(b, "sqlite")
	now := time.Now().UTC()
	if _, err := hub.Bootstrap(ctx, db, now); err != nil {
		b.Fatal(err)
	}
	a := hubtest.App(b, db, hubtest.WithAudit())
	h := a.Hub
	hub.AddOrg(ctx, db, "Power Co", "operator", "energy", now)
	u, _ := hub.AddUser(ctx, db, "power", "Power Co", "analyst", "", now)
	org, _ := db.Org(ctx, u.OrgID)
	token, _, _ := hub.CreateToken(ctx, db, "power", "fw", 0, true, now)
	col, _ := db.Collection(ctx, hub.MembersCollection)
	for start := 0; start < n; start += 5000 {
		objs := make([]any, 0, 5000)
		for i := start; i < start+5000; i++ {
			objs = append(objs, map[string]any{"type": "indicator", "spec_version": "2.1", "id": fmt.Sprintf("indicator--00000000-0000-4000-8000-%012d", i),
				"created": "2026-01-01T00:00:00.000Z", "modified": "2026-01-01T00:00:00.000Z", "pattern_type": "stix", "valid_from": "2026-01-01T00:00:00.000Z",
				"pattern":             fmt.Sprintf("[ipv4-addr:value = '10.%d.%d.%d']", i>>16&255, i>>8&255, i&255),
				"object_marking_refs": []string{tlpGreen}})
		}
		body, _ := json.Marshal(map[string]any{"type": "bundle", "id": fmt.Sprintf("bundle--00000000-0000-4000-8000-%012d", start), "objects": objs})
		if st, err := h.Submit(ctx, auth.Caller{User: u, Org: org}, col, bytes.NewReader(body)); err != nil || st.Failure > 0 {
			b.Fatal(err, st.Failure)
		}
	}
	srv := httptest.NewServer((&api.Server{App: a}).Handler())
	defer srv.Close()
	get := func(etag string) (int, int64, string) {
		req, _ := http.NewRequest("GET", srv.URL+"/api/v1/exports/edl", nil)
		req.SetBasicAuth("power", token)
		if etag != "" {
			req.Header.Set("If-None-Match", etag)
		}
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			b.Fatal(err)
		}
		defer res.Body.Close()
		m, _ := io.Copy(io.Discard, res.Body)
		return res.StatusCode, m, res.Header.Get("ETag")
	}
	_, size, etag := get("")
	b.Run("full", func(b *testing.B) {
		for b.Loop() {
			if code, m, _ := get(""); code != 200 || m != size {
				b.Fatalf("%d %d", code, m)
			}
		}
		b.ReportMetric(float64(n)*float64(b.N)/b.Elapsed().Seconds(), "indicators/s")
	})
	b.Run("not-modified", func(b *testing.B) {
		for b.Loop() {
			if code, _, _ := get(etag); code != 304 {
				b.Fatalf("%d", code)
			}
		}
	})
}
