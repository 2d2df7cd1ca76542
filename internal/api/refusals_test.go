package api_test

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"testing"

	"renkei/internal/api"
	"renkei/internal/hubtest"
	"renkei/internal/store/storetest"
)

// TestActsRefusedThroughTheOneMapping: the administrative acts, the
// committee's retirements and the cursors are refused by the one mapping
// (problems.go), each with the status and title it always had: a request that
// fails its checks is 400 titled after what was asked, a retirement the
// committee's state forbids is 409, a cursor the API did not give is 400.
func TestActsRefusedThroughTheOneMapping(t *testing.T) {
	t.Parallel()
	for _, kind := range storetest.Kinds(t) {
		t.Run(kind, func(t *testing.T) {
			t.Parallel()
			h := hubtest.New(t, kind, hubtest.WithAudit())
			h.User("root", h.Center().Name, "admin")
			h.Overseer("chair")
			tokens := map[string]string{"root": h.Token("root"), "chair": h.Token("chair")}
			srv := httptest.NewServer((&api.Server{App: h.App, MaxBody: 1 << 20}).Handler())
			defer srv.Close()
			call := func(method, path, who string, body any) (int, api.Error) {
				t.Helper()
				var b []byte
				if body != nil {
					b, _ = json.Marshal(body)
				}
				req, _ := http.NewRequest(method, srv.URL+path, bytes.NewReader(b))
				req.Header.Set("Authorization", "Bearer "+tokens[who])
				res, err := http.DefaultClient.Do(req)
				if err != nil {
					t.Fatal(err)
				}
				defer res.Body.Close()
				var e api.Error
				json.NewDecoder(res.Body).Decode(&e)
				return res.StatusCode, e
			}
			tests := []struct {
				name, method, path, who string
				body                    any
				status                  int
				title                   string
			}{
				{"organization without a name", "POST", "/api/v1/orgs", "root", map[string]string{"name": " ", "kind": "member"}, 400, "invalid organization"},
				{"second center without a reason", "POST", "/api/v1/orgs", "root", map[string]string{"name": "Other center", "kind": "center"}, 400, "invalid organization"},
				{"group with an unknown member", "POST", "/api/v1/groups", "root", map[string]any{"name": "g", "members": []string{"nobody"}}, 400, "invalid group"},
				{"login taken", "POST", "/api/v1/users", "root", map[string]string{"login": "chair", "org": h.Center().ID, "role": "analyst"}, 400, "invalid user"},
				{"bad login", "POST", "/api/v1/users", "root", map[string]string{"login": "Bad Login", "org": h.Center().ID, "role": "analyst"}, 400, "invalid user"},
				{"retire without reasons", "POST", "/api/v1/committee/members/chair/retirement", "chair", map[string]string{"reason": ""}, 400, "invalid request"},
				{"retire the last member", "POST", "/api/v1/committee/members/chair/retirement", "chair", map[string]string{"reason": "leaving"}, 409, "conflict"},
				{"retire as an administrator", "POST", "/api/v1/committee/members/chair/retirement", "root", map[string]string{"reason": "x"}, 403, "forbidden"},
				{"alerts after a bad cursor", "GET", "/api/v1/alerts?cursor=nonsense", "root", nil, 400, "invalid cursor"},
				{"objects after a bad cursor", "GET", "/api/v1/objects?cursor=nonsense", "root", nil, 400, "invalid cursor"},
			}
			for _, tt := range tests {
				if code, e := call(tt.method, tt.path, tt.who, tt.body); code != tt.status || e.Title != tt.title || e.Description == "" {
					t.Errorf("%s: %d %+v, want %d %q", tt.name, code, e, tt.status, tt.title)
				}
			}
		})
	}
}
