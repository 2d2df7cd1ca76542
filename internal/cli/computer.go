package cli

import (
	"fmt"

	"github.com/spf13/cobra"

	"renkei/internal/i18n"
	"renkei/internal/incident"
)

func newComputerCmd(g *globals) *cobra.Command {
	cmd := &cobra.Command{Use: "computer", Short: "The critical-computer register (特定重要電子計算機, Art. 4)"}
	var as string
	var cc incident.Computer
	cmd.PersistentFlags().StringVar(&as, "as", "", "")
	flagUsage(cmd.PersistentFlags(), "as", i18n.M("cli.help.flags.as"))
	add := &cobra.Command{
		Use:     "add",
		Short:   "Register a critical computer of your organization, with the ministry notified",
		Example: `  renkei computer add --as mizu --name "SCADA master" --function "purification control" --ministry 国土交通省 --vendor Yokogawa --product "CENTUM VP"`,
		Args:    cobra.NoArgs,
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
		c.Flags().StringVar(&cc.Name, "name", "", "name (required)")
		c.Flags().StringVar(&cc.Function, "function", "", "what it does for the service (required)")
		c.Flags().StringVar(&cc.Ministry, "ministry", "", "sector ministry receiving the notice (required)")
		c.Flags().StringVar(&cc.Location, "location", "", "site")
		c.Flags().StringVar(&cc.Vendor, "vendor", "", "vendor")
		c.Flags().StringVar(&cc.Product, "product", "", "product and version")
	}
	var upd incident.Computer
	var change string
	var retire bool
	chg := &cobra.Command{
		Use:     "change ID",
		Short:   "Record a change to a critical computer (or --retire it) and its notice",
		Example: `  renkei computer change --as mizu 0f3c9a51d2e84b7c9e1a6f20b5d8c437 --product "CENTUM VP R6" --change "upgraded to R6"`,
		Args:    cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			id := args[0] // the computer's public id, as list shows it
			return g.towerRun(cmd, as, func(ts *towerSession) error {
				_, err := ts.app.Incidents.Change(cmd.Context(), ts.caller, id, upd, change, retire)
				return err
			})
		},
	}
	chg.Flags().StringVar(&upd.Name, "name", "", "new name")
	chg.Flags().StringVar(&upd.Function, "function", "", "new function")
	chg.Flags().StringVar(&upd.Ministry, "ministry", "", "new ministry")
	chg.Flags().StringVar(&upd.Location, "location", "", "new site")
	chg.Flags().StringVar(&upd.Vendor, "vendor", "", "new vendor")
	chg.Flags().StringVar(&upd.Product, "product", "", "new product and version")
	chg.Flags().StringVar(&change, "change", "", "the change as notified (required)")
	chg.Flags().BoolVar(&retire, "retire", false, "end the registration")
	var sector string
	var computerFormat string
	list := &cobra.Command{
		Use:     "list",
		Short:   "List the register: your organization's, or by sector for the center",
		Example: "  renkei computer list --as kanshi --sector water",
		Args:    cobra.NoArgs,
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
	list.Flags().StringVar(&sector, "sector", "", "only this sector")
	formatFlag(list, &computerFormat, formatTable, formatJSON, formatCSV)
	cmd.AddCommand(add, chg, list)
	return cmd
}
