package cli

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"renkei/internal/app"
	"renkei/internal/i18n"
	"renkei/internal/policy"
	"renkei/internal/relevance"
	"renkei/internal/store"
)

// relevanceSession is the store, a hub and its relevance service, for the
// vulnerability commands that change the hub's state.
func (g *globals) relevance(ctx context.Context) (*relevance.Service, *store.DB, error) {
	db, err := g.openStore(ctx)
	if err != nil {
		return nil, nil, err
	}
	a, err := app.New(ctx, app.Deps{Store: db})
	if err != nil {
		db.Close()
		return nil, nil, err
	}
	return a.Relevance, db, nil
}

func (g *globals) printOutcome(done string, out relevance.Outcome) {
	orgs := ""
	if len(out.Orgs) > 0 {
		orgs = i18n.Ref(i18n.M("cli.outcome.orgs", strconv.Itoa(len(out.Orgs))))
	}
	g.tell(g.stdout, i18n.M("cli.outcome", done, strconv.Itoa(out.Hits), strconv.Itoa(out.Alerts), orgs))
	for _, p := range out.Problems {
		fmt.Fprintln(g.stdout, "  "+g.say(i18n.M("cli.problem", p)))
	}
}

func newAssetCmd(g *globals) *cobra.Command {
	cmd := &cobra.Command{
		Use: "asset",
	}
	cmd.AddCommand(newAssetAddCmd(g), newAssetImportCmd(g), newAssetListCmd(g), newAssetProductsCmd(g))
	return cmd
}

func newAssetAddCmd(g *globals) *cobra.Command {
	var c relevance.ConnectionPoint
	var org, confirmed string
	cmd := &cobra.Command{
		Use:  "add --org ORG --kind KIND --vendor V --product P [--version X]",
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			s, db, err := g.relevance(ctx)
			if err != nil {
				return err
			}
			defer db.Close()
			o, err := db.Org(ctx, org)
			if err != nil {
				return err
			}
			c.OrgID = o.ID
			if confirmed != "" {
				t, err := time.Parse("2006-01-02", confirmed)
				if err != nil {
					return refuse(i18n.M("cli.asset.bad_confirmed", confirmed))
				}
				c.LastConfirmed = t
			}
			c, out, err := s.AddConnectionPoint(ctx, policy.Operator(o.ID, o.IsCenter()), c)
			if err != nil {
				return err
			}
			g.printOutcome(g.say(i18n.M("cli.asset.registered", c.PublicID, o.Name)), out)
			if ps := c.Products(); len(ps) > 0 {
				g.tell(g.stdout, i18n.M("cli.asset.matched", strings.Join(ps, ", ")))
			} else {
				g.tell(g.stdout, i18n.M("cli.asset.not_in_catalogue", c.Vendor, c.Product))
			}
			return nil
		},
	}
	f := cmd.Flags()
	f.StringVar(&org, "org", "", "")
	f.StringVar(&c.Kind, "kind", "", "")
	f.StringVar(&c.Vendor, "vendor", "", "")
	f.StringVar(&c.Product, "product", "", "")
	f.StringVar(&c.Version, "version", "", "")
	f.StringVar(&c.PURL, "purl", "", "")
	f.StringVar(&c.CPE, "cpe", "", "")
	f.StringVar(&c.Address, "address", "", "")
	f.StringVar(&c.Owner, "owner", "", "")
	f.StringVar(&confirmed, "confirmed", "", "")
	for _, n := range []string{"org", "kind", "vendor", "product"} {
		cmd.MarkFlagRequired(n)
	}
	return cmd
}

func newAssetImportCmd(g *globals) *cobra.Command {
	var org string
	cmd := &cobra.Command{
		Use:  "import --org ORG FILE.csv",
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			f, err := g.openInput(args[0])
			if err != nil {
				return err
			}
			defer f.Close()
			s, db, err := g.relevance(ctx)
			if err != nil {
				return err
			}
			defer db.Close()
			o, err := db.Org(ctx, org)
			if err != nil {
				return err
			}
			cps, err := relevance.ParseConnectionPointsCSV(f, args[0], o.ID)
			if err != nil {
				return err
			}
			cps, out, err := s.ImportConnectionPoints(ctx, policy.Operator(o.ID, o.IsCenter()), cps)
			if err != nil {
				return err
			}
			g.printOutcome(g.say(i18n.M("cli.asset.imported", strconv.Itoa(len(cps)), o.Name)), out)
			return nil
		},
	}
	cmd.Flags().StringVar(&org, "org", "", "")
	cmd.MarkFlagRequired("org")
	return cmd
}

func newAssetListCmd(g *globals) *cobra.Command {
	var org string
	var staleOnly bool
	var format string
	cmd := &cobra.Command{
		Use:  "list [--org ORG] [--stale]",
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			s, db, err := g.relevance(ctx)
			if err != nil {
				return err
			}
			defer db.Close()
			id := ""
			names := map[string]string{}
			if org != "" {
				o, err := db.Org(ctx, org)
				if err != nil {
					return err
				}
				id = o.ID
			}
			orgs, err := db.Orgs(ctx)
			if err != nil {
				return err
			}
			for _, o := range orgs {
				names[o.ID] = o.Name
			}
			cps, err := s.ConnectionPointsOf(ctx, id)
			if err != nil {
				return err
			}
			now, days := time.Now().UTC(), s.StaleDays(ctx)
			type row struct {
				relevance.ConnectionPoint
				OrgName string `json:"org_name"`
				Stale   bool   `json:"stale"`
			}
			var rows []row
			for _, c := range cps {
				st := c.Stale(now, days)
				if staleOnly && !st {
					continue
				}
				rows = append(rows, row{c, names[c.OrgID], st})
			}
			if format == formatJSON {
				enc := json.NewEncoder(g.stdout)
				for _, r := range rows {
					if err := enc.Encode(r); err != nil {
						return err
					}
				}
				return nil
			}
			tw := newTableAs(g.stdout, format)
			fmt.Fprintln(tw, "ID\tORG\tKIND\tVENDOR\tPRODUCT\tVERSION\tADDRESS\tOWNER\tCONFIRMED\tSTALE")
			for _, r := range rows {
				stale := ""
				if r.Stale {
					stale = "stale"
				}
				fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", r.PublicID, r.OrgName, r.Kind, r.Vendor, r.Product, r.Version, r.Address, r.Owner, r.LastConfirmed.Format("2006-01-02"), stale)
			}
			return tw.Flush()
		},
	}
	cmd.Flags().StringVar(&org, "org", "", "")
	cmd.Flags().BoolVar(&staleOnly, "stale", false, "")
	formatFlag(cmd, &format, formatTable, formatJSON, formatCSV)
	return cmd
}

func newAssetProductsCmd(g *globals) *cobra.Command {
	var format string
	cmd := &cobra.Command{
		Use: "products [WORDS...]",
		RunE: func(cmd *cobra.Command, args []string) error {
			ps := relevance.Catalogue(strings.Join(args, " "), 0)
			if format == formatJSON {
				enc := json.NewEncoder(g.stdout)
				for _, p := range ps {
					if err := enc.Encode(p); err != nil {
						return err
					}
				}
				return nil
			}
			tw := newTableAs(g.stdout, format)
			fmt.Fprintln(tw, "VENDOR\tPRODUCT\tKEY\tALSO NAMED")
			for _, p := range ps {
				fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", p.Vendor, p.Name, p.Key, strings.Join(p.Aliases, "; "))
			}
			return tw.Flush()
		},
	}
	formatFlag(cmd, &format, formatTable, formatJSON, formatCSV)
	return cmd
}
