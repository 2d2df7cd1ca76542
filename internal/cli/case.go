package cli

import (
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"renkei/internal/cases"
	"renkei/internal/i18n"
)

func newCaseCmd(g *globals) *cobra.Command {
	cmd := &cobra.Command{Use: "case", Short: "The center's cases: assignee, status, severity, timeline, links"}
	var as string
	cmd.PersistentFlags().StringVar(&as, "as", "", "")
	flagUsage(cmd.PersistentFlags(), "as", i18n.M("cli.help.flags.as"))
	var k cases.Case
	open := &cobra.Command{
		Use:     "open",
		Short:   "Open a case, from a report, alert or consultation (--source report:ID)",
		Example: `  renkei case open --as kanshi --title "Ransomware at Suido Water" --severity high --source report:9f2c1e07b4a85d3619e0c7f4a2b8d150 --assignee sato`,
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			return g.towerRun(cmd, as, func(ts *towerSession) error {
				got, err := ts.app.Cases.Open(cmd.Context(), ts.caller, k)
				if err != nil {
					return err
				}
				fmt.Fprintln(g.stdout, got.PublicID)
				return nil
			})
		},
	}
	open.Flags().StringVar(&k.Title, "title", "", "title (required)")
	open.Flags().StringVar(&k.Severity, "severity", "medium", "low, medium, high or critical")
	open.Flags().StringVar(&k.Source, "source", "", "report:<incident>, alert:<id> or consult:<id>")
	open.Flags().StringVar(&k.Assignee, "assignee", "", "login of a center analyst")
	open.Flags().StringVar(&k.Template, "template", "", "") // help: cli.help.renkei.case.open.flag.template
	var act cases.Act
	var link string
	actCmd := &cobra.Command{
		Use:     "act ID",
		Short:   "Change a case's status, severity or assignee, add a note or a link",
		Example: `  renkei case act --as sato 5e81c0d2a7f94b36b0c1d8e2f7a64913 --status responding --note "Isolation advised" --shared`,
		Args:    cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			id := args[0] // a public id, as the API and the console show it
			if link != "" {
				kind, ref, ok := strings.Cut(link, ":")
				if !ok {
					return refuse(i18n.M("cli.case.bad_link", link))
				}
				act.Link = &cases.Link{Kind: kind, Ref: ref}
			}
			return g.towerRun(cmd, as, func(ts *towerSession) error {
				got, err := ts.app.Cases.Do(cmd.Context(), ts.caller, id, act)
				if err != nil {
					return err
				}
				g.tell(g.stdout, i18n.M("cli.case.summary", got.PublicID, got.Status, got.Severity, got.Assignee))
				return nil
			})
		},
	}
	actCmd.Flags().StringVar(&act.Status, "status", "", strings.Join(cases.Statuses, ", "))
	actCmd.Flags().StringVar(&act.Severity, "severity", "", "new severity")
	actCmd.Flags().StringVar(&act.Assignee, "assignee", "", "new assignee")
	actCmd.Flags().StringVar(&act.Note, "note", "", "a note for the timeline")
	actCmd.Flags().BoolVar(&act.Shared, "shared", false, "show the note to the reporting organization")
	actCmd.Flags().StringVar(&link, "link", "", "link KIND:REF (object, org, report, alert, consult, hunting, advisory)")
	var openOnly bool
	var caseFormat string
	list := &cobra.Command{
		Use:   "list",
		Short: "List cases you may see",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			return g.towerRun(cmd, as, func(ts *towerSession) error {
				l, err := ts.app.Cases.List(cmd.Context(), ts.viewer, cases.Query{OpenOnly: openOnly})
				if err != nil {
					return err
				}
				tw := newTableAs(g.stdout, caseFormat)
				fmt.Fprintln(tw, "ID\tSTATUS\tSEVERITY\tASSIGNEE\tSOURCE\tTITLE\tUPDATED")
				for _, k := range l {
					fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\n", k.PublicID, k.Status, k.Severity, k.Assignee, k.Source, k.Title, jstTime(k.Updated))
				}
				return tw.Flush()
			})
		},
	}
	list.Flags().BoolVar(&openOnly, "open", false, "only cases not resolved or closed")
	formatFlag(list, &caseFormat, formatTable, formatJSON, formatCSV)
	show := &cobra.Command{
		Use:   "show ID",
		Short: "Show a case as JSON, as you may see it",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			id := args[0] // a public id, as the API and the console show it
			return g.towerJSON(cmd, as, func(ts *towerSession) (any, error) {
				return ts.app.Cases.Get(cmd.Context(), ts.viewer, id)
			})
		},
	}
	cmd.AddCommand(open, actCmd, list, show, newCaseTaskCmd(g, &as), newCaseTemplateCmd(g, &as))
	return cmd
}
