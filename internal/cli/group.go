package cli

import (
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"renkei/internal/hub"
	"renkei/internal/store"
)

func newGroupCmd(g *globals) *cobra.Command {
	cmd := &cobra.Command{Use: "group"}
	var members string
	add := &cobra.Command{
		Use:  "add NAME",
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return g.withHub(cmd.Context(), func(h *hub.Hub) error {
				grp, err := h.CreateGroup(cmd.Context(), operator(h), args[0], strings.Split(members, ","))
				if err != nil {
					return err
				}
				fmt.Fprintln(g.stdout, grp.ID)
				return nil
			})
		},
	}
	add.Flags().StringVar(&members, "members", "", "")
	var groupFormat string
	list := &cobra.Command{
		Use:  "list",
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			return g.withStore(cmd.Context(), func(db *store.DB) error {
				gs, err := db.Groups(cmd.Context())
				if err != nil {
					return err
				}
				tw := newTableAs(g.stdout, groupFormat)
				fmt.Fprintln(tw, "ID\tNAME\tORGS\tGROUPS")
				for _, x := range gs {
					fmt.Fprintf(tw, "%s\t%s\t%d\t%d\n", x.ID, x.Name, len(x.MemberOrgs), len(x.MemberGroups))
				}
				return tw.Flush()
			})
		},
	}
	formatFlag(list, &groupFormat, formatTable, formatJSON, formatCSV)
	cmd.AddCommand(add, list)
	cmd.AddCommand(groupChangeCmds(g)...)
	return cmd
}
