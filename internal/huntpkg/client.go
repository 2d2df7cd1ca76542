package huntpkg

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// Client talks to a hub's hunting API on behalf of a member.
type Client struct {
	Hub   string // base URL, e.g. https://hub.example.jp
	Token string
	HTTP  *http.Client // nil: a client with a 60 s timeout
}

// APIError is an error answer of the hub.
type APIError struct {
	Status      int
	Title       string
	Description string
	NotLoaded   []struct {
		File   string `json:"file"`
		Line   int    `json:"line"`
		RuleID string `json:"rule_id"`
		Reason string `json:"reason"`
	}
}

func (e *APIError) Error() string {
	s := fmt.Sprintf("hub answered %d %s: %s", e.Status, e.Title, e.Description)
	return s
}

func (c *Client) do(ctx context.Context, method, path string, in, out any) error {
	base := strings.TrimRight(c.Hub, "/")
	if _, err := url.Parse(base); err != nil || base == "" {
		return fmt.Errorf("hub URL %q: give the hub's base URL, e.g. https://hub.example.jp", c.Hub)
	}
	var body io.Reader
	if in != nil {
		b, err := json.Marshal(in)
		if err != nil {
			return err
		}
		body = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, base+path, body)
	if err != nil {
		return err
	}
	req.Header.Set("Authorization", "Bearer "+c.Token)
	req.Header.Set("Accept", "application/json")
	if in != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	hc := c.HTTP
	if hc == nil {
		hc = &http.Client{Timeout: 60 * time.Second}
	}
	resp, err := hc.Do(req)
	if err != nil {
		return fmt.Errorf("%s %s: %w", method, path, err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, 256<<20))
	if err != nil {
		return fmt.Errorf("%s %s: read answer: %w", method, path, err)
	}
	if resp.StatusCode/100 != 2 {
		ae := &APIError{Status: resp.StatusCode}
		var e struct {
			Title       string `json:"title"`
			Description string `json:"description"`
		}
		if json.Unmarshal(data, &e) == nil && e.Title != "" {
			ae.Title, ae.Description = e.Title, e.Description
			json.Unmarshal(data, ae)
		} else {
			ae.Title, ae.Description = resp.Status, strings.TrimSpace(string(data))
		}
		return ae
	}
	if out != nil {
		if err := json.Unmarshal(data, out); err != nil {
			return fmt.Errorf("%s %s: answer is not the expected JSON: %w", method, path, err)
		}
	}
	return nil
}

// VerifierKey fetches the hub's package-signing verifier key.
func (c *Client) VerifierKey(ctx context.Context) (string, error) {
	var out struct {
		VerifierKey string `json:"verifier_key"`
	}
	if err := c.do(ctx, http.MethodGet, "/api/v1/hunting/key", nil, &out); err != nil {
		return "", err
	}
	return out.VerifierKey, nil
}

// Fetch downloads a package and verifies its signature against key (when
// empty, the key the hub publishes). Only the signed text is trusted; the
// rest of the answer is ignored.
func (c *Client) Fetch(ctx context.Context, id, key string) (*Package, error) {
	if key == "" {
		var err error
		if key, err = c.VerifierKey(ctx); err != nil {
			return nil, fmt.Errorf("hub key: %w", err)
		}
	}
	var out struct {
		Signed string `json:"signed_note"`
	}
	if err := c.do(ctx, http.MethodGet, "/api/v1/hunting/packages/"+url.PathEscape(id), nil, &out); err != nil {
		return nil, err
	}
	p, err := Verify([]byte(out.Signed), key)
	if err != nil {
		return nil, fmt.Errorf("package %s: %w", id, err)
	}
	if p.ID != id {
		return nil, fmt.Errorf("package %s: the hub sent package %s instead", id, p.ID)
	}
	return p, nil
}

// PublishInput is the body of a publish request.
type PublishInput struct {
	Title         string     `json:"title"`
	Description   string     `json:"description,omitempty"`
	TLP           string     `json:"tlp"`
	Scope         []string   `json:"scope"`
	Rules         []RuleFile `json:"rules"`
	Indicators    []string   `json:"indicators,omitempty"`
	AllowUnloaded bool       `json:"allow_unloaded,omitempty"`
}

// PublishResult is the hub's answer to a publish request.
type PublishResult struct {
	ID          string `json:"id"`
	RulesLoaded int    `json:"rules_loaded"`
	NotLoaded   []struct {
		File   string `json:"file"`
		Line   int    `json:"line"`
		RuleID string `json:"rule_id"`
		Reason string `json:"reason"`
	} `json:"not_loaded"`
	AlertedOrgs int `json:"alerted_orgs"`
}

// Publish sends a package to the hub.
func (c *Client) Publish(ctx context.Context, in PublishInput) (*PublishResult, error) {
	var out PublishResult
	if err := c.do(ctx, http.MethodPost, "/api/v1/hunting/packages", in, &out); err != nil {
		return nil, err
	}
	return &out, nil
}

// List returns the packages the token's organization may see.
func (c *Client) List(ctx context.Context) ([]Summary, error) {
	var out struct {
		Packages []Summary `json:"packages"`
	}
	if err := c.do(ctx, http.MethodGet, "/api/v1/hunting/packages", nil, &out); err != nil {
		return nil, err
	}
	return out.Packages, nil
}

// Report sends the outcome of a run.
func (c *Client) Report(ctx context.Context, id string, r ReportRequest) (*Run, error) {
	var out Run
	if err := c.do(ctx, http.MethodPost, "/api/v1/hunting/packages/"+url.PathEscape(id)+"/reports", r, &out); err != nil {
		return nil, err
	}
	return &out, nil
}

// Coverage fetches who ran a package (publisher and center).
func (c *Client) Coverage(ctx context.Context, id string) (*Coverage, error) {
	var out Coverage
	if err := c.do(ctx, http.MethodGet, "/api/v1/hunting/packages/"+url.PathEscape(id)+"/coverage", nil, &out); err != nil {
		return nil, err
	}
	return &out, nil
}
