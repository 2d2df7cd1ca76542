package cli

import (
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"renkei/internal/hub"
	"renkei/internal/i18n"
	"renkei/internal/policy"
)

// Changes to organizations, groups and users after they are made, as the
// console and the API make them: each act is logged before it takes effect
// (package hub, orgchanges.go), through the CLI as the local operator.

func orgChangeCmds(g *globals) []*cobra.Command {
	var name, sector, businessType string
	var disable, enable, designated, notDesignated bool
	change := &cobra.Command{
		Use:  "change ORG",
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			var ch hub.OrgChange
			if cmd.Flags().Changed("name") {
				ch.Name = &name
			}
			if cmd.Flags().Changed("sector") {
				ch.Sector = &sector
			}
			if disable && enable {
				return refuse(i18n.M("cli.admin.disable_or_enable"))
			}
			if disable || enable {
				ch.Disabled = &disable
			}
			if designated && notDesignated {
				return refuse(i18n.M("cli.admin.disable_or_enable"))
			}
			if designated || notDesignated || cmd.Flags().Changed("business-type") {
				ch.Designation = &hub.Designation{Designated: designated, BusinessType: businessType}
			}
			if ch == (hub.OrgChange{}) {
				return refuse(i18n.M("cli.admin.org_nothing_to_change"))
			}
			return g.withHub(cmd.Context(), func(h *hub.Hub) error {
				o, err := h.ChangeOrg(cmd.Context(), operator(h), args[0], ch)
				if err != nil {
					return err
				}
				g.tell(g.stderr, i18n.M("cli.admin.org_changed", o.ID, o.Name, o.Sector, fmt.Sprint(o.Disabled)))
				if ch.Designation != nil {
					g.tell(g.stderr, i18n.M("cli.admin.org_designation", o.Name, fmt.Sprint(o.Designated), o.BusinessType, o.Ministry))
				}
				return nil
			})
		},
	}
	change.Flags().StringVar(&name, "name", "", "")
	change.Flags().StringVar(&sector, "sector", "", "")
	change.Flags().BoolVar(&disable, "disable", false, "")
	change.Flags().BoolVar(&enable, "enable", false, "")
	change.Flags().BoolVar(&designated, "designated", false, "")
	change.Flags().BoolVar(&notDesignated, "not-designated", false, "")
	change.Flags().StringVar(&businessType, "business-type", "", "")
	del := &cobra.Command{
		Use:  "delete ORG",
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return g.withHub(cmd.Context(), func(h *hub.Hub) error {
				if err := h.DeleteOrg(cmd.Context(), operator(h), args[0]); err != nil {
					return err
				}
				g.tell(g.stderr, i18n.M("cli.admin.org_deleted", args[0]))
				return nil
			})
		},
	}
	return []*cobra.Command{change, del}
}

func groupChangeCmds(g *globals) []*cobra.Command {
	var name, members string
	change := &cobra.Command{
		Use:  "change GROUP",
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			var ms []string
			if cmd.Flags().Changed("members") {
				ms = []string{}
				for _, m := range strings.Split(members, ",") {
					if m = strings.TrimSpace(m); m != "" {
						ms = append(ms, m)
					}
				}
			}
			if name == "" && ms == nil {
				return refuse(i18n.M("cli.admin.group_nothing_to_change"))
			}
			return g.withHub(cmd.Context(), func(h *hub.Hub) error {
				gr, err := h.ChangeGroup(cmd.Context(), operator(h), args[0], name, ms)
				if err != nil {
					return err
				}
				g.tell(g.stderr, i18n.M("cli.admin.group_changed", gr.ID, gr.Name, fmt.Sprint(len(gr.MemberOrgs)), fmt.Sprint(len(gr.MemberGroups))))
				return nil
			})
		},
	}
	change.Flags().StringVar(&name, "name", "", "")
	change.Flags().StringVar(&members, "members", "", "")
	del := &cobra.Command{
		Use:  "delete GROUP",
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return g.withHub(cmd.Context(), func(h *hub.Hub) error {
				if err := h.DeleteGroup(cmd.Context(), operator(h), args[0]); err != nil {
					return err
				}
				g.tell(g.stderr, i18n.M("cli.admin.group_deleted", args[0]))
				return nil
			})
		},
	}
	return []*cobra.Command{change, del}
}

func userChangeCmds(g *globals) []*cobra.Command {
	withUser := func(cmd *cobra.Command, login string, act func(h *hub.Hub) error) error {
		return g.withHub(cmd.Context(), act)
	}
	setRole := &cobra.Command{
		Use:  "set-role LOGIN ROLE",
		Args: cobra.ExactArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			return withUser(cmd, args[0], func(h *hub.Hub) error {
				u, err := h.DB.UserByLogin(cmd.Context(), args[0])
				if err != nil {
					return err
				}
				if u, err = h.SetUserRole(cmd.Context(), operator(h), u, args[1]); err != nil {
					return err
				}
				g.tell(g.stderr, i18n.M("cli.admin.user_role", u.Login, u.Role))
				return nil
			})
		},
	}
	able := func(disable bool) *cobra.Command {
		use := "enable LOGIN"
		if disable {
			use = "disable LOGIN"
		}
		return &cobra.Command{
			Use: use, Args: cobra.ExactArgs(1),
			RunE: func(cmd *cobra.Command, args []string) error {
				return withUser(cmd, args[0], func(h *hub.Hub) error {
					u, err := h.DB.UserByLogin(cmd.Context(), args[0])
					if err != nil {
						return err
					}
					if !policy.OperatorManages(policy.Role(u.Role)) {
						return refuse(i18n.M("cli.admin.overseer_disable", u.Login))
					}
					if err := h.SetUserDisabled(cmd.Context(), operator(h), u, disable); err != nil {
						return err
					}
					g.tell(g.stderr, i18n.M("cli.admin.user_disabled", u.Login, fmt.Sprint(disable)))
					return nil
				})
			},
		}
	}
	capability := func(give bool) *cobra.Command {
		use := "revoke LOGIN CAPABILITY"
		if give {
			use = "grant LOGIN CAPABILITY"
		}
		return &cobra.Command{
			Use: use, Args: cobra.ExactArgs(2),
			RunE: func(cmd *cobra.Command, args []string) error {
				return withUser(cmd, args[0], func(h *hub.Hub) error {
					u, err := h.DB.UserByLogin(cmd.Context(), args[0])
					if err != nil {
						return err
					}
					if u, err = h.SetUserCapability(cmd.Context(), operator(h), u, args[1], give); err != nil {
						return err
					}
					g.tell(g.stderr, i18n.M("cli.admin.user_capabilities", u.Login, strings.Join(u.Capabilities, ", ")))
					return nil
				})
			},
		}
	}
	return []*cobra.Command{setRole, able(true), able(false), capability(true), capability(false)}
}
