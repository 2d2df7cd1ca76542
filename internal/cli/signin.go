package cli

import (
	"fmt"
	"os"
	"strings"

	"github.com/spf13/cobra"

	"renkei/internal/app"
	"renkei/internal/signin"
	"renkei/internal/store"
)

// renkei oidc: the identity providers people sign in with and the claim
// mappings that say which organization and role they are; renkei cert: the
// client certificates machine clients present instead of a token. Their
// help texts are in the catalog ({ja,en}.signin.json).

func newOIDCCmd(g *globals) *cobra.Command {
	cmd := &cobra.Command{Use: "oidc"}
	var p store.OIDCProvider
	add := &cobra.Command{
		Use:  "add NAME",
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			p.Name = args[0]
			return g.withApp(cmd.Context(), func(a *app.App) error {
				return a.SignIn.PutProvider(cmd.Context(), operator(a.Hub), p)
			})
		},
	}
	add.Flags().StringVar(&p.Issuer, "issuer", "", "")
	add.Flags().StringVar(&p.ClientID, "client-id", "", "")
	add.Flags().StringVar(&p.SecretRef, "secret", "", "")
	add.Flags().StringArrayVar(&p.Scopes, "scope", nil, "")
	add.Flags().StringVar(&p.LoginClaim, "login-claim", "", "")
	add.Flags().BoolVar(&p.Disabled, "disabled", false, "")
	var listFormat string
	list := &cobra.Command{
		Use:  "list",
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			return g.withStore(cmd.Context(), func(db *store.DB) error {
				ps, err := db.OIDCProviders(cmd.Context())
				if err != nil {
					return err
				}
				tw := newTableAs(g.stdout, listFormat)
				fmt.Fprintln(tw, "NAME\tISSUER\tCLIENT-ID\tSECRET\tSCOPES\tLOGIN-CLAIM\tDISABLED")
				for _, p := range ps {
					fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%v\n", p.Name, p.Issuer, p.ClientID, p.SecretRef, strings.Join(p.Scopes, " "), p.LoginClaim, p.Disabled)
				}
				return tw.Flush()
			})
		},
	}
	formatFlag(list, &listFormat, formatTable, formatJSON, formatCSV)
	remove := &cobra.Command{
		Use:  "remove NAME",
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return g.withApp(cmd.Context(), func(a *app.App) error {
				return a.SignIn.RemoveProvider(cmd.Context(), operator(a.Hub), args[0])
			})
		},
	}
	var when []string
	var m store.OIDCMapping
	mapCmd := &cobra.Command{
		Use:  "map NAME",
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			m.Provider = args[0]
			m.Conditions = nil
			for _, w := range when {
				c, err := signin.ParseCondition(w)
				if err != nil {
					return err
				}
				m.Conditions = append(m.Conditions, c)
			}
			return g.withApp(cmd.Context(), func(a *app.App) error {
				got, err := a.SignIn.AddMapping(cmd.Context(), operator(a.Hub), m)
				if err != nil {
					return err
				}
				fmt.Fprintln(g.stdout, got.PublicID)
				return nil
			})
		},
	}
	mapCmd.Flags().StringArrayVar(&when, "when", nil, "")
	mapCmd.Flags().StringVar(&m.OrgID, "org", "", "")
	mapCmd.Flags().StringVar(&m.Role, "role", "", "")
	mapCmd.Flags().BoolVar(&m.Create, "create-accounts", false, "")
	var mapFormat string
	mappings := &cobra.Command{
		Use:  "mappings [NAME]",
		Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			name := ""
			if len(args) == 1 {
				name = args[0]
			}
			return g.withStore(cmd.Context(), func(db *store.DB) error {
				ms, err := db.OIDCMappings(cmd.Context(), name)
				if err != nil {
					return err
				}
				tw := newTableAs(g.stdout, mapFormat)
				fmt.Fprintln(tw, "ID\tPROVIDER\tWHEN\tORG\tROLE\tCREATE-ACCOUNTS")
				for _, m := range ms {
					conds := make([]string, len(m.Conditions))
					for i, c := range m.Conditions {
						conds[i] = c.String()
					}
					fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%v\n", m.PublicID, m.Provider, strings.Join(conds, " "), m.OrgID, m.Role, m.Create)
				}
				return tw.Flush()
			})
		},
	}
	formatFlag(mappings, &mapFormat, formatTable, formatJSON, formatCSV)
	unmap := &cobra.Command{
		Use:  "unmap ID",
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return g.withApp(cmd.Context(), func(a *app.App) error {
				return a.SignIn.RemoveMapping(cmd.Context(), operator(a.Hub), args[0])
			})
		},
	}
	cmd.AddCommand(add, list, remove, mapCmd, mappings, unmap)
	return cmd
}

func newCertCmd(g *globals) *cobra.Command {
	cmd := &cobra.Command{Use: "cert"}
	var name string
	var readOnly bool
	add := &cobra.Command{
		Use:  "add LOGIN CERT.pem|SPKI-SHA256",
		Args: cobra.ExactArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			in := []byte(args[1])
			if b, err := os.ReadFile(args[1]); err == nil {
				in = b
			}
			spki, err := signin.ParseCertOrHash(in)
			if err != nil {
				return err
			}
			return g.withApp(cmd.Context(), func(a *app.App) error {
				cc, err := a.SignIn.RegisterCert(cmd.Context(), operator(a.Hub), args[0], spki, name, readOnly)
				if err != nil {
					return err
				}
				fmt.Fprintln(g.stdout, cc.PublicID)
				return nil
			})
		},
	}
	add.Flags().StringVar(&name, "name", "", "")
	add.Flags().BoolVar(&readOnly, "read-only", false, "")
	var listFormat string
	list := &cobra.Command{
		Use:  "list",
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			return g.withStore(cmd.Context(), func(db *store.DB) error {
				cs, err := db.ClientCerts(cmd.Context(), "")
				if err != nil {
					return err
				}
				tw := newTableAs(g.stdout, listFormat)
				fmt.Fprintln(tw, "ID\tUSER\tNAME\tSPKI-SHA256\tREAD-ONLY\tCREATED\tREVOKED")
				for _, c := range cs {
					fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%v\t%s\t%s\n", c.PublicID, c.Login, c.Name, c.SPKI, c.ReadOnly, fmtTime(c.Created), fmtTime(c.Revoked))
				}
				return tw.Flush()
			})
		},
	}
	formatFlag(list, &listFormat, formatTable, formatJSON, formatCSV)
	revoke := &cobra.Command{
		Use:  "revoke ID",
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return g.withApp(cmd.Context(), func(a *app.App) error {
				return a.SignIn.RevokeCert(cmd.Context(), operator(a.Hub), args[0])
			})
		},
	}
	cmd.AddCommand(add, list, revoke)
	return cmd
}
