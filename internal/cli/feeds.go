package cli

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/spf13/cobra"

	"renkei/internal/i18n"
	"renkei/internal/vuln/advisory"
)

func newFeedsCmd(g *globals) *cobra.Command {
	cmd := &cobra.Command{
		Use: "feeds",
	}
	cmd.AddCommand(newFeedsCheckCmd(g), newFeedsImportCmd(g), newFeedsAddCmd(g), newFeedsListCmd(g))
	return cmd
}

func newFeedsCheckCmd(g *globals) *cobra.Command {
	var verbose bool
	cmd := &cobra.Command{
		Use:  "check PATH...",
		Args: cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			sets, problems := advisory.LoadPaths(args)
			for _, s := range sets {
				g.tell(g.stdout, i18n.M("cli.feeds.checked", s.Source, string(s.Format), strconv.Itoa(len(s.Advisories)), strconv.Itoa(len(s.Statements)),
					strconv.Itoa(len(s.KEV)), strconv.Itoa(len(s.EPSS)), strconv.Itoa(len(s.Problems))))
				if verbose {
					for _, p := range s.Problems {
						fmt.Fprintln(g.stdout, "  "+g.say(i18n.M("cli.problem", strings.TrimPrefix(p.String(), s.Source+": "))))
					}
				}
			}
			for _, p := range problems {
				g.tell(g.stdout, i18n.M("cli.feeds.refused", p.Where, strings.TrimPrefix(p.Err, p.Where+": ")))
			}
			if len(problems) > 0 {
				return refuse(i18n.M("cli.files_unread", strconv.Itoa(len(problems))))
			}
			return nil
		},
	}
	cmd.Flags().BoolVarP(&verbose, "verbose", "v", false, "")
	return cmd
}
