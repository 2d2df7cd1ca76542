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
		Use: "approval",
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
		Use:  "request --kind K --legal-basis L --target T --justification J --until DATE",
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
	fl.StringVar(&in.Kind, "kind", "", "")
	fl.StringVar(&in.LegalBasis, "legal-basis", "", "")
	fl.StringVar(&in.Target, "target", "", "")
	fl.StringVar(&in.Justification, "justification", "", "")
	fl.StringVar(&from, "from", "", "")
	fl.StringVar(&until, "until", "", "")
	fl.BoolVar(&in.Emergency, "emergency", false, "")
	fl.StringArrayVar(&in.Purposes, "purpose", nil, "")
	fl.BoolVar(&in.PrefixPreserving, "prefix-preserving", false, "")
	formatFlag(cmd, &format, formatTable, formatJSON, formatCSV)
	return cmd
}

func newApprovalListCmd(g *globals) *cobra.Command {
	var h hubFlags
	var status string
	var format string
	cmd := &cobra.Command{
		Use:  "list [--status pending|approved|denied|emergency|revoked]",
		Args: cobra.NoArgs,
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
	cmd.Flags().StringVar(&status, "status", "", "")
	formatFlag(cmd, &format, formatTable, formatJSON, formatCSV)
	return cmd
}

func newApprovalDecideCmd(g *globals) *cobra.Command {
	var h hubFlags
	var approve, deny bool
	var format string
	var reason string
	cmd := &cobra.Command{
		Use:  "decide ID --approve|--deny --reason TEXT",
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
	cmd.Flags().BoolVar(&approve, "approve", false, "")
	cmd.Flags().BoolVar(&deny, "deny", false, "")
	cmd.Flags().StringVar(&reason, "reason", "", "")
	formatFlag(cmd, &format, formatTable, formatJSON, formatCSV)
	return cmd
}

func newApprovalRevokeCmd(g *globals) *cobra.Command {
	var h hubFlags
	var format string
	var reason string
	cmd := &cobra.Command{
		Use:  "revoke ID --reason TEXT",
		Args: cobra.ExactArgs(1),
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
	cmd.Flags().StringVar(&reason, "reason", "", "")
	formatFlag(cmd, &format, formatTable, formatJSON, formatCSV)
	return cmd
}

func newApprovalLimitsCmd(g *globals) *cobra.Command {
	var maxEmergency, postNotification string
	cmd := &cobra.Command{
		Use:  "limits [--emergency-max 7d] [--post-notification 7d]",
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
	cmd.Flags().StringVar(&maxEmergency, "emergency-max", "", "")
	cmd.Flags().StringVar(&postNotification, "post-notification", "", "")
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
