package cli

import (
	"fmt"

	"github.com/spf13/cobra"

	"renkei/internal/i18n"
	"renkei/internal/incident"
)

func newComputerCmd(g *globals) *cobra.Command {
	cmd := &cobra.Command{Use: "computer"}
	var as string
	var cc incident.Computer
	cmd.PersistentFlags().StringVar(&as, "as", "", "")
	flagUsage(cmd.PersistentFlags(), "as", i18n.M("cli.help.flags.as"))
	add := &cobra.Command{
		Use:  "add",
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			return g.towerRun(cmd, as, func(ts *towerSession) error {
				got, err := ts.app.Incidents.Register(cmd.Context(), ts.caller, cc)
				if err != nil {
					return err
				}
				fmt.Fprintln(g.stdout, got.PublicID)
				return nil
			})
		},
	}
	for _, c := range []*cobra.Command{add} {
		c.Flags().StringVar(&cc.Name, "name", "", "")
		c.Flags().StringVar(&cc.Function, "function", "", "")
		c.Flags().StringVar(&cc.Ministry, "ministry", "", "")
		c.Flags().StringVar(&cc.Location, "location", "", "")
		c.Flags().StringVar(&cc.Vendor, "vendor", "", "")
		c.Flags().StringVar(&cc.Product, "product", "", "")
	}
	var upd incident.Computer
	var change string
	var retire bool
	chg := &cobra.Command{
		Use:  "change ID",
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			id := args[0] // the computer's public id, as list shows it
			return g.towerRun(cmd, as, func(ts *towerSession) error {
				_, err := ts.app.Incidents.Change(cmd.Context(), ts.caller, id, upd, change, retire)
				return err
			})
		},
	}
	chg.Flags().StringVar(&upd.Name, "name", "", "")
	chg.Flags().StringVar(&upd.Function, "function", "", "")
	chg.Flags().StringVar(&upd.Ministry, "ministry", "", "")
	chg.Flags().StringVar(&upd.Location, "location", "", "")
	chg.Flags().StringVar(&upd.Vendor, "vendor", "", "")
	chg.Flags().StringVar(&upd.Product, "product", "", "")
	chg.Flags().StringVar(&change, "change", "", "")
	chg.Flags().BoolVar(&retire, "retire", false, "")
	var sector string
	var computerFormat string
	list := &cobra.Command{
		Use:  "list",
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			return g.towerRun(cmd, as, func(ts *towerSession) error {
				l, err := ts.app.Incidents.Computers(cmd.Context(), ts.viewer, sector, false)
				if err != nil {
					return err
				}
				tw := newTableAs(g.stdout, computerFormat)
				fmt.Fprintln(tw, "ID\tSECTOR\tORGANIZATION\tNAME\tFUNCTION\tPRODUCT\tMINISTRY\tUPDATED")
				for _, c := range l {
					fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s %s\t%s\t%s\n", c.PublicID, c.Sector, c.OrgName, c.Name, c.Function, c.Vendor, c.Product, c.Ministry, jstTime(c.Updated))
				}
				return tw.Flush()
			})
		},
	}
	list.Flags().StringVar(&sector, "sector", "", "")
	formatFlag(list, &computerFormat, formatTable, formatJSON, formatCSV)
	cmd.AddCommand(add, chg, list)
	return cmd
}
