package cli

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"renkei/internal/client"
	"renkei/internal/exportgate"
	"renkei/internal/i18n"
	"renkei/internal/logs"
	"renkei/internal/match"
	"renkei/internal/match/sweep"
	"renkei/internal/warninglist"
)

func newSweepCmd(g *globals) *cobra.Command {
	var (
		indicatorFiles []string
		hub            collectionFlags
		report         bool
		format         string
		workers        int
		atText         string
		failOnMatch    bool
	)
	cmd := &cobra.Command{
		Use:  "sweep --indicators FILE… [--hub URL --token T --collection C [--report]] LOG…",
		Args: cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if len(indicatorFiles) == 0 && hub.Hub == "" {
				return refuse(i18n.M("cli.sweep.no_indicators"))
			}
			if report && hub.Hub == "" {
				return refuse(i18n.M("cli.sweep.report_needs_hub"))
			}
			f, err := logs.ParseFormat(format)
			if err != nil {
				return err
			}
			at, err := parseAt(atText)
			if err != nil {
				return err
			}
			ctx := cmd.Context()
			if ctx == nil {
				ctx = context.Background()
			}
			files, err := expandLogArgs(args)
			if err != nil {
				return err
			}
			set, err := loadIndicatorSet(ctx, g, indicatorFiles, &hub)
			if err != nil {
				return err
			}
			return runSweep(ctx, g, set, files, sweep.Options{Workers: workers, Format: f, At: at}, &hub, report, failOnMatch)
		},
	}
	fl := cmd.Flags()
	fl.StringArrayVarP(&indicatorFiles, "indicators", "i", nil, "")
	hub.add(cmd)
	fl.BoolVar(&report, "report", false, "")
	fl.StringVar(&format, "input-format", "auto", "")
	fl.IntVar(&workers, "workers", 0, "")
	fl.StringVar(&atText, "at", "now", "")
	fl.BoolVar(&failOnMatch, "fail-on-match", false, "")
	return cmd
}

// expandLogArgs replaces each directory argument by the regular files under
// it (recursively, in name order), so that "renkei sweep -i x /var/log/zeek"
// sweeps a whole log archive.
func expandLogArgs(args []string) ([]string, error) {
	var out []string
	for _, a := range args {
		st, err := os.Stat(a)
		if a == "-" || err != nil || !st.IsDir() {
			out = append(out, a) // a missing file is reported when it is read
			continue
		}
		err = filepath.WalkDir(a, func(p string, d fs.DirEntry, err error) error {
			if err != nil {
				return err
			}
			if d.Type().IsRegular() && !strings.HasPrefix(d.Name(), ".") {
				out = append(out, p)
			}
			return nil
		})
		if err != nil {
			return nil, fmt.Errorf("list %s: %w", a, err)
		}
	}
	return out, nil
}

func parseAt(s string) (time.Time, error) {
	switch s {
	case "", "none":
		return time.Time{}, nil
	case "now":
		return time.Now(), nil
	}
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		return t, refuse(i18n.M("cli.sweep.bad_at", s))
	}
	return t, nil
}

// loadIndicatorSet compiles the indicator files and the hub collection,
// reporting rejected lines on stderr.
func loadIndicatorSet(ctx context.Context, g *globals, files []string, hub *collectionFlags) (*match.Set, error) {
	b := match.NewBuilder()
	report := func(what string, res sweep.LoadResult) {
		g.note("indicators", i18n.M("cli.sweep.indicators_loaded", what, strconv.Itoa(res.Values), res.Format, strconv.Itoa(res.Bad)))
		for _, e := range res.Errors {
			fmt.Fprintln(g.stderr, errorLine(nil, "indicators: "+e.Error()))
		}
		if res.Bad > len(res.Errors) {
			g.note("indicators", i18n.M("cli.sweep.more_rejected", strconv.Itoa(res.Bad-len(res.Errors))))
		}
	}
	for _, name := range files {
		fh, err := g.openInput(name)
		if err != nil {
			return nil, err
		}
		res, err := sweep.LoadIndicators(b, name, fh)
		fh.Close()
		if err != nil {
			return nil, err
		}
		report(name, res)
	}
	if hub.Hub != "" {
		res, err := hub.fetchIndicators(ctx, b)
		if err != nil {
			return nil, err
		}
		report(g.say(i18n.M("cli.sweep.collection", hub.collection)), res)
	}
	set := b.Build()
	if set.Len() == 0 {
		return nil, refuse(i18n.M("cli.sweep.no_usable_indicators"))
	}
	return set, nil
}

func runSweep(ctx context.Context, g *globals, set *match.Set, files []string, opt sweep.Options, hub *collectionFlags, report, failOnMatch bool) error {
	var total int64
	for _, name := range files {
		if st, err := os.Stat(name); err == nil {
			total += st.Size()
		}
	}
	bar := newProgress(g.stderr, total, "sweep")
	progress := func(n int) { _ = bar.Add(n) }
	out := bufio.NewWriterSize(g.stdout, 1<<16)
	enc := json.NewEncoder(out)
	enc.SetEscapeHTML(false)
	var sightings sweep.Sightings
	now := time.Now()
	var encErr error
	sw := &sweep.Sweeper{Set: set, Opt: opt}
	var stats sweep.Stats
	gate, err := offlineGate(g, &hub.gateFlags)
	if err != nil {
		return err
	}
	gated := exportgate.Tally{}
	emit := func(m *sweep.Match) {
		// A value the warninglists hold (a public resolver, a private range)
		// or a hostile scope is no match: the export gate decides, as for
		// the hub's exports. Stateful patterns have no one value to check.
		if gate != nil && m.IndicatorKind != "pattern" {
			v := m.Matched
			if v == "" {
				v = m.Value
			}
			if k, cv, ok := warninglist.Canonical(v); ok {
				if d := gate.Value(m.Indicator, k, cv); !d.Passed {
					for _, c := range d.Checks {
						if !c.Passed {
							gated[c.Rule]++
							break
						}
					}
					return
				}
			}
		}
		if encErr == nil {
			encErr = enc.Encode(m)
		}
		if report {
			sightings.Add(m, now)
		}
	}
	failed := 0
	for _, name := range files {
		st, err := sweepOne(ctx, g, sw, name, progress, emit)
		stats.Add(st)
		if err != nil {
			failed++
			fmt.Fprintln(g.stderr, errorLine(nil, "sweep: "+err.Error()))
		}
	}
	_ = bar.Finish()
	if t := tallyText(g, gated); t != "" {
		g.note("sweep", i18n.M("cli.gate.left_out_matches", t))
	}
	if err := out.Flush(); err != nil && encErr == nil {
		encErr = err
	}
	if encErr != nil {
		return fmt.Errorf("write matches: %w", encErr)
	}
	secs := stats.Duration.Seconds()
	g.note("sweep", i18n.M("cli.sweep.stats", fmt.Sprint(stats.Files), fmt.Sprint(stats.Lines), fmt.Sprint(stats.Records), fmt.Sprint(stats.Values),
		fmt.Sprint(stats.Matches), fmt.Sprint(stats.BadLines), fmt.Sprintf("%.2f", secs),
		fmt.Sprintf("%.0f", float64(stats.Records)/max(secs, 1e-9)), fmt.Sprintf("%.1f", float64(stats.Bytes)/1e6/max(secs, 1e-9))))
	for _, b := range stats.Bad {
		g.note("sweep", i18n.M("cli.sweep.bad_line", fmt.Sprint(b)))
	}
	if stats.BadLines > int64(len(stats.Bad)) {
		g.note("sweep", i18n.M("cli.sweep.more_bad_lines", fmt.Sprint(stats.BadLines-int64(len(stats.Bad)))))
	}
	if report {
		n, err := hub.report(ctx, &sightings, now)
		if err != nil {
			return err
		}
		unsightable := ""
		if sightings.Unsightable > 0 {
			unsightable = i18n.Ref(i18n.M("cli.sweep.unsightable", fmt.Sprint(sightings.Unsightable)))
		}
		g.note("sweep", i18n.M("cli.sweep.reported", strconv.Itoa(n), hub.collection, unsightable))
	}
	if failed > 0 {
		return refuse(i18n.M("cli.files_of_unread", strconv.Itoa(failed), strconv.Itoa(len(files))))
	}
	if failOnMatch && stats.Matches > 0 {
		return exitError{code: 3}
	}
	return nil
}

func sweepOne(ctx context.Context, g *globals, sw *sweep.Sweeper, name string, progress func(int), emit func(*sweep.Match)) (sweep.Stats, error) {
	r, err := g.openInput(name)
	if err != nil {
		return sweep.Stats{}, err
	}
	defer r.Close()
	// Progress counts the file's own bytes, so it ends at the file size
	// even when the log is gzip-compressed.
	return sw.File(ctx, name, &countingReader{r, progress}, emit)
}

// countingReader reports the bytes read through it.
type countingReader struct {
	r io.Reader
	n func(int)
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n(n)
	return n, err
}

// collectionFlags name the TAXII 2.1 collection of a hub (or of any TAXII
// 2.1 server) that sweep and export read indicators from and sweep reports
// sightings to.
type collectionFlags struct {
	client.Client
	collection string
	gateFlags
}

// gateFlags are the offline export gate's: warninglists read besides the
// built-in ones, the hostile-scope thresholds, and noLists, which turns the
// gate off.
type gateFlags struct {
	warninglists []string
	noLists      bool
	thresholds   exportgate.Thresholds
}

func (c *collectionFlags) add(cmd *cobra.Command) {
	fl := cmd.Flags()
	fl.StringVar(&c.Hub, "hub", "", "")
	fl.StringVar(&c.Token, "token", "", "")
	fl.StringVar(&c.collection, "collection", "", "")
	fl.StringVar(&c.APIRoot, "api-root", "", "")
	flagUsage(fl, "hub", i18n.M("cli.help.flags.taxii_hub"))
	flagUsage(fl, "token", i18n.M("cli.help.flags.taxii_token"))
	flagUsage(fl, "collection", i18n.M("cli.help.flags.taxii_collection"))
	flagUsage(fl, "api-root", i18n.M("cli.help.flags.taxii_api_root"))
	c.gateFlags.add(cmd)
}

func (c *gateFlags) add(cmd *cobra.Command) {
	fl := cmd.Flags()
	fl.StringArrayVar(&c.warninglists, "warninglists", nil, "")
	fl.BoolVar(&c.noLists, "no-warninglists", false, "")
	d := exportgate.DefaultThresholds()
	fl.IntVar(&c.thresholds.WidestIPv4, "widest-ipv4", d.WidestIPv4, "")
	fl.IntVar(&c.thresholds.WidestIPv6, "widest-ipv6", d.WidestIPv6, "")
	fl.StringVar(&c.thresholds.PublicSuffixes, "public-suffixes", d.PublicSuffixes, "")
	flagUsage(fl, "warninglists", i18n.M("cli.help.flags.gate_warninglists"))
	flagUsage(fl, "no-warninglists", i18n.M("cli.help.flags.gate_no_warninglists"))
	flagUsage(fl, "widest-ipv4", i18n.M("cli.help.flags.gate_widest_ipv4"))
	flagUsage(fl, "widest-ipv6", i18n.M("cli.help.flags.gate_widest_ipv6"))
	flagUsage(fl, "public-suffixes", i18n.M("cli.help.flags.gate_public_suffixes"))
}

// fetchIndicators adds every indicator of the collection to b, page after page.
func (c *collectionFlags) fetchIndicators(ctx context.Context, b *match.Builder) (sweep.LoadResult, error) {
	res := sweep.LoadResult{Format: "taxii"}
	col, err := c.Collection(ctx, c.collection)
	if err != nil {
		return res, fmt.Errorf("fetch indicators: %w", err)
	}
	err = col.EachPage(ctx, client.Query{Types: []string{"indicator"}}, func(page int, env client.Envelope) error {
		sweep.AddObjects(b, &res, fmt.Sprintf("collection %s page %d", c.collection, page), env.Objects)
		return nil
	})
	if err != nil {
		return res, fmt.Errorf("fetch indicators: %w", err)
	}
	return res, nil
}

// sightingsPerPost bounds the objects of one post of sightings.
const sightingsPerPost = 500

// report posts the sightings to the collection and returns how many the
// server accepted.
func (c *collectionFlags) report(ctx context.Context, s *sweep.Sightings, now time.Time) (int, error) {
	objs := s.Objects(now)
	if len(objs) == 0 {
		return 0, nil
	}
	col, err := c.Collection(ctx, c.collection)
	if err != nil {
		return 0, fmt.Errorf("report sightings: %w", err)
	}
	accepted := 0
	for start := 0; start < len(objs); start += sightingsPerPost {
		st, err := col.AddObjects(ctx, objs[start:min(start+sightingsPerPost, len(objs))])
		if err != nil {
			return accepted, fmt.Errorf("report sightings: %w", err)
		}
		accepted += st.SuccessCount + st.PendingCount
		if st.FailureCount > 0 {
			msg := ""
			if len(st.Failures) > 0 {
				msg = ": " + st.Failures[0].ID + ": " + st.Failures[0].Message
			}
			return accepted, fmt.Errorf("report sightings: %w", refuse(i18n.M("cli.sweep.hub_refused", strconv.Itoa(st.FailureCount), msg)))
		}
	}
	return accepted, nil
}

// offlineGate is the export gate of a command without a hub behind it:
// the built-in warninglists, those --warninglists names, and hostile
// scopes (exportgate.Offline); nil with --no-warninglists.
func offlineGate(g *globals, hub *gateFlags) (*exportgate.Gate, error) {
	if hub.noLists {
		return nil, nil
	}
	if err := hub.thresholds.Check(); err != nil {
		return nil, err
	}
	lists := warninglist.Builtin()
	for _, p := range hub.warninglists {
		ls, errs, err := warninglist.ReadPath(p)
		if err != nil {
			return nil, err
		}
		for _, e := range errs {
			g.note("warninglists", i18n.M("cli.warninglists.skipped", e.Error()))
		}
		lists = append(lists, ls...)
	}
	return exportgate.Offline(warninglist.New(lists), time.Time{}, hub.thresholds), nil
}

// tallyText says what the gate left out, for stderr.
func tallyText(g *globals, t exportgate.Tally) string {
	var parts []string
	for _, r := range []string{exportgate.RuleScope, exportgate.RuleWarninglist, exportgate.RuleReview} {
		if t[r] > 0 {
			parts = append(parts, g.say(i18n.M("cli.gate.by_rule", strconv.Itoa(t[r]), r)))
		}
	}
	return strings.Join(parts, ", ")
}
