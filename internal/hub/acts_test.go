package hub_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"renkei/internal/hub"
	"renkei/internal/store/storetest"
)

// TestLoginNamesValidated: a login is 1–64 characters of a conservative set
// (lowercase a–z, digits, . _ - @, a letter or digit at each end); NUL,
// invalid UTF-8, markup, separators and look-alike letters are refused and
// nothing is stored.
func TestLoginNamesValidated(t *testing.T) {
	for _, kind := range storetest.Kinds(t) {
		t.Run(kind, func(t *testing.T) {
			h := newHub(t, kind)
			ctx := context.Background()
			center := h.Center().ID
			for _, bad := range []string{
				"", "nul\x00byte", "bad\xff\xfeutf8", "<script>alert(1)</script>", `a"b`, "аdmin" /* Cyrillic а */, "ａdmin", /* fullwidth */
				"Admin", "tab\tname", "new\nline", "spa ce", "login:colon", "path/slash", ".dot-first", "dash-last-", "x@", "a\u200bb", /* zero width */
				strings.Repeat("a", 65),
			} {
				if _, err := hub.AddUser(ctx, h.DB, bad, center, "analyst", "", time.Now()); err == nil {
					t.Errorf("login %q was accepted", bad)
				}
				if _, err := h.DB.UserByLogin(ctx, bad); err == nil {
					t.Errorf("login %q was stored", bad)
				}
			}
			for _, good := range []string{"tanaka", "power-analyst", "t.yamada@example.jp", "renkei-matcher", "a", "user_2", strings.Repeat("a", 64)} {
				if _, err := hub.AddUser(ctx, h.DB, good, center, "analyst", "", time.Now()); err != nil {
					t.Errorf("login %q: %v", good, err)
				}
			}
		})
	}
}
