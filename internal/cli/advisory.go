package cli

import (
	"fmt"

	"github.com/spf13/cobra"

	"renkei/internal/advisory"
	"renkei/internal/i18n"
)

func newAdvisoryCmd(g *globals) *cobra.Command {
	cmd := &cobra.Command{Use: "advisory", Short: "Advisories (注意喚起), correction requests (是正要求) and supplier requests"}
	var as string
	cmd.PersistentFlags().StringVar(&as, "as", "", "")
	flagUsage(cmd.PersistentFlags(), "as", i18n.M("cli.help.flags.as"))
	var a advisory.Advisory
	var due string
	publish := &cobra.Command{
		Use:   "publish",
		Short: "Publish to an audience with required actions and a due date",
		Long: `Publish an advisory (--kind advisory), a correction request to government agencies
(--kind correction, with --findings) or a request to suppliers (--kind supplier).
The audience is the union of --all, --sectors, --org-kinds and --orgs, fixed at
publication. The due date is RFC 3339 or "2026-12-01 17:00" in JST.`,
		Example: `  renkei advisory publish --as kanshi --title "Patch FortiOS" --action "apply 7.2.11" --action "rotate VPN credentials" --sectors energy,water --due "2026-12-01 17:00"
  renkei advisory publish --as kanshi --kind correction --title "MFA on remote access" --findings "…" --campaign "FY2026-1" --orgs "Digital Agency" --action "enforce MFA" --due 2027-01-31T17:00:00+09:00`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if due != "" {
				t, err := parseJST(due)
				if err != nil {
					return fmt.Errorf("--due: %w", err)
				}
				a.Due = t
			}
			return g.towerRun(cmd, as, func(ts *towerSession) error {
				got, err := ts.app.Advisories.Publish(cmd.Context(), ts.caller, a)
				if err != nil {
					return err
				}
				fmt.Fprintf(g.stdout, "%s\t%s\n", got.PublicID, g.say(i18n.M("cli.advisory.published", fmt.Sprint(got.Counts.Targets), jstTime(got.Due))))
				return nil
			})
		},
	}
	f := publish.Flags()
	f.StringVar(&a.Kind, "kind", "advisory", "advisory, correction or supplier")
	f.StringVar(&a.Title, "title", "", "title (required)")
	f.StringVar(&a.Body, "body", "", "text")
	f.StringVar(&a.Findings, "findings", "", "audit findings (correction requests)")
	f.StringVar(&a.Campaign, "campaign", "", "audit campaign")
	f.StringArrayVar(&a.Actions, "action", nil, "a required action (repeat)")
	f.StringVar(&a.Severity, "severity", "medium", "low, medium, high or critical")
	f.StringVar(&due, "due", "", "due date (required)")
	f.BoolVar(&a.Audience.All, "all", false, "every member organization")
	f.StringSliceVar(&a.Audience.Sectors, "sectors", nil, "sectors")
	f.StringSliceVar(&a.Audience.Kinds, "org-kinds", nil, "kinds of organization")
	f.StringSliceVar(&a.Audience.Orgs, "orgs", nil, "organizations by name or id")
	ack := &cobra.Command{
		Use:   "ack ID",
		Short: "Acknowledge an advisory for your organization",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			id := args[0] // a public id, as the API and the console show it
			return g.towerRun(cmd, as, func(ts *towerSession) error {
				return ts.app.Advisories.Acknowledge(cmd.Context(), ts.caller, id)
			})
		},
	}
	var evidence string
	complete := &cobra.Command{
		Use:     "complete ID",
		Short:   "Report your organization completed the required actions, with evidence",
		Example: `  renkei advisory complete --as gov 3b7d0a91c2e64f58a1d9e0b7c6f42d83 --evidence "MFA enforced 2026-11-25; config export attached to the case"`,
		Args:    cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			id := args[0] // a public id, as the API and the console show it
			return g.towerRun(cmd, as, func(ts *towerSession) error {
				return ts.app.Advisories.Complete(cmd.Context(), ts.caller, id, evidence)
			})
		},
	}
	complete.Flags().StringVar(&evidence, "evidence", "", "what was done (required for correction and supplier requests)")
	status := &cobra.Command{
		Use:   "status [ID]",
		Short: "Show advisories with exact acknowledgement and completion counts (one: per organization)",
		Args:  cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return g.towerRun(cmd, as, func(ts *towerSession) error {
				svc := ts.app.Advisories
				tw := newTable(g.stdout)
				if len(args) == 1 {
					id := args[0] // a public id, as the API and the console show it
					a, targets, err := svc.Get(cmd.Context(), ts.viewer, id)
					if err != nil {
						return err
					}
					g.tell(g.stdout, i18n.M("cli.advisory.summary", a.Kind, a.PublicID, a.Title, jstTime(a.Due), fmt.Sprint(a.Counts.Targets),
						fmt.Sprint(a.Counts.Acknowledged), fmt.Sprint(a.Counts.Completed), fmt.Sprint(a.Counts.Overdue)))
					fmt.Fprintln(tw, "ORGANIZATION\tACKNOWLEDGED\tCOMPLETED\tEVIDENCE")
					for _, t := range targets {
						fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", t.OrgName, jstTime(t.Acked), jstTime(t.Completed), t.Evidence)
					}
					return tw.Flush()
				}
				l, err := svc.List(cmd.Context(), ts.viewer, advisory.ListQuery{})
				if err != nil {
					return err
				}
				fmt.Fprintln(tw, "ID\tKIND\tTITLE\tDUE\tADDRESSED\tACKNOWLEDGED\tCOMPLETED\tOVERDUE")
				for _, a := range l {
					fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%d\t%d\t%d\t%d\n", a.PublicID, a.Kind, a.Title, jstTime(a.Due), a.Counts.Targets, a.Counts.Acknowledged, a.Counts.Completed, a.Counts.Overdue)
				}
				return tw.Flush()
			})
		},
	}
	cmd.AddCommand(publish, ack, complete, status)
	return cmd
}
