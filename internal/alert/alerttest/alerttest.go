// Package alerttest renders alerts for tests that assert what an alert says
// in every language at once. Nothing outside tests uses it: readers render
// an alert in their own language (alert.Title, alert.Body).
package alerttest

import (
	"strings"
	"testing"

	"renkei/internal/alert"
	"renkei/internal/i18n"
	"renkei/internal/store"
)

// InEveryLanguage fails t when an alert's title or body does not render in
// every language from the catalog (a key missing, or parameters that do
// not fit its text), and gives each alert its title in every language joined by
// " / " and its body in every language separated by a line "---", Japanese
// first, so that a test can look for a phrase of either language (a text
// missing from the catalog shows as i18n.MissingMark). An alert from before
// its title or body were catalog messages keeps them as stored.
func InEveryLanguage(t testing.TB, as []store.Alert) []store.Alert {
	t.Helper()
	out := make([]store.Alert, len(as))
	for i, a := range as {
		var titles, bodies []string
		for _, l := range i18n.Languages {
			titles = append(titles, alert.Title(a, l))
			bodies = append(bodies, alert.Body(a, l))
			if text := titles[len(titles)-1] + "\n" + bodies[len(bodies)-1]; strings.Contains(text, i18n.MissingMark) || strings.Contains(text, "%!") {
				t.Errorf("alert %s (%s) in %s: %s", a.Kind, a.TitleKey, l, text)
			}
		}
		if a.TitleKey != "" {
			a.Title = strings.Join(titles, " / ")
		}
		if len(a.BodyMsgs) > 0 {
			a.Body = strings.Join(bodies, "\n---\n")
		}
		out[i] = a
	}
	return out
}
