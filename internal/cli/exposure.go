package cli

import (
	"encoding/json"
	"fmt"
	"strconv"

	"github.com/spf13/cobra"

	"renkei/internal/i18n"
	"renkei/internal/policy"
)

func newExposureCmd(g *globals) *cobra.Command {
	var format string
	cmd := &cobra.Command{
		Use:  "exposure CVE",
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			s, db, err := g.relevance(ctx)
			if err != nil {
				return err
			}
			defer db.Close()
			ex, err := s.Exposure(ctx, policy.System(), args[0])
			if err != nil {
				return err
			}
			if format == formatJSON {
				return json.NewEncoder(g.stdout).Encode(ex)
			}
			kev := ""
			if ex.KEV != nil {
				kev = i18n.Ref(i18n.M("cli.exposure.kev", ex.KEV.DueDate))
			}
			g.tell(g.stdout, i18n.M("cli.exposure.summary", ex.Vulnerability, strconv.Itoa(ex.Members), strconv.Itoa(ex.Assets), kev))
			tw := newTable(g.stdout)
			fmt.Fprintln(tw, "SECTOR\tMEMBERS\tAFFECTED")
			for _, sec := range ex.Sectors {
				fmt.Fprintf(tw, "%s\t%d\t%d\n", sec.Sector, sec.Members, sec.Assets)
			}
			return tw.Flush()
		},
	}
	formatFlag(cmd, &format, formatTable, formatJSON)
	return cmd
}
