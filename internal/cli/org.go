package cli

import (
	"fmt"

	"github.com/spf13/cobra"

	"renkei/internal/hub"
	"renkei/internal/store"
)

func newOrgCmd(g *globals) *cobra.Command {
	cmd := &cobra.Command{Use: "org"}
	var kind, sector, reason string
	add := &cobra.Command{
		Use:  "add NAME",
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return g.withHub(cmd.Context(), func(h *hub.Hub) error {
				o, err := h.CreateOrg(cmd.Context(), operator(h), args[0], kind, sector, reason)
				if err != nil {
					return err
				}
				fmt.Fprintln(g.stdout, o.ID)
				return nil
			})
		},
	}
	add.Flags().StringVar(&kind, "kind", "", "")
	add.Flags().StringVar(&sector, "sector", "", "")
	add.Flags().StringVar(&reason, "reason", "", "")
	add.MarkFlagRequired("kind")
	var listFormat string
	list := &cobra.Command{
		Use:  "list",
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			return g.withStore(cmd.Context(), func(db *store.DB) error {
				orgs, err := db.Orgs(cmd.Context())
				if err != nil {
					return err
				}
				tw := newTableAs(g.stdout, listFormat)
				fmt.Fprintln(tw, "ID\tNAME\tKIND\tSECTOR")
				for _, o := range orgs {
					fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", o.ID, o.Name, o.Kind, o.Sector)
				}
				return tw.Flush()
			})
		},
	}
	formatFlag(list, &listFormat, formatTable, formatJSON, formatCSV)
	cmd.AddCommand(add, list)
	cmd.AddCommand(orgChangeCmds(g)...)
	return cmd
}
