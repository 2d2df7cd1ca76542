package client

import (
	"context"
	"fmt"
	"net/http"
	"net/url"

	"renkei/internal/huntpkg"
)

// LoadError is a rule of a hunting package that did not load.
type LoadError struct {
	File   string `json:"file"`
	Line   int    `json:"line,omitempty"`
	RuleID string `json:"rule_id,omitempty"`
	Reason string `json:"reason"`
}

// PublishRequest is the body of a request to publish a hunting package.
type PublishRequest struct {
	Title         string             `json:"title"`
	Description   string             `json:"description,omitempty"`
	TLP           string             `json:"tlp"`
	Scope         []string           `json:"scope"`
	Rules         []huntpkg.RuleFile `json:"rules"`
	Indicators    []string           `json:"indicators,omitempty"`
	AllowUnloaded bool               `json:"allow_unloaded,omitempty"`
}

// PublishResult is the hub's answer to a publish request.
type PublishResult struct {
	ID          string           `json:"id"`
	Package     *huntpkg.Package `json:"package"`
	Signed      string           `json:"signed_note"`
	RulesLoaded int              `json:"rules_loaded"`
	NotLoaded   []LoadError      `json:"not_loaded"`
	AlertedOrgs int              `json:"alerted_orgs"`
}

// HuntingPackage is the answer to a request for one hunting package: the
// package and the hub's signed note, the only part a member trusts.
type HuntingPackage struct {
	Package *huntpkg.Package `json:"package"`
	Signed  string           `json:"signed_note"`
}

// HuntingKeyInfo is the hub's package-signing key as the API gives it.
type HuntingKeyInfo struct {
	KeyName     string `json:"key_name"`
	VerifierKey string `json:"verifier_key"`
	Format      string `json:"format"`    // huntpkg.FormatVersion
	Signature   string `json:"signature"` // what is signed, and how
}

// HuntingKey fetches the hub's package-signing verifier key.
func (c *Client) HuntingKey(ctx context.Context) (string, error) {
	var out HuntingKeyInfo
	if err := c.do(ctx, http.MethodGet, "/api/v1/hunting/key", nil, &out); err != nil {
		return "", err
	}
	return out.VerifierKey, nil
}

// FetchPackage downloads a hunting package and verifies its signature
// against key (when empty, the key the hub publishes). Only the signed text
// is trusted; the rest of the answer is ignored.
func (c *Client) FetchPackage(ctx context.Context, id, key string) (*huntpkg.Package, error) {
	if key == "" {
		var err error
		if key, err = c.HuntingKey(ctx); err != nil {
			return nil, fmt.Errorf("hub key: %w", err)
		}
	}
	var out HuntingPackage
	if err := c.do(ctx, http.MethodGet, "/api/v1/hunting/packages/"+url.PathEscape(id), nil, &out); err != nil {
		return nil, err
	}
	p, err := huntpkg.Verify([]byte(out.Signed), key)
	if err != nil {
		return nil, fmt.Errorf("package %s: %w", id, err)
	}
	if p.ID != id {
		return nil, fmt.Errorf("package %s: the hub sent package %s instead", id, p.ID)
	}
	return p, nil
}

// PublishPackage sends a hunting package to the hub.
func (c *Client) PublishPackage(ctx context.Context, in PublishRequest) (*PublishResult, error) {
	var out PublishResult
	if err := c.do(ctx, http.MethodPost, "/api/v1/hunting/packages", in, &out); err != nil {
		return nil, err
	}
	return &out, nil
}

// HuntingPackages returns the packages the token's organization may see.
func (c *Client) HuntingPackages(ctx context.Context) ([]huntpkg.Summary, error) {
	var out struct {
		Packages []huntpkg.Summary `json:"packages"`
	}
	if err := c.do(ctx, http.MethodGet, "/api/v1/hunting/packages", nil, &out); err != nil {
		return nil, err
	}
	return out.Packages, nil
}

// ReportRun sends the outcome of a run of a package.
func (c *Client) ReportRun(ctx context.Context, id string, r huntpkg.ReportRequest) (*huntpkg.Run, error) {
	var out huntpkg.Run
	if err := c.do(ctx, http.MethodPost, "/api/v1/hunting/packages/"+url.PathEscape(id)+"/reports", r, &out); err != nil {
		return nil, err
	}
	return &out, nil
}

// Coverage fetches who ran a package (for its publisher and the center).
func (c *Client) Coverage(ctx context.Context, id string) (*huntpkg.Coverage, error) {
	var out huntpkg.Coverage
	if err := c.do(ctx, http.MethodGet, "/api/v1/hunting/packages/"+url.PathEscape(id)+"/coverage", nil, &out); err != nil {
		return nil, err
	}
	return &out, nil
}

// PackageNote fetches a hunting package as the hub's signed note, the text
// huntpkg.Verify checks.
func (c *Client) PackageNote(ctx context.Context, id string) ([]byte, error) {
	return c.send(ctx, http.MethodGet, "/api/v1/hunting/packages/"+url.PathEscape(id)+"?format=note", nil)
}

// Findings returns the reports of a package's runs that the token's
// organization may see (all of them for the publisher and the center, its
// own for a member), with matches where the package's TLP allows.
func (c *Client) Findings(ctx context.Context, id string) ([]huntpkg.Run, error) {
	var out struct {
		Runs []huntpkg.Run `json:"runs"`
	}
	err := c.do(ctx, http.MethodGet, "/api/v1/hunting/packages/"+url.PathEscape(id)+"/findings", nil, &out)
	return out.Runs, err
}
