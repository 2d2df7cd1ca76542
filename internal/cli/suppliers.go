package cli

// Who speaks for what: the product–supplier register (renkei supplier) and
// the designated handlers of consultation topics (renkei consult designate).
// Both are maintained by the center; each command acts as the user named by
// --as, access is decided by package policy, and each change is logged in
// this machine's audit log before it takes effect.

import (
	"context"
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"renkei/internal/i18n"
	"renkei/internal/incident"
	"renkei/internal/relevance"
)

// loggedTower is a tower session whose hub keeps this machine's audit log.
func (g *globals) loggedTower(ctx context.Context, login string) (*towerSession, func(), error) {
	if login == "" {
		return nil, nil, refuse(i18n.M("cli.as_required"))
	}
	a, done, err := g.localApp(ctx)
	if err != nil {
		return nil, nil, err
	}
	h := a.Hub
	c, err := incident.Caller(ctx, h.DB, login)
	if err != nil {
		done()
		return nil, nil, fmt.Errorf("--as %s: %w", login, err)
	}
	v, err := h.Viewer(ctx, c)
	if err != nil {
		done()
		return nil, nil, err
	}
	return &towerSession{h: h, app: a, caller: c, viewer: v}, done, nil
}

func newSupplierCmd(g *globals) *cobra.Command {
	cmd := &cobra.Command{
		Use: "supplier",
	}
	var as string
	cmd.PersistentFlags().StringVar(&as, "as", "", "")
	flagUsage(cmd.PersistentFlags(), "as", i18n.M("cli.help.flags.as"))
	var org, name, cpe, purl string
	add := &cobra.Command{
		Use:  "add --org VENDOR (--cpe VENDOR:PRODUCT | --purl PURL)",
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			ts, done, err := g.loggedTower(cmd.Context(), as)
			if err != nil {
				return err
			}
			defer done()
			sp, err := ts.app.Relevance.AddSupplier(cmd.Context(), ts.caller, ts.viewer, relevance.SupplierInput{Org: org, Name: name, CPE: cpe, PURL: purl})
			if err != nil {
				return fmt.Errorf("supplier add: %w", err)
			}
			fmt.Fprintf(g.stdout, "%s\t%s\n", sp.PublicID, g.say(i18n.M("cli.supplier.added", sp.OrgName, strings.TrimSpace(sp.CPEKey+" "+sp.PURLKey))))
			return nil
		},
	}
	add.Flags().StringVar(&org, "org", "", "")
	add.Flags().StringVar(&name, "name", "", "")
	add.Flags().StringVar(&cpe, "cpe", "", "")
	add.Flags().StringVar(&purl, "purl", "", "")
	add.MarkFlagRequired("org")
	var supplierFormat string
	list := &cobra.Command{
		Use:  "list [--org ORG]",
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			return g.towerRun(cmd, as, func(ts *towerSession) error {
				id := ""
				if org != "" {
					o, err := ts.h.DB.Org(cmd.Context(), org)
					if err != nil {
						return fmt.Errorf("--org %s: %w", org, err)
					}
					id = o.ID
				}
				sps, err := ts.app.Relevance.Suppliers(cmd.Context(), ts.viewer, id)
				if err != nil {
					return err
				}
				tw := newTableAs(g.stdout, supplierFormat)
				fmt.Fprintln(tw, "ID\tSUPPLIER\tPRODUCT\tCPE\tPURL\tBY")
				for _, sp := range sps {
					fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\n", sp.PublicID, sp.OrgName, sp.Name, sp.CPEKey, sp.PURLKey, sp.CreatedBy)
				}
				return tw.Flush()
			})
		},
	}
	list.Flags().StringVar(&org, "org", "", "")
	formatFlag(list, &supplierFormat, formatTable, formatJSON, formatCSV)
	remove := &cobra.Command{
		Use:  "remove ID",
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			id := args[0] // the entry's public id, as list shows it
			ts, done, err := g.loggedTower(cmd.Context(), as)
			if err != nil {
				return err
			}
			defer done()
			if err := ts.app.Relevance.RemoveSupplier(cmd.Context(), ts.caller, ts.viewer, id); err != nil {
				return fmt.Errorf("supplier remove: %w", err)
			}
			fmt.Fprintln(g.stderr, g.say(i18n.M("cli.supplier.removed", id)))
			return nil
		},
	}
	cmd.AddCommand(add, list, remove)
	return cmd
}
