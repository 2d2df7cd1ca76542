package server_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"renkei/internal/hub"
	"renkei/internal/store"
	"renkei/internal/store/storetest"
)

var publicAlertID = regexp.MustCompile(`^[0-9a-f]{32}$`)

// TestAlertIDsRevealNoCount: alerts are numbered in one sequence over every
// organization, so a member that saw its own alerts' row ids would learn
// how many the others received in between. Two consecutive alerts of one
// member, with others' alerts between them, have unrelated random ids in
// the API and on the console (inbox, dashboard, the mark-read routes); the
// row id appears in neither, and a request naming an alert by its row id
// answers 404 like an unknown alert, through both doors.
func TestAlertIDsRevealNoCount(t *testing.T) {
	for _, kind := range storetest.Kinds(t) {
		t.Run(kind, func(t *testing.T) {
			e := newDoorsEnv(t, kind)
			ctx := context.Background()
			h := e.s.App.Hub
			power, err := h.DB.Org(ctx, "Power Co")
			if err != nil {
				t.Fatal(err)
			}
			water, err := hub.AddOrg(ctx, h.DB, "Water Co", "operator", "water", time.Now())
			if err != nil {
				t.Fatal(err)
			}
			raise := func(org, title string) int64 {
				id, err := h.Alerts.Raise(ctx, store.Alert{OrgID: org, Kind: "kev", Severity: "high", Title: title})
				if err != nil {
					t.Fatal(err)
				}
				return id
			}
			first := raise(power.ID, "first alert of Power")
			for i := range 5 {
				raise(water.ID, "alert of Water "+strconv.Itoa(i))
			}
			second := raise(power.ID, "second alert of Power")
			rows := []int64{first, second}

			// The API.
			code, body := e.do("GET", "/api/v1/alerts", nil, "Authorization", "Bearer "+e.tokens["power"])
			if code != http.StatusOK {
				t.Fatalf("alerts: %d %s", code, body)
			}
			var list struct {
				Alerts []map[string]any `json:"alerts"`
			}
			if err := json.Unmarshal([]byte(body), &list); err != nil || len(list.Alerts) != 2 {
				t.Fatalf("alerts of Power: %v %s", err, body)
			}
			var ids []string
			for _, a := range list.Alerts {
				id, _ := a["id"].(string)
				if !publicAlertID.MatchString(id) {
					t.Fatalf("alert id %v (%T) is not a random public id", a["id"], a["id"])
				}
				ids = append(ids, id)
			}
			if ids[0] == ids[1] || commonPrefix(ids[0], ids[1]) >= 8 {
				t.Errorf("consecutive alerts have related ids: %s %s", ids[0], ids[1])
			}
			for _, row := range rows {
				if strings.Contains(body, `"id":`+strconv.FormatInt(row, 10)) {
					t.Errorf("the API shows the row id %d: %s", row, body)
				}
			}

			// The console: the inbox and the dashboard link only public ids.
			c, st := e.webSession("power", doorsPassword)
			if st != http.StatusSeeOther {
				t.Fatalf("login: %d", st)
			}
			var csrf string
			for _, page := range []string{"/alerts", "/"} {
				html := get(t, c, e.base+page)
				for _, id := range ids {
					if !strings.Contains(html, `action="/alerts/`+id+`/read"`) {
						t.Errorf("%s does not offer to mark alert %s read", page, id)
					}
				}
				for _, row := range rows {
					if strings.Contains(html, "/alerts/"+strconv.FormatInt(row, 10)+"/") {
						t.Errorf("%s links the row id %d", page, row)
					}
				}
				if m := loginCSRF.FindStringSubmatch(html); m != nil {
					csrf = m[1]
				}
			}

			// Asking by the row id is asking for an unknown alert.
			unknown := strings.Repeat("0", 32)
			for _, door := range []struct {
				name string
				post func(id string) (int, string)
			}{
				{"API", func(id string) (int, string) {
					return e.do("POST", "/api/v1/alerts/"+id+"/read", nil, "Authorization", "Bearer "+e.tokens["power"])
				}},
				{"console", func(id string) (int, string) {
					res, err := c.PostForm(e.base+"/alerts/"+id+"/read", url.Values{"csrf": {csrf}})
					if err != nil {
						t.Fatal(err)
					}
					defer res.Body.Close()
					b, _ := io.ReadAll(res.Body)
					return res.StatusCode, string(b)
				}},
			} {
				wantCode, _ := door.post(unknown)
				if wantCode != http.StatusNotFound {
					t.Fatalf("%s: an unknown alert answers %d", door.name, wantCode)
				}
				for _, row := range rows {
					if code, body := door.post(strconv.FormatInt(row, 10)); code != wantCode {
						t.Errorf("%s: marking alert %d read by its row id: %d %s, want %d like an unknown alert", door.name, row, code, body, wantCode)
					}
				}
			}
			if code, body := e.do("POST", "/api/v1/alerts/"+ids[0]+"/read", nil, "Authorization", "Bearer "+e.tokens["power"]); code != http.StatusOK || !strings.Contains(body, ids[0]) {
				t.Errorf("marking read by the public id: %d %s", code, body)
			}
			if res, err := c.PostForm(e.base+"/alerts/"+ids[1]+"/read", url.Values{"csrf": {csrf}}); err != nil || res.StatusCode != http.StatusSeeOther {
				t.Errorf("marking read on the console by the public id: %v %v", res, err)
			} else {
				res.Body.Close()
			}
		})
	}
}

func commonPrefix(a, b string) int {
	n := 0
	for n < len(a) && n < len(b) && a[n] == b[n] {
		n++
	}
	return n
}

func get(t *testing.T, c *http.Client, u string) string {
	t.Helper()
	res, err := c.Get(u)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	if res.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: %d %s", u, res.StatusCode, b)
	}
	return string(b)
}
