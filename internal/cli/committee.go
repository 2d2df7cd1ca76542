package cli

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"renkei/internal/app"
	"renkei/internal/audit"
	"renkei/internal/auth"
	"renkei/internal/client"
	"renkei/internal/hub"
	"renkei/internal/i18n"
)

// The oversight committee's accounts: the first member made on the server,
// and new members confirmed by the committee itself through the hub.

func newCommitteeCmd(g *globals) *cobra.Command {
	cmd := &cobra.Command{
		Use: "committee",
	}
	cmd.AddCommand(newCommitteeBootstrapCmd(g), newCommitteeMembersCmd(g), newCommitteeConfirmCmd(g), newCommitteeRetireCmd(g),
		newCommitteeWithdrawCmd(g), newCommitteeLimitsCmd(g))
	return cmd
}

func newCommitteeBootstrapCmd(g *globals) *cobra.Command {
	var org string
	cmd := &cobra.Command{
		Use:  "bootstrap LOGIN [--org NAME]",
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return g.withHub(cmd.Context(), func(h *hub.Hub) error {
				op := operator(h)
				if _, members, err := hub.CommitteeMembers(cmd.Context(), h.DB); err == nil {
					for _, m := range members {
						if !m.Pending && !m.Disabled {
							return hub.ErrCommitteeHasMembers
						}
					}
				}
				if _, err := h.Record(cmd.Context(), op, audit.ActionCommitteeBootstrap, "user:"+args[0],
					map[string]string{"org": org, "via": "cli"}); err != nil {
					return err
				}
				u, password, err := hub.BootstrapCommittee(cmd.Context(), h.DB, org, args[0], op.User.Login, time.Now().UTC())
				if err != nil {
					return err
				}
				fmt.Fprintln(g.stderr, g.say(i18n.M("cli.committee.first_member", u.Login)))
				fmt.Fprintln(g.stdout, password)
				return nil
			})
		},
	}
	cmd.Flags().StringVar(&org, "org", "サイバー通信情報監理委員会 (Cyber Communications Information Oversight Committee)", "")
	return cmd
}

func newCommitteeMembersCmd(g *globals) *cobra.Command {
	var h hubFlags
	var format string
	cmd := &cobra.Command{
		Use:  "members",
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			c, err := h.approvals()
			if err != nil {
				return err
			}
			ms, err := c.CommitteeMembers(cmd.Context())
			if err != nil {
				return err
			}
			return printMembers(g, ms, format)
		},
	}
	h.add(cmd)
	formatFlag(cmd, &format, formatTable, formatJSON, formatCSV)
	return cmd
}

func newCommitteeConfirmCmd(g *globals) *cobra.Command {
	var h hubFlags
	var format string
	cmd := &cobra.Command{
		Use:  "confirm LOGIN",
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			c, err := h.approvals()
			if err != nil {
				return err
			}
			m, err := c.ConfirmMember(cmd.Context(), args[0])
			if err != nil {
				return err
			}
			if format == formatJSON {
				return printMembers(g, []client.Member{m}, format)
			}
			fmt.Fprintln(g.stderr, g.say(i18n.M("cli.committee.confirmed", m.Login)))
			fmt.Fprintln(g.stdout, m.Password)
			return nil
		},
	}
	h.add(cmd)
	formatFlag(cmd, &format, formatTable, formatJSON)
	return cmd
}

func newCommitteeRetireCmd(g *globals) *cobra.Command {
	var h hubFlags
	var reason string
	cmd := &cobra.Command{
		Use:  "retire LOGIN --reason TEXT",
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if strings.TrimSpace(reason) == "" {
				return refuse(i18n.M("cli.needs_reason"))
			}
			c, err := h.approvals()
			if err != nil {
				return err
			}
			m, err := c.RetireMember(cmd.Context(), args[0], reason)
			if err != nil {
				return err
			}
			if !m.Disabled {
				g.tell(g.stdout, i18n.M("cli.committee.retire_proposed", m.Login, m.Login))
				return nil
			}
			g.tell(g.stdout, i18n.M("cli.committee.retired", m.Login))
			return nil
		},
	}
	h.add(cmd)
	cmd.Flags().StringVar(&reason, "reason", "", "")
	return cmd
}

func newCommitteeWithdrawCmd(g *globals) *cobra.Command {
	var h hubFlags
	var reason string
	cmd := &cobra.Command{
		Use:  "withdraw LOGIN [--reason TEXT]",
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			c, err := h.approvals()
			if err != nil {
				return err
			}
			m, err := c.WithdrawRetirement(cmd.Context(), args[0], reason)
			if err != nil {
				return err
			}
			g.tell(g.stdout, i18n.M("cli.committee.withdrawn", m.Login))
			return nil
		},
	}
	h.add(cmd)
	cmd.Flags().StringVar(&reason, "reason", "", "")
	return cmd
}

func newCommitteeLimitsCmd(g *globals) *cobra.Command {
	var period string
	cmd := &cobra.Command{
		Use:  "limits [--proposal-period 14d]",
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			return g.withApp(cmd.Context(), func(a *app.App) error {
				if period != "" {
					d, err := auth.ParseExpiry(period)
					if err != nil || d < 24*time.Hour || d%(24*time.Hour) != 0 {
						return refuse(i18n.M("cli.committee.bad_period", period))
					}
					if err := a.Hub.SetRetireProposalPeriod(cmd.Context(), operator(a.Hub), d); err != nil {
						return err
					}
				}
				d, err := hub.RetireProposalPeriod(cmd.Context(), a.Store)
				if err != nil {
					return err
				}
				g.tell(g.stdout, i18n.M("cli.committee.period", strconv.Itoa(int(d/(24*time.Hour)))))
				return nil
			})
		},
	}
	cmd.Flags().StringVar(&period, "proposal-period", "", "")
	return cmd
}

func printMembers(g *globals, ms []client.Member, format string) error {
	if format == formatJSON {
		enc := json.NewEncoder(g.stdout)
		enc.SetIndent("", "  ")
		if len(ms) == 1 {
			return enc.Encode(ms[0])
		}
		return enc.Encode(ms)
	}
	tw := newTableAs(g.stdout, format)
	fmt.Fprintln(tw, "LOGIN\tSTATE\tCREATED BY\tCONFIRMED BY")
	for _, m := range ms {
		state := "active"
		switch {
		case m.Disabled:
			state = "retired"
		case m.Pending:
			state = "pending"
		case m.RetireProposedBy != "":
			state = "active, retirement proposed by " + m.RetireProposedBy
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", m.Login, state, m.CreatedBy, m.ConfirmedBy)
	}
	return tw.Flush()
}
