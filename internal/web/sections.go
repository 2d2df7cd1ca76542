package web

import (
	"net/http"
	"strings"

	"renkei/internal/policy"
)

// routeSections names the console section (policy.ConsoleRules) of every
// page and form behind a login. member refuses, with the error page, a
// request whose section does not apply to the user (policy.MayOpenSection),
// as the menu does not offer it: a hospital's user who types /hunting is
// told the page does not apply, not shown an empty one. A route of a
// logged-in user missing here is served to everyone logged in: the account
// pages (its forms: password, own tokens, time zone) and logging out only
// (TestEveryPageHasASection).
var routeSections = map[string]policy.Section{
	"GET /{$}": policy.SectionHome,

	"GET /objects":                policy.SectionIntel,
	"GET /objects/{id}":           policy.SectionIntel,
	"POST /objects/{id}/sighting": policy.SectionIntel,
	"GET /submit":                 policy.SectionIntel,
	"POST /submit/indicator":      policy.SectionIntel,
	"POST /submit/bundle":         policy.SectionIntel,

	"GET /alerts":                       policy.SectionAlerts,
	"POST /alerts/{id}/read":            policy.SectionAlerts,
	"POST /alerts/read":                 policy.SectionAlerts,
	"POST /alerts/webhooks":             policy.SectionAlerts,
	"POST /alerts/webhooks/{id}/delete": policy.SectionAlerts,
	"POST /alerts/dead/{id}/retry":      policy.SectionAlerts,

	"GET /reports":          policy.SectionReports,
	"POST /reports":         policy.SectionReports,
	"GET /reports/{id}":     policy.SectionReports,
	"GET /attachments/{id}": policy.SectionReports,
	"GET /computers":        policy.SectionReports,
	"POST /computers":       policy.SectionReports,

	"GET /cases":                    policy.SectionCases,
	"POST /cases":                   policy.SectionCases,
	"GET /cases/{id}":               policy.SectionCases,
	"POST /cases/{id}/act":          policy.SectionCases,
	"POST /cases/{id}/tasks":        policy.SectionCases,
	"POST /cases/{id}/tasks/{task}": policy.SectionCases,

	"GET /advisories":                policy.SectionAdvisories,
	"POST /advisories":               policy.SectionAdvisories,
	"GET /advisories/{id}":           policy.SectionAdvisories,
	"POST /advisories/{id}/ack":      policy.SectionAdvisories,
	"POST /advisories/{id}/complete": policy.SectionAdvisories,

	"GET /consult":             policy.SectionConsult,
	"POST /consult":            policy.SectionConsult,
	"GET /consult/{id}":        policy.SectionConsult,
	"POST /consult/{id}/reply": policy.SectionConsult,

	"GET /cop":              policy.SectionPicture,
	"GET /cop.csv":          policy.SectionPicture,
	"GET /cop/chart/{name}": policy.SectionPicture,

	"GET /hunting":      policy.SectionHunting,
	"POST /hunting":     policy.SectionHunting,
	"GET /hunting/{id}": policy.SectionHunting,

	"GET /vuln":                        policy.SectionVuln,
	"POST /vuln/sboms":                 policy.SectionVuln,
	"GET /vuln/assets":                 policy.SectionVuln,
	"POST /vuln/assets":                policy.SectionVuln,
	"POST /vuln/assets/import":         policy.SectionVuln,
	"POST /vuln/assets/{id}/confirm":   policy.SectionVuln,
	"POST /vuln/assets/{id}/delete":    policy.SectionVuln,
	"GET /vuln/vendors":                policy.SectionVuln,
	"POST /vuln/vendors":               policy.SectionVuln,
	"GET /vuln/suppliers":              policy.SectionVuln,
	"POST /vuln/suppliers":             policy.SectionVuln,
	"POST /vuln/suppliers/{id}/delete": policy.SectionVuln,
	"GET /vuln/exposure":               policy.SectionVuln,

	"GET /telemetry":                       policy.SectionTelemetry,
	"GET /telemetry/sources/{id}":          policy.SectionTelemetry,
	"GET /telemetry/exports":               policy.SectionTelemetry,
	"POST /telemetry/sources/{id}/records": policy.SectionTelemetry,

	"GET /approvals/request":  policy.SectionApprovals,
	"POST /approvals/request": policy.SectionApprovals,

	"GET /oversight":                           policy.SectionOversight,
	"POST /oversight/approvals/{id}/decide":    policy.SectionOversight,
	"POST /oversight/approvals/{id}/revoke":    policy.SectionOversight,
	"POST /oversight/members/{login}/confirm":  policy.SectionOversight,
	"POST /oversight/members/{login}/retire":   policy.SectionOversight,
	"POST /oversight/members/{login}/withdraw": policy.SectionOversight,
	"GET /oversight/inspect":                   policy.SectionOversight,
	"GET /oversight/figures":                   policy.SectionOversight,
	"GET /oversight/figures.csv":               policy.SectionOversight,
	"GET /oversight/log":                       policy.SectionOversight,
	"GET /oversight/log.csv":                   policy.SectionOversight,

	"GET /exports":                           policy.SectionExports,
	"POST /exports/thresholds":               policy.SectionExports,
	"POST /exports/policies":                 policy.SectionExports,
	"GET /exports/warninglists":              policy.SectionExports,
	"POST /exports/warninglists/import":      policy.SectionExports,
	"POST /exports/warninglists/entries":     policy.SectionExports,
	"POST /exports/warninglists/{id}/switch": policy.SectionExports,
	"GET /exports/reviews":                   policy.SectionReviews,
	"POST /exports/reviews/{id}":             policy.SectionReviews,

	"GET /federation":              policy.SectionFederation,
	"POST /federation/{name}/sync": policy.SectionFederation,

	"GET /admin": policy.SectionAdmin,
}

// sectionOf returns the section of a registered pattern. The
// administration's forms are all under /admin/.
func sectionOf(pattern string) (policy.Section, bool) {
	if s, ok := routeSections[pattern]; ok {
		return s, true
	}
	if strings.HasPrefix(pattern, "POST /admin/") {
		return policy.SectionAdmin, true
	}
	return "", false
}

// inSection answers a request for a page whose section does not apply to
// v with the error page (403) and returns false.
func (s *server) inSection(w http.ResponseWriter, r *http.Request, v policy.Viewer) bool {
	sec, ok := sectionOf(r.Pattern)
	if !ok || policy.MayOpenSection(v, sec) {
		return true
	}
	s.fail(w, r, http.StatusForbidden, "error.section")
	return false
}

// sectionSet is the sections that apply to v, for the menu.
func sectionSet(v policy.Viewer) map[string]bool {
	m := map[string]bool{}
	for _, sec := range policy.ConsoleSections(v) {
		m[string(sec)] = true
	}
	return m
}
