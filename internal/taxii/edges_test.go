package taxii_test

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"renkei/internal/hub"
	"renkei/internal/policy"
	"renkei/internal/store/storetest"
	"renkei/internal/taxii"
)

func toUsers(o map[string]any, logins ...string) map[string]any {
	o["extensions"] = map[string]any{hub.Extension: map[string]any{"extension_type": "property-extension", "recipient_users": logins}}
	return o
}

// TestStatusOnlyForItsOwner shows that a TAXII status resource, which lists
// the ids of what one POST stored, is read by the user who posted and by no
// one else: not another member, not the center, not the hub administrator.
func TestStatusOnlyForItsOwner(t *testing.T) {
	t.Parallel()
	for _, kind := range storetest.Kinds(t) {
		t.Run(kind, func(t *testing.T) {
			t.Parallel()
			e := setup(t, kind)
			e.addUser("hub-admin", e.h.Center().Name, "admin")
			e.addUser("power-admin", "Power Co", "org-admin")
			r := e.do("POST", objectsPath, "power", bundle(ind(1, policy.Red, time.Now().UTC())))
			if r.code != 202 {
				t.Fatalf("POST: %d %s", r.code, r.body)
			}
			path := "/taxii2/api/status/" + r.json(t)["id"].(string) + "/"
			if r := e.do("GET", path, "power", nil); r.code != 200 || !strings.Contains(string(r.body), "indicator--00000000-0000-4000-8000-000000000001") {
				t.Fatalf("the poster reads its status: %d %s", r.code, r.body)
			}
			for _, who := range []string{"hub-admin", "power-admin", "center", "water"} {
				if r := e.do("GET", path, who, nil); r.code != 404 || strings.Contains(string(r.body), "indicator--") {
					t.Errorf("%s reads another user's status: %d %s", who, r.code, r.body)
				}
			}
		})
	}
}

// TestUnknownRecipientUsersRevealNothing posts a RED object naming a login
// that exists and one naming a login that does not: the answers are alike,
// so no member learns from them which logins exist; the object is shared
// with the users that exist only.
func TestUnknownRecipientUsersRevealNothing(t *testing.T) {
	t.Parallel()
	for _, kind := range storetest.Kinds(t) {
		t.Run(kind, func(t *testing.T) {
			t.Parallel()
			e := setup(t, kind)
			now := time.Now().UTC()
			answer := func(o map[string]any) map[string]any {
				r := e.do("POST", objectsPath, "power", bundle(o))
				if r.code != 202 {
					t.Fatalf("POST: %d %s", r.code, r.body)
				}
				m := r.json(t)
				delete(m, "id")
				delete(m, "request_timestamp")
				delete(m, "successes")
				return m
			}
			known := answer(toUsers(ind(1, policy.Red, now), "water"))
			unknown := answer(toUsers(ind(2, policy.Red, now), "no-such-login"))
			a, _ := json.Marshal(known)
			b, _ := json.Marshal(unknown)
			if string(a) != string(b) {
				t.Fatalf("the answers tell which login exists:\nexisting login: %s\nunknown login:  %s", a, b)
			}
			for _, tc := range []struct {
				who  string
				id   int
				sees bool
			}{{"water", 1, true}, {"water", 2, false}, {"power", 2, true}, {"center", 2, false}} {
				r := e.do("GET", objectsPath+fmt.Sprintf("indicator--00000000-0000-4000-8000-%012d/", tc.id), tc.who, nil)
				if (r.code == 200) != tc.sees {
					t.Errorf("%s reading RED object %d: %d, want seen=%v", tc.who, tc.id, r.code, tc.sees)
				}
			}
		})
	}
}

// TestChunkedBodyOverLimitIs413 sends bodies without a declared length
// (chunked) beyond max_content_length: the answer is 413 as for a declared
// length, whether the limit falls inside the first object or after objects
// that were stored.
func TestChunkedBodyOverLimitIs413(t *testing.T) {
	t.Parallel()
	for _, kind := range storetest.Kinds(t) {
		t.Run(kind, func(t *testing.T) {
			t.Parallel()
			e := setup(t, kind) // max_content_length 1 MiB
			now := time.Now().UTC()
			var many []any
			for i := range 4000 {
				many = append(many, ind(i, policy.Green, now))
			}
			for _, tc := range []struct {
				name string
				body []byte
			}{
				{"one object over the limit", bundle(map[string]any{"type": "note", "x": strings.Repeat("a", 2<<20)})},
				{"many objects over the limit", bundle(many...)},
			} {
				t.Run(tc.name, func(t *testing.T) {
					req, _ := http.NewRequest("POST", e.srv.URL+objectsPath, io.MultiReader(strings.NewReader(string(tc.body))))
					req.Header.Set("Content-Type", taxii.MediaTAXII)
					req.Header.Set("Authorization", "Bearer "+e.tokens["power"])
					res, err := http.DefaultClient.Do(req)
					if err != nil {
						t.Fatal(err)
					}
					defer res.Body.Close()
					b, _ := io.ReadAll(res.Body)
					if req.ContentLength != -1 && req.ContentLength != 0 {
						t.Fatalf("the body was sent with a length (%d), not chunked", req.ContentLength)
					}
					if res.StatusCode != 413 || !strings.Contains(string(b), "max_content_length") {
						t.Fatalf("chunked body over the limit: %d %s", res.StatusCode, b)
					}
				})
			}
		})
	}
}

// TestStrictResponsesNotCached shows that a TAXII answer carrying an
// AMBER+STRICT or RED object, or telling of one by id (manifest, versions,
// the status of their post), says Cache-Control: no-store, and one carrying
// only GREEN objects does not need to.
func TestStrictResponsesNotCached(t *testing.T) {
	t.Parallel()
	for _, kind := range storetest.Kinds(t) {
		t.Run(kind, func(t *testing.T) {
			t.Parallel()
			e := setup(t, kind)
			now := time.Now().UTC()
			r := e.do("POST", objectsPath, "power", bundle(ind(1, policy.Green, now), ind(2, policy.AmberStrict, now), ind(3, policy.Red, now)))
			if r.code != 202 {
				t.Fatalf("POST: %d %s", r.code, r.body)
			}
			status := "/taxii2/api/status/" + r.json(t)["id"].(string) + "/"
			one := func(i int) string { return fmt.Sprintf("indicator--00000000-0000-4000-8000-%012d", i) }
			for _, tc := range []struct {
				path    string
				noStore bool
			}{
				{objectsPath, true},
				{objectsPath + one(2) + "/", true},
				{objectsPath + one(3) + "/", true},
				{objectsPath + one(3) + "/versions/", true},
				{objectsPath + "?match[id]=" + one(2), true},
				{"/taxii2/api/collections/" + hub.MembersCollection + "/manifest/", true},
				{status, true}, // lists the ids of the AMBER+STRICT and RED objects posted
				{objectsPath + one(1) + "/", false},
				{objectsPath + "?match[id]=" + one(1), false},
			} {
				r := e.do("GET", tc.path, "power", nil)
				if r.code != 200 {
					t.Fatalf("GET %s: %d %s", tc.path, r.code, r.body)
				}
				if got := r.hdr.Get("Cache-Control") == "no-store"; got != tc.noStore {
					t.Errorf("GET %s: Cache-Control %q, want no-store=%v", tc.path, r.hdr.Get("Cache-Control"), tc.noStore)
				}
			}
		})
	}
}

// TestJSONNosniff shows that every TAXII answer — resources, object pages,
// status, errors — says X-Content-Type-Options: nosniff.
func TestJSONNosniff(t *testing.T) {
	t.Parallel()
	e := setup(t, "sqlite")
	r := e.do("POST", objectsPath, "power", bundle(ind(1, policy.Green, time.Now().UTC())))
	status := "/taxii2/api/status/" + r.json(t)["id"].(string) + "/"
	for _, tc := range []struct{ method, path, who string }{
		{"GET", "/taxii2/", ""}, {"GET", "/taxii2/api/", "power"}, {"GET", "/taxii2/api/collections/", "power"},
		{"GET", objectsPath, "power"}, {"GET", objectsPath + "indicator--00000000-0000-4000-8000-000000000001/", "power"},
		{"GET", "/taxii2/api/collections/" + hub.MembersCollection + "/manifest/", "power"}, {"GET", status, "power"},
		{"GET", objectsPath, ""}, {"GET", "/taxii2/nowhere/", "power"}, {"GET", status, "water"},
	} {
		if r := e.do(tc.method, tc.path, tc.who, nil); r.hdr.Get("X-Content-Type-Options") != "nosniff" {
			t.Errorf("%s %s (%s): %d without X-Content-Type-Options: nosniff", tc.method, tc.path, tc.who, r.code)
		}
	}
	if r := e.do("POST", objectsPath, "power", bundle(ind(2, policy.Green, time.Now().UTC()))); r.hdr.Get("X-Content-Type-Options") != "nosniff" {
		t.Errorf("POST: %d without nosniff", r.code)
	}
}
