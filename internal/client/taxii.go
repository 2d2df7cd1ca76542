package client

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// The TAXII 2.1 resources members read and write (OASIS TAXII 2.1, section
// 4): discovery, collections, envelopes of objects, manifests and the status
// of a post. internal/taxii writes the same types.

// Discovery is the server's discovery resource (section 4.1).
type Discovery struct {
	Title       string   `json:"title"`
	Description string   `json:"description,omitempty"`
	Default     string   `json:"default,omitempty"`
	APIRoots    []string `json:"api_roots"`
}

// APIRootInfo is an API root's information resource (section 4.2).
type APIRootInfo struct {
	Title            string   `json:"title"`
	Description      string   `json:"description,omitempty"`
	Versions         []string `json:"versions"`
	MaxContentLength int64    `json:"max_content_length"`
}

// Collection is a collection resource (section 5.2).
type Collection struct {
	ID          string   `json:"id"`
	Title       string   `json:"title"`
	Description string   `json:"description,omitempty"`
	CanRead     bool     `json:"can_read"`
	CanWrite    bool     `json:"can_write"`
	MediaTypes  []string `json:"media_types"`
}

// Envelope is one page of objects (section 3.7).
type Envelope struct {
	More    bool              `json:"more"`
	Next    string            `json:"next,omitempty"`
	Objects []json.RawMessage `json:"objects,omitempty"`
}

// ManifestRecord is one object of a manifest (section 5.4).
type ManifestRecord struct {
	ID        string `json:"id"`
	DateAdded string `json:"date_added"`
	Version   string `json:"version"`
	MediaType string `json:"media_type"`
}

// Manifest is one page of a collection's manifest.
type Manifest struct {
	More    bool             `json:"more"`
	Next    string           `json:"next,omitempty"`
	Objects []ManifestRecord `json:"objects,omitempty"`
}

// StatusDetail is one object of a status resource.
type StatusDetail struct {
	ID      string `json:"id"`
	Version string `json:"version"`
	Message string `json:"message,omitempty"`
}

// Status is the status resource of a post of objects (section 4.3).
type Status struct {
	ID               string         `json:"id"`
	Status           string         `json:"status"`
	RequestTimestamp string         `json:"request_timestamp,omitempty"`
	TotalCount       int            `json:"total_count"`
	SuccessCount     int            `json:"success_count"`
	FailureCount     int            `json:"failure_count"`
	PendingCount     int            `json:"pending_count"`
	Successes        []StatusDetail `json:"successes,omitempty"`
	Failures         []StatusDetail `json:"failures,omitempty"`
	Pendings         []StatusDetail `json:"pendings,omitempty"`
}

// Query filters and pages a listing of objects or of a manifest; the zero
// Query asks for the server's first page of everything.
type Query struct {
	Types      []string  // match[type]
	IDs        []string  // match[id]
	AddedAfter time.Time // added_after
	Limit      int       // 0: the server's default
	Next       string    // the next value of the page before
}

// appendTo appends q to b as a query string led by '?', nothing for the
// zero Query. A page request then costs one allocation for its URL, as a
// URL written by hand would.
func (q Query) appendTo(b []byte) []byte {
	sep := byte('?')
	add := func(k, v string) {
		b = append(b, sep)
		sep = '&'
		b = append(b, k...)
		b = append(b, '=')
		b = append(b, url.QueryEscape(v)...)
	}
	if q.Limit > 0 {
		b = append(b, sep)
		sep = '&'
		b = append(b, "limit="...)
		b = strconv.AppendInt(b, int64(q.Limit), 10)
	}
	if len(q.Types) > 0 {
		add("match%5Btype%5D", strings.Join(q.Types, ","))
	}
	if len(q.IDs) > 0 {
		add("match%5Bid%5D", strings.Join(q.IDs, ","))
	}
	if !q.AddedAfter.IsZero() {
		add("added_after", q.AddedAfter.UTC().Format("2006-01-02T15:04:05.000000Z"))
	}
	if q.Next != "" {
		add("next", q.Next)
	}
	return b
}

// taxii sends a TAXII request to target and reads the answer into out.
func (c *Client) taxii(ctx context.Context, method, target string, in, out any) error {
	var body []byte
	if in != nil {
		var err error
		if body, err = json.Marshal(in); err != nil {
			return err
		}
	}
	data, err := c.exchange(ctx, method, target, mediaTAXII, mediaTAXII, body)
	if err != nil {
		return err
	}
	if err := decodeAnswer(data, out); err != nil {
		return fmt.Errorf("%s %s: not a TAXII resource: %w", method, target, err)
	}
	return nil
}

// Discovery reads the server's discovery resource at Hub/taxii2/.
func (c *Client) Discovery(ctx context.Context) (Discovery, error) {
	var d Discovery
	base, err := c.base()
	if err != nil {
		return d, err
	}
	err = c.taxii(ctx, http.MethodGet, base+"/taxii2/", nil, &d)
	return d, err
}

// root finds the API root URL, ending in '/': APIRoot when set, else the
// discovery's default (or first) root, else Hub/taxii2/api/.
func (c *Client) root(ctx context.Context) (string, error) {
	if c.APIRoot != "" {
		return strings.TrimSuffix(c.APIRoot, "/") + "/", nil
	}
	base, err := c.base()
	if err != nil {
		return "", err
	}
	if d, err := c.Discovery(ctx); err == nil {
		root := d.Default
		if root == "" && len(d.APIRoots) > 0 {
			root = d.APIRoots[0]
		}
		if ref, err := url.Parse(root); err == nil && root != "" {
			b, _ := url.Parse(base + "/taxii2/")
			return strings.TrimSuffix(b.ResolveReference(ref).String(), "/") + "/", nil
		}
	}
	return base + "/taxii2/api/", nil
}

// APIRootInfo reads the API root's information resource.
func (c *Client) APIRootInfo(ctx context.Context) (APIRootInfo, error) {
	var info APIRootInfo
	root, err := c.root(ctx)
	if err != nil {
		return info, err
	}
	err = c.taxii(ctx, http.MethodGet, root, nil, &info)
	return info, err
}

// Collections lists the collections of the API root the caller may read or
// write.
func (c *Client) Collections(ctx context.Context) ([]Collection, error) {
	root, err := c.root(ctx)
	if err != nil {
		return nil, err
	}
	var out struct {
		Collections []Collection `json:"collections"`
	}
	err = c.taxii(ctx, http.MethodGet, root+"collections/", nil, &out)
	return out.Collections, err
}

// CollectionRef is one collection of the API root, found once (the API
// root asked of discovery at most once), read and written through the
// client it came from.
type CollectionRef struct {
	c   *Client
	ID  string
	url string // …/collections/ID/
}

// Collection finds the API root and returns the collection id there; it
// does not ask the server whether the collection exists.
func (c *Client) Collection(ctx context.Context, id string) (*CollectionRef, error) {
	if id == "" {
		return nil, fmt.Errorf("no collection given")
	}
	root, err := c.root(ctx)
	if err != nil {
		return nil, err
	}
	return &CollectionRef{c: c, ID: id, url: root + "collections/" + url.PathEscape(id) + "/"}, nil
}

func (r *CollectionRef) target(resource string, q Query) string {
	var buf [256]byte
	b := append(append(buf[:0], r.url...), resource...)
	return string(q.appendTo(b))
}

// Info reads the collection resource.
func (r *CollectionRef) Info(ctx context.Context) (Collection, error) {
	var col Collection
	err := r.c.taxii(ctx, http.MethodGet, r.url, nil, &col)
	return col, err
}

// Objects reads one page of the collection's objects.
func (r *CollectionRef) Objects(ctx context.Context, q Query) (Envelope, error) {
	var env Envelope
	err := r.c.taxii(ctx, http.MethodGet, r.target("objects/", q), nil, &env)
	return env, err
}

// EachPage reads the collection's objects page after page from q, following
// more and next, and calls fn with each page (numbered from 1) until the
// last or until fn fails.
func (r *CollectionRef) EachPage(ctx context.Context, q Query, fn func(page int, env Envelope) error) error {
	for page := 1; ; page++ {
		env, err := r.Objects(ctx, q)
		if err != nil {
			return fmt.Errorf("page %d: %w", page, err)
		}
		if err := fn(page, env); err != nil {
			return err
		}
		if !env.More || env.Next == "" || env.Next == q.Next {
			return nil
		}
		q.Next = env.Next
	}
}

// CopyObjects copies one page of the collection's objects, as the server
// wrote it, to w, and returns how many bytes it copied: for a reader that
// does not decode (the benchmarks, an archive).
func (r *CollectionRef) CopyObjects(ctx context.Context, q Query, w io.Writer) (int64, error) {
	target := r.target("objects/", q)
	resp, err := r.c.open(ctx, http.MethodGet, target, mediaTAXII, mediaTAXII, nil)
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	n, err := io.Copy(w, resp.Body)
	if err != nil {
		return n, fmt.Errorf("GET %s: read answer: %w", target, err)
	}
	return n, nil
}

// Manifest reads one page of the collection's manifest.
func (r *CollectionRef) Manifest(ctx context.Context, q Query) (Manifest, error) {
	var m Manifest
	err := r.c.taxii(ctx, http.MethodGet, r.target("manifest/", q), nil, &m)
	return m, err
}

// AddObjects posts objects (STIX objects, marshalled to JSON) in one
// envelope and returns the server's status.
func (r *CollectionRef) AddObjects(ctx context.Context, objects any) (Status, error) {
	var st Status
	err := r.c.taxii(ctx, http.MethodPost, r.url+"objects/", map[string]any{"objects": objects}, &st)
	return st, err
}

// Page is one page of a collection's objects with what its headers say:
// the dates added of its first and last objects (X-TAXII-Date-Added-First
// and -Last, section 3.4.3), by which a reader resumes later with
// added_after.
type Page struct {
	Envelope
	DateAddedFirst string
	DateAddedLast  string
}

// Page reads one page of the collection's objects with its date-added
// headers.
func (r *CollectionRef) Page(ctx context.Context, q Query) (Page, error) {
	var p Page
	target := r.target("objects/", q)
	resp, err := r.c.open(ctx, http.MethodGet, target, mediaTAXII, mediaTAXII, nil)
	if err != nil {
		return p, err
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, maxAnswer))
	if err != nil {
		return p, fmt.Errorf("GET %s: read answer: %w", target, err)
	}
	if err := decodeAnswer(data, &p.Envelope); err != nil {
		return p, fmt.Errorf("GET %s: not a TAXII envelope: %w", target, err)
	}
	p.DateAddedFirst = resp.Header.Get("X-TAXII-Date-Added-First")
	p.DateAddedLast = resp.Header.Get("X-TAXII-Date-Added-Last")
	return p, nil
}

// Status reads the status resource of an earlier post (section 4.3).
func (c *Client) Status(ctx context.Context, id string) (Status, error) {
	var st Status
	root, err := c.root(ctx)
	if err != nil {
		return st, err
	}
	err = c.taxii(ctx, http.MethodGet, root+"status/"+url.PathEscape(id)+"/", nil, &st)
	return st, err
}
