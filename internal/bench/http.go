package bench

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
)

func getEnvelope(ctx context.Context, c *http.Client, url, token string) (envelope, error) {
	req, err := http.NewRequestWithContext(ctx, "GET", url, nil)
	if err != nil {
		return envelope{}, err
	}
	req.Header.Set("Accept", "application/taxii+json;version=2.1")
	req.Header.Set("Authorization", "Bearer "+token)
	res, err := c.Do(req)
	if err != nil {
		return envelope{}, err
	}
	defer res.Body.Close()
	if res.StatusCode != 200 {
		b, _ := io.ReadAll(io.LimitReader(res.Body, 512))
		return envelope{}, fmt.Errorf("GET %s: %s: %s", url, res.Status, b)
	}
	var env envelope
	if err := json.NewDecoder(res.Body).Decode(&env); err != nil {
		return envelope{}, err
	}
	return env, nil
}

// getPage fetches a page and reads it whole without decoding it, so that the
// client's own work weighs little beside the server's on the same machine.
func getPage(ctx context.Context, c *http.Client, url, token string) error {
	req, err := http.NewRequestWithContext(ctx, "GET", url, nil)
	if err != nil {
		return err
	}
	req.Header.Set("Accept", "application/taxii+json;version=2.1")
	req.Header.Set("Authorization", "Bearer "+token)
	res, err := c.Do(req)
	if err != nil {
		return err
	}
	defer res.Body.Close()
	n, err := io.Copy(io.Discard, res.Body)
	if err != nil {
		return err
	}
	if res.StatusCode != 200 || n < 100 {
		return fmt.Errorf("GET %s: %s (%d bytes)", url, res.Status, n)
	}
	return nil
}
