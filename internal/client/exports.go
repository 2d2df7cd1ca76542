package client

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"renkei/internal/exportgate"
	"renkei/internal/warninglist"
)

// Warninglist is one warninglist as GET /api/v1/warninglists lists it: its
// description and the number of its entries, not the entries.
type Warninglist struct {
	ID                 string    `json:"id"`
	Name               string    `json:"name"`
	Description        string    `json:"description"`
	Type               string    `json:"type"`
	Version            int       `json:"version"`
	Origin             string    `json:"origin"` // builtin, imported, center, hub
	Action             string    `json:"action"` // refuse or warn
	Enabled            bool      `json:"enabled"`
	Entries            int       `json:"entries"`
	MatchingAttributes []string  `json:"matching_attributes,omitempty"`
	References         []string  `json:"references,omitempty"`
	UpdatedAt          time.Time `json:"updated_at,omitzero"`
	UpdatedBy          string    `json:"updated_by,omitempty"`
}

// Warninglists is the answer of GET /api/v1/warninglists.
type Warninglists struct {
	Lists []Warninglist `json:"warninglists"`
}

// WarninglistEdit adds values to (POST) or removes them from (DELETE) a list
// the center keeps; Type (cidr or hostname) applies when it is created.
type WarninglistEdit struct {
	Values []string `json:"values"`
	Type   string   `json:"type,omitempty"`
}

// WarninglistHits is the answer of GET /api/v1/warninglists/check.
type WarninglistHits struct {
	Value string            `json:"value"`
	Hits  []warninglist.Hit `json:"hits"`
}

// ExportPolicy is the export policy of a scope (hub, collection, org).
type ExportPolicy struct {
	Scope         string    `json:"scope"`
	ScopeID       string    `json:"scope_id,omitempty"`
	MinConfidence int       `json:"min_confidence"`
	MaxAgeSeconds int64     `json:"max_age_seconds"`
	RequireReview bool      `json:"require_review"`
	UpdatedAt     time.Time `json:"updated_at,omitzero"`
	UpdatedBy     string    `json:"updated_by,omitempty"`
}

// ExportReview releases an indicator to the exports or holds it back.
type ExportReview struct {
	ID      string `json:"id"`
	Release bool   `json:"release"`
	Note    string `json:"note,omitempty"`
}

// ReviewItem is one indicator waiting for the center's review, as GET
// /api/v1/export-reviews lists it.
type ReviewItem struct {
	ID              string                 `json:"id"`
	CollectionID    string                 `json:"collection_id"`
	Name            string                 `json:"name,omitempty"`
	Pattern         string                 `json:"pattern"`
	TLP             string                 `json:"tlp"`
	Confidence      int                    `json:"confidence"` // -1: none given
	DateAdded       time.Time              `json:"date_added"`
	Object          json.RawMessage        `json:"object"` // as the reader is shown it
	WarninglistHits []warninglist.ValueHit `json:"warninglist_hits,omitempty"`
}

// ExportReviewQueue is the answer of GET /api/v1/export-reviews: the
// indicators waiting for the center's review, newest first (IDN homographs
// of a listed name among them).
type ExportReviewQueue struct {
	Indicators []ReviewItem `json:"indicators"`
	// Hidden counts the indicators waiting that the reader may not read:
	// counted, never shown.
	Hidden int `json:"hidden"`
}

// Warninglists lists the hub's warninglists.
func (c *Client) Warninglists(ctx context.Context) (Warninglists, error) {
	var out Warninglists
	err := c.do(ctx, http.MethodGet, "/api/v1/warninglists", nil, &out)
	return out, err
}

// CheckWarninglists says which warninglists hold value.
func (c *Client) CheckWarninglists(ctx context.Context, value string) (WarninglistHits, error) {
	var out WarninglistHits
	err := c.do(ctx, http.MethodGet, "/api/v1/warninglists/check?value="+url.QueryEscape(value), nil, &out)
	return out, err
}

// EditWarninglist adds values to the center's list id, or removes them.
func (c *Client) EditWarninglist(ctx context.Context, id string, e WarninglistEdit, remove bool) error {
	m := http.MethodPost
	if remove {
		m = http.MethodDelete
	}
	return c.do(ctx, m, "/api/v1/warninglists/"+url.PathEscape(id)+"/entries", e, nil)
}

// SetExportPolicy sets the export policy of a scope.
func (c *Client) SetExportPolicy(ctx context.Context, p ExportPolicy) error {
	return c.do(ctx, http.MethodPut, "/api/v1/export-policies", p, nil)
}

// ReviewExport releases an indicator to the exports, or holds it back.
func (c *Client) ReviewExport(ctx context.Context, r ExportReview) error {
	return c.do(ctx, http.MethodPost, "/api/v1/export-reviews", r, nil)
}

// ExportReviewQueue lists the indicators waiting for the center's review
// (at most limit; 0: the hub's default).
func (c *Client) ExportReviewQueue(ctx context.Context, limit int) (ExportReviewQueue, error) {
	var out ExportReviewQueue
	path := "/api/v1/export-reviews"
	if limit > 0 {
		path += "?limit=" + strconv.Itoa(limit)
	}
	err := c.do(ctx, http.MethodGet, path, nil, &out)
	return out, err
}

// ExportThresholds gives the hub's hostile-scope thresholds.
func (c *Client) ExportThresholds(ctx context.Context) (exportgate.Thresholds, error) {
	var out exportgate.Thresholds
	err := c.do(ctx, http.MethodGet, "/api/v1/export-thresholds", nil, &out)
	return out, err
}

// SetExportThresholds sets the hub's hostile-scope thresholds (the center's).
func (c *Client) SetExportThresholds(ctx context.Context, t exportgate.Thresholds) error {
	return c.do(ctx, http.MethodPut, "/api/v1/export-thresholds", t, nil)
}

// ExplainExport says why value is (or is not) in the caller's exports.
func (c *Client) ExplainExport(ctx context.Context, value string) (exportgate.Explanation, error) {
	var out exportgate.Explanation
	err := c.do(ctx, http.MethodGet, "/api/v1/exports/explain?value="+url.QueryEscape(value), nil, &out)
	return out, err
}
