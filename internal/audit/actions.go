package audit

import (
	"context"
	"net/http"
	"strconv"
)

// Actions recorded by Renkei (rule C7). Using these names everywhere lets the
// committee's annual figures be counted from the log alone.
const (
	ActionObjectRead       = "object.read"       // a read of a TLP:AMBER+STRICT or TLP:RED object
	ActionObjectExport     = "object.export"     // an export of such objects
	ActionCommAccess       = "comm.access"       // any access to communications information
	ActionApprovalRequest  = "approval.request"  // a request for collection or a measure
	ActionApprovalDecide   = "approval.decide"   // the committee's approval or denial
	ActionEmergencyMeasure = "measure.emergency" // a measure executed before approval
	ActionApprovalRevoke   = "approval.revoke"   // the committee's revocation of an approval it granted
	ActionDelete           = "object.delete"     // a deletion by a person
	ActionObjectModerate   = "object.moderate"   // the hub administrator stored a version of another organization's object
	ActionRetentionDelete  = "retention.delete"  // a scheduled deletion (counts and hashes in Detail)
	ActionPolicyChange     = "policy.change"     // a change of sharing or retention policy
	ActionRoleChange       = "role.change"       // a change of a user's roles
	ActionTokenCreate      = "token.create"      // an API token was created
	ActionLogin            = "login"             // a user logged in

	// Sign-in (package signin): single sign-on, passkeys, client
	// certificates. A login through an identity provider is ActionLogin
	// with Detail "via" oidc and the provider.
	ActionSignInConfigure = "signin.configure" // an identity provider or claim mapping added, changed or removed
	ActionSignInLink      = "signin.link"      // a provider's identity linked to an account on its first sign-in
	ActionPasskeyAdd      = "passkey.add"      // a user registered a passkey
	ActionPasskeyRemove   = "passkey.remove"   // a user removed one of their passkeys
	ActionPasskeyUse      = "passkey.use"      // a user gave their passkey as a session's second factor
	ActionCertRegister    = "cert.register"    // a client certificate registered to an account (a machine identity)
	ActionCertRevoke      = "cert.revoke"      // a client certificate revoked

	// Administrative acts, logged before they take effect whichever door
	// they come through (CLI, console, API): package hub's acts.go.
	ActionOrgCreate     = "org.create"     // an organization was added (a center: policy.change, see hub.AddCenterOrg)
	ActionGroupCreate   = "group.create"   // a sharing group and its members (sharing policy)
	ActionOrgChange     = "org.change"     // an organization renamed, its sector changed, disabled or enabled
	ActionOrgDelete     = "org.delete"     // an organization that held nothing was deleted
	ActionGroupChange   = "group.change"   // a sharing group renamed or its members changed (sharing policy)
	ActionGroupDelete   = "group.delete"   // a sharing group addressed by nothing was deleted
	ActionTokenRevoke   = "token.revoke"   // an API token was revoked
	ActionWebhookCreate = "webhook.create" // an organization's webhook was added
	ActionWebhookDelete = "webhook.delete" // an organization's webhook was removed
	// The committee's own accounts, independent of the operator.
	ActionCommitteeBootstrap      = "committee.bootstrap"       // the committee's first member, made on the server
	ActionCommitteeConfirm        = "committee.confirm"         // a member's confirmation of a new member's account
	ActionCommitteeRetire         = "committee.retire"          // a second member's confirmation of a member's retirement (or one member's of a pending account)
	ActionCommitteeRetirePropose  = "committee.retire.propose"  // a member's proposal to retire a member's account
	ActionCommitteeRetireWithdraw = "committee.retire.withdraw" // the proposer's withdrawal of their proposal
	ActionCommitteeRetireExpire   = "committee.retire.expire"   // a proposal past the committee's proposal period, removed

	// Acts of the government towards operators and suppliers that the
	// committee reports to the Diet (Detail "kind" says which instrument).
	ActionNoticeIssue         = "notice.issue"         // a notice (通知, 注意喚起) issued
	ActionDemandIssue         = "demand.issue"         // a demand (求め, 是正要求) issued
	ActionRecommendationIssue = "recommendation.issue" // a recommendation (勧告) issued

	// Acts that the HTTP doors log before calling the handler (audit.AtDoor
	// in internal/api/routes.go and internal/web/routes.go): the route and
	// the path are in Detail. TestDoorActionsDefined (internal/server) fails
	// for a route table naming an action not defined in this package. One
	// act has one action whichever door it comes through
	// (TestOneActOneActionAtEveryDoor); an action no longer written stays
	// here, since the log is append-only and its older entries must read.
	ActionLogout            = "logout"             // a user ended their console session (logged when the log can take it, see docs/audit.md)
	ActionPasswordChange    = "password.change"    // a user changed their own password
	ActionObjectSubmit      = "object.submit"      // objects submitted through the REST API or the console
	ActionSightingReport    = "sighting.report"    // no longer written: a sighting reported on the console, before it logged object.submit as the API does; kept so that older entries read
	ActionAlertRead         = "alert.read"         // an alert marked read
	ActionPreferenceChange  = "preference.change"  // a user changed their own display preference (the time zone of the console)
	ActionWebhookRetry      = "webhook.retry"      // a dead webhook delivery retried
	ActionReportFile        = "report.file"        // an incident report filed (Art. 5)
	ActionComputerRegister  = "computer.register"  // a critical computer notified (Art. 4)
	ActionComputerChange    = "computer.change"    // a change to a notified critical computer
	ActionCaseOpen          = "case.open"          // a response case opened
	ActionCaseAct           = "case.act"           // an action recorded on a case
	ActionCaseTask          = "case.task"          // a task of a case added, assigned, given a due date, done or opened again
	ActionCaseTemplate      = "case.template"      // a case template of the center's added, replaced or removed
	ActionAdvisoryAck       = "advisory.ack"       // an advisory acknowledged
	ActionAdvisoryComplete  = "advisory.complete"  // an advisory's actions reported complete
	ActionAdvisoryStep      = "advisory.step"      // no longer written: the console's acknowledgement or completion (the step in the path) before it logged advisory.ack or advisory.complete as the API does; kept so that older entries read
	ActionConsultationAsk   = "consultation.ask"   // a consultation asked
	ActionConsultationReply = "consultation.reply" // a reply to a consultation
	ActionAssetAdd          = "asset.add"          // a connection point registered
	ActionAssetImport       = "asset.import"       // connection points imported
	ActionAssetUpdate       = "asset.update"       // a connection point changed
	ActionAssetConfirm      = "asset.confirm"      // a connection point confirmed still current
	ActionAssetDelete       = "asset.delete"       // a connection point removed
	ActionSBOMRegister      = "sbom.register"      // an SBOM registered
	ActionSBOMDelete        = "sbom.delete"        // an SBOM removed
	ActionVendorPublish     = "vendor.publish"     // a vendor's advisory, VEX or label published
	ActionFeedAdd           = "feed.add"           // a feed subscribed to
	ActionHuntingPublish    = "hunting.publish"    // a hunting package published
	ActionHuntingReport     = "hunting.report"     // a hunting package's findings reported back
	ActionWarninglistChange = "warninglist.change" // a warninglist imported, extended, shortened, enabled or disabled (Detail "op")
	ActionExportReview      = "export.review"      // the center released or held an indicator waiting to reach exports
)

// HeaderIndex is the response header that carries the index of the entry
// logged before the response's data was released: the receipt of C7.
const HeaderIndex = "X-Renkei-Audit-Index"

// HeaderLog is the response header that names the log (its origin) in
// which the receipt's indices are: on a cluster, the one log of every node.
const HeaderLog = "X-Renkei-Audit-Log"

// SetIndexHeader records the receipt of a logged release on a response.
func SetIndexHeader(h http.Header, index uint64) {
	h.Set(HeaderIndex, strconv.FormatUint(index, 10))
}

// SetReceipt records the receipt of a logged release on a response: the
// log's name and the indices of the entries appended for it.
func (l *Log) SetReceipt(h http.Header, idx ...uint64) {
	if len(idx) == 0 {
		return
	}
	b := make([]byte, 0, 12*len(idx))
	for i, x := range idx {
		if i > 0 {
			b = append(b, ',')
		}
		b = strconv.AppendUint(b, x, 10)
	}
	h.Set(HeaderLog, l.Origin())
	h.Set(HeaderIndex, string(b))
}

// AppendForRelease is the C7 step of a handler about to release logged data:
// it appends e durably and, only then, puts the receipt header on the
// response. On error nothing is set and the handler must not release the
// data (answer 503 instead).
func (l *Log) AppendForRelease(ctx context.Context, h http.Header, e Entry) (uint64, error) {
	idx, err := l.Append(ctx, e)
	if err != nil {
		return 0, err
	}
	l.SetReceipt(h, idx)
	return idx, nil
}

// Actions of post-quantum migration (package pqc, issue 16).
const (
	ActionPQCImport          = "pqc.import"           // a CBOM's crypto assets taken into an organization's inventory
	ActionPQCAsset           = "pqc.asset"            // a crypto asset entered by hand, or its data lifetime marked
	ActionPQCEndpointAdd     = "pqc.endpoint.add"     // an endpoint registered for probing
	ActionPQCEndpointConfirm = "pqc.endpoint.confirm" // an organization confirmed it owns an endpoint (its addresses then)
	ActionPQCProbe           = "pqc.probe"            // the hub probed a registered, confirmed endpoint (logged before it connects)
	ActionPQCScanReport      = "pqc.scan.report"      // a member-side scan reported back
	ActionPQCPlan            = "pqc.plan"             // a migration plan step added or changed
	ActionPQCMilestones      = "pqc.milestones"       // the hub's milestones set (the government's target)
)
