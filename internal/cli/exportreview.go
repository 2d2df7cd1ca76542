package cli

import (
	"fmt"
	"strconv"

	"github.com/spf13/cobra"

	"renkei/internal/app"
	"renkei/internal/audit"
	"renkei/internal/auth"
	"renkei/internal/i18n"
)

// newExportReviewsCmd is "renkei export reviews": the center's queue of
// indicators waiting for its review before they reach exports.
func newExportReviewsCmd(g *globals) *cobra.Command {
	var as, format string
	var limit int
	cmd := &cobra.Command{
		Use:  "reviews [--as LOGIN]",
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			return g.withActor(cmd.Context(), as, func(a *app.App, c auth.Caller) error {
				v, err := a.Hub.Viewer(cmd.Context(), c)
				if err != nil {
					return err
				}
				q, err := a.Exports.ReviewQueue(cmd.Context(), v, limit)
				if err != nil {
					return err
				}
				objs := q.Items
				if _, err := a.Hub.Release(cmd.Context(), c, audit.ActionObjectRead, "", objs); err != nil {
					return err
				}
				tw := newTableAs(g.stdout, format)
				fmt.Fprintln(tw, "ID\tADDED\tTLP\tCOLLECTION\tPATTERN")
				for _, o := range objs {
					fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", o.ID, o.DateAdded.UTC().Format("2006-01-02T15:04:05Z"), o.ACL.TLP.Label(), o.CollectionID, o.Pattern)
				}
				if err := tw.Flush(); err != nil {
					return err
				}
				if len(objs) == 0 && format == formatTable {
					fmt.Fprintln(g.stderr, g.say(i18n.M("cli.export.reviews_none")))
				}
				if q.Hidden > 0 {
					fmt.Fprintln(g.stderr, g.say(i18n.M("cli.export.reviews_hidden", strconv.Itoa(q.Hidden))))
				}
				return nil
			})
		},
	}
	formatFlag(cmd, &format, formatTable, formatJSON, formatCSV)
	cmd.Flags().IntVar(&limit, "limit", 100, "")
	cmd.Flags().StringVar(&as, "as", "", "")
	return cmd
}

// newExportReviewCmd is "renkei export review ID --release|--hold".
func newExportReviewCmd(g *globals) *cobra.Command {
	var as, note string
	var release, hold bool
	cmd := &cobra.Command{
		Use:  "review INDICATOR-ID --release|--hold [--note TEXT] [--as LOGIN]",
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if release == hold {
				return fmt.Errorf("%s", g.say(i18n.M("cli.export.review_release_or_hold")))
			}
			return g.withActor(cmd.Context(), as, func(a *app.App, c auth.Caller) error {
				if err := a.Exports.Review(cmd.Context(), c, args[0], release, note); err != nil {
					return err
				}
				m := i18n.M("cli.export.review_held", args[0])
				if release {
					m = i18n.M("cli.export.review_released", args[0])
				}
				fmt.Fprintln(g.stdout, g.say(m))
				return nil
			})
		},
	}
	cmd.Flags().BoolVar(&release, "release", false, "")
	cmd.Flags().BoolVar(&hold, "hold", false, "")
	cmd.Flags().StringVar(&note, "note", "", "")
	cmd.Flags().StringVar(&as, "as", "", "")
	return cmd
}
