package cli

import (
	"fmt"
	"path/filepath"
	"strconv"
	"time"

	"github.com/spf13/cobra"

	"renkei/internal/i18n"
	"renkei/internal/policy"
	"renkei/internal/relevance"
)

func newFeedsImportCmd(g *globals) *cobra.Command {
	cmd := &cobra.Command{
		Use:  "import FILE...",
		Args: cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			var in []relevance.Input
			for _, p := range args {
				data, err := g.readInput(p)
				if err != nil {
					return err
				}
				in = append(in, relevance.Input{Source: "file:" + filepath.Base(p), Data: data})
			}
			s, db, err := g.relevance(ctx)
			if err != nil {
				return err
			}
			defer db.Close()
			res, err := s.ImportDocuments(ctx, in)
			bad := 0
			for _, d := range res.Documents {
				switch {
				case d.Error != "":
					bad++
					g.tell(g.stdout, i18n.M("cli.feeds.refused", d.Source, d.Error))
				case d.Unchanged:
					g.tell(g.stdout, i18n.M("cli.feeds.unchanged", d.Source))
				default:
					g.tell(g.stdout, i18n.M("cli.feeds.imported", d.Source, d.Format, strconv.Itoa(d.Records), strconv.Itoa(d.Problems)))
				}
			}
			g.printOutcome("", res.Outcome)
			if err != nil {
				return err
			}
			if bad > 0 {
				return refuse(i18n.M("cli.files_unread", strconv.Itoa(bad)))
			}
			return nil
		},
	}
	return cmd
}

func newFeedsAddCmd(g *globals) *cobra.Command {
	var format string
	var every time.Duration
	cmd := &cobra.Command{
		Use:  "add URL [--feed-format F] [--every 6h]",
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			s, db, err := g.relevance(ctx)
			if err != nil {
				return err
			}
			defer db.Close()
			f, err := s.AddFeed(ctx, policy.System(), args[0], format, every)
			if err != nil {
				return err
			}
			g.tell(g.stdout, i18n.M("cli.feeds.added", fmt.Sprint(f.ID), f.URL, f.Interval.String()))
			return nil
		},
	}
	cmd.Flags().StringVar(&format, "feed-format", "", "")
	cmd.Flags().DurationVar(&every, "every", 6*time.Hour, "")
	return cmd
}

func newFeedsListCmd(g *globals) *cobra.Command {
	var format string
	cmd := &cobra.Command{
		Use:  "list",
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			s, db, err := g.relevance(ctx)
			if err != nil {
				return err
			}
			defer db.Close()
			fs, err := s.Feeds(ctx, policy.System())
			if err != nil {
				return err
			}
			// Two tables; in JSON, one object holding both.
			if format == formatJSON {
				fmt.Fprint(g.stdout, `{"feeds": `)
			}
			tw := newTableAs(g.stdout, format)
			fmt.Fprintln(tw, "FEED\tURL\tFORMAT\tEVERY\tLAST FETCH\tRECORDS\tLAST ERROR")
			for _, f := range fs {
				last := "never"
				if !f.LastFetch.IsZero() {
					last = f.LastFetch.Format(time.RFC3339)
				}
				fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%s\t%d\t%s\n", f.ID, f.URL, f.Format, f.Interval, last, f.Records, f.LastError)
			}
			tw.Flush()
			docs, err := s.Documents(ctx)
			if err != nil {
				return err
			}
			if format == formatJSON {
				fmt.Fprint(g.stdout, `, "documents": `)
			} else {
				fmt.Fprintln(g.stdout)
			}
			tw = newTableAs(g.stdout, format)
			fmt.Fprintln(tw, "DOCUMENT\tSOURCE\tFORMAT\tRECORDS\tSTORED")
			for _, d := range docs {
				fmt.Fprintf(tw, "%d\t%s\t%s\t%d\t%s\n", d.ID, d.Source, d.Format, d.Records, d.Created.Format(time.RFC3339))
			}
			if err := tw.Flush(); err != nil {
				return err
			}
			if format == formatJSON {
				fmt.Fprintln(g.stdout, "}")
			}
			return nil
		},
	}
	formatFlag(cmd, &format, formatTable, formatJSON)
	return cmd
}
