package cli

import (
	"context"
	"fmt"
	"io"
	"strconv"
	"time"

	"github.com/spf13/cobra"

	"renkei/internal/demo"
	"renkei/internal/i18n"
	"renkei/internal/store"
)

func runDemo(ctx context.Context, g *globals, db *store.DB, dataDir string, w io.Writer) error {
	now := time.Now().UTC()
	res, err := demo.Fill(ctx, db, now)
	if err != nil {
		return err
	}
	g.tell(w, i18n.M("cli.demo.filled", strconv.Itoa(res.Orgs), strconv.Itoa(res.Objects), res.Password))
	for _, a := range res.Accounts {
		fmt.Fprintf(w, "  %-16s %-10s %s\n", a.Login, a.Role, a.Org)
	}
	st, err := demo.FillStory(ctx, db, dataDir, now)
	if err != nil {
		return fmt.Errorf("demo story: %w", err)
	}
	for _, s := range st.Steps {
		g.tell(w, i18n.M("cli.demo.step", s))
	}
	return nil
}

func newDemoCmd(g *globals) *cobra.Command {
	return &cobra.Command{
		Use:  "demo",
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			db, err := g.openStore(cmd.Context())
			if err != nil {
				return err
			}
			defer db.Close()
			return runDemo(cmd.Context(), g, db, g.data, g.stderr)
		},
	}
}
