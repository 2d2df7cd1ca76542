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
	t.Parallel()
	for _, kind := range storetest.Kinds(t) {
		t.Run(kind, func(t *testing.T) {
			t.Parallel()
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

// newTwoMembers is a doors environment whose Power Co also has an
// organization administrator, "power-admin", with the returned token, and
// a second operator, Water Co, whose records a test makes between Power's.
func newTwoMembers(t *testing.T, kind string) (e *doorsEnv, power, water store.Org, token string) {
	t.Helper()
	e = newDoorsEnv(t, kind)
	ctx := context.Background()
	db := e.s.App.Hub.DB
	now := time.Now().UTC()
	power, err := db.Org(ctx, "Power Co")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := hub.AddUser(ctx, db, "power-admin", power.ID, "org-admin", doorsPassword, now); err != nil {
		t.Fatal(err)
	}
	if token, _, err = hub.CreateToken(ctx, db, "power-admin", "", 0, false, now); err != nil {
		t.Fatal(err)
	}
	if water, err = hub.AddOrg(ctx, db, "Water Co", "operator", "water", now); err != nil {
		t.Fatal(err)
	}
	return e, power, water, token
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

// TestWebhookIDsRevealNoCount: webhooks and webhook deliveries are numbered
// in one sequence over every organization, like alerts, so an organization
// administrator that saw their row ids would learn how many webhooks the
// others registered, and how many alerts were sent to them, in between. Two
// webhooks and two dead deliveries of one member, with others' between
// them, have unrelated random ids in the API (webhook list, new webhook,
// dead-letter list) and on the console (the delete and retry forms); the row
// ids appear in neither, and deleting a webhook or retrying a dead delivery
// by its row id answers 404 like an unknown one, through both doors.
func TestWebhookIDsRevealNoCount(t *testing.T) {
	t.Parallel()
	for _, kind := range storetest.Kinds(t) {
		t.Run(kind, func(t *testing.T) {
			t.Parallel()
			e, power, water, token := newTwoMembers(t, kind)
			ctx := context.Background()
			h := e.s.App.Hub
			now := time.Now().UTC()
			bearer := "Bearer " + token
			hookOf := func(org string, i int) {
				if _, err := h.DB.AddWebhook(ctx, store.Webhook{OrgID: org, URL: "https://soc.example/" + org + "/" + strconv.Itoa(i), Secret: "s", Active: true, Created: now}); err != nil {
					t.Fatal(err)
				}
			}

			// Power's two webhooks, the first through the API, five of
			// Water's between them.
			code, body := e.do("POST", "/api/v1/webhooks", strings.NewReader(`{"url":"https://soc.example/power/first"}`), "Authorization", bearer, "Content-Type", "application/json")
			if code != http.StatusCreated {
				t.Fatalf("add webhook: %d %s", code, body)
			}
			var added struct {
				ID any `json:"id"`
			}
			if err := json.Unmarshal([]byte(body), &added); err != nil {
				t.Fatal(err)
			}
			if id, _ := added.ID.(string); !publicAlertID.MatchString(id) {
				t.Errorf("a new webhook's id %v (%T) is not a random public id", added.ID, added.ID)
			}
			for i := range 5 {
				hookOf(water.ID, i)
			}
			hookOf(power.ID, 2)
			hooks, err := h.DB.Webhooks(ctx, power.ID)
			if err != nil || len(hooks) != 2 {
				t.Fatalf("Power's webhooks: %v %v", hooks, err)
			}

			// Two alerts to Power, whose deliveries die, with Water's
			// between them. They are due in an hour, so that the server's
			// own delivery loop leaves them to the test.
			later := now.Add(time.Hour)
			raise := func(org, title string) {
				if _, err := h.Alerts.Raise(ctx, store.Alert{OrgID: org, Kind: "kev", Severity: "high", Title: title, Created: later}); err != nil {
					t.Fatal(err)
				}
			}
			raise(power.ID, "first alert of Power")
			for i := range 3 {
				raise(water.ID, "alert of Water "+strconv.Itoa(i))
			}
			raise(power.ID, "second alert of Power")
			due, err := h.DB.DueDeliveries(ctx, later.Add(time.Minute), 100)
			if err != nil {
				t.Fatal(err)
			}
			for _, d := range due {
				d.State, d.Attempts, d.LastError = "dead", 1, "refused"
				if err := h.DB.UpdateDelivery(ctx, d, later); err != nil {
					t.Fatal(err)
				}
			}
			dead, err := h.DB.DeadDeliveries(ctx, power.ID, 100)
			if err != nil || len(dead) != 4 {
				t.Fatalf("Power's dead deliveries: %d %v", len(dead), err)
			}
			var rows []int64
			for _, w := range hooks {
				rows = append(rows, w.ID)
			}
			for _, d := range dead {
				rows = append(rows, d.ID)
			}

			// The API lists public ids only.
			for _, list := range []struct{ path, field string }{
				{"/api/v1/webhooks", "webhooks"},
				{"/api/v1/webhooks/dead", "dead"},
			} {
				code, body := e.do("GET", list.path, nil, "Authorization", bearer)
				if code != http.StatusOK {
					t.Fatalf("%s: %d %s", list.path, code, body)
				}
				var got map[string][]map[string]any
				if err := json.Unmarshal([]byte(body), &got); err != nil {
					t.Fatal(err)
				}
				var ids []string
				for _, x := range got[list.field] {
					id, _ := x["id"].(string)
					if !publicAlertID.MatchString(id) {
						t.Errorf("%s: id %v (%T) is not a random public id", list.path, x["id"], x["id"])
					}
					ids = append(ids, id)
				}
				for i := range ids {
					for j := range i {
						if ids[i] == ids[j] || commonPrefix(ids[i], ids[j]) >= 8 {
							t.Errorf("%s: related ids %s %s", list.path, ids[i], ids[j])
						}
					}
				}
				for _, row := range rows {
					if strings.Contains(body, `"id":`+strconv.FormatInt(row, 10)+",") {
						t.Errorf("%s shows the row id %d: %s", list.path, row, body)
					}
				}
			}

			// The console's forms name public ids only.
			c, st := e.webSession("power-admin", doorsPassword)
			if st != http.StatusSeeOther {
				t.Fatalf("login: %d", st)
			}
			html := get(t, c, e.base+"/alerts")
			for _, w := range hooks {
				if !strings.Contains(html, `action="/alerts/webhooks/`+w.PublicID+`/delete"`) {
					t.Errorf("the console does not offer to delete webhook %s", w.PublicID)
				}
			}
			for _, d := range dead {
				if !strings.Contains(html, `action="/alerts/dead/`+d.PublicID+`/retry"`) {
					t.Errorf("the console does not offer to retry delivery %s", d.PublicID)
				}
			}
			for _, row := range rows {
				r := strconv.FormatInt(row, 10)
				if strings.Contains(html, "/alerts/webhooks/"+r+"/") || strings.Contains(html, "/alerts/dead/"+r+"/") {
					t.Errorf("the console links the row id %d", row)
				}
			}
			csrf := ""
			if m := loginCSRF.FindStringSubmatch(html); m != nil {
				csrf = m[1]
			}
			console := func(path string) (int, string) {
				res, err := c.PostForm(e.base+path, url.Values{"csrf": {csrf}})
				if err != nil {
					t.Fatal(err)
				}
				defer res.Body.Close()
				b, _ := io.ReadAll(res.Body)
				return res.StatusCode, string(b)
			}

			// Asking by a row id is asking for an unknown webhook or delivery.
			unknown := strings.Repeat("0", 32)
			for _, door := range []struct {
				name       string
				del, retry func(id string) (int, string)
			}{
				{name: "API",
					del: func(id string) (int, string) {
						return e.do("DELETE", "/api/v1/webhooks/"+id, nil, "Authorization", bearer)
					},
					retry: func(id string) (int, string) {
						return e.do("POST", "/api/v1/webhooks/dead/"+id+"/retry", nil, "Authorization", bearer)
					}},
				{name: "console",
					del:   func(id string) (int, string) { return console("/alerts/webhooks/" + id + "/delete") },
					retry: func(id string) (int, string) { return console("/alerts/dead/" + id + "/retry") }},
			} {
				for what, act := range map[string]func(string) (int, string){"deleting a webhook": door.del, "retrying a dead delivery": door.retry} {
					want, _ := act(unknown)
					if want != http.StatusNotFound {
						t.Fatalf("%s: %s unknown answers %d", door.name, what, want)
					}
					for _, row := range rows {
						if code, body := act(strconv.FormatInt(row, 10)); code != want {
							t.Errorf("%s: %s by the row id %d: %d %s, want %d like an unknown one", door.name, what, row, code, body, want)
						}
					}
				}
			}
			if ws, _ := h.DB.Webhooks(ctx, power.ID); len(ws) != 2 {
				t.Errorf("a row id deleted a webhook: %d left", len(ws))
			}
			if ds, _ := h.DB.DeadDeliveries(ctx, power.ID, 100); len(ds) != 4 {
				t.Errorf("a row id retried a delivery: %d dead left", len(ds))
			}

			// The public ids work, through both doors.
			if code, body := e.do("POST", "/api/v1/webhooks/dead/"+dead[0].PublicID+"/retry", nil, "Authorization", bearer); code != http.StatusOK {
				t.Errorf("retry by the public id: %d %s", code, body)
			}
			if code, body := console("/alerts/dead/" + dead[1].PublicID + "/retry"); code != http.StatusSeeOther {
				t.Errorf("retry on the console by the public id: %d %s", code, body)
			}
			if code, body := e.do("DELETE", "/api/v1/webhooks/"+hooks[0].PublicID, nil, "Authorization", bearer); code != http.StatusOK {
				t.Errorf("delete by the public id: %d %s", code, body)
			}
			if code, body := console("/alerts/webhooks/" + hooks[1].PublicID + "/delete"); code != http.StatusSeeOther {
				t.Errorf("delete on the console by the public id: %d %s", code, body)
			}
			if ws, _ := h.DB.Webhooks(ctx, power.ID); len(ws) != 0 {
				t.Errorf("deleting by public ids left %d webhooks", len(ws))
			}
		})
	}
}

// TestTokenAndUserIDsRevealNoCount: tokens and users are numbered in one
// sequence over every organization, like alerts and webhooks, so a member
// that saw the row ids of its own tokens, or an organization administrator
// those of its users, would learn how many the others made in between. Two
// tokens and two users of one member, with others' between them, have
// unrelated random ids in the API (token list, new token, user list) and on
// the console (the revoke, disable and enable forms); the row ids appear in
// neither, and revoking a token or disabling a user by its row id answers
// 404 like an unknown one, through both doors.
func TestTokenAndUserIDsRevealNoCount(t *testing.T) {
	t.Parallel()
	for _, kind := range storetest.Kinds(t) {
		t.Run(kind, func(t *testing.T) {
			t.Parallel()
			e, power, water, token := newTwoMembers(t, kind)
			ctx := context.Background()
			h := e.s.App.Hub
			now := time.Now().UTC()
			bearer := []string{"Authorization", "Bearer " + token, "Content-Type", "application/json"}
			// Power's second token and user come after five of Water's.
			for i := range 5 {
				login := "water-" + strconv.Itoa(i)
				if _, err := hub.AddUser(ctx, h.DB, login, water.ID, "analyst", "", now); err != nil {
					t.Fatal(err)
				}
				if _, _, err := hub.CreateToken(ctx, h.DB, login, "", 0, false, now); err != nil {
					t.Fatal(err)
				}
			}
			if _, err := hub.AddUser(ctx, h.DB, "power-2", power.ID, "analyst", doorsPassword, now); err != nil {
				t.Fatal(err)
			}
			code, body := e.do("POST", "/api/v1/tokens", strings.NewReader(`{"name":"second"}`), bearer...)
			if code != http.StatusCreated {
				t.Fatalf("new token: %d %s", code, body)
			}
			var added struct {
				ID any `json:"id"`
			}
			if err := json.Unmarshal([]byte(body), &added); err != nil {
				t.Fatal(err)
			}
			if id, _ := added.ID.(string); !publicAlertID.MatchString(id) {
				t.Errorf("a new token's id %v (%T) is not a random public id", added.ID, added.ID)
			}
			me, err := h.DB.UserByLogin(ctx, "power-admin")
			if err != nil {
				t.Fatal(err)
			}
			tokens, err := h.DB.Tokens(ctx, me.ID)
			if err != nil || len(tokens) != 2 {
				t.Fatalf("power-admin's tokens: %v %v", tokens, err)
			}
			users, err := h.DB.Users(ctx, power.ID)
			if err != nil || len(users) != 3 {
				t.Fatalf("Power's users: %v %v", users, err)
			}
			var rows []int64
			for _, x := range tokens {
				rows = append(rows, x.ID)
			}
			for _, u := range users {
				rows = append(rows, u.ID)
			}

			// The API lists public ids only.
			for _, list := range []struct{ path, field string }{
				{"/api/v1/tokens", "tokens"},
				{"/api/v1/users", "users"},
			} {
				code, body := e.do("GET", list.path, nil, bearer...)
				if code != http.StatusOK {
					t.Fatalf("%s: %d %s", list.path, code, body)
				}
				var got map[string][]map[string]any
				if err := json.Unmarshal([]byte(body), &got); err != nil {
					t.Fatal(err)
				}
				var ids []string
				for _, x := range got[list.field] {
					for _, f := range []string{"id", "user_id"} {
						if v, ok := x[f]; ok {
							if id, _ := v.(string); !publicAlertID.MatchString(id) {
								t.Errorf("%s: %s %v (%T) is not a random public id", list.path, f, v, v)
							}
						}
					}
					id, _ := x["id"].(string)
					ids = append(ids, id)
				}
				for i := range ids {
					for j := range i {
						if ids[i] == ids[j] || commonPrefix(ids[i], ids[j]) >= 8 {
							t.Errorf("%s: related ids %s %s", list.path, ids[i], ids[j])
						}
					}
				}
				for _, row := range rows {
					if regexp.MustCompile(`"(user_)?id":` + strconv.FormatInt(row, 10) + `\b`).MatchString(body) {
						t.Errorf("%s shows the row id %d: %s", list.path, row, body)
					}
				}
			}

			// The console's forms name tokens and users by public id.
			page := get(t, e.session("power-admin").c, e.base+"/admin")
			forms := regexp.MustCompile(`/admin/(tokens|users)/([^/"]+)/(revoke|disable|enable)`).FindAllStringSubmatch(page, -1)
			if len(forms) < 3 {
				t.Fatalf("the administration page has %d token and user forms: %v", len(forms), forms)
			}
			for _, f := range forms {
				if !publicAlertID.MatchString(f[2]) {
					t.Errorf("the console names %s by %q, not a random public id", f[1], f[2])
				}
			}

			// A row id is not found, through both doors; the public id works.
			first := tokens[0]
			if code, body := e.do("DELETE", "/api/v1/tokens/"+strconv.FormatInt(first.ID, 10), nil, bearer...); code != http.StatusNotFound {
				t.Errorf("revoking a token by its row id through the API: %d %s", code, body)
			}
			b := e.session("power-admin")
			for _, path := range []string{
				"/admin/tokens/" + strconv.FormatInt(first.ID, 10) + "/revoke",
				"/admin/users/" + strconv.FormatInt(users[1].ID, 10) + "/disable",
			} {
				if code, _ := b.post(path, url.Values{}); code != http.StatusNotFound {
					t.Errorf("%s: %d, want 404", path, code)
				}
			}
			second := tokens[1]
			if code, body := e.do("DELETE", "/api/v1/tokens/"+second.PublicID, nil, bearer...); code != http.StatusOK {
				t.Errorf("revoking a token by its public id: %d %s", code, body)
			}
			if x, _ := h.DB.TokenByID(ctx, first.ID); !x.Revoked.IsZero() {
				t.Error("the token named by its row id was revoked")
			}
		})
	}
}
