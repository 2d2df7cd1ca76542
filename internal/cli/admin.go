package cli

import (
	"bufio"
	"fmt"
	"os/user"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"renkei/internal/auth"
	"renkei/internal/hub"
	"renkei/internal/policy"
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
				tw := tabwriter.NewWriter(g.stdout, 2, 4, 2, ' ', 0)
				fmt.Fprintln(tw, "ID\tNAME\tKIND\tSECTOR")
				for _, o := range orgs {
					fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", o.ID, o.Name, o.Kind, o.Sector)
				}
				return tw.Flush()
			})
		},
	}
	cmd.AddCommand(add, list)
	return cmd
}

func newGroupCmd(g *globals) *cobra.Command {
	cmd := &cobra.Command{Use: "group", Short: "Manage sharing groups of organizations"}
	var members string
	add := &cobra.Command{
		Use:     "add NAME",
		Short:   "Add a sharing group; members are organizations or other groups, by name or id",
		Example: `  renkei group add "Energy ISAC" --members "Kanto Electric,Chubu Power"` + "\n" + `  renkei group add "Lifelines" --members "Energy ISAC,Water ISAC"`,
		Args:    cobra.ExactArgs(1),
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
	add.Flags().StringVar(&members, "members", "", "comma-separated organizations or groups")
	list := &cobra.Command{
		Use:   "list",
		Short: "List sharing groups",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			return g.withStore(cmd.Context(), func(db *store.DB) error {
				gs, err := db.Groups(cmd.Context())
				if err != nil {
					return err
				}
				tw := tabwriter.NewWriter(g.stdout, 2, 4, 2, ' ', 0)
				fmt.Fprintln(tw, "ID\tNAME\tORGS\tGROUPS")
				for _, x := range gs {
					fmt.Fprintf(tw, "%s\t%s\t%d\t%d\n", x.ID, x.Name, len(x.MemberOrgs), len(x.MemberGroups))
				}
				return tw.Flush()
			})
		},
	}
	cmd.AddCommand(add, list)
	return cmd
}

func newUserCmd(g *globals) *cobra.Command {
	cmd := &cobra.Command{Use: "user", Short: "Manage user accounts"}
	var org, role string
	var pwStdin bool
	roles := make([]string, len(policy.Roles))
	for i, r := range policy.Roles {
		roles[i] = string(r)
	}
	add := &cobra.Command{
		Use:   "add LOGIN",
		Short: "Add a user to an organization",
		Long: "Add a user. Roles: " + strings.Join(roles, ", ") + `.
Without --password-stdin the account has no web login; give it a token with
"renkei token create".`,
		Example: `  echo 'a long passphrase' | renkei user add tanaka --org "Kanto Electric" --role analyst --password-stdin`,
		Args:    cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			var pw string
			if pwStdin {
				line, err := bufio.NewReader(g.stdin).ReadString('\n')
				if err != nil && line == "" {
					return fmt.Errorf("--password-stdin: no password on standard input")
				}
				pw = strings.TrimRight(line, "\r\n")
				if pw == "" {
					return fmt.Errorf("--password-stdin: the password is empty")
				}
			}
			return g.withHub(cmd.Context(), func(h *hub.Hub) error {
				// Logged before it takes effect, as the console and the API do.
				u, err := h.CreateUser(cmd.Context(), operator(h), args[0], org, role, pw)
				if err != nil {
					return err
				}
				if u.Pending {
					fmt.Fprintf(g.stderr, "user %s added (%s), pending: a member of the committee confirms it (renkei committee confirm %s)\n", u.Login, u.Role, u.Login)
					return nil
				}
				fmt.Fprintf(g.stderr, "user %s added (%s)\n", u.Login, u.Role)
				return nil
			})
		},
	}
	add.Flags().StringVar(&org, "org", "", "organization, by name or id (required)")
	add.Flags().StringVar(&role, "role", "", "role (required)")
	add.Flags().BoolVar(&pwStdin, "password-stdin", false, "read the web password from the first line of standard input")
	add.MarkFlagRequired("org")
	add.MarkFlagRequired("role")
	list := &cobra.Command{
		Use:   "list",
		Short: "List users",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			return g.withStore(cmd.Context(), func(db *store.DB) error {
				us, err := db.Users(cmd.Context(), "")
				if err != nil {
					return err
				}
				tw := tabwriter.NewWriter(g.stdout, 2, 4, 2, ' ', 0)
				fmt.Fprintln(tw, "LOGIN\tROLE\tORG\tDISABLED\tPENDING\tCREATED BY")
				for _, u := range us {
					fmt.Fprintf(tw, "%s\t%s\t%s\t%v\t%v\t%s\n", u.Login, u.Role, u.OrgID, u.Disabled, u.Pending, u.CreatedBy)
				}
				return tw.Flush()
			})
		},
	}
	cmd.AddCommand(add, list)
	return cmd
}

func newTokenCmd(g *globals) *cobra.Command {
	cmd := &cobra.Command{Use: "token", Short: "Manage API tokens"}
	var expires, name string
	var readOnly bool
	create := &cobra.Command{
		Use:   "create LOGIN",
		Short: "Create an API token and print it (only the token) on stdout",
		Long: `Create an API token for a user. The token is printed once and only its hash is
stored. Use it as "Authorization: Bearer <token>" or as the HTTP Basic password.`,
		Example: `  renkei token create tanaka --expires 90d
  TOKEN=$(renkei token create feedbot --read-only --expires 30d)`,
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
					return fmt.Errorf("%s is an account of the oversight committee: its member creates their own tokens (POST /api/v1/tokens)", u.Login)
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
	create.Flags().StringVar(&expires, "expires", "90d", "lifetime: 90d, 12h, or never")
	create.Flags().BoolVar(&readOnly, "read-only", false, "the token may only read")
	create.Flags().StringVar(&name, "name", "", "a note saying what the token is for")
	list := &cobra.Command{
		Use:   "list [LOGIN]",
		Short: "List tokens (never their secrets)",
		Args:  cobra.MaximumNArgs(1),
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
				tw := tabwriter.NewWriter(g.stdout, 2, 4, 2, ' ', 0)
				fmt.Fprintln(tw, "ID\tUSER\tNAME\tREAD-ONLY\tEXPIRES\tREVOKED")
				for _, t := range ts {
					fmt.Fprintf(tw, "%d\t%d\t%s\t%v\t%s\t%s\n", t.ID, t.UserID, t.Name, t.ReadOnly, fmtTime(t.Expires), fmtTime(t.Revoked))
				}
				return tw.Flush()
			})
		},
	}
	revoke := &cobra.Command{
		Use:   "revoke ID",
		Short: "Revoke a token at once",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			var id int64
			if _, err := fmt.Sscan(args[0], &id); err != nil {
				return fmt.Errorf("%q is not a token id (see renkei token list)", args[0])
			}
			return g.withHub(cmd.Context(), func(h *hub.Hub) error {
				t, err := h.DB.TokenByID(cmd.Context(), id)
				if err != nil {
					return fmt.Errorf("token %d: %w", id, err)
				}
				return h.RevokeToken(cmd.Context(), operator(h), t)
			})
		},
	}
	cmd.AddCommand(create, list, revoke)
	return cmd
}

// operator is who an act on the command line is recorded as in the audit
// log: the local account that ran it, for the center.
func operator(h *hub.Hub) auth.Caller {
	name := "unknown"
	if u, err := user.Current(); err == nil {
		name = u.Username
	}
	return auth.Caller{User: store.User{Login: "cli:" + name, Role: "system"}, Org: h.Center()}
}

func fmtTime(t time.Time) string {
	if t.IsZero() {
		return "-"
	}
	return t.Format(time.RFC3339)
}

func newBackupCmd(g *globals) *cobra.Command {
	var out string
	cmd := &cobra.Command{
		Use:   "backup --out FILE",
		Short: "Take a consistent online copy of a SQLite store",
		Long: `Copy the SQLite store to FILE while the hub keeps running (SQLite's VACUUM INTO).
For PostgreSQL use pg_dump (see docs/operations.md).`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			return g.withStore(cmd.Context(), func(db *store.DB) error {
				if err := db.Backup(cmd.Context(), out); err != nil {
					return err
				}
				fmt.Fprintf(g.stderr, "backup written to %s\n", out)
				return nil
			})
		},
	}
	cmd.Flags().StringVar(&out, "out", "", "file to write (must not exist)")
	cmd.MarkFlagRequired("out")
	return cmd
}
