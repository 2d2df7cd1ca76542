package cli

import (
	"github.com/spf13/cobra"

	"renkei/internal/cop"
)

func newCOPCmd(g *globals) *cobra.Command {
	var as string
	var days int
	var csvOut bool
	cmd := &cobra.Command{
		Use:   "cop",
		Short: "The common operating picture's figures, as JSON or CSV (the center: every member; others: their own)",
		Long: `Print the common operating picture: incidents and alerts per JST day, incidents by
sector, kind of organization and category, open advisories and their completion,
overdue reports, open cases and consultations.`,
		Example: "  renkei cop --as kanshi --days 30 --csv > cop.csv",
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			return g.towerRun(cmd, as, func(ts *towerSession) error {
				f, err := cop.Compute(cmd.Context(), ts.h.DB, ts.h.Now(), ts.viewer, cop.Window(ts.h.Now(), days))
				if err != nil {
					return err
				}
				if csvOut {
					return f.WriteCSV(g.stdout)
				}
				return printJSON(g.stdout, f)
			})
		},
	}
	cmd.Flags().StringVar(&as, "as", "", "act as this user (login)")
	cmd.Flags().IntVar(&days, "days", 30, "days to cover")
	cmd.Flags().BoolVar(&csvOut, "csv", false, "print CSV (figure,date,group,value)")
	return cmd
}
