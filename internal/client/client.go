// Package client is the typed client of Renkei's REST API (/api/v1) and of
// the TAXII 2.1 reads and writes members make: the CLI, members' hunting
// runs, sweeps, the benchmarks and the oversight committee's tools reach the
// hub through it, and tests call the API through it. The request and answer
// bodies are defined here once; internal/api writes and reads the same
// types, so that the two sides cannot drift apart.
//
// A refusal comes back as an *APIError: a refusal of the internal/problem
// kind its status names (errors.Is(err, problem.ErrForbidden)), titled and
// described as the hub said, with the hub's list of problems.
//
// It only speaks HTTP: it decides nothing about access (the hub does) and
// keeps no state beyond the hub's URL, a token and the HTTP client.
package client

import (
	"bytes"
	"context"
	"crypto/tls"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"renkei/internal/problem"
)

// Client talks to a hub's REST API with an API token, and to its TAXII 2.1
// API root (any TAXII 2.1 server's, for the TAXII methods, which may go
// without a token).
type Client struct {
	Hub   string // base URL, e.g. https://hub.example.jp
	Token string
	HTTP  *http.Client // nil: a client with a one-minute timeout
	// Certificate, instead of a Token, is the client certificate a machine
	// client presents over mutual TLS (registered to its account with
	// renkei cert add). With HTTP nil, a client presenting it is made; a
	// given HTTP client must present it itself.
	Certificate *tls.Certificate
	// APIRoot is the TAXII API root URL; empty asks the server's discovery
	// (its default, or its first root), falling back to Hub/taxii2/api/.
	APIRoot string
}

// maxAnswer bounds an answer read into memory (a hunting package with its
// rules, a page of objects are the largest).
const maxAnswer = 256 << 20

// Problem is the body of every refusal the REST API and TAXII answer with
// (problem.Body: a stable title, a sentence for people, the status, and for
// a request refused for what it asked the problems one by one), and what a
// refused hunting package adds.
type Problem struct {
	problem.Body
	// NotLoaded lists the rules that did not load when a hunting package
	// was refused for them.
	NotLoaded []LoadError `json:"not_loaded,omitempty"`
}

// APIError is the hub's refusal: its status and the problem body it wrote.
// It is a refusal of the problem kind the status names, so callers test it
// with errors.Is(err, problem.ErrNotFound) and friends; problem.Title gives
// the hub's title and errors.As(err, &problem.Problems{}) its fields.
type APIError struct {
	Status int
	Body   Problem
}

func (e *APIError) Error() string {
	if e.Body.Description != "" {
		return fmt.Sprintf("hub answered %d %s: %s", e.Status, e.Body.Title, e.Body.Description)
	}
	return fmt.Sprintf("hub answered %d %s", e.Status, e.Body.Title)
}

// Title is the hub's short stable name of the refusal (problem.Titled).
func (e *APIError) Title() string { return e.Body.Title }

// Is makes errors.Is(err, kind) hold for the problem kind of the status.
func (e *APIError) Is(target error) bool { return target != nil && target == KindOf(e.Status) }

// Unwrap gives the hub's list of problems, when it sent one.
func (e *APIError) Unwrap() error {
	if len(e.Body.Fields) == 0 {
		return nil
	}
	return e.Body.Fields
}

// KindOf is the problem kind of an HTTP status, the inverse of the mapping
// in api/problems.go; nil for a status that is no refusal (a 500 is the
// hub's failure, not a refusal).
func KindOf(status int) error {
	switch status {
	case http.StatusBadRequest, http.StatusRequestEntityTooLarge, http.StatusUnsupportedMediaType,
		http.StatusNotAcceptable, http.StatusUnprocessableEntity:
		return problem.ErrInvalid
	case http.StatusUnauthorized, http.StatusForbidden:
		return problem.ErrForbidden
	case http.StatusNotFound:
		return problem.ErrNotFound
	case http.StatusConflict:
		return problem.ErrConflict
	case http.StatusServiceUnavailable, http.StatusBadGateway, http.StatusGatewayTimeout, http.StatusTooManyRequests:
		return problem.ErrUnavailable
	}
	return nil
}

// Media types sent as Accept and Content-Type.
const (
	mediaJSON  = "application/json"
	mediaTAXII = "application/taxii+json;version=2.1"
)

// do sends in (when not nil) as JSON to the REST API and reads the answer
// into out (when not nil); an answer that is not 2xx is an *APIError.
func (c *Client) do(ctx context.Context, method, path string, in, out any) error {
	data, err := c.send(ctx, method, path, in)
	if err != nil {
		return err
	}
	if out != nil {
		if err := decodeAnswer(data, out); err != nil {
			return fmt.Errorf("%s %s: the hub's answer is not the expected JSON: %w", method, path, err)
		}
	}
	return nil
}

// decodeAnswer reads the JSON body of a 2xx answer of the REST API or of
// TAXII into out. It is the one decoder of what a hub answers (fuzzed by
// FuzzDecodeAnswer; refusals are read by refusal, fuzzed by FuzzRefusal).
func decodeAnswer(data []byte, out any) error { return json.Unmarshal(data, out) }

// send sends in (when not nil) as JSON to the REST API and returns the body
// of a 2xx answer; any other answer is an *APIError.
func (c *Client) send(ctx context.Context, method, path string, in any) ([]byte, error) {
	if c.Hub == "" || (c.Token == "" && c.Certificate == nil) {
		return nil, errors.New("the hub URL and an API token (or a client certificate) are required")
	}
	base, err := c.base()
	if err != nil {
		return nil, err
	}
	var body []byte
	if in != nil {
		if body, err = json.Marshal(in); err != nil {
			return nil, err
		}
	}
	return c.exchange(ctx, method, base+path, mediaJSON, mediaJSON, body)
}

// upload sends body as it is, of contentType, to the REST API and reads
// the JSON answer into out: for documents the hub parses itself (an SBOM,
// a CSV of connection points, a vendor's publication).
func (c *Client) upload(ctx context.Context, path, contentType string, body []byte, out any) error {
	if c.Hub == "" || (c.Token == "" && c.Certificate == nil) {
		return errors.New("the hub URL and an API token (or a client certificate) are required")
	}
	base, err := c.base()
	if err != nil {
		return err
	}
	if body == nil {
		body = []byte{}
	}
	data, err := c.exchange(ctx, http.MethodPost, base+path, mediaJSON, contentType, body)
	if err != nil {
		return err
	}
	if err := decodeAnswer(data, out); err != nil {
		return fmt.Errorf("POST %s: the hub's answer is not the expected JSON: %w", path, err)
	}
	return nil
}

// base is the hub's base URL without its trailing slash.
func (c *Client) base() (string, error) {
	base, err := url.Parse(strings.TrimRight(c.Hub, "/"))
	if err != nil || (base.Scheme != "https" && base.Scheme != "http") || base.Host == "" {
		return "", fmt.Errorf("hub URL %q: give the hub's base URL, e.g. https://hub.example.jp", c.Hub)
	}
	return base.String(), nil
}

// exchange sends body (when not nil) as contentType to target, asking for
// accept, and returns the body of a 2xx answer; any other answer is an
// *APIError.
func (c *Client) exchange(ctx context.Context, method, target, accept, contentType string, body []byte) ([]byte, error) {
	resp, err := c.open(ctx, method, target, accept, contentType, body)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, maxAnswer))
	if err != nil {
		return nil, fmt.Errorf("%s %s: read answer: %w", method, target, err)
	}
	return data, nil
}

// open sends body (when not nil) as contentType to target, asking for
// accept, and returns a 2xx answer, whose body the caller reads and closes; any other answer is read
// and returned as an *APIError. Connections are those of c.HTTP, kept alive
// between calls.
func (c *Client) open(ctx context.Context, method, target, accept, contentType string, body []byte) (*http.Response, error) {
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	req, err := http.NewRequestWithContext(ctx, method, target, rd)
	if err != nil {
		return nil, err
	}
	req.Header.Set("Accept", accept)
	if body != nil {
		req.Header.Set("Content-Type", contentType)
	}
	if c.Token != "" {
		req.Header.Set("Authorization", "Bearer "+c.Token)
	}
	resp, err := c.httpClient().Do(req)
	if err != nil {
		return nil, fmt.Errorf("%s %s: %w", method, target, err)
	}
	if resp.StatusCode/100 == 2 {
		return resp, nil
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		return nil, fmt.Errorf("%s %s: %s, and its body could not be read: %w", method, target, resp.Status, err)
	}
	return nil, refusal(resp.StatusCode, data)
}

// refusal reads the problem body of an answer with status; a body that is
// not one (a proxy's page) is kept as the description, shortened, under the
// status's title.
func refusal(status int, data []byte) *APIError {
	ae := &APIError{Status: status}
	if json.Unmarshal(data, &ae.Body) != nil || ae.Body.Title == "" {
		ae.Body = Problem{Body: problem.Body{Title: statusTitle(status), Description: strings.TrimSpace(string(data[:min(len(data), 300)]))}}
	}
	return ae
}

// statusTitle is the title of a refusal without a problem body: the
// status's text, or "HTTP 306" for a status without one.
func statusTitle(status int) string {
	if t := http.StatusText(status); t != "" {
		return t
	}
	return "HTTP " + strconv.Itoa(status)
}

func (c *Client) httpClient() *http.Client {
	if c.HTTP != nil {
		return c.HTTP
	}
	if c.Certificate != nil {
		c.HTTP = &http.Client{Timeout: time.Minute, Transport: &http.Transport{TLSClientConfig: &tls.Config{Certificates: []tls.Certificate{*c.Certificate}}}}
		return c.HTTP
	}
	return defaultHTTP
}

// defaultHTTP is shared so that calls without an HTTP client of their own
// still reuse connections.
var defaultHTTP = &http.Client{Timeout: time.Minute}
