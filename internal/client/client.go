// Package client is the typed client of Renkei's REST API (/api/v1): the
// CLI, members' hunting runs and the oversight committee's tools reach the
// hub through it, and tests call the API through it. The request and answer
// bodies are defined here once; internal/api writes and reads the same
// types, so that the two sides cannot drift apart.
//
// It only speaks HTTP: it decides nothing about access (the hub does) and
// keeps no state beyond the hub's URL and a token.
package client

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// Client talks to a hub's REST API with an API token.
type Client struct {
	Hub   string // base URL, e.g. https://hub.example.jp
	Token string
	HTTP  *http.Client // nil: a client with a one-minute timeout
}

// maxAnswer bounds an answer read into memory (a hunting package with its
// rules is the largest).
const maxAnswer = 256 << 20

// APIError is the hub's error answer: the problem body the API writes.
type APIError struct {
	Status      int    `json:"-"`
	Title       string `json:"title"`
	Description string `json:"description"`
	// NotLoaded lists the rules that did not load when a hunting package
	// was refused for them.
	NotLoaded []LoadError `json:"not_loaded,omitempty"`
}

func (e *APIError) Error() string {
	if e.Description != "" {
		return fmt.Sprintf("hub answered %d %s: %s", e.Status, e.Title, e.Description)
	}
	return fmt.Sprintf("hub answered %d %s", e.Status, e.Title)
}

// do sends in (when not nil) as JSON and reads the answer into out (when
// not nil); an answer that is not 2xx is an *APIError.
func (c *Client) do(ctx context.Context, method, path string, in, out any) error {
	data, err := c.send(ctx, method, path, in)
	if err != nil {
		return err
	}
	if out != nil {
		if err := json.Unmarshal(data, out); err != nil {
			return fmt.Errorf("%s %s: the hub's answer is not the expected JSON: %w", method, path, err)
		}
	}
	return nil
}

// send sends in (when not nil) as JSON and returns the body of a 2xx
// answer; any other answer is an *APIError.
func (c *Client) send(ctx context.Context, method, path string, in any) ([]byte, error) {
	if c.Hub == "" || c.Token == "" {
		return nil, errors.New("the hub URL and an API token are required")
	}
	base, err := url.Parse(strings.TrimRight(c.Hub, "/"))
	if err != nil || (base.Scheme != "https" && base.Scheme != "http") || base.Host == "" {
		return nil, fmt.Errorf("hub URL %q: give the hub's base URL, e.g. https://hub.example.jp", c.Hub)
	}
	var body io.Reader
	if in != nil {
		b, err := json.Marshal(in)
		if err != nil {
			return nil, err
		}
		body = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, base.String()+path, body)
	if err != nil {
		return nil, err
	}
	req.Header.Set("Authorization", "Bearer "+c.Token)
	req.Header.Set("Accept", "application/json")
	if in != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	hc := c.HTTP
	if hc == nil {
		hc = &http.Client{Timeout: time.Minute}
	}
	resp, err := hc.Do(req)
	if err != nil {
		return nil, fmt.Errorf("%s %s: %w", method, path, err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, maxAnswer))
	if err != nil {
		return nil, fmt.Errorf("%s %s: read answer: %w", method, path, err)
	}
	if resp.StatusCode/100 != 2 {
		ae := &APIError{Status: resp.StatusCode}
		if json.Unmarshal(data, ae) != nil || ae.Title == "" {
			ae.Title = http.StatusText(resp.StatusCode)
			ae.Description = strings.TrimSpace(string(data[:min(len(data), 300)]))
		}
		return nil, ae
	}
	return data, nil
}
