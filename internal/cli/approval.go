package cli

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"renkei/internal/app"
	"renkei/internal/approval"
	"renkei/internal/auth"
	"renkei/internal/client"
	"renkei/internal/i18n"
	"renkei/internal/jst"
)

func newApprovalCmd(g *globals) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "approval",
		Short: "Request, list and decide the oversight committee's approvals (rule C6)",
		Long: `Approvals of the Cyber Communications Information Oversight Committee (サイバー通信情報監理委員会):
for collecting communications information from a source, and for access and neutralization
measures (アクセス・無害化措置). The center's handlers and analysts file requests; committee
members (the overseer role) approve or deny them with reasons. An emergency measure is recorded
as executed first and opens a post-notification task. The hub appends every request and
decision to the audit log before answering; the log index is printed with each approval.

Kinds: collection-agreement, collection-committee, access-neutralization.`,
		Example: `  renkei approval request --kind access-neutralization --legal-basis "Art. 36" \
    --target "C2 server 203.0.113.7" --justification "active botnet C2" --until 2026-12-31 \
    --hub https://hub.example.jp --token $TOKEN
  renkei approval list --status pending --hub https://hub.example.jp --token $OVERSEER_TOKEN
  renkei approval decide 12 --approve --reason "necessary and proportionate" --hub … --token …`,
	}
	cmd.AddCommand(newApprovalRequestCmd(g), newApprovalListCmd(g), newApprovalDecideCmd(g), newApprovalRevokeCmd(g), newApprovalLimitsCmd(g))
	return cmd
}

func (h *hubFlags) approvals() (*client.Client, error) {
	if h.hub == "" || h.token == "" {
		return nil, refuse(i18n.M("cli.hub.needed"))
	}
	return &client.Client{Hub: h.hub, Token: h.token}, nil
}

// parseDay reads a date (YYYY-MM-DD, Japan time) or an RFC 3339 time.
func parseDay(flag, s string) (time.Time, error) {
	if t, err := time.Parse(time.RFC3339, s); err == nil {
		return t, nil
	}
	t, err := time.ParseInLocation("2006-01-02", s, jst.Zone)
	if err != nil {
		return t, refuse(i18n.M("cli.bad_day_or_time", "--"+flag, s))
	}
	return t, nil
}

func newApprovalRequestCmd(g *globals) *cobra.Command {
	var h hubFlags
	var in client.ApprovalRequest
	var from, until string
	var format string
	cmd := &cobra.Command{
		Use:   "request --kind K --legal-basis L --target T --justification J --until DATE",
		Short: "File a request for approval (or record an emergency measure with --emergency)",
		Long: `request files an approval request with the hub. The period runs from --from (default now)
to --until. With --emergency (access-neutralization only) the measure is recorded as
executed now, the committee is alerted, and post-notification is due within the
configured period. --purpose (repeatable) names the only purposes the source's records may
be read for under the approval; --prefix-preserving asks that the source's pseudonyms keep
address prefixes, which reveals the subnet layout of the pseudonymized network (the
committee sees this when it decides).`,
		Example: `  renkei approval request --kind collection-committee --legal-basis "Art. 61" \
    --target "transit flows at IX-Tokyo, foreign to foreign" --justification "campaign X C2" \
    --from 2026-12-01 --until 2027-02-28 --hub https://hub.example.jp --token $TOKEN`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			c, err := h.approvals()
			if err != nil {
				return err
			}
			in.ValidFrom = time.Now()
			if from != "" {
				if in.ValidFrom, err = parseDay("from", from); err != nil {
					return err
				}
			}
			if until == "" {
				return refuse(i18n.M("cli.approval.needs_until"))
			}
			if in.ValidUntil, err = parseDay("until", until); err != nil {
				return err
			}
			a, err := c.RequestApproval(cmd.Context(), in)
			if err != nil {
				return err
			}
			return printApprovals(g, []client.Approval{a}, format)
		},
	}
	fl := cmd.Flags()
	h.add(cmd)
	fl.StringVar(&in.Kind, "kind", "", "collection-agreement, collection-committee or access-neutralization")
	fl.StringVar(&in.LegalBasis, "legal-basis", "", "the provision or agreement the request rests on")
	fl.StringVar(&in.Target, "target", "", "the source or target, described")
	fl.StringVar(&in.Justification, "justification", "", "why it is necessary")
	fl.StringVar(&from, "from", "", "start of the period (YYYY-MM-DD or RFC 3339; default now)")
	fl.StringVar(&until, "until", "", "end of the period (YYYY-MM-DD or RFC 3339)")
	fl.BoolVar(&in.Emergency, "emergency", false, "the measure was executed before approval (post-notification follows)")
	fl.StringArrayVar(&in.Purposes, "purpose", nil, "a purpose the source's records may be read for (repeat for several; none: any purpose stated in full)")
	fl.BoolVar(&in.PrefixPreserving, "prefix-preserving", false, "grant the source prefix-preserving pseudonyms (collection only); the committee is shown what a kept prefix reveals")
	formatFlag(cmd, &format, formatTable, formatJSON, formatCSV)
	return cmd
}

func newApprovalListCmd(g *globals) *cobra.Command {
	var h hubFlags
	var status string
	var format string
	cmd := &cobra.Command{
		Use:     "list [--status pending|approved|denied|emergency|revoked]",
		Short:   "List approvals, newest first (overseers and the center's handlers)",
		Example: `  renkei approval list --status pending --hub https://hub.example.jp --token $OVERSEER_TOKEN`,
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			c, err := h.approvals()
			if err != nil {
				return err
			}
			as, err := c.Approvals(cmd.Context(), status)
			if err != nil {
				return err
			}
			return printApprovals(g, as, format)
		},
	}
	h.add(cmd)
	cmd.Flags().StringVar(&status, "status", "", "only approvals in this status")
	formatFlag(cmd, &format, formatTable, formatJSON, formatCSV)
	return cmd
}

func newApprovalDecideCmd(g *globals) *cobra.Command {
	var h hubFlags
	var approve, deny bool
	var format string
	var reason string
	cmd := &cobra.Command{
		Use:   "decide ID --approve|--deny --reason TEXT",
		Short: "Approve or deny a request, with reasons (overseer role)",
		Long: `decide records a committee member's decision on a pending request or an emergency measure.
Reasons are required; the decision is in the audit log before the hub answers. Deciding on
an emergency measure closes its post-notification.`,
		Example: `  renkei approval decide 12 --deny --reason "the agreement with the operator is not attached" \
    --hub https://hub.example.jp --token $OVERSEER_TOKEN`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			id, err := strconv.ParseInt(strings.TrimPrefix(args[0], "approval-"), 10, 64)
			if err != nil || id <= 0 {
				return refuse(i18n.M("cli.approval.not_an_id", args[0]))
			}
			if approve == deny {
				return refuse(i18n.M("cli.approval.approve_or_deny"))
			}
			if strings.TrimSpace(reason) == "" {
				return refuse(i18n.M("cli.needs_reason"))
			}
			c, err := h.approvals()
			if err != nil {
				return err
			}
			a, err := c.DecideApproval(cmd.Context(), id, approve, reason)
			if err != nil {
				return err
			}
			return printApprovals(g, []client.Approval{a}, format)
		},
	}
	h.add(cmd)
	cmd.Flags().BoolVar(&approve, "approve", false, "approve the request")
	cmd.Flags().BoolVar(&deny, "deny", false, "deny the request")
	cmd.Flags().StringVar(&reason, "reason", "", "the reasons for the decision (required)")
	formatFlag(cmd, &format, formatTable, formatJSON, formatCSV)
	return cmd
}

func newApprovalRevokeCmd(g *globals) *cobra.Command {
	var h hubFlags
	var format string
	var reason string
	cmd := &cobra.Command{
		Use:   "revoke ID --reason TEXT",
		Short: "Revoke an approval the committee granted, or an emergency measure (overseer role)",
		Long: `revoke records a committee member's revocation of an approved request or of an emergency
measure, with reasons. It is in the audit log (approval.revoke) before the hub answers, and
from then on the approval is in force no more: collection under it is refused and its records
can no longer be read.`,
		Example: `  renkei approval revoke 12 --reason "the operator's agreement ended" --hub https://hub.example.jp --token $OVERSEER_TOKEN`,
		Args:    cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			id, err := strconv.ParseInt(strings.TrimPrefix(args[0], "approval-"), 10, 64)
			if err != nil || id <= 0 {
				return refuse(i18n.M("cli.approval.not_an_id", args[0]))
			}
			if strings.TrimSpace(reason) == "" {
				return refuse(i18n.M("cli.needs_reason"))
			}
			c, err := h.approvals()
			if err != nil {
				return err
			}
			a, err := c.RevokeApproval(cmd.Context(), id, reason)
			if err != nil {
				return err
			}
			return printApprovals(g, []client.Approval{a}, format)
		},
	}
	h.add(cmd)
	cmd.Flags().StringVar(&reason, "reason", "", "the reasons for the revocation (required)")
	formatFlag(cmd, &format, formatTable, formatJSON, formatCSV)
	return cmd
}

func newApprovalLimitsCmd(g *globals) *cobra.Command {
	var maxEmergency, postNotification string
	cmd := &cobra.Command{
		Use:   "limits [--emergency-max 7d] [--post-notification 7d]",
		Short: "Show or set the hub's limits for emergency measures",
		Long: `limits shows the hub's limits for emergency measures, or sets them on this machine's store:
--emergency-max bounds an emergency measure's period (from its execution to its end), whatever
the requester asks; --post-notification is how long the committee has to decide on it, after
which an undecided measure lapses. A change is logged (policy.change) before it is stored and
applies to measures filed from then on. Give days (7d) or hours (72h).`,
		Example: `  renkei approval limits
  renkei approval limits --emergency-max 72h --post-notification 7d`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			return g.withApp(cmd.Context(), func(a *app.App) error {
				h := a.Hub
				l, err := approval.ReadLimits(cmd.Context(), a.Store)
				if err != nil {
					return err
				}
				if maxEmergency != "" || postNotification != "" {
					for _, f := range []struct {
						flag, v string
						d       *time.Duration
					}{{"emergency-max", maxEmergency, &l.MaxEmergencyPeriod}, {"post-notification", postNotification, &l.PostNotification}} {
						if f.v == "" {
							continue
						}
						d, err := auth.ParseExpiry(f.v)
						if err != nil || d < time.Hour || d%time.Hour != 0 {
							return refuse(i18n.M("cli.approval.bad_period", "--"+f.flag, f.v))
						}
						*f.d = d
					}
					if err := a.Approvals.SetLimits(cmd.Context(), operator(h), l); err != nil {
						return err
					}
				}
				g.tell(g.stdout, i18n.M("cli.approval.limits", l.MaxEmergencyPeriod.String(), l.PostNotification.String()))
				return nil
			})
		},
	}
	cmd.Flags().StringVar(&maxEmergency, "emergency-max", "", "longest period of an emergency measure (e.g. 7d, 72h)")
	cmd.Flags().StringVar(&postNotification, "post-notification", "", "time the committee has to decide on an emergency measure (e.g. 7d)")
	return cmd
}

func printApprovals(g *globals, as []client.Approval, format string) error {
	if format == formatJSON {
		enc := json.NewEncoder(g.stdout)
		enc.SetIndent("", "  ")
		if len(as) == 1 {
			return enc.Encode(as[0])
		}
		return enc.Encode(as)
	}
	tw := newTableAs(g.stdout, format)
	fmt.Fprintln(tw, "ID\tKIND\tSTATUS\tVALID\tREQUESTER\tDECIDED BY\tLOG\tTARGET")
	for _, a := range as {
		status := a.Status
		switch {
		case a.Lapsed:
			status += " (lapsed: undecided past " + a.NotifyDue.UTC().Format("2006-01-02") + ")"
		case a.Emergency && a.NotifyDue != nil && status == "emergency":
			status += " (notify by " + a.NotifyDue.UTC().Format("2006-01-02") + ")"
		}
		fmt.Fprintf(tw, "%d\t%s\t%s\t%s..%s\t%s\t%s\t%d\t%s\n", a.ID, a.Kind, status, a.ValidFrom.UTC().Format("2006-01-02"),
			a.ValidUntil.UTC().Format("2006-01-02"), a.Requester, a.DecidedBy, a.AuditIndex, a.Target)
	}
	if err := tw.Flush(); err != nil || format == formatCSV {
		return err
	}
	for _, a := range as {
		for _, p := range a.Purposes {
			g.tell(g.stdout, i18n.M("cli.approval.purpose", fmt.Sprint(a.ID), p))
		}
		if a.PrefixPreserving {
			g.tell(g.stdout, i18n.M("cli.approval.prefix_preserving", fmt.Sprint(a.ID), a.PrefixReveals))
		}
	}
	return nil
}
