package relevance

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"renkei/internal/metrics"
	"renkei/internal/policy"
	"renkei/internal/problem"
	"renkei/internal/store"
	"renkei/internal/vuln/advisory"
)

// Feed is an advisory source the server fetches on a schedule.
type Feed = store.VulnFeed

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

// AddFeed configures a feed, for v, who must configure feeds (the center's
// analysts and administrators).
func (s *Service) AddFeed(ctx context.Context, v policy.Viewer, rawURL, format string, interval time.Duration) (Feed, error) {
	if !policy.MayConfigureFeeds(v) {
		return Feed{}, fmt.Errorf("%w: the center's analysts and administrators configure feeds", problem.ErrForbidden)
	}
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
	err = s.DB.AddVulnFeed(ctx, &fd)
	return fd, err
}

// Feeds lists the configured feeds, for v, who must see the exposure view
// (the center).
func (s *Service) Feeds(ctx context.Context, v policy.Viewer) ([]Feed, error) {
	if !policy.MayReadExposure(v) {
		return nil, fmt.Errorf("%w: the exposure view and feeds are the national center's", problem.ErrForbidden)
	}
	return s.DB.VulnFeeds(ctx)
}

// DeleteFeed removes a feed; the documents it brought stay.
func (s *Service) DeleteFeed(ctx context.Context, id int64) error {
	return s.DB.DeleteVulnFeed(ctx, id)
}

// FetchDue fetches every feed whose time has come and returns how many were fetched.
func (s *Service) FetchDue(ctx context.Context) (int, error) {
	fs, err := s.DB.VulnFeeds(ctx)
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
		return errors.Join(ferr, s.DB.VulnFeedFailed(ctx, f.ID, start, ferr.Error()))
	}
	if records < 0 { // not modified
		records = f.Records
	}
	return s.DB.VulnFeedFetched(ctx, f.ID, start, etag, lastMod, records)
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
// ends, and every RefreshEvery (DefaultRefreshEvery: 2 s) reads the store's
// change counter and rebuilds the engine when another process changed what
// it is built from (Refresh) — at once when a change is announced (Nudge).
// The server starts it once.
func (s *Service) Run(ctx context.Context) {
	if err := s.ensure(ctx); err != nil && ctx.Err() == nil {
		s.Log.Error("load vulnerability relevance", "err", err)
	}
	every := s.RefreshEvery
	if every <= 0 {
		every = DefaultRefreshEvery
	}
	var lastFetch time.Time
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		if time.Since(lastFetch) >= time.Minute {
			lastFetch = time.Now()
			if _, err := s.FetchDue(ctx); err != nil && ctx.Err() == nil {
				s.Log.Error("fetch feeds", "err", err)
			}
		}
		if _, err := s.Refresh(ctx); err != nil && ctx.Err() == nil {
			s.Log.Error("refresh vulnerability relevance", "err", err)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		case <-s.nudged():
		}
	}
}

// WatchFeeds exports, read from the store at each scrape, how long ago
// each feed was last fetched successfully (renkei_feed_refresh_age_seconds,
// by feed id; a feed never fetched is absent) and whether its last fetch
// failed.
func (s *Service) WatchFeeds(m *metrics.Set) {
	feeds := func() []Feed {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		fs, err := s.DB.VulnFeeds(ctx)
		if err != nil {
			s.Log.Warn("metrics: feeds", "err", err)
		}
		return fs
	}
	m.Watch("renkei_feed_refresh_age_seconds", "Seconds since each advisory feed (renkei feeds list) was last fetched successfully.",
		[]string{"feed"}, func(emit func(float64, ...string)) {
			now := s.now()
			for _, f := range feeds() {
				if !f.LastSuccess.IsZero() {
					emit(now.Sub(f.LastSuccess).Seconds(), strconv.FormatInt(f.ID, 10))
				}
			}
		})
	m.Watch("renkei_feed_failing", "1 when an advisory feed's last fetch failed, else 0.",
		[]string{"feed"}, func(emit func(float64, ...string)) {
			for _, f := range feeds() {
				v := 0.0
				if f.LastError != "" {
					v = 1
				}
				emit(v, strconv.FormatInt(f.ID, 10))
			}
		})
}
