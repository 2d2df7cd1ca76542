package cli

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/spf13/cobra"

	"renkei/internal/export"
	"renkei/internal/exportgate"
	"renkei/internal/i18n"
)

func newExportCmd(g *globals) *cobra.Command {
	var (
		files  []string
		hub    collectionFlags
		format string
		out    string
		atText string
		opt    export.Options
	)
	cmd := &cobra.Command{
		Use:  "export --format FORMAT --indicators FILE… [-o OUT]",
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if len(files) == 0 && hub.Hub == "" {
				return refuse(i18n.M("cli.sweep.no_indicators"))
			}
			if !slices.Contains(export.Formats, format) {
				return refuse(i18n.M("cli.export.unknown_format", format, strings.Join(export.Formats, ", ")))
			}
			at, err := parseAt(atText)
			if err != nil {
				return err
			}
			opt.At = at
			ctx := cmd.Context()
			if ctx == nil {
				ctx = context.Background()
			}
			set, err := loadIndicatorSet(ctx, g, files, &hub)
			if err != nil {
				return err
			}
			gate, err := offlineGate(g, &hub.gateFlags)
			if err != nil {
				return err
			}
			if gate != nil {
				var tally exportgate.Tally
				set, tally = gate.Filter(set)
				if t := tallyText(g, tally); t != "" {
					g.note("export", i18n.M("cli.gate.left_out", t))
				}
			}
			var w io.Writer = g.stdout
			var tmp *os.File
			if out != "" && out != "-" {
				// Write beside the target and rename, so a device polling the
				// file never reads half a list.
				tmp, err = os.CreateTemp(filepath.Dir(out), "."+filepath.Base(out)+".*")
				if err != nil {
					return err
				}
				defer os.Remove(tmp.Name())
				w = tmp
			}
			res, err := export.WriteSet(w, format, set, opt)
			if err != nil {
				return err
			}
			if tmp != nil {
				if err := tmp.Close(); err != nil {
					return err
				}
				if err := os.Rename(tmp.Name(), out); err != nil {
					return err
				}
			}
			skipped := ""
			if s := res.SkippedText(); s != "" {
				skipped = i18n.Ref(i18n.M("cli.export.skipped", s))
			}
			g.note("export", i18n.M("cli.export.written", fmt.Sprint(res.Written), format, skipped))
			return nil
		},
	}
	fl := cmd.Flags()
	fl.StringVarP(&format, "format", "f", "", "")
	fl.StringArrayVarP(&files, "indicators", "i", nil, "")
	fl.StringVarP(&out, "output", "o", "", "")
	hub.add(cmd)
	fl.StringVar(&atText, "at", "now", "")
	fl.IntVar(&opt.SIDBase, "sid-base", export.DefaultSIDBase, "")
	fl.IntVar(&opt.SIDRange, "sid-range", export.DefaultSIDRange, "")
	fl.StringVar(&opt.Zone, "zone", "rpz.renkei", "")
	fl.StringVar(&opt.Source, "source", "renkei", "")
	_ = cmd.MarkFlagRequired("format")
	cmd.AddCommand(newExportExplainCmd(g), newExportReviewsCmd(g), newExportReviewCmd(g))
	return cmd
}
