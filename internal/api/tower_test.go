package api_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"renkei/internal/api"
	"renkei/internal/app"
	"renkei/internal/hub"
	"renkei/internal/store/storetest"
)

// TestTowerAPI files a report over HTTP, sees a bad one refused field by
// field, and checks who can read what.
func TestTowerAPI(t *testing.T) {
	ctx := context.Background()
	db := storetest.Open(t, "sqlite")
	now := time.Now().UTC()
	hub.Bootstrap(ctx, db, now)
	h, err := hub.New(ctx, db, nil)
	if err != nil {
		t.Fatal(err)
	}
	withAuditLog(t, h)
	hub.AddOrg(ctx, db, "Suido Water", "operator", "water", now)
	hub.AddOrg(ctx, db, "Kanto Electric", "operator", "energy", now)
	tokens := map[string]string{}
	for _, u := range [][2]string{{"kanshi", h.Center().ID}, {"mizu", "Suido Water"}, {"denki", "Kanto Electric"}} {
		if _, err := hub.AddUser(ctx, db, u[0], u[1], "analyst", "", now); err != nil {
			t.Fatal(err)
		}
		tokens[u[0]], _, _ = hub.CreateToken(ctx, db, u[0], "test", 0, false, now)
	}
	srv := httptest.NewServer((&api.Server{App: app.New(h), MaxBody: 16 << 20}).Handler())
	defer srv.Close()
	call := func(who, method, path, body string) (int, map[string]any) {
		req, _ := http.NewRequest(method, srv.URL+path, strings.NewReader(body))
		req.Header.Set("Authorization", "Bearer "+tokens[who])
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		var m map[string]any
		json.Unmarshal(b, &m)
		return resp.StatusCode, m
	}
	detected := now.Add(-time.Hour).Format(time.RFC3339)
	code, m := call("mizu", "POST", "/api/v1/reports", `{"duties":["art5"],"type":"art5","stage":"initial","category":"ddos","title":"Flood","what_happened":"UDP flood","detected_at":"`+detected+`","current_status":"ongoing"}`)
	if code != 201 {
		t.Fatalf("file: %d %v", code, m)
	}
	inc := m["incident"].(map[string]any)
	id := int(inc["id"].(float64))
	dl := inc["deadlines"].([]any)
	if len(dl) != 2 || dl[0].(map[string]any)["overdue"] != false {
		t.Fatalf("deadlines %v", dl)
	}
	code, m = call("mizu", "POST", "/api/v1/reports", `{"duties":["art5"],"type":"art5","stage":"initial","category":"ddos","what_happened":"","current_status":"ongoing","detected_at":"2099-01-01T00:00:00Z"}`)
	if code != 400 {
		t.Fatalf("bad filing: %d %v", code, m)
	}
	fields := map[string]bool{}
	for _, f := range m["fields"].([]any) {
		fields[f.(map[string]any)["field"].(string)] = true
	}
	for _, f := range []string{"title", "what_happened", "detected_at"} {
		if !fields[f] {
			t.Errorf("no error at field %s: %v", f, m)
		}
	}
	path := "/api/v1/reports/" + strconv.Itoa(id)
	if code, _ := call("kanshi", "GET", path, ""); code != 200 {
		t.Fatalf("center reads the report: %d", code)
	}
	if code, _ := call("denki", "GET", path, ""); code != 404 {
		t.Fatalf("another member reads the report: %d", code)
	}
	code, m = call("kanshi", "POST", "/api/v1/cases", `{"title":"Flood at Suido","source":"report:`+strconv.Itoa(id)+`"}`)
	if code != 201 {
		t.Fatalf("open case: %d %v", code, m)
	}
	caseID := strconv.Itoa(int(m["id"].(float64)))
	if code, m := call("kanshi", "POST", "/api/v1/cases/"+caseID+"/actions", `{"status":"responding"}`); code != 200 || m["status"] != "responding" {
		t.Fatalf("act: %d %v", code, m)
	}
	if code, m := call("mizu", "GET", "/api/v1/cases?source=report:"+strconv.Itoa(id), ""); code != 200 || len(m["cases"].([]any)) != 1 {
		t.Fatalf("reporter's cases: %d %v", code, m)
	}
	if code, _ := call("mizu", "POST", "/api/v1/cases", `{"title":"x"}`); code != 403 {
		t.Fatalf("a member opened a case: %d", code)
	}
	code, m = call("kanshi", "POST", "/api/v1/advisories", `{"title":"Patch","actions":["patch"],"audience":{"sectors":["water"]},"due":"2020-01-01T00:00:00Z"}`)
	if code != 400 || !strings.Contains(m["description"].(string), "in the past") {
		t.Fatalf("advisory due in the past: %d %v", code, m)
	}
	if code, m := call("kanshi", "GET", "/api/v1/cop", ""); code != 200 || m["overdue_reports"] != float64(0) {
		t.Fatalf("cop: %d %v", code, m)
	}
	if code, m := call("denki", "GET", "/api/v1/cop", ""); code != 200 || m["whole"] != false || len(m["incidents_by_sector"].([]any)) != 0 {
		t.Fatalf("another member's picture: %d %v", code, m)
	}
}
