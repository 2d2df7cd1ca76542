package cli

import (
	"context"
	"fmt"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"renkei/internal/app"
	"renkei/internal/auth"
	"renkei/internal/i18n"
	"renkei/internal/retention"
	"renkei/internal/store"
)

func newRetentionCmd(g *globals) *cobra.Command {
	cmd := &cobra.Command{
		Use: "retention",
	}
	cmd.AddCommand(newRetentionShowCmd(g), newRetentionSetCmd(g), newRetentionRunCmd(g))
	return cmd
}

func newRetentionShowCmd(g *globals) *cobra.Command {
	return &cobra.Command{
		Use:  "show",
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			db, err := g.openStore(cmd.Context())
			if err != nil {
				return err
			}
			defer db.Close()
			rs, err := retention.Rules(cmd.Context(), db)
			if err != nil {
				return err
			}
			tw := newTable(g.stdout)
			fmt.Fprintln(tw, "NAME\tTYPE\tTLP\tDAYS")
			for _, r := range rs {
				fmt.Fprintf(tw, "%s\t%s\t%s\t%d\n", r.Name, orAny(r.Type), orAny(r.TLP), r.Days)
			}
			return tw.Flush()
		},
	}
}

func orAny(s string) string {
	if s == "" {
		return "*"
	}
	return s
}

// parseRule reads NAME:TYPE:TLP:DAYS, with * or nothing for "any".
func parseRule(s string) (retention.Rule, error) {
	p := strings.Split(s, ":")
	if len(p) != 4 {
		return retention.Rule{}, refuse(i18n.M("cli.retention.bad_rule", s))
	}
	days, err := strconv.Atoi(p[3])
	if err != nil {
		return retention.Rule{}, refuse(i18n.M("cli.retention.bad_days", s, p[3]))
	}
	anyOf := func(x string) string {
		if x == "*" {
			return ""
		}
		return x
	}
	return retention.Rule{Name: p[0], Type: anyOf(p[1]), TLP: anyOf(p[2]), Days: days}, nil
}

// localApp opens the store and this machine's audit log and builds the
// command's application over them, once.
func (g *globals) localApp(ctx context.Context) (*app.App, func(), error) {
	db, err := g.openStore(ctx)
	if err != nil {
		return nil, nil, err
	}
	host, _ := os.Hostname()
	al, err := app.OpenAudit(ctx, db, app.AuditConfig{DataDir: g.data, Node: "cli-" + host})
	if err != nil {
		db.Close()
		// Every act of the command line is logged before it takes effect: with
		// no log, nothing is done.
		return nil, nil, fmt.Errorf("the audit log in %s cannot record the act, so nothing was done: %w", g.data+"/audit", err)
	}
	a, err := app.New(ctx, app.Deps{Store: db, Audit: al})
	if err != nil {
		al.Close()
		db.Close()
		return nil, nil, err
	}
	return a, func() { al.Close(); db.Close() }, nil
}

func newRetentionSetCmd(g *globals) *cobra.Command {
	return &cobra.Command{
		Use: "set NAME:TYPE:TLP:DAYS...",
		RunE: func(cmd *cobra.Command, args []string) error {
			var rs []retention.Rule
			for _, a := range args {
				r, err := parseRule(a)
				if err != nil {
					return err
				}
				rs = append(rs, r)
			}
			a, done, err := g.localApp(cmd.Context())
			if err != nil {
				return err
			}
			defer done()
			host, _ := os.Hostname()
			c := auth.Caller{User: store.User{Login: "cli@" + host, Role: "admin"}, Org: a.Hub.Center()}
			if err := a.Retention.SetRules(cmd.Context(), c, rs); err != nil {
				return err
			}
			g.tell(g.stdout, i18n.M("cli.retention.set", strconv.Itoa(len(rs))))
			return nil
		},
	}
}

func newRetentionRunCmd(g *globals) *cobra.Command {
	return &cobra.Command{
		Use:  "run",
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			a, done, err := g.localApp(cmd.Context())
			if err != nil {
				return err
			}
			defer done()
			ds, err := a.Retention.Expire(cmd.Context(), time.Now())
			for _, d := range ds {
				g.tell(g.stdout, i18n.M("cli.retention.deleted", d.Rule, fmt.Sprint(d.Count), d.Hash, fmt.Sprint(d.AuditIndex)))
			}
			if err == nil && len(ds) == 0 {
				g.tell(g.stdout, i18n.M("cli.retention.nothing"))
			}
			return err
		},
	}
}
