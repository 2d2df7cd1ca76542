package cli

import (
	"fmt"
	"time"

	"github.com/spf13/cobra"

	"renkei/internal/auth"
	"renkei/internal/hub"
	"renkei/internal/i18n"
	"renkei/internal/policy"
	"renkei/internal/store"
)

func newTokenCmd(g *globals) *cobra.Command {
	cmd := &cobra.Command{Use: "token"}
	var expires, name string
	var readOnly bool
	create := &cobra.Command{
		Use:  "create LOGIN",
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			d, err := auth.ParseExpiry(expires)
			if err != nil {
				return err
			}
			return g.withHub(cmd.Context(), func(h *hub.Hub) error {
				u, err := h.DB.UserByLogin(cmd.Context(), args[0])
				if err != nil {
					return err
				}
				if !policy.OperatorManages(policy.Role(u.Role)) {
					return refuse(i18n.M("cli.token.overseer", u.Login))
				}
				secret, _, err := h.IssueToken(cmd.Context(), operator(h), args[0], name, d, readOnly)
				if err != nil {
					return err
				}
				fmt.Fprintln(g.stdout, secret)
				return nil
			})
		},
	}
	create.Flags().StringVar(&expires, "expires", "90d", "")
	create.Flags().BoolVar(&readOnly, "read-only", false, "")
	create.Flags().StringVar(&name, "name", "", "")
	var listFormat string
	list := &cobra.Command{
		Use:  "list [LOGIN]",
		Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return g.withStore(cmd.Context(), func(db *store.DB) error {
				var uid int64
				if len(args) == 1 {
					u, err := db.UserByLogin(cmd.Context(), args[0])
					if err != nil {
						return err
					}
					uid = u.ID
				}
				ts, err := db.Tokens(cmd.Context(), uid)
				if err != nil {
					return err
				}
				logins := map[int64]string{}
				us, err := db.Users(cmd.Context(), "")
				if err != nil {
					return err
				}
				for _, u := range us {
					logins[u.ID] = u.Login
				}
				// A token is named by its public id, as in the API, the
				// console and the audit log's token.revoke entries.
				tw := newTableAs(g.stdout, listFormat)
				fmt.Fprintln(tw, "ID\tUSER\tNAME\tREAD-ONLY\tEXPIRES\tREVOKED")
				for _, t := range ts {
					fmt.Fprintf(tw, "%s\t%s\t%s\t%v\t%s\t%s\n", t.PublicID, logins[t.UserID], t.Name, t.ReadOnly, fmtTime(t.Expires), fmtTime(t.Revoked))
				}
				return tw.Flush()
			})
		},
	}
	revoke := &cobra.Command{
		Use:  "revoke ID",
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			id := args[0]
			if !store.ValidPublicID(id) {
				return refuse(i18n.M("cli.token.not_an_id", id))
			}
			return g.withHub(cmd.Context(), func(h *hub.Hub) error {
				t, err := h.DB.TokenByPublicID(cmd.Context(), id)
				if err != nil {
					return err
				}
				return h.RevokeToken(cmd.Context(), operator(h), t)
			})
		},
	}
	formatFlag(list, &listFormat, formatTable, formatJSON, formatCSV)
	cmd.AddCommand(create, list, revoke)
	return cmd
}

func fmtTime(t time.Time) string {
	if t.IsZero() {
		return "-"
	}
	return t.Format(time.RFC3339)
}
