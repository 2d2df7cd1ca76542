package web

import (
	"context"
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

func hubAddUser(e *env, login, org, role string) (store.User, error) {
	return hub.AddUser(context.Background(), e.h.DB, login, org, role, testPassword, time.Now())
}

func storeCursor(da, pk int64) store.Cursor { return store.Cursor{DateAdded: da, PK: pk} }
