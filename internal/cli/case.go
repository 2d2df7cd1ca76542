package cli

import (
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"renkei/internal/cases"
	"renkei/internal/i18n"
)

func newCaseCmd(g *globals) *cobra.Command {
	cmd := &cobra.Command{Use: "case"}
	var as string
	cmd.PersistentFlags().StringVar(&as, "as", "", "")
	flagUsage(cmd.PersistentFlags(), "as", i18n.M("cli.help.flags.as"))
	var k cases.Case
	open := &cobra.Command{
		Use:  "open",
		Args: cobra.NoArgs,
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
	open.Flags().StringVar(&k.Title, "title", "", "")
	open.Flags().StringVar(&k.Severity, "severity", "medium", "")
	open.Flags().StringVar(&k.Source, "source", "", "")
	open.Flags().StringVar(&k.Assignee, "assignee", "", "")
	open.Flags().StringVar(&k.Template, "template", "", "") // help: cli.help.renkei.case.open.flag.template
	var act cases.Act
	var link string
	actCmd := &cobra.Command{
		Use:  "act ID",
		Args: cobra.ExactArgs(1),
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
	actCmd.Flags().StringVar(&act.Status, "status", "", "")
	actCmd.Flags().StringVar(&act.Severity, "severity", "", "")
	actCmd.Flags().StringVar(&act.Assignee, "assignee", "", "")
	actCmd.Flags().StringVar(&act.Note, "note", "", "")
	actCmd.Flags().BoolVar(&act.Shared, "shared", false, "")
	actCmd.Flags().StringVar(&link, "link", "", "")
	var openOnly bool
	var caseFormat string
	list := &cobra.Command{
		Use:  "list",
		Args: cobra.NoArgs,
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
	list.Flags().BoolVar(&openOnly, "open", false, "")
	formatFlag(list, &caseFormat, formatTable, formatJSON, formatCSV)
	show := &cobra.Command{
		Use:  "show ID",
		Args: cobra.ExactArgs(1),
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
