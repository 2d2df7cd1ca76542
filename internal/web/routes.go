package web

import "renkei/internal/audit"

// routeTable is every route of the console and what the audit log receives
// before the route's act takes effect (see audit.Route). routes() in web.go
// registers them; this table is the one place that says how each is audited,
// and TestEveryRouteAuthenticatedOrPublic and TestEveryStateChangingRouteAudited
// (internal/server) fail for a route registered without a line here.
//
// To add a route: register it in routes() as usual, then add its pattern
// here, spelled exactly as registered, with
//   - audit.Read for a GET page;
//   - audit.AtDoor(audit.ActionX), with ActionX defined in
//     internal/audit/actions.go, when the handler does not log: member
//     appends the action, the route and the path after the CSRF check and
//     before calling the handler, and shows the audit error page (503)
//     without calling it when the log refuses;
//   - audit.InCapability(audit.ActionX) when the capability appends its own,
//     more detailed entry first and acts only if the log took it;
//   - audit.Unrefused(audit.ActionX) for an act that must happen even when
//     the log refuses (ending a session): the handler logs it when it can;
//   - audit.Public(…) for the few routes served without a session.
//
// A POST on a route missing here is refused (500) rather than served unlogged.
var routeTable = map[string]audit.Route{
	"GET /static/": audit.Public(""),
	"GET /login":   audit.Public(""),
	"POST /login":  audit.Public(audit.ActionLogin),

	"GET /login/oidc/{name}":          audit.Public(""),
	"GET /login/oidc/{name}/callback": audit.Public(audit.ActionLogin), // logs the login (and a first sign-in's link) itself
	"/":                               audit.Public(""),                // the not-found page

	"POST /logout":                            audit.Unrefused(audit.ActionLogout), // ending a session is never refused (docs/audit.md)
	"GET /{$}":                                audit.Read,
	"GET /account":                            audit.Read,
	"POST /account/password":                  audit.AtDoor(audit.ActionPasswordChange),
	"POST /account/tokens":                    audit.InCapability(audit.ActionTokenCreate),
	"POST /account/zone":                      audit.AtDoor(audit.ActionPreferenceChange),
	"GET /objects":                            audit.Read,
	"GET /objects/{id}":                       audit.Read,
	"POST /objects/{id}/sighting":             audit.AtDoor(audit.ActionObjectSubmit), // a sighting object submitted, as through the API
	"GET /submit":                             audit.Read,
	"POST /submit/indicator":                  audit.AtDoor(audit.ActionObjectSubmit),
	"POST /submit/bundle":                     audit.AtDoor(audit.ActionObjectSubmit),
	"GET /alerts":                             audit.Read,
	"POST /alerts/{id}/read":                  audit.AtDoor(audit.ActionAlertRead),
	"POST /alerts/read":                       audit.AtDoor(audit.ActionAlertRead),
	"POST /alerts/webhooks":                   audit.InCapability(audit.ActionWebhookCreate),
	"POST /alerts/webhooks/{id}/delete":       audit.InCapability(audit.ActionWebhookDelete),
	"POST /alerts/dead/{id}/retry":            audit.AtDoor(audit.ActionWebhookRetry),
	"GET /reports":                            audit.Read,
	"POST /reports":                           audit.AtDoor(audit.ActionReportFile),
	"GET /reports/{id}":                       audit.Read,
	"GET /attachments/{id}":                   audit.Read,
	"GET /computers":                          audit.Read,
	"POST /computers":                         audit.AtDoor(audit.ActionComputerRegister),
	"GET /cases":                              audit.Read,
	"POST /cases":                             audit.AtDoor(audit.ActionCaseOpen),
	"GET /cases/{id}":                         audit.Read,
	"POST /cases/{id}/act":                    audit.AtDoor(audit.ActionCaseAct),
	"POST /cases/{id}/tasks":                  audit.AtDoor(audit.ActionCaseTask),
	"POST /cases/{id}/tasks/{task}":           audit.AtDoor(audit.ActionCaseTask),
	"GET /advisories":                         audit.Read,
	"POST /advisories":                        audit.InCapability(audit.ActionNoticeIssue, audit.ActionDemandIssue), // an advisory is a notice; a correction or supplier request a demand
	"GET /advisories/{id}":                    audit.Read,
	"POST /advisories/{id}/ack":               audit.AtDoor(audit.ActionAdvisoryAck),
	"POST /advisories/{id}/complete":          audit.AtDoor(audit.ActionAdvisoryComplete),
	"GET /consult":                            audit.Read,
	"POST /consult":                           audit.AtDoor(audit.ActionConsultationAsk),
	"GET /consult/{id}":                       audit.Read,
	"POST /consult/{id}/reply":                audit.AtDoor(audit.ActionConsultationReply),
	"GET /cop":                                audit.Read,
	"GET /cop.csv":                            audit.Read,
	"GET /cop/chart/{name}":                   audit.Read,
	"GET /hunting":                            audit.Read,
	"POST /hunting":                           audit.AtDoor(audit.ActionHuntingPublish),
	"GET /hunting/{id}":                       audit.Read,
	"GET /vuln":                               audit.Read,
	"POST /vuln/sboms":                        audit.AtDoor(audit.ActionSBOMRegister),
	"GET /vuln/assets":                        audit.Read,
	"POST /vuln/assets":                       audit.AtDoor(audit.ActionAssetAdd),
	"POST /vuln/assets/import":                audit.AtDoor(audit.ActionAssetImport),
	"POST /vuln/assets/{id}/confirm":          audit.AtDoor(audit.ActionAssetConfirm),
	"POST /vuln/assets/{id}/delete":           audit.AtDoor(audit.ActionAssetDelete),
	"GET /vuln/vendors":                       audit.Read,
	"POST /vuln/vendors":                      audit.AtDoor(audit.ActionVendorPublish),
	"GET /vuln/suppliers":                     audit.Read,
	"POST /vuln/suppliers":                    audit.InCapability(audit.ActionSupplierRegister),
	"POST /vuln/suppliers/{id}/delete":        audit.InCapability(audit.ActionSupplierRemove),
	"GET /vuln/exposure":                      audit.Read,
	"GET /telemetry":                          audit.Read,
	"GET /telemetry/sources/{id}":             audit.Read,
	"GET /telemetry/exports":                  audit.Read,
	"POST /telemetry/sources/{id}/records":    audit.InCapability(audit.ActionCommAccess), // a read with a stated purpose, logged before release
	"GET /approvals/request":                  audit.Read,
	"POST /approvals/request":                 audit.InCapability(audit.ActionApprovalRequest, audit.ActionEmergencyMeasure),
	"GET /oversight":                          audit.Read,
	"POST /oversight/approvals/{id}/decide":   audit.InCapability(audit.ActionApprovalDecide),
	"POST /oversight/approvals/{id}/revoke":   audit.InCapability(audit.ActionApprovalRevoke),
	"POST /oversight/members/{login}/confirm": audit.InCapability(audit.ActionCommitteeConfirm),
	"POST /oversight/members/{login}/retire":  audit.InCapability(audit.ActionCommitteeRetire, audit.ActionCommitteeRetirePropose, audit.ActionCommitteeRetireExpire),
	"GET /oversight/inspect":                  audit.Read,
	"GET /oversight/figures":                  audit.Read,
	"GET /oversight/figures.csv":              audit.Read,
	"GET /oversight/log":                      audit.Read,
	"GET /oversight/log.csv":                  audit.Read,
	"GET /exports":                            audit.Read,
	"POST /exports/thresholds":                audit.InCapability(audit.ActionPolicyChange),
	"POST /exports/policies":                  audit.InCapability(audit.ActionPolicyChange),
	"GET /exports/warninglists":               audit.Read,
	"POST /exports/warninglists/import":       audit.InCapability(audit.ActionWarninglistChange),
	"POST /exports/warninglists/entries":      audit.InCapability(audit.ActionWarninglistChange),
	"POST /exports/warninglists/{id}/switch":  audit.InCapability(audit.ActionWarninglistChange),
	"GET /exports/reviews":                    audit.Read,
	"POST /exports/reviews/{id}":              audit.InCapability(audit.ActionExportReview),
	"GET /federation":                         audit.Read,
	"POST /federation/{name}/sync":            audit.InCapability(audit.ActionPartnerSync),
	"GET /admin":                              audit.Read,
	"POST /admin/orgs":                        audit.InCapability(audit.ActionOrgCreate),
	"POST /admin/orgs/{id}/change":            audit.InCapability(audit.ActionOrgChange),
	"POST /admin/orgs/{id}/disable":           audit.InCapability(audit.ActionOrgChange),
	"POST /admin/orgs/{id}/enable":            audit.InCapability(audit.ActionOrgChange),
	"POST /admin/orgs/{id}/delete":            audit.InCapability(audit.ActionOrgDelete),
	"POST /admin/groups":                      audit.InCapability(audit.ActionGroupCreate),
	"POST /admin/groups/{id}/change":          audit.InCapability(audit.ActionGroupChange),
	"POST /admin/groups/{id}/delete":          audit.InCapability(audit.ActionGroupDelete),
	"POST /admin/users":                       audit.InCapability(audit.ActionRoleChange),
	"POST /admin/users/{id}/role":             audit.InCapability(audit.ActionRoleChange),
	"POST /admin/users/{id}/grant":            audit.InCapability(audit.ActionRoleChange),
	"POST /admin/users/{id}/revoke":           audit.InCapability(audit.ActionRoleChange),
	"POST /admin/users/{id}/disable":          audit.InCapability(audit.ActionRoleChange),
	"POST /admin/users/{id}/enable":           audit.InCapability(audit.ActionRoleChange),
	"POST /admin/tokens":                      audit.InCapability(audit.ActionTokenCreate),
	"POST /admin/tokens/{id}/revoke":          audit.InCapability(audit.ActionTokenRevoke),

	"POST /oversight/members/{login}/withdraw": audit.InCapability(audit.ActionCommitteeRetireWithdraw, audit.ActionCommitteeRetireExpire),
}
