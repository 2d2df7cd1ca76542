package relevance

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"

	"renkei/internal/problem"
	"renkei/internal/store"
	"renkei/internal/vuln/advisory"
)

// Feed is an advisory source the server fetches on a schedule.
type Feed struct {
	ID           int64         `json:"id"`
	URL          string        `json:"url"`
	Format       string        `json:"format,omitempty"` // expected format; "" accepts any
	Interval     time.Duration `json:"interval"`
	ETag         string        `json:"etag,omitempty"`
	LastModified string        `json:"last_modified,omitempty"`
	LastFetch    time.Time     `json:"last_fetch,omitzero"`
	LastSuccess  time.Time     `json:"last_success,omitzero"`
	LastError    string        `json:"last_error,omitempty"`
	Records      int64         `json:"records"`
	Created      time.Time     `json:"created"`
}

// FeedFormats are the formats a feed may be declared as (package advisory's names).
var FeedFormats = []advisory.Format{advisory.FormatOSV, advisory.FormatKEV, advisory.FormatCSAF, advisory.FormatOpenVEX,
	advisory.FormatCycloneDXVEX, advisory.FormatEPSS, advisory.FormatJVNVULDEF, advisory.FormatJVNRSS}

// ParseFeedFormat accepts a format by its name or a short form (osv, kev,
// csaf, openvex, cyclonedx-vex, epss, jvn-vuldef, jvnrss); "" is any.
func ParseFeedFormat(s string) (string, error) {
	short := map[string]advisory.Format{"osv": advisory.FormatOSV, "kev": advisory.FormatKEV, "csaf": advisory.FormatCSAF, "openvex": advisory.FormatOpenVEX,
		"cyclonedx-vex": advisory.FormatCycloneDXVEX, "epss": advisory.FormatEPSS, "jvn-vuldef": advisory.FormatJVNVULDEF, "jvnrss": advisory.FormatJVNRSS}
	if s == "" {
		return "", nil
	}
	if f, ok := short[strings.ToLower(s)]; ok {
		return string(f), nil
	}
	for _, f := range FeedFormats {
		if strings.EqualFold(string(f), s) {
			return string(f), nil
		}
	}
	return "", fmt.Errorf("format %q is not one of osv, kev, csaf, openvex, cyclonedx-vex, epss, jvn-vuldef, jvnrss", s)
}

// MinFeedInterval is the shortest schedule accepted: feeds are catalogs
// that change a few times a day, and their publishers ask to be polled gently.
const MinFeedInterval = 5 * time.Minute

// AddFeed configures a feed.
func (s *Service) AddFeed(ctx context.Context, rawURL, format string, interval time.Duration) (Feed, error) {
	u, err := url.Parse(rawURL)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		return Feed{}, problem.Field("url", "%q is not an http(s) URL", rawURL)
	}
	f, err := ParseFeedFormat(format)
	if err != nil {
		return Feed{}, problem.Field("format", "%s", err.Error())
	}
	if interval == 0 {
		interval = 6 * time.Hour
	}
	if interval < MinFeedInterval {
		return Feed{}, problem.Field("interval", "%s is shorter than %s", interval, MinFeedInterval)
	}
	fd := Feed{URL: u.String(), Format: f, Interval: interval, Created: s.now()}
	err = s.DB.QueryRow(ctx, "INSERT INTO vuln_feeds(url, format, interval_s, created_at) VALUES(?, ?, ?, ?) RETURNING id",
		fd.URL, fd.Format, int64(interval/time.Second), store.Micros(fd.Created)).Scan(&fd.ID)
	if err != nil {
		return fd, fmt.Errorf("add feed %s: %w", fd.URL, err)
	}
	return fd, nil
}

// Feeds lists the configured feeds.
func (s *Service) Feeds(ctx context.Context) ([]Feed, error) {
	rows, err := s.DB.Query(ctx, "SELECT id, url, format, interval_s, etag, last_modified, last_fetch, last_success, last_error, records, created_at FROM vuln_feeds ORDER BY id")
	if err != nil {
		return nil, fmt.Errorf("list feeds: %w", err)
	}
	defer rows.Close()
	var out []Feed
	for rows.Next() {
		var f Feed
		var iv, lf, ls, c int64
		if err := rows.Scan(&f.ID, &f.URL, &f.Format, &iv, &f.ETag, &f.LastModified, &lf, &ls, &f.LastError, &f.Records, &c); err != nil {
			return nil, err
		}
		f.Interval, f.LastFetch, f.LastSuccess, f.Created = time.Duration(iv)*time.Second, store.FromMicros(lf), store.FromMicros(ls), store.FromMicros(c)
		out = append(out, f)
	}
	return out, rows.Err()
}

// DeleteFeed removes a feed; the documents it brought stay.
func (s *Service) DeleteFeed(ctx context.Context, id int64) error {
	res, err := s.DB.Exec(ctx, "DELETE FROM vuln_feeds WHERE id = ?", id)
	if err != nil {
		return fmt.Errorf("delete feed %d: %w", id, err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return fmt.Errorf("feed %d: %w", id, store.ErrNotFound)
	}
	return nil
}

// FetchDue fetches every feed whose time has come and returns how many were fetched.
func (s *Service) FetchDue(ctx context.Context) (int, error) {
	fs, err := s.Feeds(ctx)
	if err != nil {
		return 0, err
	}
	now := s.now()
	n := 0
	for _, f := range fs {
		if !f.LastFetch.IsZero() && now.Sub(f.LastFetch) < f.Interval {
			continue
		}
		n++
		if err := s.Fetch(ctx, f); err != nil && ctx.Err() == nil {
			s.Log.Warn("feed fetch failed", "source", f.URL, "err", err)
		}
	}
	return n, nil
}

// Fetch fetches one feed with a conditional GET (If-None-Match with the
// ETag, If-Modified-Since with Last-Modified), bounded by MaxFeedBytes,
// imports what changed, and records the outcome on the feed.
func (s *Service) Fetch(ctx context.Context, f Feed) error {
	start := s.now()
	etag, lastMod, records, ferr := s.fetch(ctx, f)
	if ferr != nil {
		_, err := s.DB.Exec(ctx, "UPDATE vuln_feeds SET last_fetch = ?, last_error = ? WHERE id = ?", store.Micros(start), ferr.Error(), f.ID)
		return errors.Join(ferr, err)
	}
	if records < 0 { // not modified
		records = f.Records
	}
	_, err := s.DB.Exec(ctx, "UPDATE vuln_feeds SET last_fetch = ?, last_success = ?, last_error = '', etag = ?, last_modified = ?, records = ? WHERE id = ?",
		store.Micros(start), store.Micros(start), etag, lastMod, records, f.ID)
	return err
}

func (s *Service) fetch(ctx context.Context, f Feed) (etag, lastMod string, records int64, err error) {
	ctx, cancel := context.WithTimeout(ctx, 5*time.Minute)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, f.URL, nil)
	if err != nil {
		return "", "", 0, err
	}
	req.Header.Set("User-Agent", "Renkei-Feeds/1")
	if f.ETag != "" {
		req.Header.Set("If-None-Match", f.ETag)
	}
	if f.LastModified != "" {
		req.Header.Set("If-Modified-Since", f.LastModified)
	}
	client := s.Client
	if client == nil {
		client = &http.Client{Timeout: 5 * time.Minute}
	}
	resp, err := client.Do(req)
	if err != nil {
		return "", "", 0, fmt.Errorf("fetch %s: %w", f.URL, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode == http.StatusNotModified {
		return f.ETag, f.LastModified, -1, nil
	}
	if resp.StatusCode != http.StatusOK {
		return "", "", 0, fmt.Errorf("fetch %s: the server answered %s", f.URL, resp.Status)
	}
	data, err := io.ReadAll(io.LimitReader(resp.Body, s.maxBytes()+1))
	if err != nil {
		return "", "", 0, fmt.Errorf("fetch %s: %w", f.URL, err)
	}
	if int64(len(data)) > s.maxBytes() {
		return "", "", 0, fmt.Errorf("fetch %s: more than %d bytes; raise the limit if the feed is really this large", f.URL, s.maxBytes())
	}
	res, err := s.ImportDocuments(ctx, []Input{{Source: f.URL, Data: data}})
	if err != nil {
		return "", "", 0, err
	}
	d := res.Documents[0]
	if d.Error != "" {
		return "", "", 0, errors.New(d.Error)
	}
	if f.Format != "" && !d.Unchanged && d.Format != f.Format {
		s.Log.Warn("feed format differs from the configured one", "source", f.URL, "configured", f.Format, "got", d.Format)
	}
	records = int64(d.Records)
	if d.Unchanged {
		records = f.Records
	}
	return resp.Header.Get("ETag"), resp.Header.Get("Last-Modified"), records, nil
}

// Run loads the engine, then fetches due feeds every minute until ctx
// ends, and picks up other nodes' changes every RefreshEvery. The server
// starts it once.
func (s *Service) Run(ctx context.Context) {
	if err := s.ensure(ctx); err != nil && ctx.Err() == nil {
		s.Log.Error("load vulnerability relevance", "err", err)
	}
	every := s.RefreshEvery
	if every == 0 && s.DB.Postgres() {
		every = 5 * time.Minute
	}
	lastRefresh := time.Now()
	t := time.NewTicker(time.Minute)
	defer t.Stop()
	for {
		if _, err := s.FetchDue(ctx); err != nil && ctx.Err() == nil {
			s.Log.Error("fetch feeds", "err", err)
		}
		if every > 0 && time.Since(lastRefresh) >= every {
			lastRefresh = time.Now()
			if _, err := s.Refresh(ctx); err != nil && ctx.Err() == nil {
				s.Log.Error("refresh vulnerability relevance", "err", err)
			}
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}
