package api

import "renkei/internal/audit"

// routeTable is every route of the REST API and what the audit log receives
// before the route's act takes effect (see audit.Route). Handler registers
// the routes; this table is the one place that says how each is audited, and
// TestEveryRouteAuthenticatedOrPublic and TestEveryStateChangingRouteAudited
// (internal/server) fail for a route registered without a line here.
//
// To add a route: register it in Handler as usual, then add its pattern here,
// spelled exactly as registered, with
//   - audit.Read for a GET (reads of logged data record themselves, C7);
//   - audit.AtDoor(audit.ActionX), with ActionX defined in
//     internal/audit/actions.go, when the handler does not log: wrap appends
//     the action, the route and the path before calling the handler, and
//     answers 503 without calling it when the log refuses;
//   - audit.InCapability(audit.ActionX) when the capability appends its own,
//     more detailed entry first and acts only if the log took it.
//
// A state-changing request on a route missing here is refused (500) rather
// than served unlogged.
var routeTable = map[string]audit.Route{
	"GET /api/v1/me":                                      audit.Read,
	"GET /api/v1/orgs":                                    audit.Read,
	"POST /api/v1/orgs":                                   audit.InCapability(audit.ActionOrgCreate),
	"GET /api/v1/groups":                                  audit.Read,
	"POST /api/v1/groups":                                 audit.InCapability(audit.ActionGroupCreate),
	"GET /api/v1/users":                                   audit.Read,
	"POST /api/v1/users":                                  audit.InCapability(audit.ActionRoleChange),
	"GET /api/v1/tokens":                                  audit.Read,
	"POST /api/v1/tokens":                                 audit.InCapability(audit.ActionTokenCreate),
	"DELETE /api/v1/tokens/{id}":                          audit.InCapability(audit.ActionTokenRevoke),
	"GET /api/v1/alerts":                                  audit.Read,
	"POST /api/v1/alerts/{id}/read":                       audit.AtDoor(audit.ActionAlertRead),
	"POST /api/v1/alerts/read":                            audit.AtDoor(audit.ActionAlertRead),
	"GET /api/v1/webhooks":                                audit.Read,
	"POST /api/v1/webhooks":                               audit.InCapability(audit.ActionWebhookCreate),
	"DELETE /api/v1/webhooks/{id}":                        audit.InCapability(audit.ActionWebhookDelete),
	"GET /api/v1/webhooks/dead":                           audit.Read,
	"POST /api/v1/webhooks/dead/{id}/retry":               audit.AtDoor(audit.ActionWebhookRetry),
	"GET /api/v1/objects":                                 audit.Read,
	"POST /api/v1/objects":                                audit.AtDoor(audit.ActionObjectSubmit),
	"GET /api/v1/objects/{id}":                            audit.Read,
	"GET /api/v1/reports":                                 audit.Read,
	"POST /api/v1/reports":                                audit.AtDoor(audit.ActionReportFile),
	"GET /api/v1/reports/{id}":                            audit.Read,
	"GET /api/v1/attachments/{id}":                        audit.Read,
	"GET /api/v1/computers":                               audit.Read,
	"POST /api/v1/computers":                              audit.AtDoor(audit.ActionComputerRegister),
	"POST /api/v1/computers/{id}/changes":                 audit.AtDoor(audit.ActionComputerChange),
	"GET /api/v1/cases":                                   audit.Read,
	"POST /api/v1/cases":                                  audit.AtDoor(audit.ActionCaseOpen),
	"GET /api/v1/cases/{id}":                              audit.Read,
	"POST /api/v1/cases/{id}/actions":                     audit.AtDoor(audit.ActionCaseAct),
	"GET /api/v1/advisories":                              audit.Read,
	"POST /api/v1/advisories":                             audit.InCapability(audit.ActionNoticeIssue, audit.ActionDemandIssue), // an advisory is a notice; a correction or supplier request a demand
	"GET /api/v1/advisories/{id}":                         audit.Read,
	"POST /api/v1/advisories/{id}/ack":                    audit.AtDoor(audit.ActionAdvisoryAck),
	"POST /api/v1/advisories/{id}/complete":               audit.AtDoor(audit.ActionAdvisoryComplete),
	"GET /api/v1/consultations":                           audit.Read,
	"POST /api/v1/consultations":                          audit.AtDoor(audit.ActionConsultationAsk),
	"GET /api/v1/consultations/{id}":                      audit.Read,
	"POST /api/v1/consultations/{id}/replies":             audit.AtDoor(audit.ActionConsultationReply),
	"GET /api/v1/consultations/handlers":                  audit.Read,
	"POST /api/v1/consultations/handlers":                 audit.InCapability(audit.ActionHandlerDesignate),
	"POST /api/v1/consultations/handlers/revoke":          audit.InCapability(audit.ActionHandlerRevoke),
	"GET /api/v1/cop":                                     audit.Read,
	"GET /api/v1/approvals":                               audit.Read,
	"POST /api/v1/approvals":                              audit.InCapability(audit.ActionApprovalRequest),
	"POST /api/v1/approvals/{id}/decision":                audit.InCapability(audit.ActionApprovalDecide),
	"POST /api/v1/approvals/{id}/revocation":              audit.InCapability(audit.ActionApprovalRevoke),
	"GET /api/v1/committee/members":                       audit.Read,
	"POST /api/v1/committee/members/{login}/confirmation": audit.InCapability(audit.ActionCommitteeConfirm),
	"POST /api/v1/committee/members/{login}/retirement":   audit.InCapability(audit.ActionCommitteeRetire, audit.ActionCommitteeRetirePropose, audit.ActionCommitteeRetireExpire),
	"DELETE /api/v1/committee/members/{login}/retirement": audit.InCapability(audit.ActionCommitteeRetireWithdraw, audit.ActionCommitteeRetireExpire),
	"GET /api/v1/connection-points":                       audit.Read,
	"GET /api/v1/products":                                audit.Read,
	"POST /api/v1/connection-points":                      audit.AtDoor(audit.ActionAssetAdd),
	"POST /api/v1/connection-points/import":               audit.AtDoor(audit.ActionAssetImport),
	"PUT /api/v1/connection-points/{id}":                  audit.AtDoor(audit.ActionAssetUpdate),
	"DELETE /api/v1/connection-points/{id}":               audit.AtDoor(audit.ActionAssetDelete),
	"GET /api/v1/sboms":                                   audit.Read,
	"POST /api/v1/sboms":                                  audit.AtDoor(audit.ActionSBOMRegister),
	"DELETE /api/v1/sboms/{id}":                           audit.AtDoor(audit.ActionSBOMDelete),
	"GET /api/v1/vulnerabilities/affecting-us":            audit.Read,
	"GET /api/v1/publications":                            audit.Read,
	"POST /api/v1/publications":                           audit.AtDoor(audit.ActionVendorPublish),
	"GET /api/v1/exposure/{id}":                           audit.Read,
	"GET /api/v1/suppliers":                               audit.Read,
	"POST /api/v1/suppliers":                              audit.InCapability(audit.ActionSupplierRegister),
	"DELETE /api/v1/suppliers/{id}":                       audit.InCapability(audit.ActionSupplierRemove),
	"GET /api/v1/feeds":                                   audit.Read,
	"POST /api/v1/feeds":                                  audit.AtDoor(audit.ActionFeedAdd),
	"GET /api/v1/hunting/key":                             audit.Read,
	"GET /api/v1/hunting/packages":                        audit.Read,
	"POST /api/v1/hunting/packages":                       audit.AtDoor(audit.ActionHuntingPublish),
	"GET /api/v1/hunting/packages/{id}":                   audit.Read,
	"POST /api/v1/hunting/packages/{id}/reports":          audit.AtDoor(audit.ActionHuntingReport),
	"GET /api/v1/hunting/packages/{id}/coverage":          audit.Read,
	"GET /api/v1/hunting/packages/{id}/findings":          audit.Read,
	"GET /api/v1/telemetry/sources":                       audit.Read,
	"POST /api/v1/telemetry/sources":                      audit.InCapability(audit.ActionPolicyChange),
	"GET /api/v1/telemetry/sources/{id}/records":          audit.Read,
	"POST /api/v1/telemetry/sources/{id}/exporters":       audit.InCapability(audit.ActionPolicyChange),
	"DELETE /api/v1/telemetry/sources/{id}/exporters":     audit.InCapability(audit.ActionPolicyChange),
	"GET /api/v1/telemetry/matches":                       audit.Read,
	"GET /api/v1/exports/{format}":                        audit.Read,
	"GET /api/v1/exports/explain":                         audit.Read,
	"GET /api/v1/warninglists":                            audit.Read,
	"POST /api/v1/warninglists":                           audit.InCapability(audit.ActionWarninglistChange),
	"GET /api/v1/warninglists/check":                      audit.Read,
	"POST /api/v1/warninglists/{id}/entries":              audit.InCapability(audit.ActionWarninglistChange),
	"DELETE /api/v1/warninglists/{id}/entries":            audit.InCapability(audit.ActionWarninglistChange),
	"POST /api/v1/warninglists/{id}/{op}":                 audit.InCapability(audit.ActionWarninglistChange),
	"GET /api/v1/export-policies":                         audit.Read,
	"PUT /api/v1/export-policies":                         audit.InCapability(audit.ActionPolicyChange),
	"POST /api/v1/export-reviews":                         audit.InCapability(audit.ActionExportReview),
}
