package audit

import (
	"context"
	"fmt"
	"io"
	"io/fs"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
)

// Fetcher reads the published files of a log by their tlog-tiles path
// ("checkpoint", "tile/0/000", "tile/entries/x001/234.p/7"). A missing file is
// an error wrapping fs.ErrNotExist.
type Fetcher interface {
	Fetch(ctx context.Context, path string) ([]byte, error)
}

// NewFetcher returns a Fetcher for a log given as a directory or as an
// http(s) URL of its tile endpoint.
func NewFetcher(log string, client *http.Client) (Fetcher, error) {
	if strings.HasPrefix(log, "http://") || strings.HasPrefix(log, "https://") {
		u, err := url.Parse(log)
		if err != nil {
			return nil, fmt.Errorf("log URL %q: %w", log, err)
		}
		if client == nil {
			client = http.DefaultClient
		}
		return &httpFetcher{base: u, client: client}, nil
	}
	st, err := os.Stat(log)
	if err != nil {
		return nil, fmt.Errorf("log directory: %w", err)
	}
	if !st.IsDir() {
		return nil, fmt.Errorf("log directory %s: not a directory", log)
	}
	return dirFetcher(log), nil
}

type dirFetcher string

func (d dirFetcher) Fetch(_ context.Context, p string) ([]byte, error) {
	return os.ReadFile(filepath.Join(string(d), filepath.FromSlash(p)))
}

type httpFetcher struct {
	base   *url.URL
	client *http.Client
}

func (h *httpFetcher) Fetch(ctx context.Context, p string) ([]byte, error) {
	u := h.base.JoinPath(p)
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u.String(), nil)
	if err != nil {
		return nil, err
	}
	resp, err := h.client.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	switch {
	case resp.StatusCode == http.StatusNotFound:
		return nil, fmt.Errorf("GET %s: %w", u, fs.ErrNotExist)
	case resp.StatusCode != http.StatusOK:
		return nil, fmt.Errorf("GET %s: %s", u, resp.Status)
	}
	b, err := io.ReadAll(io.LimitReader(resp.Body, 1<<24))
	if err != nil {
		return nil, fmt.Errorf("GET %s: %w", u, err)
	}
	return b, nil
}
