package cli

import (
	"fmt"

	"github.com/spf13/cobra"

	"renkei/internal/advisory"
	"renkei/internal/i18n"
)

func newAdvisoryCmd(g *globals) *cobra.Command {
	cmd := &cobra.Command{Use: "advisory"}
	var as string
	cmd.PersistentFlags().StringVar(&as, "as", "", "")
	flagUsage(cmd.PersistentFlags(), "as", i18n.M("cli.help.flags.as"))
	var a advisory.Advisory
	var due string
	publish := &cobra.Command{
		Use:  "publish",
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
	f.StringVar(&a.Kind, "kind", "advisory", "")
	f.StringVar(&a.Title, "title", "", "")
	f.StringVar(&a.Body, "body", "", "")
	f.StringVar(&a.Findings, "findings", "", "")
	f.StringVar(&a.Campaign, "campaign", "", "")
	f.StringArrayVar(&a.Actions, "action", nil, "")
	f.StringVar(&a.Severity, "severity", "medium", "")
	f.StringVar(&due, "due", "", "")
	f.BoolVar(&a.Audience.All, "all", false, "")
	f.StringSliceVar(&a.Audience.Sectors, "sectors", nil, "")
	f.StringSliceVar(&a.Audience.Kinds, "org-kinds", nil, "")
	f.StringSliceVar(&a.Audience.Orgs, "orgs", nil, "")
	ack := &cobra.Command{
		Use:  "ack ID",
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			id := args[0] // a public id, as the API and the console show it
			return g.towerRun(cmd, as, func(ts *towerSession) error {
				return ts.app.Advisories.Acknowledge(cmd.Context(), ts.caller, id)
			})
		},
	}
	var evidence string
	complete := &cobra.Command{
		Use:  "complete ID",
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			id := args[0] // a public id, as the API and the console show it
			return g.towerRun(cmd, as, func(ts *towerSession) error {
				return ts.app.Advisories.Complete(cmd.Context(), ts.caller, id, evidence)
			})
		},
	}
	complete.Flags().StringVar(&evidence, "evidence", "", "")
	status := &cobra.Command{
		Use:  "status [ID]",
		Args: cobra.MaximumNArgs(1),
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
