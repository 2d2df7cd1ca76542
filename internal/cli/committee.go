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
		Use:   "committee",
		Short: "The oversight committee's own organization and its members' accounts",
		Long: `The Cyber Communications Information Oversight Committee (サイバー通信情報監理委員会) has its own
organization (kind oversight-committee); overseer accounts exist there only. An overseer
account that an administrator creates ("renkei user add --role overseer") is pending: it cannot
log in until a member of the committee confirms it ("renkei committee confirm"), and the
confirming member receives its first password. The first member of a hub is made on the server
with "renkei committee bootstrap", which works only while the committee has no active member.
Every one of these acts is in the audit log before it takes effect.`,
	}
	cmd.AddCommand(newCommitteeBootstrapCmd(g), newCommitteeMembersCmd(g), newCommitteeConfirmCmd(g), newCommitteeRetireCmd(g),
		newCommitteeWithdrawCmd(g), newCommitteeLimitsCmd(g))
	return cmd
}

func newCommitteeBootstrapCmd(g *globals) *cobra.Command {
	var org string
	cmd := &cobra.Command{
		Use:   "bootstrap LOGIN [--org NAME]",
		Short: "Make the committee's organization and its first member, on the server (once)",
		Long: `bootstrap creates the committee's organization (when the hub has none) and its first member's
account, active, and prints the account's first password once on standard output. It is
refused as soon as the committee has an active member: from then on, members confirm new
members. The act is logged (committee.bootstrap, with the local account that ran it) before it
takes effect; the committee checks that the log holds exactly one such entry, naming its member.
Run it with the committee's chosen member present, and let them change the password at once.`,
		Example: `  renkei committee bootstrap iinkai-chair --org "サイバー通信情報監理委員会"`,
		Args:    cobra.ExactArgs(1),
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
	cmd.Flags().StringVar(&org, "org", "サイバー通信情報監理委員会 (Cyber Communications Information Oversight Committee)", "the committee's organization, created when the hub has none")
	return cmd
}

func newCommitteeMembersCmd(g *globals) *cobra.Command {
	var h hubFlags
	var format string
	cmd := &cobra.Command{
		Use:     "members",
		Short:   "List the committee's accounts, pending ones included (overseer role)",
		Example: `  renkei committee members --hub https://hub.example.jp --token $OVERSEER_TOKEN`,
		Args:    cobra.NoArgs,
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
		Use:   "confirm LOGIN",
		Short: "Confirm a pending member's account and print its first password (overseer role)",
		Long: `confirm activates an account an administrator created for a new member of the committee. Only
an active member may confirm, and not the account's creator. The confirmation is in the audit
log (committee.confirm) before the hub answers; the account's first password is printed once
on standard output, for you to hand to the new member.`,
		Example: `  renkei committee confirm sato --hub https://hub.example.jp --token $OVERSEER_TOKEN`,
		Args:    cobra.ExactArgs(1),
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
		Use:   "retire LOGIN --reason TEXT",
		Short: "Propose retiring a member's account, or confirm another member's proposal",
		Long: `retire takes two members of the committee. The first run proposes retiring a member's account
(your own included), with reasons: logged (committee.retire.propose), the account stays active.
A different active member then runs it for the same account and confirms: logged
(committee.retire) first, then the account is disabled — it can no longer log in and its tokens
stop working. The member retired may confirm another member's proposal (a resignation). Nobody
else related to the proposal confirms it: not its proposer, not an account the proposer created.
A proposal expires after the committee's proposal period (14 days unless set with "renkei
committee limits"): it can no longer be confirmed; its proposer may withdraw it before
("renkei committee withdraw"). An account still pending (never confirmed) is retired by one
member. The last active member cannot be retired. The operator has no part in it.

Exit codes: 0 proposed or retired, 1 refused (the hub's reason on stderr).`,
		Example: `  renkei committee retire sato --reason "term ended" --hub https://hub.example.jp --token $OVERSEER_TOKEN`,
		Args:    cobra.ExactArgs(1),
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
	cmd.Flags().StringVar(&reason, "reason", "", "the reasons for the retirement (required)")
	return cmd
}

func newCommitteeWithdrawCmd(g *globals) *cobra.Command {
	var h hubFlags
	var reason string
	cmd := &cobra.Command{
		Use:   "withdraw LOGIN [--reason TEXT]",
		Short: "Withdraw your own proposal to retire a member (overseer role)",
		Long: `withdraw removes the proposal you made to retire a member's account, while it waits for
confirmation. Only the member who proposed it withdraws it. The withdrawal is logged
(committee.retire.withdraw, with the reasons given) before it takes effect.

Exit codes: 0 withdrawn, 1 refused (the hub's reason on stderr).`,
		Example: `  renkei committee withdraw sato --reason "proposed in error" --hub https://hub.example.jp --token $OVERSEER_TOKEN`,
		Args:    cobra.ExactArgs(1),
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
	cmd.Flags().StringVar(&reason, "reason", "", "why the proposal is withdrawn")
	return cmd
}

func newCommitteeLimitsCmd(g *globals) *cobra.Command {
	var period string
	cmd := &cobra.Command{
		Use:   "limits [--proposal-period 14d]",
		Short: "Show or set how long a proposal to retire a member waits for confirmation (on the server)",
		Long: `limits shows how long a proposal to retire a member of the committee waits for a second
member's confirmation before it expires, or sets it on this machine's store, in whole days. A
change is logged (policy.change) before it is stored and applies to waiting proposals too. An
expired proposal cannot be confirmed; its expiry is logged (committee.retire.expire) before the
proposal is removed.`,
		Example: `  renkei committee limits
  renkei committee limits --proposal-period 30d`,
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
	cmd.Flags().StringVar(&period, "proposal-period", "", "how long a retirement proposal waits for confirmation, in days (e.g. 14d)")
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
