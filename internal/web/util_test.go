package web

import (
	"context"
	"crypto/sha256"
	"fmt"
	"regexp"
	"strconv"
	"testing"
	"time"

	"renkei/internal/hub"
	"renkei/internal/store"
)

var (
	regexpIndicatorID = regexp.MustCompile(`<a href="/objects/(indicator--[0-9a-f-]{36})">`)
	regexpToken       = regexp.MustCompile(`id="token-value">(rk_[A-Za-z0-9_-]+)<`)
	regexpNext        = regexp.MustCompile(`<a href="(/objects\?[^"]+)" rel="next">`)
)

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

func mustToken(t *testing.T, e *env, login string) (string, int64, store.Token) {
	t.Helper()
	secret, tok, err := hub.CreateToken(context.Background(), e.h.DB, login, "test", 0, false, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	return secret, tok.ID, tok
}

// uuidFor makes a stable version-4 UUID from s, so that test objects have
// valid, distinct ids.
func uuidFor(s string) string {
	h := sha256.Sum256([]byte(s))
	h[6] = h[6]&0x0f | 0x40
	h[8] = h[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", h[0:4], h[4:6], h[6:8], h[8:10], h[10:16])
}
