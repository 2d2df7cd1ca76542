package cli

import (
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"renkei/internal/hub"
	"renkei/internal/store"
)

func newOrgCmd(g *globals) *cobra.Command {
	cmd := &cobra.Command{Use: "org", Short: "Manage member organizations"}
	var kind, sector, reason string
	add := &cobra.Command{
		Use:   "add NAME",
		Short: "Add a member organization and print its STIX identity id",
		Long: "Add a member organization. Kinds: " + strings.Join(store.OrgKinds, ", ") + `.
The act is in the audit log before it takes effect. There is one center
organization; another (--kind center) is a change of sharing policy that needs
--reason and is logged as policy.change for the oversight committee.`,
		Example: `  renkei org add "Kanto Electric" --kind operator --sector energy
  renkei org add "Minato City" --kind local-government`,
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
	add.Flags().StringVar(&kind, "kind", "", "kind of organization (required)")
	add.Flags().StringVar(&sector, "sector", "", "critical-infrastructure sector, e.g. energy, water, medical")
	add.Flags().StringVar(&reason, "reason", "", "why another center organization is needed (only with --kind center; logged)")
	add.MarkFlagRequired("kind")
	var listFormat string
	list := &cobra.Command{
		Use:   "list",
		Short: "List organizations",
		Args:  cobra.NoArgs,
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
