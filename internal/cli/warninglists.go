package cli

import (
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/spf13/cobra"

	"renkei/internal/app"
	"renkei/internal/audit"
	"renkei/internal/auth"
	"renkei/internal/exportgate"
	"renkei/internal/i18n"
	"renkei/internal/store"
	"renkei/internal/warninglist"
)

func newWarninglistsCmd(g *globals) *cobra.Command {
	cmd := &cobra.Command{
		Use: "warninglists",
	}
	cmd.AddCommand(newWarninglistsListCmd(g), newWarninglistsCheckCmd(g), newWarninglistsImportCmd(g),
		newWarninglistsEditCmd(g, false), newWarninglistsEditCmd(g, true),
		newWarninglistsSwitchCmd(g, true), newWarninglistsSwitchCmd(g, false), newWarninglistsThresholdsCmd(g))
	return cmd
}

func newWarninglistsThresholdsCmd(g *globals) *cobra.Command {
	var as string
	var t exportgate.Thresholds
	cmd := &cobra.Command{
		Use:  "thresholds [--widest-ipv4 N] [--widest-ipv6 N] [--public-suffixes all|icann|none]",
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			return g.withActor(cmd.Context(), as, func(a *app.App, c auth.Caller) error {
				cur, err := a.Exports.Thresholds(cmd.Context())
				if err != nil {
					return err
				}
				fl := cmd.Flags()
				if fl.Changed("widest-ipv4") || fl.Changed("widest-ipv6") || fl.Changed("public-suffixes") {
					if fl.Changed("widest-ipv4") {
						cur.WidestIPv4 = t.WidestIPv4
					}
					if fl.Changed("widest-ipv6") {
						cur.WidestIPv6 = t.WidestIPv6
					}
					if fl.Changed("public-suffixes") {
						cur.PublicSuffixes = t.PublicSuffixes
					}
					if err := a.Exports.SetThresholds(cmd.Context(), c, cur); err != nil {
						return err
					}
				}
				fmt.Fprintln(g.stdout, g.say(i18n.M("cli.warninglists.thresholds", strconv.Itoa(cur.WidestIPv4), strconv.Itoa(cur.WidestIPv6), cur.PublicSuffixes)))
				return nil
			})
		},
	}
	cmd.Flags().IntVar(&t.WidestIPv4, "widest-ipv4", 0, "")
	cmd.Flags().IntVar(&t.WidestIPv6, "widest-ipv6", 0, "")
	cmd.Flags().StringVar(&t.PublicSuffixes, "public-suffixes", "", "")
	cmd.Flags().StringVar(&as, "as", "", "")
	flagUsage(cmd.Flags(), "as", i18n.M("cli.help.flags.as_center"))
	return cmd
}

func newWarninglistsListCmd(g *globals) *cobra.Command {
	var format string
	cmd := &cobra.Command{
		Use:  "list",
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			return g.withActor(cmd.Context(), "", func(a *app.App, c auth.Caller) error {
				ls, err := a.Exports.Lists(cmd.Context(), c.Viewer())
				if err != nil {
					return err
				}
				tw := newTableAs(g.stdout, format)
				fmt.Fprintln(tw, "ID\tORIGIN\tACTION\tTYPE\tVERSION\tENTRIES\tENABLED")
				for _, l := range ls {
					fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%d\t%d\t%v\n", l.ID, l.Origin, l.Action, l.Type, l.Version, len(l.List.List), l.Enabled)
				}
				return tw.Flush()
			})
		},
	}
	formatFlag(cmd, &format, formatTable, formatJSON, formatCSV)
	return cmd
}

func newWarninglistsCheckCmd(g *globals) *cobra.Command {
	return &cobra.Command{
		Use:  "check VALUE...",
		Args: cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return g.withApp(cmd.Context(), func(a *app.App) error {
				m, _, err := a.Exports.Matcher(cmd.Context())
				if err != nil {
					return err
				}
				for _, v := range args {
					hits := m.CheckValue(v)
					if len(hits) == 0 {
						fmt.Fprintf(g.stdout, "%s\t%s\n", v, g.say(i18n.M("cli.warninglists.in_no_list")))
					}
					for _, h := range hits {
						fmt.Fprintf(g.stdout, "%s\t%s (v%d, %s)\t%s %s\n", v, h.List, h.Version, h.Action, h.How, h.Entry)
					}
				}
				return nil
			})
		},
	}
}

func newWarninglistsImportCmd(g *globals) *cobra.Command {
	var action, as string
	cmd := &cobra.Command{
		Use:  "import FILE|DIR...",
		Args: cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			var lists []*warninglist.List
			for _, p := range args {
				ls, errs, err := warninglist.ReadPath(p)
				if err != nil {
					return err
				}
				for _, e := range errs {
					g.note("warninglists import", i18n.M("cli.warninglists.skipped", e.Error()))
				}
				lists = append(lists, ls...)
			}
			return g.withActor(cmd.Context(), as, func(a *app.App, c auth.Caller) error {
				if err := a.Exports.Import(cmd.Context(), c, lists, action); err != nil {
					return err
				}
				n := 0
				for _, l := range lists {
					n += len(l.List)
				}
				fmt.Fprintln(g.stdout, g.say(i18n.M("cli.warninglists.imported", strconv.Itoa(len(lists)), strconv.Itoa(n))))
				return nil
			})
		},
	}
	cmd.Flags().StringVar(&action, "action", warninglist.ActionRefuse, "")
	cmd.Flags().StringVar(&as, "as", "", "")
	flagUsage(cmd.Flags(), "as", i18n.M("cli.help.flags.as_center"))
	return cmd
}

func newWarninglistsEditCmd(g *globals, remove bool) *cobra.Command {
	var typ, as string
	use := "add LIST VALUE..."
	if remove {
		use = "remove LIST VALUE..."
	}
	cmd := &cobra.Command{
		Use:  use,
		Args: cobra.MinimumNArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			return g.withActor(cmd.Context(), as, func(a *app.App, c auth.Caller) error {
				l, err := a.Exports.Edit(cmd.Context(), c, args[0], typ, args[1:], remove)
				if err != nil {
					return err
				}
				fmt.Fprintln(g.stdout, g.say(i18n.M("cli.warninglists.edited", l.ID, strconv.Itoa(l.Version), strconv.Itoa(len(l.List)))))
				return nil
			})
		},
	}
	if !remove {
		cmd.Flags().StringVar(&typ, "type", "", "")
	}
	cmd.Flags().StringVar(&as, "as", "", "")
	flagUsage(cmd.Flags(), "as", i18n.M("cli.help.flags.as_center"))
	return cmd
}

func newWarninglistsSwitchCmd(g *globals, on bool) *cobra.Command {
	var as string
	use := "disable LIST"
	if on {
		use = "enable LIST"
	}
	cmd := &cobra.Command{
		Use:  use,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return g.withActor(cmd.Context(), as, func(a *app.App, c auth.Caller) error {
				return a.Exports.SetEnabled(cmd.Context(), c, args[0], on)
			})
		},
	}
	cmd.Flags().StringVar(&as, "as", "", "")
	flagUsage(cmd.Flags(), "as", i18n.M("cli.help.flags.as_center"))
	return cmd
}

// newExportExplainCmd is "renkei export explain VALUE --as LOGIN".
func newExportExplainCmd(g *globals) *cobra.Command {
	var as string
	cmd := &cobra.Command{
		Use:  "explain VALUE --as LOGIN",
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if as == "" {
				return errors.New(g.say(i18n.M("cli.export.explain_needs_as")))
			}
			return g.withActor(cmd.Context(), as, func(a *app.App, c auth.Caller) error {
				v, err := a.Hub.Viewer(cmd.Context(), c)
				if err != nil {
					return err
				}
				ex, err := a.Exports.Explain(cmd.Context(), v, args[0], time.Time{}, a.Hub.Present)
				if err != nil {
					return err
				}
				var objs []store.Object
				for _, l := range ex.Lines {
					objs = append(objs, l.Stored())
				}
				if _, err := a.Hub.Release(cmd.Context(), c, audit.ActionObjectRead, "", objs); err != nil {
					return err
				}
				return printJSON(g.stdout, ex)
			})
		},
	}
	cmd.Flags().StringVar(&as, "as", "", "")
	return cmd
}
