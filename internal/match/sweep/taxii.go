package sweep

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"sort"
	"strings"
	"time"

	"github.com/google/uuid"

	"renkei/internal/match"
)

// mediaTAXII is the TAXII 2.1 media type, sent as Accept and Content-Type.
const mediaTAXII = "application/taxii+json;version=2.1"

// Hub is a TAXII 2.1 collection on a Renkei hub (or any TAXII 2.1 server).
type Hub struct {
	URL        string // the server, e.g. https://hub.example; /taxii2/ is added
	Token      string // sent as "Authorization: Bearer <token>"
	Collection string // collection id
	// APIRoot is the API root URL; empty asks discovery (its default, or its
	// first root), falling back to URL/taxii2/api/.
	APIRoot string
	Client  *http.Client
}

func (h *Hub) client() *http.Client {
	if h.Client != nil {
		return h.Client
	}
	return &http.Client{Timeout: 60 * time.Second}
}

func (h *Hub) do(ctx context.Context, method, u string, body []byte) ([]byte, error) {
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	req, err := http.NewRequestWithContext(ctx, method, u, rd)
	if err != nil {
		return nil, err
	}
	req.Header.Set("Accept", mediaTAXII)
	if body != nil {
		req.Header.Set("Content-Type", mediaTAXII)
	}
	if h.Token != "" {
		req.Header.Set("Authorization", "Bearer "+h.Token)
	}
	resp, err := h.client().Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, 1<<30))
	if err != nil {
		return nil, fmt.Errorf("%s %s: read: %w", method, u, err)
	}
	if resp.StatusCode/100 != 2 {
		var e struct{ Title, Description string }
		_ = json.Unmarshal(data, &e)
		msg := strings.TrimSpace(e.Title + ": " + e.Description)
		if e.Title == "" {
			msg = strings.TrimSpace(string(data[:min(len(data), 200)]))
		}
		return nil, fmt.Errorf("%s %s: %s: %s", method, u, resp.Status, msg)
	}
	return data, nil
}

// apiRoot finds the API root URL, ending in '/'.
func (h *Hub) apiRoot(ctx context.Context) (string, error) {
	if h.APIRoot != "" {
		return strings.TrimSuffix(h.APIRoot, "/") + "/", nil
	}
	base := strings.TrimSuffix(h.URL, "/")
	if base == "" {
		return "", fmt.Errorf("no hub URL")
	}
	disc, err := h.do(ctx, http.MethodGet, base+"/taxii2/", nil)
	if err == nil {
		var d struct {
			Default  string   `json:"default"`
			APIRoots []string `json:"api_roots"`
		}
		if json.Unmarshal(disc, &d) == nil {
			root := d.Default
			if root == "" && len(d.APIRoots) > 0 {
				root = d.APIRoots[0]
			}
			if root != "" {
				ref, err := url.Parse(root)
				b, err2 := url.Parse(base + "/taxii2/")
				if err == nil && err2 == nil {
					return strings.TrimSuffix(b.ResolveReference(ref).String(), "/") + "/", nil
				}
			}
		}
	}
	return base + "/taxii2/api/", nil
}

func (h *Hub) objectsURL(ctx context.Context) (string, error) {
	if h.Collection == "" {
		return "", fmt.Errorf("no collection given")
	}
	root, err := h.apiRoot(ctx)
	if err != nil {
		return "", err
	}
	return root + "collections/" + url.PathEscape(h.Collection) + "/objects/", nil
}

// FetchIndicators adds every indicator of the collection to b, following
// the envelope's more/next paging.
func (h *Hub) FetchIndicators(ctx context.Context, b *match.Builder) (LoadResult, error) {
	res := LoadResult{Format: "taxii"}
	base, err := h.objectsURL(ctx)
	if err != nil {
		return res, err
	}
	next := ""
	for page := 0; ; page++ {
		q := url.Values{"match[type]": {"indicator"}}
		if next != "" {
			q.Set("next", next)
		}
		data, err := h.do(ctx, http.MethodGet, base+"?"+q.Encode(), nil)
		if err != nil {
			return res, fmt.Errorf("fetch indicators: %w", err)
		}
		var env struct {
			More    bool              `json:"more"`
			Next    string            `json:"next"`
			Objects []json.RawMessage `json:"objects"`
		}
		if err := json.Unmarshal(data, &env); err != nil {
			return res, fmt.Errorf("fetch indicators: page %d: not a TAXII envelope: %w", page+1, err)
		}
		for i, raw := range env.Objects {
			ind, ok, err := indicatorOf(raw)
			if !ok {
				continue
			}
			if err == nil {
				err = b.AddSTIX(ind)
			}
			if err != nil {
				res.Bad++
				if len(res.Errors) < match.MaxListErrors {
					res.Errors = append(res.Errors, fmt.Errorf("collection %s page %d object %d: %w", h.Collection, page+1, i, err))
				}
				continue
			}
			res.Values++
		}
		if !env.More || env.Next == "" || env.Next == next {
			return res, nil
		}
		next = env.Next
	}
}

// Sightings gathers matches into one STIX sighting per STIX indicator.
type Sightings struct {
	by map[string]*sightingAgg
	// Unsightable counts matches of plain-list indicators, which have no STIX
	// id to point a sighting at.
	Unsightable int
}

type sightingAgg struct {
	ind         *match.Indicator
	count       int
	first, last time.Time
}

// Add records one match.
func (s *Sightings) Add(m *Match, now time.Time) {
	ind := m.IndicatorRef()
	if ind == nil || !strings.HasPrefix(ind.ID, "indicator--") {
		s.Unsightable++
		return
	}
	if s.by == nil {
		s.by = map[string]*sightingAgg{}
	}
	t := now
	if m.Time != nil {
		t = *m.Time
	}
	a := s.by[ind.ID]
	if a == nil {
		a = &sightingAgg{ind: ind, first: t, last: t}
		s.by[ind.ID] = a
	}
	a.count++
	if t.Before(a.first) {
		a.first = t
	}
	if t.After(a.last) {
		a.last = t
	}
}

// Len returns the number of sightings that Objects would produce.
func (s *Sightings) Len() int { return len(s.by) }

// Objects returns the STIX sighting objects, each marked with its indicator's
// object_marking_refs so the hub shares it under the indicator's TLP.
func (s *Sightings) Objects(now time.Time) []map[string]any {
	ids := make([]string, 0, len(s.by))
	for id := range s.by {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	ts := func(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05.000Z") }
	var out []map[string]any
	for _, id := range ids {
		a := s.by[id]
		o := map[string]any{
			"type": "sighting", "spec_version": "2.1", "id": "sighting--" + uuid.NewString(),
			"created": ts(now), "modified": ts(now),
			"sighting_of_ref": id, "count": min(a.count, 999999999),
			"first_seen": ts(a.first), "last_seen": ts(a.last),
			"description": fmt.Sprintf("renkei sweep: %d matching log records", a.count),
		}
		if len(a.ind.Markings) > 0 {
			o["object_marking_refs"] = a.ind.Markings
		}
		out = append(out, o)
	}
	return out
}

// Report posts the sightings to the collection and returns how many the
// server accepted.
func (h *Hub) Report(ctx context.Context, s *Sightings, now time.Time) (int, error) {
	objs := s.Objects(now)
	if len(objs) == 0 {
		return 0, nil
	}
	u, err := h.objectsURL(ctx)
	if err != nil {
		return 0, err
	}
	accepted := 0
	for start := 0; start < len(objs); start += 500 {
		body, err := json.Marshal(map[string]any{"objects": objs[start:min(start+500, len(objs))]})
		if err != nil {
			return accepted, err
		}
		data, err := h.do(ctx, http.MethodPost, u, body)
		if err != nil {
			return accepted, fmt.Errorf("report sightings: %w", err)
		}
		var st struct {
			SuccessCount int `json:"success_count"`
			FailureCount int `json:"failure_count"`
			PendingCount int `json:"pending_count"`
			Failures     []struct {
				ID      string `json:"id"`
				Message string `json:"message"`
			} `json:"failures"`
		}
		if err := json.Unmarshal(data, &st); err != nil {
			return accepted, fmt.Errorf("report sightings: the server's status is not JSON: %w", err)
		}
		accepted += st.SuccessCount + st.PendingCount
		if st.FailureCount > 0 {
			msg := ""
			if len(st.Failures) > 0 {
				msg = ": " + st.Failures[0].ID + ": " + st.Failures[0].Message
			}
			return accepted, fmt.Errorf("report sightings: the hub refused %d of them%s", st.FailureCount, msg)
		}
	}
	return accepted, nil
}
