package cli

import (
	"bufio"
	"context"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"renkei/internal/hunt"
)

type huntFlags struct {
	rules        []string
	mapping      string
	output       string
	minLevel     string
	workers      int
	fields       bool
	listUnloaded bool
	printMapping bool
}

func newHuntCmd(g *globals) *cobra.Command {
	f := &huntFlags{}
	cmd := &cobra.Command{
		Use:   "hunt --rules PATH... LOG...",
		Short: "Run Sigma rules over EVTX, JSON, Zeek and syslog logs (threat hunting)",
		Long: `hunt runs Sigma rules (detections, correlations and filters) over logs and prints one
record per match on stdout, and a summary on stderr.

Logs can be EVTX files (also forwarded-events logs), JSON (evtx_dump style, Winlogbeat/ECS,
plain; JSON lines or concatenated objects), Zeek TSV logs and syslog/auditd text; folders are
read recursively and "-" reads standard input. The format is recognised from the content.

Rules are mapped to Windows channels and event ids, and Sigma field names to the fields of each
input, by an editable YAML mapping: print the default with --print-mapping, change it, and pass
it back with --mapping. Rules that cannot be loaded are never dropped silently: the summary counts
them and --list-unloaded prints each with its file and reason.

Output (--output): jsonl (default; one JSON object per match), csv, or timeline (a time-ordered
table for people). Every record has rule_id, rule_title, level, file, record, timestamp,
computer, channel, event_id and tags.

Exit codes: 0 the hunt ran (whatever it found); 2 there was nothing to hunt with or in: no
rule could be loaded from --rules (or none is at --min-level or above), or no event could be
read from any input (every one was corrupt or not a log format), with the reason on stderr;
1 the command was wrong or an input could not be opened.`,
		Example: `  renkei hunt --rules sigma/rules/windows Security.evtx Sysmon.evtx
  renkei hunt --rules rules/ --min-level high --output timeline ./collected-logs/
  renkei hunt --rules rules/ --mapping my-mapping.yml - < winlogbeat.jsonl
  renkei hunt --rules rules/ --list-unloaded
  renkei hunt --print-mapping > my-mapping.yml`,
		RunE: func(cmd *cobra.Command, args []string) error {
			return runHunt(cmd.Context(), g, f, args)
		},
	}
	fl := cmd.Flags()
	fl.StringArrayVar(&f.rules, "rules", nil, "Sigma rule file or folder (repeatable)")
	fl.StringVar(&f.mapping, "mapping", "", "log source and field mapping YAML replacing the default")
	fl.StringVar(&f.output, "output", "jsonl", "output format: jsonl, csv or timeline")
	fl.StringVar(&f.minLevel, "min-level", "informational", "report only rules of this level or higher: informational, low, medium, high, critical")
	fl.IntVar(&f.workers, "workers", 0, "worker goroutines (default: one per CPU)")
	fl.BoolVar(&f.fields, "fields", false, "include every field of the matching event in jsonl output")
	fl.BoolVar(&f.listUnloaded, "list-unloaded", false, "print every rule that could not be loaded, with the reason, and exit")
	fl.BoolVar(&f.printMapping, "print-mapping", false, "print the default mapping YAML and exit")
	return withPackageFlags(g, f, cmd) // --package: run a signed hunting package from the hub (huntpkg.go)
}

func runHunt(ctx context.Context, g *globals, f *huntFlags, logs []string) error {
	if f.printMapping {
		_, err := g.stdout.Write(hunt.DefaultMappingYAML())
		return err
	}
	switch f.output {
	case "jsonl", "csv", "timeline":
	default:
		return fmt.Errorf("--output %q: want jsonl, csv or timeline", f.output)
	}
	if hunt.LevelRank(f.minLevel) == 0 && strings.ToLower(f.minLevel) != "informational" {
		return fmt.Errorf("--min-level %q: want one of %s", f.minLevel, strings.Join(hunt.Levels, ", "))
	}
	if len(f.rules) == 0 {
		return errors.New("no rules: give --rules PATH (a Sigma rule file or folder)")
	}
	opt := hunt.EngineOptions{MinLevel: f.minLevel}
	if f.mapping != "" {
		m, err := hunt.LoadMapping(f.mapping)
		if err != nil {
			return err
		}
		opt.Mapping = m
	}
	e, err := hunt.LoadEngine(f.rules, opt)
	if err != nil {
		return err
	}
	if f.listUnloaded {
		for _, le := range e.NotLoaded {
			fmt.Fprintln(g.stdout, le.Error())
		}
		for _, r := range e.Unmapped {
			fmt.Fprintf(g.stdout, "%s (rule %s): loaded, but log source %s has no mapping entry: runs only on events without a channel\n", r.Path, r.ID, r.Logsource)
		}
		fmt.Fprintf(g.stderr, "%s\n", e.Describe())
		return nil
	}
	if len(e.Rules) == 0 {
		if e.BelowLevel > 0 {
			return exitError{code: 2, msg: fmt.Sprintf("no rule to run: the %d rules loaded from --rules %s are all below --min-level %s", e.BelowLevel, strings.Join(f.rules, ", "), f.minLevel)}
		}
		return exitError{code: 2, msg: fmt.Sprintf("no Sigma rule could be loaded from --rules %s (%d not loaded: see --list-unloaded)", strings.Join(f.rules, ", "), len(e.NotLoaded))}
	}
	if len(logs) == 0 {
		return errors.New("no logs: give EVTX/JSON/Zeek/syslog files or folders, or - for standard input")
	}
	inputs, total, errs := hunt.ListInputs(logs)
	for _, err := range errs {
		fmt.Fprintf(g.stderr, "renkei: hunt: %v\n", err)
	}
	if len(inputs) == 0 {
		return errors.New("none of the given logs could be read")
	}
	if ctx == nil {
		ctx = context.Background()
	}
	ctx, stop := signal.NotifyContext(ctx, os.Interrupt)
	defer stop()

	bar := newProgress(g.stderr, total, "hunting")
	out := bufio.NewWriterSize(g.stdout, 1<<16)
	w := newMatchWriter(out, f.output)
	sum, runErr := e.Run(ctx, inputs, hunt.RunOptions{
		Workers: f.workers, MinLevel: f.minLevel, Stdin: g.stdin, Fields: f.fields,
		Progress: func(n int64) { _ = bar.Add64(n) },
	}, w.write)
	_ = bar.Finish()
	if err := w.close(); err != nil {
		return fmt.Errorf("write output: %w", err)
	}
	if err := out.Flush(); err != nil {
		return fmt.Errorf("write output: %w", err)
	}
	printSummary(g.stderr, e, sum)
	if runErr != nil {
		return runErr
	}
	if sum.Events == 0 && (len(sum.ReadErrors) > 0 || len(sum.Skipped) > 0) {
		return exitError{code: 2, msg: fmt.Sprintf("no event could be read from any of the %d inputs (%d read errors, %d not a log format): nothing was hunted", sum.Files, len(sum.ReadErrors), len(sum.Skipped))}
	}
	return nil
}

func printSummary(w io.Writer, e *hunt.Engine, s *hunt.Summary) {
	mbps := 0.0
	if s.Duration > 0 {
		mbps = float64(s.Bytes) / 1e6 / s.Duration.Seconds()
	}
	fmt.Fprintf(w, "hunt: %d files, %.1f MB, %d events read in %v (%.1f MB/s, %.0f events/s)\n",
		s.Files, float64(s.Bytes)/1e6, s.Events, s.Duration.Round(time.Millisecond), mbps, float64(s.Events)/max(s.Duration.Seconds(), 1e-9))
	fmt.Fprintf(w, "hunt: %s\n", e.Describe())
	var levels []string
	for i := len(hunt.Levels) - 1; i >= 0; i-- {
		if n := s.ByLevel[hunt.Levels[i]]; n > 0 {
			levels = append(levels, fmt.Sprintf("%s %d", hunt.Levels[i], n))
		}
	}
	if len(levels) == 0 {
		levels = []string{"none"}
	}
	fmt.Fprintf(w, "hunt: %d matches, %d correlation firings; by level: %s\n", s.Matches, s.Correlations, strings.Join(levels, ", "))
	if len(s.ReadErrors) > 0 {
		fmt.Fprintf(w, "hunt: %d read errors (corrupt records or lines skipped):\n", len(s.ReadErrors))
		for i, re := range s.ReadErrors {
			if i == 20 {
				fmt.Fprintf(w, "  ... and %d more\n", len(s.ReadErrors)-20)
				break
			}
			fmt.Fprintf(w, "  %v\n", re)
		}
	}
	if len(s.Skipped) > 0 {
		fmt.Fprintf(w, "hunt: %d files skipped, not a log format (binary): %s\n", len(s.Skipped), strings.Join(firstN(s.Skipped, 5), ", "))
	}
	if len(e.NotLoaded) > 0 {
		fmt.Fprintf(w, "hunt: %d rules not loaded (see --list-unloaded)\n", len(e.NotLoaded))
	}
}

// matchWriter writes matches in one of the output formats. The timeline is
// sorted by time, so it is written at the end.
type matchWriter struct {
	w       io.Writer
	format  string
	enc     *json.Encoder
	csv     *csv.Writer
	pending []*hunt.Match
	err     error
}

var csvHeader = []string{"timestamp", "rule_id", "rule_title", "level", "computer", "channel", "event_id", "file", "record", "tags"}

func newMatchWriter(w io.Writer, format string) *matchWriter {
	mw := &matchWriter{w: w, format: format}
	switch format {
	case "jsonl":
		mw.enc = json.NewEncoder(w)
		mw.enc.SetEscapeHTML(false)
	case "csv":
		mw.csv = csv.NewWriter(w)
		mw.err = mw.csv.Write(csvHeader)
	}
	return mw
}

func (mw *matchWriter) write(m *hunt.Match) {
	if mw.err != nil {
		return
	}
	if m.Tags == nil {
		m.Tags = []string{}
	}
	switch mw.format {
	case "jsonl":
		mw.err = mw.enc.Encode(m)
	case "csv":
		mw.err = mw.csv.Write([]string{m.Timestamp, m.RuleID, m.RuleTitle, m.Level, m.Computer, m.Channel, m.EventID,
			m.File, strconv.FormatInt(m.Record, 10), strings.Join(m.Tags, " ")})
	default:
		mw.pending = append(mw.pending, m)
	}
}

func (mw *matchWriter) close() error {
	if mw.err != nil {
		return mw.err
	}
	switch mw.format {
	case "csv":
		mw.csv.Flush()
		return mw.csv.Error()
	case "timeline":
		sort.SliceStable(mw.pending, func(i, j int) bool { return mw.pending[i].Timestamp < mw.pending[j].Timestamp })
		tw := bufio.NewWriter(mw.w)
		fmt.Fprintf(tw, "%-27s %-13s %-20s %-45s %s\n", "TIME", "LEVEL", "COMPUTER", "CHANNEL / EVENT", "RULE  (file:record)")
		for _, m := range mw.pending {
			where := m.Channel
			if m.EventID != "" {
				where += " / " + m.EventID
			}
			fmt.Fprintf(tw, "%-27s %-13s %-20s %-45s %s  (%s:%d)\n", m.Timestamp, m.Level, m.Computer, where, m.RuleTitle, m.File, m.Record)
		}
		return tw.Flush()
	}
	return nil
}

func firstN(a []string, n int) []string {
	if len(a) <= n {
		return a
	}
	return append(append([]string(nil), a[:n]...), fmt.Sprintf("and %d more", len(a)-n))
}
