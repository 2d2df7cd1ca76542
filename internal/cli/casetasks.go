package cli

// renkei case task and renkei case template (issue 18.7): the tasks of a
// case and the center's case templates, as the API and the console change
// them, logged first in the audit log with the action the doors log.

import (
	"fmt"
	"os"

	"github.com/spf13/cobra"

	"renkei/internal/audit"
	"renkei/internal/cases"
	"renkei/internal/i18n"
)

func newCaseTaskCmd(g *globals, as *string) *cobra.Command {
	cmd := &cobra.Command{Use: "task"}
	var n cases.NewTask
	add := &cobra.Command{
		Use:  "add CASE",
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			id := args[0] // a public id, as the API and the console show it
			ts, done, err := g.loggedTower(cmd.Context(), *as)
			if err != nil {
				return err
			}
			defer done()
			if _, err := ts.h.Record(cmd.Context(), ts.caller, audit.ActionCaseTask, "case:"+id, map[string]string{"via": "cli", "task": "add"}); err != nil {
				return err
			}
			t, err := ts.app.Cases.AddTask(cmd.Context(), ts.caller, id, n)
			if err != nil {
				return err
			}
			fmt.Fprintln(g.stdout, t.PublicID)
			return nil
		},
	}
	add.Flags().StringVar(&n.Title, "title", "", "")
	add.Flags().StringVar(&n.Assignee, "assignee", "", "")
	add.Flags().StringVar(&n.Due, "due", "", "")
	var ch cases.TaskChange
	var doneFlag, reopen bool
	var assignee string
	set := &cobra.Command{
		Use:  "set CASE TASK",
		Args: cobra.ExactArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			id, task := args[0], args[1] // public ids
			if doneFlag || reopen {
				v := doneFlag && !reopen
				ch.Done = &v
			}
			if cmd.Flags().Changed("assignee") {
				ch.Assignee = &assignee
			}
			ts, done, err := g.loggedTower(cmd.Context(), *as)
			if err != nil {
				return err
			}
			defer done()
			if _, err := ts.h.Record(cmd.Context(), ts.caller, audit.ActionCaseTask, "case:"+id, map[string]string{"via": "cli", "task": task}); err != nil {
				return err
			}
			t, err := ts.app.Cases.SetTask(cmd.Context(), ts.caller, id, task, ch)
			if err != nil {
				return err
			}
			state := "open"
			if !t.Done.IsZero() {
				state = "done"
			} else if t.Overdue {
				state = "overdue"
			}
			g.tell(g.stdout, i18n.M("cli.case.task", t.PublicID, state, t.Assignee, jstTime(t.Due)))
			return nil
		},
	}
	set.Flags().BoolVar(&doneFlag, "done", false, "")
	set.Flags().BoolVar(&reopen, "reopen", false, "")
	set.Flags().StringVar(&assignee, "assignee", "", "")
	set.Flags().StringVar(&ch.Due, "due", "", "")
	var listFormat string
	list := &cobra.Command{
		Use:  "list CASE",
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return g.towerRun(cmd, *as, func(ts *towerSession) error {
				k, err := ts.app.Cases.Get(cmd.Context(), ts.viewer, args[0])
				if err != nil {
					return err
				}
				tw := newTableAs(g.stdout, listFormat)
				fmt.Fprintln(tw, "ID\tSTATE\tASSIGNEE\tDUE\tTITLE")
				for _, t := range k.Tasks {
					state := "open"
					if !t.Done.IsZero() {
						state = "done"
					} else if t.Overdue {
						state = "OVERDUE"
					}
					fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", t.PublicID, state, t.Assignee, jstTime(t.Due), t.Title)
				}
				return tw.Flush()
			})
		},
	}
	formatFlag(list, &listFormat, formatTable, formatJSON, formatCSV)
	cmd.AddCommand(add, set, list)
	return cmd
}

func newCaseTemplateCmd(g *globals, as *string) *cobra.Command {
	cmd := &cobra.Command{Use: "template"}
	var listFormat string
	list := &cobra.Command{
		Use:  "list",
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			return g.towerRun(cmd, *as, func(ts *towerSession) error {
				l, err := ts.app.Cases.Templates(cmd.Context(), ts.viewer)
				if err != nil {
					return err
				}
				tw := newTableAs(g.stdout, listFormat)
				fmt.Fprintln(tw, "NAME\tVERSION\tCATEGORY\tSHIPPED\tTASKS\tTITLE")
				for _, t := range l {
					fmt.Fprintf(tw, "%s\t%d\t%s\t%t\t%d\t%s\n", t.Name, t.Version, t.Category, t.Shipped, len(t.Tasks), t.TitleIn(g.language()))
				}
				return tw.Flush()
			})
		},
	}
	formatFlag(list, &listFormat, formatTable, formatJSON, formatCSV)
	put := &cobra.Command{
		Use:  "put FILE",
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			b, err := os.ReadFile(args[0])
			if err != nil {
				return err
			}
			ts, done, err := g.loggedTower(cmd.Context(), *as)
			if err != nil {
				return err
			}
			defer done()
			if _, err := ts.h.Record(cmd.Context(), ts.caller, audit.ActionCaseTemplate, "case-template", map[string]string{"via": "cli", "file": args[0]}); err != nil {
				return err
			}
			t, err := ts.app.Cases.PutTemplate(cmd.Context(), ts.caller, b)
			if err != nil {
				return err
			}
			fmt.Fprintln(g.stdout, t.Name)
			return nil
		},
	}
	del := &cobra.Command{
		Use:  "delete NAME",
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			ts, done, err := g.loggedTower(cmd.Context(), *as)
			if err != nil {
				return err
			}
			defer done()
			if _, err := ts.h.Record(cmd.Context(), ts.caller, audit.ActionCaseTemplate, "case-template:"+args[0], map[string]string{"via": "cli", "delete": "true"}); err != nil {
				return err
			}
			return ts.app.Cases.DeleteTemplate(cmd.Context(), ts.caller, args[0])
		},
	}
	cmd.AddCommand(list, put, del)
	return cmd
}
