package client

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"renkei/internal/relevance"
	"renkei/internal/vuln"
)

// What affects an organization: its connection points (assets), SBOMs and
// findings; vendors' publications, the supplier register, exposure and the
// feeds the center reads.

// ConnectionPoint is an asset as the API returns it; Stale says it was not
// confirmed within the hub's stale days.
type ConnectionPoint struct {
	ID            string    `json:"id"` // a public id: 128 random bits in hex
	Kind          string    `json:"kind"`
	Vendor        string    `json:"vendor"`
	Product       string    `json:"product"`
	Version       string    `json:"version,omitempty"`
	PURL          string    `json:"purl,omitempty"`
	CPE           string    `json:"cpe,omitempty"`
	Address       string    `json:"address,omitempty"`
	Owner         string    `json:"owner,omitempty"`
	LastConfirmed time.Time `json:"last_confirmed"`
	Stale         bool      `json:"stale"`
	// Products are the catalogue's products the asset is matched as
	// ("Ivanti Connect Secure" for "Pulse Connect Secure"); empty when the
	// catalogue does not know it and it is matched by its name as written.
	Products []string  `json:"products,omitempty"`
	Created  time.Time `json:"created"`
	Updated  time.Time `json:"updated"`
}

// ConnectionPointRequest adds or replaces an asset of the caller's organization.
type ConnectionPointRequest struct {
	Kind          string    `json:"kind"`
	Vendor        string    `json:"vendor"`
	Product       string    `json:"product"`
	Version       string    `json:"version"`
	PURL          string    `json:"purl"`
	CPE           string    `json:"cpe"`
	Address       string    `json:"address"`
	Owner         string    `json:"owner"`
	LastConfirmed time.Time `json:"last_confirmed"`
}

// ConnectionPoints is the caller's organization's assets and the hub's
// stale days.
type ConnectionPoints struct {
	ConnectionPoints []ConnectionPoint `json:"connection_points"`
	StaleDays        int               `json:"stale_days"`
}

// ConnectionPointOutcome is an asset added or changed and what matching it
// found.
type ConnectionPointOutcome struct {
	ConnectionPoint ConnectionPoint   `json:"connection_point"`
	Outcome         relevance.Outcome `json:"outcome"`
}

// ImportOutcome is how many assets an import added and what matching found.
type ImportOutcome struct {
	Imported int               `json:"imported"`
	Outcome  relevance.Outcome `json:"outcome"`
}

// SBOMOutcome is an SBOM registered and what matching it found.
type SBOMOutcome struct {
	SBOM    relevance.SBOM    `json:"sbom"`
	Outcome relevance.Outcome `json:"outcome"`
}

// SupplierRequest registers a supplier of an organization (the center,
// or the organization itself); Org is a name or an id.
type SupplierRequest struct {
	Org  string `json:"org"`
	Name string `json:"name"`
	CPE  string `json:"cpe"`
	PURL string `json:"purl"`
}

// FeedRequest adds a feed the center reads; Interval is a duration such as "6h".
type FeedRequest struct {
	URL      string `json:"url"`
	Format   string `json:"format"`
	Interval string `json:"interval,omitempty"`
}

// PublicationRequest is a vendor's publication: its document goes as the body.
type PublicationRequest struct {
	Kind, Product, Version, Note string // kind: sbom, vex, csaf, label
	LabelLevel                   int
	Data                         []byte
}

// Catalogue is the product catalogue's answer to a query: the names a
// connection point may be registered under to be matched by every name
// its product has had.
type Catalogue struct {
	Products []relevance.CatalogueProduct `json:"products"`
}

// Products asks the product catalogue for the products matching q (every
// word of it), at most limit (0: the hub's default).
func (c *Client) Products(ctx context.Context, q string, limit int) (Catalogue, error) {
	v := url.Values{}
	if q != "" {
		v.Set("q", q)
	}
	if limit > 0 {
		v.Set("limit", strconv.Itoa(limit))
	}
	p := "/api/v1/products"
	if len(v) > 0 {
		p += "?" + v.Encode()
	}
	var out Catalogue
	err := c.do(ctx, http.MethodGet, p, nil, &out)
	return out, err
}

// ConnectionPoints lists the caller's organization's assets; stale lists
// only those not confirmed lately.
func (c *Client) ConnectionPoints(ctx context.Context, stale bool) (ConnectionPoints, error) {
	p := "/api/v1/connection-points"
	if stale {
		p += "?stale=1"
	}
	var out ConnectionPoints
	err := c.do(ctx, http.MethodGet, p, nil, &out)
	return out, err
}

// AddConnectionPoint adds an asset.
func (c *Client) AddConnectionPoint(ctx context.Context, r ConnectionPointRequest) (ConnectionPointOutcome, error) {
	var out ConnectionPointOutcome
	err := c.do(ctx, http.MethodPost, "/api/v1/connection-points", r, &out)
	return out, err
}

// UpdateConnectionPoint replaces an asset.
func (c *Client) UpdateConnectionPoint(ctx context.Context, id string, r ConnectionPointRequest) (ConnectionPointOutcome, error) {
	var out ConnectionPointOutcome
	err := c.do(ctx, http.MethodPut, "/api/v1/connection-points/"+url.PathEscape(id), r, &out)
	return out, err
}

// DeleteConnectionPoint removes an asset.
func (c *Client) DeleteConnectionPoint(ctx context.Context, id string) error {
	return c.do(ctx, http.MethodDelete, "/api/v1/connection-points/"+url.PathEscape(id), nil, nil)
}

// ImportConnectionPoints adds the assets of a CSV (docs/vulnerabilities.md).
func (c *Client) ImportConnectionPoints(ctx context.Context, csv []byte) (ImportOutcome, error) {
	var out ImportOutcome
	err := c.upload(ctx, "/api/v1/connection-points/import", "text/csv", csv, &out)
	return out, err
}

// SBOMs lists the caller's organization's SBOMs.
func (c *Client) SBOMs(ctx context.Context) ([]relevance.SBOM, error) {
	var out struct {
		SBOMs []relevance.SBOM `json:"sboms"`
	}
	err := c.do(ctx, http.MethodGet, "/api/v1/sboms", nil, &out)
	return out.SBOMs, err
}

// RegisterSBOM registers an SBOM (CycloneDX or SPDX JSON) under name.
func (c *Client) RegisterSBOM(ctx context.Context, name string, doc []byte) (SBOMOutcome, error) {
	var out SBOMOutcome
	err := c.upload(ctx, "/api/v1/sboms?name="+url.QueryEscape(name), "application/json", doc, &out)
	return out, err
}

// DeleteSBOM removes an SBOM.
func (c *Client) DeleteSBOM(ctx context.Context, id string) error {
	return c.do(ctx, http.MethodDelete, "/api/v1/sboms/"+url.PathEscape(id), nil, nil)
}

// AffectingUs is what affects the caller's organization, most urgent
// first; all includes findings suppressed by VEX.
func (c *Client) AffectingUs(ctx context.Context, all bool) ([]vuln.Finding, error) {
	p := "/api/v1/vulnerabilities/affecting-us"
	if all {
		p += "?all=1"
	}
	var out struct {
		Findings []vuln.Finding `json:"findings"`
	}
	err := c.do(ctx, http.MethodGet, p, nil, &out)
	return out.Findings, err
}

// Publications lists vendors' publications; org "" lists every vendor's.
func (c *Client) Publications(ctx context.Context, org string) ([]relevance.Publication, error) {
	v := url.Values{}
	if org != "" {
		v.Set("org", org)
	}
	var out struct {
		Publications []relevance.Publication `json:"publications"`
	}
	err := c.do(ctx, http.MethodGet, withQuery("/api/v1/publications", v), nil, &out)
	return out.Publications, err
}

// Publish stores a vendor's publication for its product.
func (c *Client) Publish(ctx context.Context, r PublicationRequest) (relevance.Publication, error) {
	v := url.Values{"kind": {r.Kind}, "product": {r.Product}}
	for k, s := range map[string]string{"version": r.Version, "note": r.Note} {
		if s != "" {
			v.Set(k, s)
		}
	}
	if r.LabelLevel != 0 {
		v.Set("label_level", strconv.Itoa(r.LabelLevel))
	}
	var out struct {
		Publication relevance.Publication `json:"publication"`
	}
	err := c.upload(ctx, withQuery("/api/v1/publications", v), "application/json", r.Data, &out)
	return out.Publication, err
}

// Suppliers lists the supplier register; org "" lists every organization's
// the caller may see.
func (c *Client) Suppliers(ctx context.Context, org string) ([]relevance.Supplier, error) {
	v := url.Values{}
	if org != "" {
		v.Set("org", org)
	}
	var out struct {
		Suppliers []relevance.Supplier `json:"suppliers"`
	}
	err := c.do(ctx, http.MethodGet, withQuery("/api/v1/suppliers", v), nil, &out)
	return out.Suppliers, err
}

// AddSupplier registers a supplier.
func (c *Client) AddSupplier(ctx context.Context, r SupplierRequest) (relevance.Supplier, error) {
	var out struct {
		Supplier relevance.Supplier `json:"supplier"`
	}
	err := c.do(ctx, http.MethodPost, "/api/v1/suppliers", r, &out)
	return out.Supplier, err
}

// RemoveSupplier removes a supplier.
func (c *Client) RemoveSupplier(ctx context.Context, id string) error {
	return c.do(ctx, http.MethodDelete, "/api/v1/suppliers/"+url.PathEscape(id), nil, nil)
}

// Exposure reads who is exposed to a vulnerability (the center).
func (c *Client) Exposure(ctx context.Context, id string) (relevance.Exposure, error) {
	var out relevance.Exposure
	err := c.do(ctx, http.MethodGet, "/api/v1/exposure/"+url.PathEscape(id), nil, &out)
	return out, err
}

// Feeds lists the feeds the center reads.
func (c *Client) Feeds(ctx context.Context) ([]relevance.Feed, error) {
	var out struct {
		Feeds []relevance.Feed `json:"feeds"`
	}
	err := c.do(ctx, http.MethodGet, "/api/v1/feeds", nil, &out)
	return out.Feeds, err
}

// AddFeed adds a feed (the center's analysts and administrators).
func (c *Client) AddFeed(ctx context.Context, r FeedRequest) (relevance.Feed, error) {
	var out relevance.Feed
	err := c.do(ctx, http.MethodPost, "/api/v1/feeds", r, &out)
	return out, err
}
