package api_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"renkei/internal/api"
	"renkei/internal/app"
	"renkei/internal/audit"
	"renkei/internal/hub"
	"renkei/internal/store/storetest"
)

// TestCommitteeIndependentOfOperator plays issue 21's case against the API:
// the hub's administrator makes an overseer account and files a request.
// The account stays pending until a member of the committee confirms it (the
// administrator cannot), and once active it still may not decide the
// administrator's request, which a member unrelated to it decides.
func TestCommitteeIndependentOfOperator(t *testing.T) {
	for _, kind := range storetest.Kinds(t) {
		t.Run(kind, func(t *testing.T) {
			ctx := context.Background()
			db := storetest.Open(t, kind)
			now := time.Now().UTC()
			if _, err := hub.Bootstrap(ctx, db, now); err != nil {
				t.Fatal(err)
			}
			h, err := hub.New(ctx, db, nil)
			if err != nil {
				t.Fatal(err)
			}
			dir := t.TempDir()
			h.Audit, err = audit.Open(ctx, audit.Options{Dir: filepath.Join(dir, "log"), KeyDir: filepath.Join(dir, "keys"), Node: "t", CheckpointInterval: 100 * time.Millisecond})
			if err != nil {
				t.Fatal(err)
			}
			defer h.Audit.Close()
			if err := addTestUser(ctx, db, "admin2", h.Center().Name, "admin", now); err != nil {
				t.Fatal(err)
			}
			if err := addTestUser(ctx, db, "chair", "", "overseer", now); err != nil { // the committee's first member
				t.Fatal(err)
			}
			committee, _ := db.CommitteeOrg(ctx)
			tokens := map[string]string{}
			for _, l := range []string{"admin2", "chair"} {
				tokens[l], _, _ = hub.CreateToken(ctx, db, l, "", 0, false, now)
			}
			srv := httptest.NewServer((&api.Server{App: app.New(h), MaxBody: 1 << 20}).Handler())
			defer srv.Close()
			call := func(method, path, who string, body any) (int, map[string]any) {
				var rd io.Reader
				if body != nil {
					b, _ := json.Marshal(body)
					rd = bytes.NewReader(b)
				}
				req, _ := http.NewRequest(method, srv.URL+path, rd)
				req.Header.Set("Authorization", "Bearer "+tokens[who])
				res, err := http.DefaultClient.Do(req)
				if err != nil {
					t.Fatal(err)
				}
				defer res.Body.Close()
				var m map[string]any
				json.NewDecoder(res.Body).Decode(&m)
				return res.StatusCode, m
			}
			// Overseers belong to the committee's organization only.
			if code, _ := call("POST", "/api/v1/users", "admin2", map[string]string{"login": "ov-center", "org": h.Center().ID, "role": "overseer"}); code != 403 {
				t.Fatalf("the admin makes an overseer of the center: %d, want 403", code)
			}
			code, m := call("POST", "/api/v1/users", "admin2", map[string]string{"login": "newbie", "org": committee.ID, "role": "overseer"})
			if code != 201 || m["pending"] != true {
				t.Fatalf("the admin makes a member's account: %d %v", code, m)
			}
			// Pending: its token does not work, and the admin cannot confirm it.
			tokens["newbie"], _, _ = hub.CreateToken(ctx, db, "newbie", "", 0, false, now)
			if code, _ := call("GET", "/api/v1/me", "newbie", nil); code != 401 {
				t.Fatalf("a pending overseer's token: %d, want 401", code)
			}
			if code, _ := call("POST", "/api/v1/committee/members/newbie/confirmation", "admin2", map[string]any{}); code != 403 {
				t.Fatalf("the admin confirms a member: %d, want 403", code)
			}
			before, _ := h.Audit.Size(ctx)
			code, m = call("POST", "/api/v1/committee/members/newbie/confirmation", "chair", map[string]any{})
			if code != 200 || m["password"] == "" || m["confirmed_by"] != "chair" {
				t.Fatalf("a member confirms: %d %v", code, m)
			}
			if waitSize(t, h.Audit, before+1) <= before {
				t.Fatal("the confirmation is not in the log")
			}
			if code, m := call("GET", "/api/v1/me", "newbie", nil); code != 200 {
				t.Fatalf("the confirmed member: %d %v", code, m)
			}
			// The admin requests; the account the admin created may not decide.
			code, m = call("POST", "/api/v1/approvals", "admin2", map[string]any{"kind": "collection-committee", "legal_basis": "Art. 32",
				"target": "transit at IX-Tokyo", "justification": "C2", "valid_from": now, "valid_until": now.Add(30 * 24 * time.Hour)})
			if code != 201 {
				t.Fatalf("file: %d %v", code, m)
			}
			id := strconv.Itoa(int(m["id"].(float64)))
			code, m = call("POST", "/api/v1/approvals/"+id+"/decision", "newbie", map[string]any{"approve": true, "reason": "fine"})
			if code != 403 || !strings.Contains(m["description"].(string), "created by the requester") {
				t.Fatalf("an account the requester created decides: %d %v", code, m)
			}
			if code, m := call("POST", "/api/v1/approvals/"+id+"/decision", "chair", map[string]any{"approve": true, "reason": "proportionate"}); code != 200 || m["status"] != "approved" {
				t.Fatalf("an unrelated member decides: %d %v", code, m)
			}
			if code, _ := call("POST", "/api/v1/approvals/"+id+"/revocation", "admin2", map[string]any{"reason": "mine"}); code != 403 {
				t.Fatalf("the admin revokes: %d", code)
			}
			if code, m := call("POST", "/api/v1/approvals/"+id+"/revocation", "chair", map[string]any{"reason": "ended"}); code != 200 || m["status"] != "revoked" || m["in_force"] != false {
				t.Fatalf("the committee revokes: %d %v", code, m)
			}
		})
	}
}
