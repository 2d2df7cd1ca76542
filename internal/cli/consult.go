package cli

import (
	"fmt"
	"renkei/internal/i18n"

	"github.com/spf13/cobra"
)

func newConsultCmd(g *globals) *cobra.Command {
	cmd := &cobra.Command{Use: "consult"}
	var as string
	cmd.PersistentFlags().StringVar(&as, "as", "", "")
	flagUsage(cmd.PersistentFlags(), "as", i18n.M("cli.help.flags.as"))
	var kind, subject, body, handler string
	ask := &cobra.Command{
		Use:  "ask",
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			return g.towerRun(cmd, as, func(ts *towerSession) error {
				r, err := ts.app.Consult.Ask(cmd.Context(), ts.caller, kind, subject, body, handler)
				if err != nil {
					return err
				}
				fmt.Fprintln(g.stdout, r.PublicID)
				return nil
			})
		},
	}
	ask.Flags().StringVar(&kind, "kind", "consultation", "")
	ask.Flags().StringVar(&subject, "subject", "", "")
	ask.Flags().StringVar(&body, "body", "", "")
	ask.Flags().StringVar(&handler, "handler", "", "")
	var rkind, rbody, to string
	reply := &cobra.Command{
		Use:  "reply ID",
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			id := args[0] // a public id, as the API and the console show it
			// With the audit log open, as the API and the console: a hand-off
			// that takes effect is logged, with whose consent, before it does.
			ts, done, err := g.loggedTower(cmd.Context(), as)
			if err != nil {
				return err
			}
			defer done()
			r, err := ts.app.Consult.Reply(cmd.Context(), ts.caller, id, rkind, rbody, to)
			if err != nil {
				return err
			}
			step := ""
			if r.Step != "" && r.Step != rkind {
				step = " (" + r.Step + ")"
			}
			g.tell(g.stdout, i18n.M("cli.consult.request", r.PublicID, r.Status, step))
			return nil
		},
	}
	reply.Flags().StringVar(&rkind, "kind", "answer", "")
	reply.Flags().StringVar(&rbody, "body", "", "")
	reply.Flags().StringVar(&to, "to", "", "")
	var listFormat string
	list := &cobra.Command{
		Use:  "list",
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			return g.towerRun(cmd, as, func(ts *towerSession) error {
				l, err := ts.app.Consult.List(cmd.Context(), ts.viewer, "", 0)
				if err != nil {
					return err
				}
				tw := newTableAs(g.stdout, listFormat)
				fmt.Fprintln(tw, "ID\tKIND\tSTATUS\tSUBJECT\tUPDATED")
				for _, r := range l {
					fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", r.PublicID, r.Kind, r.Status, r.Subject, jstTime(r.Updated))
				}
				return tw.Flush()
			})
		},
	}
	formatFlag(list, &listFormat, formatTable, formatJSON, formatCSV)
	cmd.AddCommand(ask, reply, list)
	cmd.AddCommand(newConsultDesignateCmds(g, &as)...)
	return cmd
}

// newConsultDesignateCmds are the consult subcommands that maintain the
// designated handlers of topics.
func newConsultDesignateCmds(g *globals, as *string) []*cobra.Command {
	var topic string
	designate := &cobra.Command{
		Use:  "designate --topic TOPIC ORG",
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			ts, done, err := g.loggedTower(cmd.Context(), *as)
			if err != nil {
				return err
			}
			defer done()
			h, err := ts.app.Consult.Designate(cmd.Context(), ts.caller, ts.viewer, topic, args[0])
			if err != nil {
				return fmt.Errorf("consult designate: %w", err)
			}
			g.tell(g.stdout, i18n.M("cli.consult.designated", h.OrgName, h.Topic))
			return nil
		},
	}
	designate.Flags().StringVar(&topic, "topic", "", "")
	designate.MarkFlagRequired("topic")
	var rtopic string
	revoke := &cobra.Command{
		Use:  "undesignate --topic TOPIC ORG",
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			ts, done, err := g.loggedTower(cmd.Context(), *as)
			if err != nil {
				return err
			}
			defer done()
			if err := ts.app.Consult.Revoke(cmd.Context(), ts.caller, ts.viewer, rtopic, args[0]); err != nil {
				return fmt.Errorf("consult undesignate: %w", err)
			}
			return nil
		},
	}
	revoke.Flags().StringVar(&rtopic, "topic", "", "")
	revoke.MarkFlagRequired("topic")
	handlers := &cobra.Command{
		Use:  "handlers",
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			return g.towerRun(cmd, *as, func(ts *towerSession) error {
				hs, err := ts.app.Consult.Handlers(cmd.Context(), "")
				if err != nil {
					return err
				}
				tw := newTable(g.stdout)
				fmt.Fprintln(tw, "TOPIC\tORGANIZATION\tBY")
				for _, h := range hs {
					fmt.Fprintf(tw, "%s\t%s\t%s\n", h.Topic, h.OrgName, h.CreatedBy)
				}
				return tw.Flush()
			})
		},
	}
	return []*cobra.Command{designate, revoke, handlers}
}
