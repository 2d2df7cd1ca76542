package cli

import (
	"github.com/spf13/cobra"

	"renkei/internal/cop"
	"renkei/internal/i18n"
)

func newCOPCmd(g *globals) *cobra.Command {
	var as string
	var days int
	var csvOut bool
	cmd := &cobra.Command{
		Use:  "cop",
		Args: cobra.NoArgs,
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
	cmd.Flags().StringVar(&as, "as", "", "")
	flagUsage(cmd.Flags(), "as", i18n.M("cli.help.flags.as"))
	cmd.Flags().IntVar(&days, "days", 30, "")
	cmd.Flags().BoolVar(&csvOut, "csv", false, "")
	return cmd
}
