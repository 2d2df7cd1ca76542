package cli

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"renkei/internal/app"
	"renkei/internal/auth"
	"renkei/internal/federation"
	"renkei/internal/i18n"
	"renkei/internal/policy"
	"renkei/internal/problem"
)

// The partner commands: federation partners and their sharing agreements
// (internal/federation, docs/federation.md). Help texts are the catalog's
// (cli.help.renkei.partner.*, {ja,en}.federation.json).
func newPartnerCmd(g *globals) *cobra.Command {
	cmd := &cobra.Command{Use: "partner"}
	cmd.AddCommand(newPartnerAddCmd(g), newPartnerListCmd(g), newPartnerSyncCmd(g))
	return cmd
}

func newPartnerAddCmd(g *globals) *cobra.Command {
	var taxiiURL, token, mispURL, key, feedURL, format, direction, tlpMax, arrival, local, hubID, as string
	var collections, types, consent []string
	var amberRecipient, inside bool
	var schedule time.Duration
	cmd := &cobra.Command{
		Use:  "add NAME (--taxii URL --token env:NAME|file:PATH --collection ID | --misp URL --key env:NAME|file:PATH | --feed URL --format csv|text|misp) --direction pull|push|both [--tlp-max green|amber]",
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			n := federation.NewPartner{Name: args[0], Direction: direction, Collections: collections, LocalCollection: local,
				ScheduleSeconds: int64(schedule / time.Second), HubID: hubID, Format: format}
			switch {
			case taxiiURL != "" && mispURL == "" && feedURL == "":
				n.Kind, n.URL, n.Secret = federation.KindTAXII, taxiiURL, token
			case mispURL != "" && taxiiURL == "" && feedURL == "":
				n.Kind, n.URL, n.Secret = federation.KindMISP, mispURL, key
			case feedURL != "" && taxiiURL == "" && mispURL == "":
				n.Kind, n.URL, n.Secret = federation.KindFeed, feedURL, token
			default:
				return refuse(i18n.M("cli.partner.one_url"))
			}
			var err error
			if n.Agreement.TLPMax, err = policy.ParseTLP(tlpMax); err != nil {
				return refuse(i18n.M("cli.partner.bad_flag", "--tlp-max", err.Error()))
			}
			if n.Agreement.ArrivalTLP, err = policy.ParseTLP(arrival); err != nil {
				return refuse(i18n.M("cli.partner.bad_flag", "--arrival-tlp", err.Error()))
			}
			n.Agreement.AmberRecipient, n.Agreement.Types, n.Agreement.AllowInside = amberRecipient, types, inside
			return g.withActor(cmd.Context(), as, func(a *app.App, c auth.Caller) error {
				for _, name := range consent {
					o, err := a.Store.Org(cmd.Context(), name)
					if err != nil {
						return problem.Field("consent", "%s: no such organization", name)
					}
					n.Agreement.Orgs = append(n.Agreement.Orgs, o.ID)
				}
				p, err := a.Federation.Add(cmd.Context(), c, n)
				if err != nil {
					return err
				}
				fmt.Fprintln(g.stdout, p.ID)
				return nil
			})
		},
	}
	f := cmd.Flags()
	f.StringVar(&taxiiURL, "taxii", "", "")
	f.StringVar(&token, "token", "", "")
	f.StringVar(&mispURL, "misp", "", "")
	f.StringVar(&key, "key", "", "")
	f.StringVar(&feedURL, "feed", "", "")
	f.StringVar(&format, "format", "", "")
	f.StringVar(&direction, "direction", "", "")
	f.StringArrayVar(&collections, "collection", nil, "")
	f.StringVar(&tlpMax, "tlp-max", "green", "")
	f.BoolVar(&amberRecipient, "amber-recipient", false, "")
	f.StringArrayVar(&types, "type", nil, "")
	f.StringArrayVar(&consent, "consent", nil, "")
	f.StringVar(&arrival, "arrival-tlp", "green", "")
	f.BoolVar(&inside, "allow-inside", false, "")
	f.DurationVar(&schedule, "schedule", 0, "")
	f.StringVar(&local, "local-collection", "", "")
	f.StringVar(&hubID, "hub-id", "", "")
	f.StringVar(&as, "as", "", "")
	return cmd
}

func newPartnerListCmd(g *globals) *cobra.Command {
	var format string
	cmd := &cobra.Command{
		Use:  "list",
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			return g.withActor(cmd.Context(), "", func(a *app.App, c auth.Caller) error {
				ps, err := a.Federation.List(cmd.Context(), c.Viewer())
				if err != nil {
					return err
				}
				tw := newTableAs(g.stdout, format)
				fmt.Fprintln(tw, "NAME\tID\tKIND\tDIRECTION\tURL\tTLP-MAX\tLAST-SUCCESS\tIN\tOUT\tREFUSED\tLAST-ERROR")
				for _, p := range ps {
					last := "-"
					if !p.LastSuccessAt.IsZero() {
						last = p.LastSuccessAt.UTC().Format(time.RFC3339)
					}
					tlp := p.Agreement.TLPMax.String()
					if p.Agreement.AmberRecipient {
						tlp += "(recipient)"
					}
					fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%d\t%d\t%d\t%s\n", p.Name, p.ID, p.Kind, p.Direction, p.URL, tlp, last,
						p.ObjectsIn, p.ObjectsOut, p.Refused, strings.ReplaceAll(p.LastError, "\t", " "))
				}
				return tw.Flush()
			})
		},
	}
	formatFlag(cmd, &format, formatTable, formatJSON, formatCSV)
	return cmd
}

func newPartnerSyncCmd(g *globals) *cobra.Command {
	var as string
	var verbose bool
	cmd := &cobra.Command{
		Use:  "sync NAME",
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return g.withActor(cmd.Context(), as, func(a *app.App, c auth.Caller) error {
				res, err := a.Federation.Sync(cmd.Context(), c, args[0])
				if err != nil {
					return err
				}
				g.tell(g.stdout, i18n.M("cli.partner.synced", res.Partner, strconv.FormatInt(res.In, 10), strconv.FormatInt(res.Out, 10), strconv.FormatInt(res.Refused, 10)))
				if verbose {
					for _, f := range res.Refusal {
						fmt.Fprintf(g.stdout, "  %s %s %s: %s\n", f.Direction, f.ObjectID, f.Version, f.Reason)
					}
				}
				for _, e := range res.Errors {
					g.tell(g.stderr, i18n.M("cli.problem", e))
				}
				if len(res.Errors) > 0 {
					return refuse(i18n.M("cli.partner.sync_failed", res.Partner, strconv.Itoa(len(res.Errors))))
				}
				return nil
			})
		},
	}
	cmd.Flags().StringVar(&as, "as", "", "")
	cmd.Flags().BoolVarP(&verbose, "verbose", "v", false, "")
	return cmd
}
