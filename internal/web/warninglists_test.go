package web

import (
	"html"
	"strings"
	"testing"

	"renkei/internal/store/storetest"
)

// TestObjectPageShowsWarninglistHits: the object page lists each value of
// an indicator that a warninglist holds, with the list, its version, its
// effect and the entry that matched, in the reader's language; an
// indicator in no list has no such section.
func TestObjectPageShowsWarninglistHits(t *testing.T) {
	t.Parallel()
	for _, kind := range storetest.Kinds(t) {
		t.Run(kind, func(t *testing.T) {
			e := newEnvOn(t, kind, Options{})
			power := e.as("power-analyst")
			listed := submitIndicator(t, power, "Resolver", "8.8.8.8", "green", nil)
			plain := submitIndicator(t, power, "C2", "c2.renkei-test.jp", "green", nil)
			water := e.as("water-analyst")
			for lang, effect := range map[string]string{"en": "kept out of exports", "ja": "エクスポートから除外"} {
				water.lang = lang
				st, body := water.get("/objects/" + listed)
				body = html.UnescapeString(body)
				if st != 200 || !strings.Contains(body, `id="warninglist-hits"`) || !strings.Contains(body, "renkei-public-resolvers") ||
					!strings.Contains(body, effect) || !strings.Contains(body, "8.8.8.8/32") {
					t.Errorf("%s: the page of an indicator of a public resolver does not show its hit (%d):\n%s", lang, st, body)
				}
				if _, body := water.get("/objects/" + plain); strings.Contains(body, `id="warninglist-hits"`) {
					t.Errorf("%s: an indicator in no list shows hits", lang)
				}
			}
		})
	}
}
