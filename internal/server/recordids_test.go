package server_test

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"renkei/internal/advisory"
	"renkei/internal/auth"
	"renkei/internal/cases"
	"renkei/internal/client"
	"renkei/internal/hub"
	"renkei/internal/incident"
	"renkei/internal/policy"
	"renkei/internal/store"
	"renkei/internal/store/storetest"
)

// recordIDs is what a test of one kind of record needs to check that its
// ids reveal no count: the API listing of it (path and JSON field), its
// pages by id in the API and on the console, and, for Power's two records,
// their row ids by public id.
type recordIDs struct {
	what           string
	list, field    string
	api, console   func(id string) string
	rows           func() map[string]int64
	readByClient   func(c *client.Client, id string) error
	moreIDs        func(one map[string]any) []string // ids within one record as the API shows it
	moreRowsOfPage []int64                           // row ids of records within a page, which must not show either
}

// twoRecordsRevealNoCount checks, for Power's two records of a kind made
// with five of Water's in between: the API lists them by unrelated random
// public ids and shows no row id; each page answers by its public id, in the
// API, the typed client and the console, and by a row id 404 like an
// unknown id; the console's pages link public ids only.
func twoRecordsRevealNoCount(t *testing.T, e *doorsEnv, k recordIDs) {
	t.Helper()
	bearer := []string{"Authorization", "Bearer " + e.tokens["power"]}
	code, body := e.do("GET", k.list, nil, bearer...)
	if code != http.StatusOK {
		t.Fatalf("%s: %d %s", k.list, code, body)
	}
	var got map[string][]map[string]any
	if err := json.Unmarshal([]byte(body), &got); err != nil {
		t.Fatal(err)
	}
	rows := k.rows()
	if len(got[k.field]) != 2 || len(rows) != 2 {
		t.Fatalf("Power's %ss: %d listed, %d stored: %s", k.what, len(got[k.field]), len(rows), body)
	}
	var ids []string
	for _, x := range got[k.field] {
		id, _ := x["id"].(string)
		if !publicAlertID.MatchString(id) {
			t.Fatalf("%s id %v (%T) is not a random public id", k.what, x["id"], x["id"])
		}
		if _, ok := rows[id]; !ok {
			t.Fatalf("%s %s is not one of Power's", k.what, id)
		}
		ids = append(ids, id)
	}
	if ids[0] == ids[1] || commonPrefix(ids[0], ids[1]) >= 8 {
		t.Errorf("consecutive %ss have related ids: %s %s", k.what, ids[0], ids[1])
	}
	rowIDs := append([]int64(nil), k.moreRowsOfPage...)
	for _, r := range rows {
		rowIDs = append(rowIDs, r)
	}
	showsRow := func(where, text string) {
		t.Helper()
		for _, r := range rowIDs {
			if regexp.MustCompile(`"[a-z_]*(id|incident|met_by)":` + strconv.FormatInt(r, 10) + `\b`).MatchString(text) {
				t.Errorf("%s shows the row id %d: %.400s", where, r, text)
			}
		}
	}
	showsRow(k.list, body)

	c := &client.Client{Hub: e.base, Token: e.tokens["power"]}
	page := e.session("power")
	unknown := strings.Repeat("0", 32)
	if code, _ := e.do("GET", k.api(unknown), nil, bearer...); code != http.StatusNotFound {
		t.Fatalf("the API answers an unknown %s with %d", k.what, code)
	}
	if code, _ := page.get(k.console(unknown)); code != http.StatusNotFound {
		t.Fatalf("the console answers an unknown %s with %d", k.what, code)
	}
	for pub, row := range rows {
		r := strconv.FormatInt(row, 10)
		if code, body := e.do("GET", k.api(r), nil, bearer...); code != http.StatusNotFound {
			t.Errorf("the API answers %s %d by its row id: %d %.200s, want 404 like an unknown one", k.what, row, code, body)
		}
		if code, _ := page.get(k.console(r)); code != http.StatusNotFound {
			t.Errorf("the console answers %s %d by its row id: %d, want 404 like an unknown one", k.what, row, code)
		}
		code, body := e.do("GET", k.api(pub), nil, bearer...)
		if code != http.StatusOK {
			t.Fatalf("the API's %s %s: %d %s", k.what, pub, code, body)
		}
		showsRow(k.api(pub), body)
		if k.moreIDs != nil {
			var one map[string]any
			if err := json.Unmarshal([]byte(body), &one); err != nil {
				t.Fatal(err)
			}
			for _, id := range k.moreIDs(one) {
				if !publicAlertID.MatchString(id) {
					t.Errorf("%s %s names %q, not a random public id", k.what, pub, id)
				}
			}
		}
		if err := k.readByClient(c, pub); err != nil {
			t.Errorf("the client reads %s %s: %v", k.what, pub, err)
		}
		code, html := page.get(k.console(pub))
		if code != http.StatusOK {
			t.Fatalf("the console's %s %s: %d", k.what, pub, code)
		}
		for _, r := range rowIDs {
			if regexp.MustCompile(`(href|action)="/[a-z]+/` + strconv.FormatInt(r, 10) + `\b|value="(report:|consult:)?` + strconv.FormatInt(r, 10) + `"`).MatchString(html) {
				t.Errorf("the console's %s page names the row id %d", k.what, r)
			}
		}
	}
}

// callerOf is login acting in the capability services, as the doors do.
func callerOf(t *testing.T, e *doorsEnv, login string) auth.Caller {
	t.Helper()
	c, err := incident.Caller(context.Background(), e.s.App.Hub.DB, login)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// memberUsers adds Water Co's analyst and the center's analyst.
func memberUsers(t *testing.T, e *doorsEnv, water store.Org) {
	t.Helper()
	ctx := context.Background()
	h := e.s.App.Hub
	now := time.Now().UTC()
	if _, err := hub.AddUser(ctx, h.DB, "water", water.ID, "analyst", doorsPassword, now); err != nil {
		t.Fatal(err)
	}
	if _, err := hub.AddUser(ctx, h.DB, "center-analyst", h.Center().ID, "analyst", doorsPassword, now); err != nil {
		t.Fatal(err)
	}
}

// fileIncident files a new incident for login, with one attachment.
func fileIncident(t *testing.T, e *doorsEnv, login, title string) incident.Report {
	t.Helper()
	r, err := e.s.App.Incidents.File(context.Background(), callerOf(t, e, login), incident.Filing{Duties: []string{"art5"}, Type: "art5", Stage: "initial",
		Category: "ddos", Title: title, WhatHappened: "UDP flood", DetectedAt: time.Now().Add(-time.Hour).Format(time.RFC3339), CurrentStatus: "ongoing",
		Attachments: []incident.AttachmentIn{{Name: "log.txt", Content: base64.StdEncoding.EncodeToString([]byte("flood log of " + title))}}})
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// TestIncidentIDsRevealNoCount: incidents, their reports and the reports'
// attachments are numbered in sequences over every organization, so a
// member that saw the row ids of its own would learn how many the others
// filed in between. Two incidents of one member, with five of another's
// filed between them, have unrelated random ids in the API (the listing,
// an incident with its reports, deadlines and attachments), the typed
// client and the console; no row id shows, and an incident or attachment
// asked by its row id is 404 like an unknown one, through both doors.
func TestIncidentIDsRevealNoCount(t *testing.T) {
	t.Parallel()
	for _, kind := range storetest.Kinds(t) {
		t.Run(kind, func(t *testing.T) {
			t.Parallel()
			e, power, water, _ := newTwoMembers(t, kind)
			memberUsers(t, e, water)
			db := e.s.App.Hub.DB
			first := fileIncident(t, e, "power", "first of Power")
			for i := range 5 {
				fileIncident(t, e, "water", "of Water "+strconv.Itoa(i))
			}
			second := fileIncident(t, e, "power", "second of Power")
			var more []int64
			for _, r := range []incident.Report{first, second} {
				more = append(more, r.ID, r.Attachments[0].ID)
			}
			twoRecordsRevealNoCount(t, e, recordIDs{
				what: "incident", list: "/api/v1/reports", field: "incidents",
				api:     func(id string) string { return "/api/v1/reports/" + id },
				console: func(id string) string { return "/reports/" + id },
				rows: func() map[string]int64 {
					l, err := db.Incidents(context.Background(), policy.System(), store.IncidentQuery{OrgID: power.ID, Limit: 10})
					if err != nil {
						t.Fatal(err)
					}
					out := map[string]int64{}
					for _, i := range l {
						out[i.PublicID] = i.ID
					}
					return out
				},
				readByClient: func(c *client.Client, id string) error {
					inc, err := c.Incident(context.Background(), id)
					if err == nil && inc.PublicID != id {
						t.Errorf("the client read incident %q for %s", inc.PublicID, id)
					}
					return err
				},
				moreIDs: func(one map[string]any) []string {
					var ids []string
					for _, r := range one["reports"].([]any) {
						r := r.(map[string]any)
						ids = append(ids, r["id"].(string), r["incident"].(string))
						for _, a := range r["attachments"].([]any) {
							ids = append(ids, a.(map[string]any)["id"].(string))
						}
					}
					for _, d := range one["deadlines"].([]any) {
						d := d.(map[string]any)
						ids = append(ids, d["incident"].(string))
						if m, ok := d["met_by"]; ok {
							ids = append(ids, m.(string))
						}
					}
					return ids
				},
				moreRowsOfPage: more,
			})

			// An attachment: by its public id through the API, the client
			// and the console; by its row id, not found.
			bearer := []string{"Authorization", "Bearer " + e.tokens["power"]}
			att := second.Attachments[0]
			if !publicAlertID.MatchString(att.PublicID) {
				t.Fatalf("attachment id %q", att.PublicID)
			}
			if code, body := e.do("GET", "/api/v1/attachments/"+att.PublicID, nil, bearer...); code != http.StatusOK || !strings.Contains(body, "second of Power") {
				t.Errorf("the attachment by its public id: %d %s", code, body)
			}
			if b, err := (&client.Client{Hub: e.base, Token: e.tokens["power"]}).Attachment(context.Background(), att.PublicID); err != nil || !strings.Contains(string(b), "second of Power") {
				t.Errorf("the client's attachment: %v %q", err, b)
			}
			row := strconv.FormatInt(att.ID, 10)
			if code, _ := e.do("GET", "/api/v1/attachments/"+row, nil, bearer...); code != http.StatusNotFound {
				t.Errorf("the attachment by its row id through the API: %d", code)
			}
			p := e.session("power")
			if code, _ := p.get("/attachments/" + row); code != http.StatusNotFound {
				t.Errorf("the attachment by its row id on the console: %d", code)
			}
			if code, _ := p.get("/attachments/" + att.PublicID); code != http.StatusOK {
				t.Errorf("the attachment by its public id on the console: %d", code)
			}
			// A follow-up names its incident by the public id.
			f := incident.Filing{Type: "art5", Stage: "update", WhatHappened: "over", CurrentStatus: "recovered"}
			f.Incident = strconv.FormatInt(first.IncidentID, 10)
			if _, err := e.s.App.Incidents.File(context.Background(), callerOf(t, e, "power"), f); err == nil {
				t.Error("a follow-up named its incident by the row id")
			}
			f.Incident = first.IncidentPublicID
			if _, err := e.s.App.Incidents.File(context.Background(), callerOf(t, e, "power"), f); err != nil {
				t.Errorf("a follow-up by the public id: %v", err)
			}
		})
	}
}

// TestCaseIDsRevealNoCount: the center's cases are numbered in one
// sequence, so the organization a case came from would learn from two of
// its cases' row ids how many the center opened for others in between. Two
// cases about Power's incidents, with five about Water's between them, have
// unrelated random ids in the API, the client and the console; a case asked
// or acted on by its row id is 404 like an unknown one; a case's source
// names the incident by its public id.
func TestCaseIDsRevealNoCount(t *testing.T) {
	t.Parallel()
	for _, kind := range storetest.Kinds(t) {
		t.Run(kind, func(t *testing.T) {
			t.Parallel()
			e, _, water, _ := newTwoMembers(t, kind)
			memberUsers(t, e, water)
			ctx := context.Background()
			center := callerOf(t, e, "center-analyst")
			open := func(login, title string) cases.Case {
				r := fileIncident(t, e, login, title)
				k, err := e.s.App.Cases.Open(ctx, center, cases.Case{Title: title, Source: "report:" + r.IncidentPublicID})
				if err != nil {
					t.Fatal(err)
				}
				return k
			}
			first := open("power", "first of Power")
			for i := range 5 {
				open("water", "of Water "+strconv.Itoa(i))
			}
			second := open("power", "second of Power")
			if _, err := e.s.App.Cases.Open(ctx, center, cases.Case{Title: "by row id", Source: "report:" + strconv.FormatInt(fileIncident(t, e, "water", "x").IncidentID, 10)}); err == nil {
				t.Error("a case opened from an incident named by its row id")
			}
			twoRecordsRevealNoCount(t, e, recordIDs{
				what: "case", list: "/api/v1/cases", field: "cases",
				api:     func(id string) string { return "/api/v1/cases/" + id },
				console: func(id string) string { return "/cases/" + id },
				rows: func() map[string]int64 {
					return map[string]int64{first.PublicID: first.ID, second.PublicID: second.ID}
				},
				readByClient: func(c *client.Client, id string) error {
					k, err := c.Case(ctx, id)
					if err == nil && (k.PublicID != id || !publicAlertID.MatchString(strings.TrimPrefix(k.Source, "report:"))) {
						t.Errorf("the client read case %q from %q for %s", k.PublicID, k.Source, id)
					}
					return err
				},
			})
			tok, _, err := hub.CreateToken(ctx, e.s.App.Hub.DB, "center-analyst", "", 0, false, time.Now().UTC())
			if err != nil {
				t.Fatal(err)
			}
			bearer := []string{"Authorization", "Bearer " + tok, "Content-Type", "application/json"}
			if code, body := e.do("POST", "/api/v1/cases/"+strconv.FormatInt(first.ID, 10)+"/actions", strings.NewReader(`{"note":"x"}`), bearer...); code != http.StatusNotFound {
				t.Errorf("acting on a case by its row id: %d %s", code, body)
			}
		})
	}
}

// TestAdvisoryIDsRevealNoCount: advisories and requests are numbered in
// one sequence, so a member that saw two of those addressed to it by row id
// would learn how many were addressed to others in between. Two advisories
// to Power, with five to Water between them, have unrelated random ids in
// the API, the client and the console; one asked, acknowledged or completed
// by its row id is 404 like an unknown one, through both doors; the
// publisher's user row id is not shown.
func TestAdvisoryIDsRevealNoCount(t *testing.T) {
	t.Parallel()
	for _, kind := range storetest.Kinds(t) {
		t.Run(kind, func(t *testing.T) {
			t.Parallel()
			e, power, water, _ := newTwoMembers(t, kind)
			memberUsers(t, e, water)
			ctx := context.Background()
			center := callerOf(t, e, "center-analyst")
			publish := func(org, title string) advisory.Advisory {
				a, err := e.s.App.Advisories.Publish(ctx, center, advisory.Advisory{Title: title, Actions: []string{"patch"},
					Audience: advisory.Audience{Orgs: []string{org}}, Due: time.Now().Add(72 * time.Hour)})
				if err != nil {
					t.Fatal(err)
				}
				return a
			}
			first := publish(power.ID, "first to Power")
			for i := range 5 {
				publish(water.ID, "to Water "+strconv.Itoa(i))
			}
			second := publish(power.ID, "second to Power")
			twoRecordsRevealNoCount(t, e, recordIDs{
				what: "advisory", list: "/api/v1/advisories", field: "advisories",
				api:     func(id string) string { return "/api/v1/advisories/" + id },
				console: func(id string) string { return "/advisories/" + id },
				rows: func() map[string]int64 {
					return map[string]int64{first.PublicID: first.ID, second.PublicID: second.ID}
				},
				readByClient: func(c *client.Client, id string) error {
					a, err := c.Advisory(ctx, id)
					if err == nil && a.Advisory.PublicID != id {
						t.Errorf("the client read advisory %q for %s", a.Advisory.PublicID, id)
					}
					return err
				},
			})
			code, body := e.do("GET", "/api/v1/advisories", nil, "Authorization", "Bearer "+e.tokens["power"])
			if code != http.StatusOK || strings.Contains(body, "published_by") {
				t.Errorf("the listing names the publisher's user row id: %d %s", code, body)
			}
			bearer := []string{"Authorization", "Bearer " + e.tokens["power"], "Content-Type", "application/json"}
			p := e.session("power")
			for _, step := range []string{"ack", "complete"} {
				row := strconv.FormatInt(first.ID, 10)
				if code, body := e.do("POST", "/api/v1/advisories/"+row+"/"+step, strings.NewReader(`{"evidence":"done"}`), bearer...); code != http.StatusNotFound {
					t.Errorf("%s by the row id through the API: %d %s", step, code, body)
				}
				if code, _ := p.post("/advisories/"+row+"/"+step, map[string][]string{"evidence": {"done"}}); code != http.StatusNotFound {
					t.Errorf("%s by the row id on the console: %d", step, code)
				}
			}
			c := &client.Client{Hub: e.base, Token: e.tokens["power"]}
			if err := c.AcknowledgeAdvisory(ctx, first.PublicID); err != nil {
				t.Errorf("acknowledging by the public id: %v", err)
			}
			if err := c.CompleteAdvisory(ctx, second.PublicID, "done"); err != nil {
				t.Errorf("completing by the public id: %v", err)
			}
		})
	}
}

// TestConsultationIDsRevealNoCount: consultations are numbered in one
// sequence, so a member that saw two of its requests' row ids would learn
// how many the others asked in between. Two of Power's requests, with five
// of Water's between them, have unrelated random ids in the API, the client
// and the console; one asked or replied to by its row id is 404 like an
// unknown one.
func TestConsultationIDsRevealNoCount(t *testing.T) {
	t.Parallel()
	for _, kind := range storetest.Kinds(t) {
		t.Run(kind, func(t *testing.T) {
			t.Parallel()
			e, _, water, _ := newTwoMembers(t, kind)
			memberUsers(t, e, water)
			ctx := context.Background()
			ask := func(login, subject string) string {
				r, err := e.s.App.Consult.Ask(ctx, callerOf(t, e, login), "consultation", subject, "how?", "")
				if err != nil {
					t.Fatal(err)
				}
				return r.PublicID
			}
			first := ask("power", "first of Power")
			for i := range 5 {
				ask("water", "of Water "+strconv.Itoa(i))
			}
			second := ask("power", "second of Power")
			rows := map[string]int64{}
			for _, id := range []string{first, second} {
				r, err := e.s.App.Consult.Get(ctx, policy.System(), id)
				if err != nil {
					t.Fatal(err)
				}
				rows[id] = r.ID
			}
			twoRecordsRevealNoCount(t, e, recordIDs{
				what: "consultation", list: "/api/v1/consultations", field: "consultations",
				api:     func(id string) string { return "/api/v1/consultations/" + id },
				console: func(id string) string { return "/consult/" + id },
				rows:    func() map[string]int64 { return rows },
				readByClient: func(c *client.Client, id string) error {
					r, err := c.Consultation(ctx, id)
					if err == nil && r.PublicID != id {
						t.Errorf("the client read consultation %q for %s", r.PublicID, id)
					}
					return err
				},
			})
			bearer := []string{"Authorization", "Bearer " + e.tokens["power"], "Content-Type", "application/json"}
			row := strconv.FormatInt(rows[first], 10)
			if code, body := e.do("POST", "/api/v1/consultations/"+row+"/replies", strings.NewReader(`{"kind":"question","body":"again"}`), bearer...); code != http.StatusNotFound {
				t.Errorf("replying by the row id through the API: %d %s", code, body)
			}
			if code, _ := e.session("power").post("/consult/"+row+"/reply", map[string][]string{"kind": {"question"}, "body": {"again"}}); code != http.StatusNotFound {
				t.Errorf("replying by the row id on the console: %d", code)
			}
			c := &client.Client{Hub: e.base, Token: e.tokens["power"]}
			if _, err := c.ReplyConsultation(ctx, first, client.ConsultationReply{Kind: "question", Body: "again"}); err != nil {
				t.Errorf("replying by the public id: %v", err)
			}
		})
	}
}
