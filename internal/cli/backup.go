package cli

import (
	"fmt"

	"github.com/spf13/cobra"

	"renkei/internal/i18n"
	"renkei/internal/store"
)

func newBackupCmd(g *globals) *cobra.Command {
	var out string
	cmd := &cobra.Command{
		Use:  "backup --out FILE",
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			return g.withStore(cmd.Context(), func(db *store.DB) error {
				if err := db.Backup(cmd.Context(), out); err != nil {
					return err
				}
				fmt.Fprintln(g.stderr, g.say(i18n.M("cli.backup.written", out)))
				return nil
			})
		},
	}
	cmd.Flags().StringVar(&out, "out", "", "")
	cmd.MarkFlagRequired("out")
	return cmd
}
