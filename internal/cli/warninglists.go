package cli

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
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
		Use:   "warninglists",
		Short: "Values no export may block: list, check, import MISP warninglists, keep the center's own",
		Long: `Warninglists hold values that must never reach a member's blocklist as malicious, or that are
known false positives. Lists that ship with Renkei (special-purpose and documentation ranges and
names, documented public resolvers) and the hub's and members' registered addresses are always
there; more are imported offline in MISP's warninglist format or kept by the center entry by
entry. Every change is logged in the audit log before it takes effect. See docs/warninglists.md.`,
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
		Use:   "thresholds [--widest-ipv4 N] [--widest-ipv6 N] [--public-suffixes all|icann|none]",
		Short: "Show or set the hub's hostile-scope thresholds: how wide a range, which public suffixes the gate refuses",
		Long: `thresholds prints the hub's thresholds, or with flags sets them (logged as policy.change before
it takes effect). A range as wide as --widest-ipv4 / --widest-ipv6 or wider never reaches an export
(defaults /8 and /32); --public-suffixes says which names of the Public Suffix List are refused as
whole values: all (default: the ICANN section such as co.jp and the private one such as github.io),
icann, or none. A name without a dot (a top-level domain) is always refused.`,
		Example: `  renkei warninglists thresholds
  renkei warninglists thresholds --widest-ipv4 12 --as center-admin`,
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
	cmd.Flags().IntVar(&t.WidestIPv4, "widest-ipv4", 0, "refuse IPv4 ranges this wide or wider (prefix length 0-31)")
	cmd.Flags().IntVar(&t.WidestIPv6, "widest-ipv6", 0, "refuse IPv6 ranges this wide or wider (prefix length 0-127)")
	cmd.Flags().StringVar(&t.PublicSuffixes, "public-suffixes", "", "public suffixes refused as values: all, icann or none")
	cmd.Flags().StringVar(&as, "as", "", "")
	flagUsage(cmd.Flags(), "as", i18n.M("cli.help.flags.as_center"))
	return cmd
}

func newWarninglistsListCmd(g *globals) *cobra.Command {
	var format string
	cmd := &cobra.Command{
		Use:   "list",
		Short: "List every warninglist: id, origin, action, entries, enabled",
		Args:  cobra.NoArgs,
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
		Use:     "check VALUE...",
		Short:   "Say which warninglists hold each value",
		Example: `  renkei warninglists check 8.8.8.8 10.0.0.0/8 gооgle.com`,
		Args:    cobra.MinimumNArgs(1),
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
		Use:   "import FILE|DIR...",
		Short: "Import MISP warninglists (a list.json, or a directory such as misp-warninglists/lists), offline",
		Long: `import reads warninglists in MISP's format (name, description, version, type, list,
matching_attributes; types cidr, hostname, string, substring, regex) and stores each under its
id — the directory of a MISP list (lists/google/list.json is "google") or the file name — replacing
a list imported before under the same id. --action warn shows hits on objects without keeping
the values out of exports (for lists such as dynamic-dns, whose subdomains are often malicious).`,
		Example: `  renkei warninglists import ../misp-warninglists/lists
  renkei warninglists import --action warn ../misp-warninglists/lists/dynamic-dns/list.json`,
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
	cmd.Flags().StringVar(&action, "action", warninglist.ActionRefuse, "what a hit does: refuse (out of exports) or warn (shown only)")
	cmd.Flags().StringVar(&as, "as", "", "")
	flagUsage(cmd.Flags(), "as", i18n.M("cli.help.flags.as_center"))
	return cmd
}

func newWarninglistsEditCmd(g *globals, remove bool) *cobra.Command {
	var typ, as string
	use, short := "add LIST VALUE...", "Add values to a list the center keeps (created on first use)"
	if remove {
		use, short = "remove LIST VALUE...", "Remove values from a list the center keeps"
	}
	cmd := &cobra.Command{
		Use:     use,
		Short:   short,
		Example: `  renkei warninglists add center-top-sites google.com yahoo.co.jp`,
		Args:    cobra.MinimumNArgs(2),
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
		cmd.Flags().StringVar(&typ, "type", "", "type of a new list: cidr or hostname (default: from the first value)")
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
		Use:   use,
		Short: strings.ToUpper(use[:1]) + use[1:strings.IndexByte(use, ' ')] + " a list (built-in ones too)",
		Args:  cobra.ExactArgs(1),
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
		Use:   "explain VALUE --as LOGIN",
		Short: "Why is this in my blocklist: the indicators behind a value, their authors as the reader sees them, the gate's decisions",
		Long: `explain shows, for a value of an export line (an address, range, domain, URL, e-mail address or
hash), every indicator the user --as names may see that gives it or a range or parent name covering
it: the object as that user is shown it (the author per the submitter's consent), whether it is
exported, and each decision of the export gate (revocation, validity, confidence, age, review,
scope, warninglists). Reading a TLP:AMBER+STRICT or RED object this way is logged.`,
		Example: `  renkei export explain 8.8.8.8 --as town-it`,
		Args:    cobra.ExactArgs(1),
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
	cmd.Flags().StringVar(&as, "as", "", "the reader whose exports to explain")
	return cmd
}
