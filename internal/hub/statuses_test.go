package hub_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"renkei/internal/hub"
	"renkei/internal/policy"
	"renkei/internal/taxii"
)

// checkStatuses reads every post's status resource through TAXII as every
// user (and anonymously) and checks what policy decides: a viewer receives a
// status only if policy.SeesStatus says so — otherwise the very answer an
// id that never existed gets — and within it nothing but the id and version
// that its poster sent: never another id, nor a version stored by anyone
// else (TestVersionPostsMatchPolicy).
func (w *versionWorld) checkStatuses(t *testing.T, m *versionModel) {
	t.Helper()
	ctx := context.Background()
	srv := httptest.NewServer((&taxii.Server{Hub: w.h, MaxContentLength: 1 << 20}).Handler())
	defer srv.Close()
	tokens := make([]string, len(w.users)+1) // the last is anonymous
	for i, c := range w.users {
		tok, _, err := hub.CreateToken(ctx, w.h.DB, c.User.Login, "statuses", 0, false, time.Now().UTC())
		if err != nil {
			t.Fatal(err)
		}
		tokens[i] = tok
	}
	get := func(id, token string) (int, []byte) {
		req, _ := http.NewRequest("GET", srv.URL+"/taxii2/api/status/"+id+"/", nil)
		req.Header.Set("Accept", taxii.MediaTAXII)
		if token != "" {
			req.Header.Set("Authorization", "Bearer "+token)
		}
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		b, _ := io.ReadAll(res.Body)
		return res.StatusCode, b
	}
	for i, token := range tokens {
		v := policy.Viewer{}
		if i < len(w.users) {
			v = w.viewers[i]
		}
		never := "00000000-0000-4000-8000-00000000beef"
		neverCode, neverBody := get(never, token)
		for _, ps := range m.statuses {
			code, body := get(ps.id, token)
			if !policy.SeesStatus(v, w.users[ps.user].User.ID) {
				if code != neverCode || string(body) != string(bytes.ReplaceAll(neverBody, []byte(never), []byte(ps.id))) {
					t.Fatalf("viewer %d reads %s's status %s: %d %s; an unknown status answers %d %s",
						i, w.users[ps.user].User.Login, ps.id, code, body, neverCode, neverBody)
				}
				continue
			}
			if code != http.StatusOK {
				t.Fatalf("%s reads its own status %s: %d %s", w.users[ps.user].User.Login, ps.id, code, body)
			}
			var res map[string]json.RawMessage
			json.Unmarshal(body, &res)
			var n int
			for _, list := range []string{"successes", "failures", "pendings"} {
				var ds []struct{ ID, Version string }
				json.Unmarshal(res[list], &ds)
				for _, d := range ds {
					n++
					if d.ID+" "+d.Version != ps.sent {
						t.Fatalf("status %s of %s lists %s %s; the post sent %s", ps.id, w.users[ps.user].User.Login, d.ID, d.Version, ps.sent)
					}
				}
			}
			if n != ps.details {
				t.Fatalf("status %s lists %d objects, the post's answer %d", ps.id, n, ps.details)
			}
		}
	}
}
