package cli

import (
	"bufio"
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"renkei/internal/hub"
	"renkei/internal/i18n"
	"renkei/internal/policy"
	"renkei/internal/store"
)

func newUserCmd(g *globals) *cobra.Command {
	cmd := &cobra.Command{Use: "user"}
	var org, role string
	var pwStdin bool
	roles := make([]string, len(policy.Roles))
	for i, r := range policy.Roles {
		roles[i] = string(r)
	}
	add := &cobra.Command{
		Use:  "add LOGIN",
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			var pw string
			if pwStdin {
				line, err := bufio.NewReader(g.stdin).ReadString('\n')
				if err != nil && line == "" {
					return refuse(i18n.M("cli.user.no_password"))
				}
				pw = strings.TrimRight(line, "\r\n")
				if pw == "" {
					return refuse(i18n.M("cli.user.empty_password"))
				}
			}
			return g.withHub(cmd.Context(), func(h *hub.Hub) error {
				// Logged before it takes effect, as the console and the API do.
				u, err := h.CreateUser(cmd.Context(), operator(h), args[0], org, role, pw)
				if err != nil {
					return err
				}
				if u.Pending {
					g.tell(g.stderr, i18n.M("cli.user.added_pending", u.Login, u.Role, u.Login))
					return nil
				}
				g.tell(g.stderr, i18n.M("cli.user.added", u.Login, u.Role))
				return nil
			})
		},
	}
	add.Flags().StringVar(&org, "org", "", "")
	add.Flags().StringVar(&role, "role", "", "")
	add.Flags().BoolVar(&pwStdin, "password-stdin", false, "")
	add.MarkFlagRequired("org")
	add.MarkFlagRequired("role")
	var listFormat string
	list := &cobra.Command{
		Use:  "list",
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			return g.withStore(cmd.Context(), func(db *store.DB) error {
				us, err := db.Users(cmd.Context(), "")
				if err != nil {
					return err
				}
				tw := newTableAs(g.stdout, listFormat)
				fmt.Fprintln(tw, "LOGIN\tROLE\tORG\tDISABLED\tPENDING\tCREATED BY")
				for _, u := range us {
					fmt.Fprintf(tw, "%s\t%s\t%s\t%v\t%v\t%s\n", u.Login, u.Role, u.OrgID, u.Disabled, u.Pending, u.CreatedBy)
				}
				return tw.Flush()
			})
		},
	}
	formatFlag(list, &listFormat, formatTable, formatJSON, formatCSV)
	cmd.AddCommand(add, list)
	cmd.AddCommand(userChangeCmds(g)...)
	return cmd
}
