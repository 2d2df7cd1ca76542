package server_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"renkei/internal/auth"
	"renkei/internal/hub"
	"renkei/internal/incident"
	"renkei/internal/policy"
	"renkei/internal/relevance"
	"renkei/internal/store"
	"renkei/internal/store/storetest"
)

// TestAssetAndComputerIDsRevealNoCount: connection points, registered
// SBOMs, product–supplier entries and critical computers are numbered in
// one sequence over every organization, so a member that saw its own rows'
// ids would learn how many the others registered in between. Two
// consecutive rows of one member, with another member's rows between them,
// have unrelated random ids in the API and on the console; the row id
// appears in neither, and a request naming a row by its row id answers like
// one naming an unknown row (404), through both doors.
func TestAssetAndComputerIDsRevealNoCount(t *testing.T) {
	t.Parallel()
	for _, kind := range storetest.Kinds(t) {
		t.Run(kind, func(t *testing.T) {
			t.Parallel()
			e := newDoorsEnv(t, kind)
			ctx := context.Background()
			a := e.s.App
			power, err := a.Hub.DB.Org(ctx, "Power Co")
			if err != nil {
				t.Fatal(err)
			}
			water, err := hub.AddOrg(ctx, a.Hub.DB, "Water Co", "operator", "water", time.Now())
			if err != nil {
				t.Fatal(err)
			}
			waterAdmin, err := hub.AddUser(ctx, a.Hub.DB, "mizu", water.ID, "analyst", doorsPassword, time.Now())
			if err != nil {
				t.Fatal(err)
			}
			waterCaller := auth.Caller{User: waterAdmin, Org: water}
			center := a.Hub.Center()
			bearer := func(login string) []string { return []string{"Authorization", "Bearer " + e.tokens[login]} }
			post := func(login, path, ctype, body string) map[string]any {
				t.Helper()
				code, out := e.do("POST", path, strings.NewReader(body), append(bearer(login), "Content-Type", ctype)...)
				if code != http.StatusCreated && code != http.StatusOK {
					t.Fatalf("POST %s: %d %s", path, code, out)
				}
				var m map[string]any
				if err := json.Unmarshal([]byte(out), &m); err != nil {
					t.Fatalf("POST %s: %v %s", path, err, out)
				}
				return m
			}
			sbom := func(name string) string {
				return `{"bomFormat":"CycloneDX","specVersion":"1.6","version":1,"metadata":{"component":{"type":"application","name":"` + name + `"}},"components":[{"type":"library","name":"left-pad","version":"1.0.0","purl":"pkg:npm/left-pad@1.0.0"}]}`
			}
			others := func(i int) {
				// Another member's rows between one member's two.
				if _, _, err := a.Relevance.AddConnectionPoint(ctx, policy.Operator(water.ID, false), relevance.ConnectionPoint{Kind: "vpn", Vendor: "Other", Product: "Gate " + strconv.Itoa(i)}); err != nil {
					t.Fatal(err)
				}
				if _, _, err := a.Relevance.RegisterSBOM(ctx, policy.Operator(water.ID, false), "other "+strconv.Itoa(i), "other.json", []byte(sbom("other"))); err != nil {
					t.Fatal(err)
				}
				if _, err := a.Incidents.Register(ctx, waterCaller, incident.Computer{Name: "other " + strconv.Itoa(i), Function: "f", Ministry: "m"}); err != nil {
					t.Fatal(err)
				}
				if _, err := a.Relevance.AddSupplier(ctx, auth.Caller{User: store.User{Login: "root"}, Org: center}, policy.Operator(center.ID, true), relevance.SupplierInput{Org: water.ID, CPE: "other:product" + strconv.Itoa(i)}); err != nil {
					t.Fatal(err)
				}
			}

			type kindIDs struct {
				name, list, listKey string
				pub                 []string
				rows                []int64
				api                 func(id string) (int, string) // a state-changing request naming the row
				console             func(id string) (int, string) // "" when the console has no route naming it
				consoleLink         func(id string) string        // how the console's page names it
				page                string
			}
			var kinds []*kindIDs

			// Connection points.
			cp := &kindIDs{name: "connection point", list: "/api/v1/connection-points", listKey: "connection_points", page: "/vuln/assets",
				consoleLink: func(id string) string { return "/vuln/assets/" + id + "/confirm" }}
			cp.api = func(id string) (int, string) {
				return e.do("PUT", "/api/v1/connection-points/"+id, strings.NewReader(`{"kind":"vpn","vendor":"V","product":"P"}`), append(bearer("power"), "Content-Type", "application/json")...)
			}
			// SBOMs.
			sb := &kindIDs{name: "SBOM", list: "/api/v1/sboms", listKey: "sboms"}
			sb.api = func(id string) (int, string) { return e.do("DELETE", "/api/v1/sboms/"+id, nil, bearer("power")...) }
			// Critical computers.
			cc := &kindIDs{name: "critical computer", list: "/api/v1/computers", listKey: "computers", page: "/computers",
				consoleLink: func(id string) string { return ">" + id + "<" }}
			cc.api = func(id string) (int, string) {
				return e.do("POST", "/api/v1/computers/"+id+"/changes", strings.NewReader(`{"change":"moved","location":"B"}`), append(bearer("power"), "Content-Type", "application/json")...)
			}
			// The product–supplier register, kept by the center.
			sp := &kindIDs{name: "supplier entry", list: "/api/v1/suppliers?org=" + url.QueryEscape(power.ID), listKey: "suppliers", page: "/vuln/suppliers",
				consoleLink: func(id string) string { return "/vuln/suppliers/" + id + "/delete" }}
			sp.api = func(id string) (int, string) { return e.do("DELETE", "/api/v1/suppliers/"+id, nil, bearer("root")...) }
			kinds = append(kinds, cp, sb, cc, sp)

			for i := range 2 {
				n := strconv.Itoa(i)
				post("power", "/api/v1/connection-points", "application/json", `{"kind":"vpn","vendor":"Example","product":"Gate`+n+`"}`)
				post("power", "/api/v1/sboms?name=mine"+n, "application/json", sbom("mine"+n))
				post("power", "/api/v1/computers", "application/json", `{"name":"SCADA `+n+`","function":"control","ministry":"METI"}`)
				post("root", "/api/v1/suppliers", "application/json", `{"org":"`+power.ID+`","cpe":"example:gate`+n+`"}`)
				if i == 0 {
					for j := range 3 {
						others(j)
					}
				}
			}
			// The row ids, from the store.
			v := policy.Operator(power.ID, false)
			cps, _ := a.Hub.DB.ConnectionPointsOf(ctx, power.ID)
			for _, c := range cps {
				cp.rows = append(cp.rows, c.ID)
			}
			bs, _ := a.Hub.DB.SBOMsOf(ctx, power.ID)
			for _, b := range bs {
				sb.rows = append(sb.rows, b.ID)
			}
			ccs, _ := a.Hub.DB.Computers(ctx, v, "", false)
			for _, c := range ccs {
				cc.rows = append(cc.rows, c.ID)
			}
			sps, _ := a.Hub.DB.VulnSuppliers(ctx, power.ID)
			for _, s := range sps {
				sp.rows = append(sp.rows, s.ID)
			}

			// The API shows public ids only.
			for _, k := range kinds {
				if len(k.rows) != 2 || k.rows[1]-k.rows[0] < 3 {
					t.Fatalf("%s: row ids %v, want two with the others' between", k.name, k.rows)
				}
				login := "power"
				if k == sp {
					login = "root"
				}
				code, body := e.do("GET", k.list, nil, bearer(login)...)
				if code != http.StatusOK {
					t.Fatalf("%s: %d %s", k.list, code, body)
				}
				var list map[string]json.RawMessage
				var rows []map[string]any
				if err := json.Unmarshal([]byte(body), &list); err != nil {
					t.Fatalf("%s of Power: %v %s", k.list, err, body)
				}
				if err := json.Unmarshal(list[k.listKey], &rows); err != nil || len(rows) != 2 {
					t.Fatalf("%s of Power: %v %s", k.list, err, body)
				}
				for _, r := range rows {
					id, _ := r["id"].(string)
					if !publicAlertID.MatchString(id) {
						t.Fatalf("%s id %v (%T) is not a random public id", k.name, r["id"], r["id"])
					}
					k.pub = append(k.pub, id)
				}
				if k.pub[0] == k.pub[1] || commonPrefix(k.pub[0], k.pub[1]) >= 8 {
					t.Errorf("consecutive %ss have related ids: %v", k.name, k.pub)
				}
				for _, row := range k.rows {
					if strings.Contains(body, `"id":`+strconv.FormatInt(row, 10)) {
						t.Errorf("the API shows the %s row id %d: %s", k.name, row, body)
					}
				}
			}

			// The console links only public ids.
			pc, st := e.webSession("power", doorsPassword)
			if st != http.StatusSeeOther {
				t.Fatalf("login: %d", st)
			}
			rc, st := e.webSession("root", doorsPassword)
			if st != http.StatusSeeOther {
				t.Fatalf("login: %d", st)
			}
			for _, k := range kinds {
				if k.page == "" {
					continue
				}
				c := pc
				if k == sp {
					c = rc
				}
				html := get(t, c, e.base+k.page)
				for _, id := range k.pub {
					if !strings.Contains(html, k.consoleLink(id)) {
						t.Errorf("%s does not name %s %s", k.page, k.name, id)
					}
				}
				for _, row := range k.rows {
					if strings.Contains(html, k.consoleLink(strconv.FormatInt(row, 10))) {
						t.Errorf("%s names the %s row id %d", k.page, k.name, row)
					}
				}
				if m := loginCSRF.FindStringSubmatch(html); m != nil && k.consoleLink(k.pub[0])[0] == '/' {
					csrf := m[1]
					k.console = func(id string) (int, string) {
						res, err := c.PostForm(e.base+k.consoleLink(id), url.Values{"csrf": {csrf}})
						if err != nil {
							t.Fatal(err)
						}
						res.Body.Close()
						return res.StatusCode, ""
					}
				}
			}

			// Asking by the row id is asking for an unknown row.
			unknown := strings.Repeat("0", 32)
			for _, k := range kinds {
				doors := map[string]func(string) (int, string){"API": k.api}
				if k.console != nil {
					doors["console"] = k.console
				}
				for name, door := range doors {
					if code, body := door(unknown); code != http.StatusNotFound {
						t.Fatalf("%s: an unknown %s answers %d %s", name, k.name, code, body)
					}
					for _, row := range k.rows {
						if code, body := door(strconv.FormatInt(row, 10)); code != http.StatusNotFound {
							t.Errorf("%s: naming %s %d by its row id: %d %s, want 404 like an unknown one", name, k.name, row, code, body)
						}
					}
				}
				if code, body := k.api(k.pub[0]); code != http.StatusOK {
					t.Errorf("API: naming %s %s by its public id: %d %s", k.name, k.pub[0], code, body)
				}
			}
		})
	}
}
